"""Throughput of the simulation engine (docs/design.md, "A compiled engine and a reference
engine"), measured in one run on this machine.

For each benchmark cell it prints
  * ours   — `simulate_cell` (compiled engine, per-replicate streams, all the `sims/` metrics of
             docs/outputs.md), timed in process after one warm-up call;
  * limit  — the raw NumPy binomial-sampling limit: the scenario-`mixed` loop (docs/model.md,
             paper eq 17) vectorised over replicates with ONE Generator and no metrics: per
             generation `rng.multinomial(n_synthetic, P)` with P the (R, vocab) current
             distributions, plus the fixed real counts;
  * naive  — the loop public model-collapse code writes: per replicate and generation
             `rng.choice(vocab, n, p=p)`, `np.bincount(..., minlength=vocab)` and the same
             per-generation metrics with NumPy (it may run a subset of the seeds and be scaled
             linearly; the table says so);
and the ratios ours/limit and naive/ours. Bars: (b), (c) ours ≤ 2 × limit; (a), (d) ours ≥ 100×
faster than naive. Then cell (c) again with each sampler of SAMPLERS drawing the synthetic data
(docs/samplers.md), timed like ours in the same run, and its ratio to the exact sampler's time
(bar: ≤ 1.5 for a truncating sampler, which ranks the model's tokens every generation). Ratios use process CPU time by default (all three are single-threaded, so
CPU time is what the code costs, whatever else the machine is running); wall time is printed too.

Then whole processes, what a workflow job pays (start-up, imports, simulation, Parquet): the CPU
time (user + system, median of --process-runs runs, the two commands alternated) of
  * `modelcollapse simulate` of a one-replicate cell (bar ≤ 0.4 s), and
  * `modelcollapse simulate` of cell (c) against benchmarks/plain_numpy_cell.py, a plain
    vectorised-NumPy process simulating the same cell and writing the same Parquet table
    (bar: ours ≤ 1.2 × plain),
each as a workflow job runs (OPENBLAS_NUM_THREADS=1, which Snakemake sets for a one-thread job;
the bars apply here) and, for comparison, as in a plain shell, where NumPy's OpenBLAS starts a
thread per core at import.

Usage: .venv/bin/python benchmarks/simulate.py [--repeat 3] [--naive-seconds 4] [--clock cpu|wall]
       [--process-runs 5] [--strict]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import machine, process_cpu

from modelcollapse.core import initial
from modelcollapse.core.simulate import Cell, simulate_cell

ROOT = 2024

# name: (description, p0 factory, n, seeds, generations, α, bar)
CELLS = {
    "a": (
        "vocab 600, target s̃=52 S₀=0.1, n 10, α 1",
        lambda: initial.target(600, 52, 0.1),
        10,
        100,
        500,
        1.0,
        "naive",
    ),
    "b": ("vocab 1000, zipf 1.1, n 1000, α 0.5", lambda: initial.zipf(1000, 1.1), 1000, 100, 100, 0.5, "limit"),
    "c": ("vocab 10⁴, zipf 1.1, n 10⁴, α 0.5", lambda: initial.zipf(10_000, 1.1), 10_000, 100, 100, 0.5, "limit"),
    "d": ("vocab 2, uniform, n 100, α 1", lambda: initial.uniform(2), 100, 5000, 200, 1.0, "naive"),
}
LIMIT_BAR = 2.0  # ours ≤ 2 × the binomial limit
NAIVE_BAR = 100.0  # ours ≥ 100 × faster than naive
ONE_REPLICATE_BAR = 0.4  # CPU seconds of a one-replicate cell as a whole process
PLAIN_PROCESS_BAR = 1.2  # ours ≤ 1.2 × the plain NumPy process, both whole processes
SAMPLERS = ("top_k:50", "top_p:0.9", "temperature:0.7,top_p:0.9", "top_p:0.999", "temperature:0.7")
SAMPLER_BAR = 1.5  # a truncating sampler's time ≤ 1.5 × the exact sampler's, cell (c)
PROCESS_CELL = dict(vocab=10_000, n=10_000, synthetic_fraction=0.5, seeds=100, generations=100)  # cell (c)


def timed(fn, repeat=1):
    """(CPU seconds, wall seconds) of the fastest of `repeat` calls (fastest by CPU time)."""
    best = (np.inf, np.inf)
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        now = (time.process_time() - cpu, time.perf_counter() - wall)
        best = min(best, now)
    return best


def ours(p0, cell, R, G):
    return simulate_cell(p0, cell, range(R), G, ROOT)


def binomial_limit(p0, cell, R, G, seed=0):
    """Scenario `mixed` (docs/model.md, paper eq 17), vectorised over the R replicates, one Generator,
    no metrics."""
    rng = np.random.default_rng(seed)
    P0 = np.broadcast_to(p0, (R, p0.size))
    N, n_syn, n = cell.n_real, cell.n_synthetic, cell.n
    if N > 0:
        real = rng.multinomial(N, P0)  # fixed real counts
        cur = real / N
    else:
        real = 0
        cur = rng.multinomial(n, P0) / n
    for _ in range(2, G + 1):
        cur = (real + rng.multinomial(n_syn, cur)) / n
    return cur


def naive(p0, cell, R, G, seed=0):
    """Per replicate and generation: rng.choice + bincount + the metrics, with NumPy."""
    rng = np.random.default_rng(seed)
    vocab, N, n_syn, n = cell.vocab, cell.n_real, cell.n_synthetic, cell.n
    out = np.empty((R, G + 1, 9))
    for r in range(R):
        if N > 0:
            real = np.bincount(rng.choice(vocab, N, p=p0), minlength=vocab)
            counts, total = real, N
        else:
            real = 0
            counts, total = np.bincount(rng.choice(vocab, n, p=p0), minlength=vocab), n
        first = counts / total
        p = first
        for m in range(1, G + 1):
            if m >= 2:
                counts = real + np.bincount(rng.choice(vocab, n_syn, p=p), minlength=vocab)
                p = counts / n
            nz = p[p > 0]
            out[r, m] = (
                (p * p).sum(),
                p.max(),
                np.abs(p - first).sum(),
                np.abs(p - p0).sum(),
                ((p - first) ** 2).sum(),
                nz.size,
                -(nz * np.log(nz)).sum(),
                p.max() == 1.0,
                p.argmax(),
            )
    return out


def samplers(repeat: int, k: int) -> bool:
    """Print cell (c) under each of SAMPLERS beside the exact sampler; return whether the bar passes."""
    desc, make_p0, n, R, G, alpha, _ = CELLS["c"]
    p0 = make_p0()
    exact = timed(lambda: ours(p0, Cell("mixed", n, p0.size, alpha), R, G), repeat)
    print(f"\nsamplers of the synthetic draws, cell (c) {desc}, {R} seeds x {G} generations, {'cpu' if k == 0 else 'wall'} time:")
    print(f"  exact {exact[k]:.3f} s")
    ok = True
    for spec in SAMPLERS:
        cell = Cell("mixed", n, p0.size, alpha, sampler=spec)
        ours(p0, cell, 2, 2)  # warm-up
        t = timed(lambda: ours(p0, cell, R, G), repeat)
        ratio = t[k] / exact[k]
        truncating = "top_" in spec
        passed = ratio <= SAMPLER_BAR or not truncating
        ok &= passed
        verdict = f"{'PASS' if passed else 'FAIL'} (bar: <= {SAMPLER_BAR:g} x exact)" if truncating else "(no bar: no truncation)"
        print(f"  {spec} {t[k]:.3f} s, {ratio:.2f} x exact -> {verdict}")
    return ok


def whole_processes(runs: int) -> bool:
    """Print the whole-process timings of the module docstring; return whether the bars pass."""

    def flags(cell):
        return [f"--{key.replace('_', '-')}={value}" for key, value in cell.items()]

    ours = [sys.executable, "-m", "modelcollapse", "simulate", "--quiet"]
    plain = [sys.executable, str(Path(__file__).with_name("plain_numpy_cell.py"))]
    one = dict(vocab=10, n=10, synthetic_fraction=0.5, seeds=1, generations=1)
    ok = True
    print(f"\nwhole processes, CPU time (user + system), median of {runs} runs:")
    with tempfile.TemporaryDirectory() as scratch:
        out = ["--sims-file", f"{scratch}/ours.parquet"]
        job_env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # what Snakemake sets for a one-thread job
        shell_env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}  # OpenBLAS: a thread per core
        for label, env, job in (("workflow job (OPENBLAS_NUM_THREADS=1)", job_env, True), ("plain shell", shell_env, False)):
            single = np.median([process_cpu(ours + flags(one) + out, env) for _ in range(runs)])
            times = {"ours": [], "plain": []}
            for _ in range(runs):  # alternated, so drifts of the machine hit both alike
                times["ours"].append(process_cpu(ours + flags(PROCESS_CELL) + out, env))
                times["plain"].append(process_cpu(plain + flags(PROCESS_CELL) + ["--out", f"{scratch}/plain.parquet"], env))
            t_ours, t_plain = np.median(times["ours"]), np.median(times["plain"])
            line = (
                f"  {label}: one-replicate cell {single:.3f} s; cell (c): ours {t_ours:.2f} s, "
                f"plain NumPy process {t_plain:.2f} s, ours/plain {t_ours / t_plain:.2f}"
            )
            if job:  # the bars are for workflow jobs; the plain shell is shown for comparison
                passed = single <= ONE_REPLICATE_BAR and t_ours <= PLAIN_PROCESS_BAR * t_plain
                ok &= passed
                line += (
                    f" -> {'PASS' if passed else 'FAIL'} (bars: one-replicate cell <= {ONE_REPLICATE_BAR} s, "
                    f"ours/plain <= {PLAIN_PROCESS_BAR})"
                )
            print(line)
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fastest of this many timings for ours and limit")
    parser.add_argument(
        "--naive-seconds",
        type=float,
        default=4.0,
        help="time budget of the naive loop per cell: it runs the seeds that fit and is scaled linearly",
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="clock of the ratios and bars: process CPU time (default; all three codes are "
        "single-threaded, and CPU time does not count other load on the machine) or wall time",
    )
    parser.add_argument("--cells", default="abcd", help="which cells to run (default: abcd)")
    parser.add_argument("--process-runs", type=int, default=5, help="runs per whole-process timing (0: skip them)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a bar fails")
    args = parser.parse_args(argv)
    k = 0 if args.clock == "cpu" else 1

    print(machine())
    print("ours: simulate_cell (the compiled engine) timed in process after one warm-up call.")
    print(f"ours and limit: fastest of {args.repeat} runs; naive: one run. Ratios and bars use {args.clock} time;")
    print("throughput = replicates × generations / time (replicate·generations per second).\n")
    rows, failed = [], False
    for key in args.cells:
        desc, make_p0, n, R, G, alpha, bar = CELLS[key]
        p0 = make_p0()
        cell = Cell("mixed", n, p0.size, alpha)
        ours(p0, cell, 2, 2)  # warm-up
        t_ours = timed(lambda: ours(p0, cell, R, G), args.repeat)
        t_limit = timed(lambda: binomial_limit(p0, cell, R, G), args.repeat)
        # naive: time one replicate, then run as many as fit in the budget and scale linearly
        one = timed(lambda: naive(p0, cell, 1, G))[k]
        R_naive = int(min(R, max(1, args.naive_seconds // max(one, 1e-9))))
        t_naive = tuple(t * R / R_naive for t in timed(lambda: naive(p0, cell, R_naive, G, seed=1)))
        limit_ratio, naive_ratio = t_ours[k] / t_limit[k], t_naive[k] / t_ours[k]
        if bar == "limit":
            ok, bar_text = limit_ratio <= LIMIT_BAR, f"ours/limit <= {LIMIT_BAR:g}"
        else:
            ok, bar_text = naive_ratio >= NAIVE_BAR, f"naive/ours >= {NAIVE_BAR:g}"
        failed |= not ok
        rows.append(
            dict(
                key=key,
                desc=desc,
                R=R,
                G=G,
                ours=t_ours,
                limit=t_limit,
                naive=t_naive,
                R_naive=R_naive,
                limit_ratio=limit_ratio,
                naive_ratio=naive_ratio,
                bar=bar_text,
                ok=ok,
            )
        )
        print(
            f"({key}) {desc}, {R} seeds x {G} generations: ours {t_ours[k]:.3f} s, limit {t_limit[k]:.3f} s, "
            f"naive {t_naive[k]:.2f} s"
            + (f" (ran {R_naive}/{R} seeds, scaled x{R / R_naive:.3g})" if R_naive < R else "")
            + f" -> {'PASS' if ok else 'FAIL'} ({bar_text})",
            flush=True,
        )

    print(f"\n{args.clock} time (wall time in brackets):")
    header = (
        "cell",
        "seeds x gens",
        "ours s",
        "ours rep·gen/s",
        "limit s",
        "naive s",
        "ours/limit",
        "naive/ours",
        "bar",
        "",
    )
    lines = [header]
    for r in rows:
        lines.append(
            (
                f"({r['key']})",
                f"{r['R']} x {r['G']}",
                f"{r['ours'][k]:.3f} [{r['ours'][1]:.3f}]",
                f"{r['R'] * r['G'] / r['ours'][k]:,.0f}",
                f"{r['limit'][k]:.3f} [{r['limit'][1]:.3f}]",
                f"{r['naive'][k]:.2f} [{r['naive'][1]:.2f}]" + ("*" if r["R_naive"] < r["R"] else ""),
                f"{r['limit_ratio']:.2f}",
                f"{r['naive_ratio']:.0f}",
                r["bar"],
                "PASS" if r["ok"] else "FAIL",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
    scaled = [f"({r['key']}) {r['R_naive']} of {r['R']} seeds" for r in rows if r["R_naive"] < r["R"]]
    if scaled:
        print("* naive ran a subset of the seeds and was scaled linearly: " + ", ".join(scaled))
    for r in rows:
        print(f"({r['key']}) {r['desc']}")
    if "c" in args.cells:
        failed |= not samplers(args.repeat, k)
    if args.process_runs:
        failed |= not whole_processes(args.process_runs)
    print("\nall bars PASS" if not failed else "\nsome bars FAIL")
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
