"""The numbers of a finished study, one SHA-256 per column of each table: what the test study
must keep producing (tests/data/test_small.json) unless a change means to alter results.

    python tests/results_digest.py results/test_small > tests/data/test_small.json

records a run of `snakemake study --configfile .test/config/config.yaml` after such a change
(say so in the CHANGELOG). Only values count: provenance metadata (version, build) does not.
"""

import hashlib
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

TABLES = ("summary", "criteria", "safe_fraction")


def column_digest(values: list) -> str:
    """SHA-256 of a column's values as exact text (repr keeps every bit of a float; NaN, None)."""
    return hashlib.sha256("\n".join(map(repr, values)).encode()).hexdigest()


def digests(results: Path) -> dict:
    """{table: {column: digest}} of the study's merged tables and of its simulations (every
    sims/ and probes/ file, in name order)."""
    out = {}
    for name in TABLES:
        table = pq.read_table(results / f"{name}.parquet")
        out[name] = {column: column_digest(table[column].to_pylist()) for column in table.column_names}
    for folder in ("sims", "probes"):
        for path in sorted((results / folder).glob("*.parquet")):
            table = pq.read_table(path)
            out[f"{folder}/{path.name}"] = {column: column_digest(table[column].to_pylist()) for column in table.column_names}
    return out


if __name__ == "__main__":
    print(json.dumps(digests(Path(sys.argv[1])), indent=1, sort_keys=True))
