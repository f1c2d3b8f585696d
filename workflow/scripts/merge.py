"""The study's tables: every row's summary, criterion statistics and α* in one file each."""

import sys

import pyarrow as pa

from modelcollapse.core.io import provenance, with_content_digest, write_tables
from modelcollapse.study.aggregate import STUDY_TABLES, read_rows

sys.stderr = open(snakemake.log[0], "w")
# Every row table must be this study's (its identity); the merged files record the columns' pandas
# types for their readers (nullable Int64 counts, docs/outputs.md) and the rows' provenance.
tables = read_rows({name: snakemake.input[name] for name in STUDY_TABLES}, snakemake.params.identity)
made = provenance(snakemake.input.summary[0])
write_tables(
    {
        **{
            snakemake.output[name]: with_content_digest(
                pa.Table.from_pandas(t, preserve_index=False), {**made, "table": STUDY_TABLES[name]}
            )
            for name, t in tables.items()
        },
        snakemake.output.safe_csv: tables["safe"].to_csv(index=False, float_format="%.6g"),
    }
)
