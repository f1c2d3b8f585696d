"""Run one claim's simulation (the `claims` target) and write its table as Parquet."""

import sys

import pyarrow as pa

from modelcollapse.claims import experiments
from modelcollapse.core.io import write_parquet

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
claim = snakemake.wildcards.claim
table = experiments.SIMULATIONS[claim](snakemake.params.cfg)
write_parquet(pa.Table.from_pandas(table, preserve_index=False), snakemake.output.table)
print(f"{claim}: {len(table)} rows -> {snakemake.output.table}")
