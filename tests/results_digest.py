"""What the test study must keep producing unless a change means to alter results: every column
of every row's simulations (sims/, probes/) as a SHA-256 of its values, and the merged tables'
values themselves (the summary at the last generation, the criteria, α*) in tests/data/test_small/.

    python tests/results_digest.py results/test_small tests/data/test_small

records a run of `snakemake study --configfile .test/config/config.yaml` after such a change
(say so in the CHANGELOG). Only values count, never provenance metadata (version, build). The
engine's files must match bit for bit; the merged tables' floats within 4 units in the last place,
because NumPy's exp and log take other code paths on AVX-512 CPUs.
"""

import hashlib
import json
import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

MERGED = ("summary", "criteria", "safe_fraction")


def column_digest(values: list) -> str:
    """SHA-256 of a column's values as exact text (repr keeps every bit of a float; NaN, None)."""
    return hashlib.sha256("\n".join(map(repr, values)).encode()).hexdigest()


def simulation_digests(results: Path) -> dict:
    """{folder/row: {column: digest}} of every row's grid (sims/) and refinement probe (probes/)
    simulations, whichever files hold them (a probe refined in its row's job or in rounds of jobs),
    rows sorted by cell, seed and generation."""
    out = {}
    for folder in ("sims", "probes"):
        files = {}
        for path in sorted((results / folder).rglob("*.parquet")):
            # sims/{row}_f{block}_s{block}, probes/{row}, probes/{row}/round{r}_f{block}_s{block}
            row = path.parent.name if path.parent.name != folder else re.sub(r"_f\d+_s\d+$", "", path.stem)
            files.setdefault(row, []).append(pq.read_table(path).replace_schema_metadata(None))
        for row, tables in files.items():
            table = pa.concat_tables(tables).sort_by([(key, "ascending") for key in ("n", "n_synthetic", "seed", "generation")])
            out[f"{folder}/{row}"] = {column: column_digest(table[column].to_pylist()) for column in table.column_names}
    return out


def merged_tables(results: Path) -> dict:
    """{name: Arrow table} of the merged tables, without provenance; the summary at generation G."""
    tables = {name: pq.read_table(results / f"{name}.parquet").replace_schema_metadata(None) for name in MERGED}
    summary = tables["summary"]
    tables["summary"] = summary.filter(pc.equal(summary["generation"], pc.max(summary["generation"])))
    return tables


def record(results: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "simulations.json").write_text(json.dumps(simulation_digests(results), indent=1, sort_keys=True) + "\n")
    for name, table in merged_tables(results).items():
        pq.write_table(table, folder / f"{name}.parquet")


if __name__ == "__main__":
    record(Path(sys.argv[1]), Path(sys.argv[2]))
