"""The study's tables: every row's summary, criterion statistics and α* in one file each."""

import sys

import pandas as pd
import pyarrow as pa

from modelcollapse.core.io import write_tables

sys.stderr = open(snakemake.log[0], "w")
tables = {
    name: pd.concat([pd.read_parquet(path) for path in snakemake.input[name]], ignore_index=True)
    for name in ("summary", "criteria", "safe")
}
write_tables(
    {
        **{snakemake.output[name]: pa.Table.from_pandas(t, preserve_index=False) for name, t in tables.items()},
        snakemake.output.safe_csv: tables["safe"].to_csv(index=False, float_format="%.6g"),
    }
)
