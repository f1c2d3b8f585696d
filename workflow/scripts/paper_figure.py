"""Simulate one figure of the paper, keep its table as Parquet, draw it as PNG and PDF."""

import sys

from modelcollapse.paper import experiments
from modelcollapse.paper.figures import FIGURES

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
name, cfg = snakemake.params.figure, snakemake.params.cfg
table = experiments.FIGURE_SIMULATIONS[name](cfg)
experiments.write_table(table, snakemake.output.table)
figure = FIGURES[name](table, cfg)
figure.savefig(snakemake.output.png, dpi=150)
figure.savefig(snakemake.output.pdf)
print(f"{name}: {len(table)} rows")
