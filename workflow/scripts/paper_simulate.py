"""Run the theorem simulations of the `paper` target and write each table as Parquet."""

import sys

from modelcollapse.paper import experiments

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
tables = experiments.THEOREM_SIMULATIONS[snakemake.params.experiment](snakemake.params.cfg)
for name, table in tables.items():
    experiments.write_table(table, snakemake.output[name])
    print(f"{name}: {len(table)} rows -> {snakemake.output[name]}")
