"""Draw one figure of the paper, PNG and PDF, from the table its simulation rule wrote."""

import sys

import pandas as pd

from modelcollapse.paper.figures import FIGURES

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
name, cfg = snakemake.params.figure, snakemake.params.cfg
figure = FIGURES[name](pd.read_parquet(snakemake.input.table), cfg)
figure.savefig(snakemake.output.png, dpi=150)
figure.savefig(snakemake.output.pdf)
