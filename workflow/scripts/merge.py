"""The study's tables: every row's summary, criterion statistics and α* in one file each."""

import sys

import pyarrow as pa

from modelcollapse.core.io import write_tables
from modelcollapse.process import end_of_process
from modelcollapse.study.aggregate import read_rows

sys.stderr = open(snakemake.log[0], "w")
# The row tables carry no pandas metadata: the merged files record the columns' pandas types for
# their readers (nullable Int64 counts, docs/outputs.md).
tables = read_rows({name: snakemake.input[name] for name in ("summary", "criteria", "safe")})
write_tables(
    {
        **{snakemake.output[name]: pa.Table.from_pandas(t, preserve_index=False) for name, t in tables.items()},
        snakemake.output.safe_csv: tables["safe"].to_csv(index=False, float_format="%.6g"),
    }
)
end_of_process()
