"""The baseline process of `benchmarks/simulate.py`, "whole processes": one cell simulated the way
plain NumPy code would, as its own process: scenario `mixed` (docs/model.md, paper eq 17)
vectorised over the replicates with one Generator (`multinomial` on the (R, vocab) current
distributions), the docs/outputs.md metrics per generation with NumPy, and the same Parquet
table as `modelcollapse simulate` writes (same columns, page checksums). It imports NumPy and
pyarrow only, and builds its Arrow columns from NumPy buffers (no pandas import), as a careful
plain script would.

Usage: python benchmarks/plain_numpy_cell.py --vocab 10000 --n 10000 --synthetic-fraction 0.5
       --seeds 100 --generations 100 --out cell.parquet
"""

import argparse

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def column(values: np.ndarray) -> pa.Array:
    dtype = pa.from_numpy_dtype(values.dtype)
    data = np.packbits(values, bitorder="little") if values.dtype == bool else np.ascontiguousarray(values)
    return pa.Array.from_buffers(dtype, values.size, [None, pa.py_buffer(data)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, kind in (("--vocab", int), ("--n", int), ("--synthetic-fraction", float), ("--seeds", int), ("--generations", int)):
        parser.add_argument(flag, type=kind, required=True)
    parser.add_argument("--exponent", type=float, default=1.1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    R, G, vocab, n = args.seeds, args.generations, args.vocab, args.n
    n_real = int(np.floor((1 - args.synthetic_fraction) * n + 0.5))
    n_syn = n - n_real
    p0 = 1.0 / np.arange(1, vocab + 1) ** args.exponent
    p0 /= p0.sum()

    rng = np.random.default_rng(2024)
    out = np.empty((R, G + 1, 9))
    out[:, 0] = [(p0 * p0).sum(), p0.max(), np.nan, 0.0, np.nan, vocab, -(p0 * np.log(p0)).sum(), 0.0, 0]
    real = rng.multinomial(n_real, np.broadcast_to(p0, (R, vocab)))
    first = real / n_real
    p = first
    for m in range(1, G + 1):
        if m >= 2:
            p = (real + rng.multinomial(n_syn, p)) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(p > 0, p * np.log(p), 0.0)
        out[:, m, 0] = (p * p).sum(axis=1)
        out[:, m, 1] = p.max(axis=1)
        out[:, m, 2] = np.abs(p - first).sum(axis=1)
        out[:, m, 3] = np.abs(p - p0).sum(axis=1)
        out[:, m, 4] = ((p - first) ** 2).sum(axis=1)
        out[:, m, 5] = (p > 0).sum(axis=1)
        out[:, m, 6] = -plogp.sum(axis=1)
        out[:, m, 7] = out[:, m, 1] == 1.0
        out[:, m, 8] = p.argmax(axis=1)
    collapsed = out[:, 1:, 7] == 1.0
    collapse_time = np.where(collapsed.any(axis=1), collapsed.argmax(axis=1) + 1, -1)

    rows = R * (G + 1)
    flat = out.reshape(rows, 9)
    scenario = b"mixed"
    columns = {
        "scenario": pa.Array.from_buffers(
            pa.string(), rows, [None, pa.py_buffer((np.arange(rows + 1) * len(scenario)).astype(np.int32)), pa.py_buffer(scenario * rows)]
        ),
        "n": column(np.full(rows, n)),
        "vocab": column(np.full(rows, vocab)),
        "synthetic_fraction": column(np.full(rows, args.synthetic_fraction)),
        "effective_fraction": column(np.full(rows, n_syn / n)),
        "n_real": column(np.full(rows, n_real)),
        "n_synthetic": column(np.full(rows, n_syn)),
        "seed": column(np.repeat(np.arange(R), G + 1)),
        "generation": column(np.tile(np.arange(G + 1), R)),
    }
    names = ("simpson", "max_prob", "l1_from_first", "l1_from_truth", "l2sq_from_first", "support", "entropy", "collapsed", "top_token")
    for k, name in enumerate(names):
        values = flat[:, k]
        columns[name] = column(
            values == 1.0 if name == "collapsed" else values.astype(np.int64) if name in ("support", "top_token") else values
        )
    T = np.repeat(collapse_time, G + 1)
    columns["collapse_time"] = pa.Array.from_buffers(
        pa.int64(), rows, [pa.py_buffer(np.packbits(T >= 0, bitorder="little")), pa.py_buffer(np.maximum(T, 0))]
    )
    pq.write_table(pa.Table.from_arrays(list(columns.values()), names=list(columns)), args.out, write_page_checksum=True)


if __name__ == "__main__":
    main()
