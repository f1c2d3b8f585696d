"""The study's tables: every row's summary, criterion statistics and α* in one file each."""

import sys

import pandas as pd
import pyarrow as pa

from modelcollapse.io import write_parquet

sys.stderr = open(snakemake.log[0], "w")
for name in ("summary", "criteria", "safe"):
    table = pd.concat([pd.read_parquet(path) for path in snakemake.input[name]], ignore_index=True)
    write_parquet(pa.Table.from_pandas(table, preserve_index=False), snakemake.output[name])
    if name == "safe":
        table.to_csv(snakemake.output.safe_csv, index=False, float_format="%.6g")
