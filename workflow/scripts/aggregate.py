"""Summary table and maximum safe synthetic fraction of the study (DESIGN.md §4–5)."""

import sys

import pyarrow as pa

from modelcollapse.aggregate import aggregate_study
from modelcollapse.io import write_parquet

sys.stderr = open(snakemake.log[0], "w")
summary, safe = aggregate_study(snakemake.input.sims, snakemake.input.initial, snakemake.params.config)
write_parquet(pa.Table.from_pandas(summary, preserve_index=False), snakemake.output.summary)
write_parquet(pa.Table.from_pandas(safe, preserve_index=False), snakemake.output.safe)
safe.to_csv(snakemake.output.safe_csv, index=False, float_format="%.6g")
