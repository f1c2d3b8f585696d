"""Run one simulation of the `paper` target (a figure's or the theorem table's) and write each
of its tables as Parquet."""

import sys

from modelcollapse.paper import experiments

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
name, cfg = snakemake.params.experiment, snakemake.params.cfg
if name in experiments.FIGURE_SIMULATIONS:
    tables = {"table": experiments.FIGURE_SIMULATIONS[name](cfg)}
else:
    tables = experiments.THEOREM_SIMULATIONS[name](cfg)
for output, table in tables.items():
    experiments.write_table(table, snakemake.output[output])
    print(f"{output}: {len(table)} rows -> {snakemake.output[output]}")
