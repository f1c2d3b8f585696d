"""Run the theorem simulations of the `paper` target and write each table as Parquet."""

import sys

from modelcollapse import paper

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
tables = paper.THEOREM_SIMULATIONS[snakemake.params.experiment](snakemake.params.cfg)
for name, table in tables.items():
    paper.write_table(table, snakemake.output[name])
    print(f"{name}: {len(table)} rows -> {snakemake.output[name]}")
