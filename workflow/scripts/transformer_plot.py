"""Draw Figure 5 (paper §4.1) from the drift and validation-loss tables."""

import json
import sys

import pandas as pd

from modelcollapse.transformer import plots

sys.stdout = sys.stderr = open(snakemake.log[0], "w")

with open(snakemake.input.meta) as handle:
    meta = json.load(handle)
figure = plots.plot_fig5(pd.read_parquet(snakemake.input.drift), pd.read_parquet(snakemake.input.val_loss), meta)
figure.savefig(snakemake.output.png, dpi=150)
figure.savefig(snakemake.output.pdf)
