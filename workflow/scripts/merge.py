"""The study's tables: every row's summary, criterion statistics and α* in one file each."""

import sys

import pyarrow as pa

from modelcollapse.core.io import provenance, with_provenance, write_tables
from modelcollapse.study.aggregate import read_rows

sys.stderr = open(snakemake.log[0], "w")
# The merged files record the columns' pandas types for their readers (nullable Int64 counts,
# docs/outputs.md) and the rows' provenance (the same for every row of a study).
tables = read_rows({name: snakemake.input[name] for name in ("summary", "criteria", "safe")})
made = provenance(snakemake.input.summary[0])
write_tables(
    {
        **{snakemake.output[name]: with_provenance(pa.Table.from_pandas(t, preserve_index=False), made) for name, t in tables.items()},
        snakemake.output.safe_csv: tables["safe"].to_csv(index=False, float_format="%.6g"),
    }
)
