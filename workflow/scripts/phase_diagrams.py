"""The phase diagram of one criterion, PNG and PDF, from the statistics the row jobs wrote."""

import sys

import pandas as pd

from modelcollapse.study.plotting import phase_diagram

sys.stderr = open(snakemake.log[0], "w")
p, criterion = snakemake.params, snakemake.wildcards.criterion
title = f"Study '{p.study}', scenario {p.scenario}, G = {p.generations}, {p.seeds} seeds, initial {p.initial} — criterion '{criterion}'"
fig = phase_diagram(pd.read_parquet(snakemake.input.criteria), pd.read_parquet(snakemake.input.safe), criterion, p.threshold, title)
for ext in ("png", "pdf"):
    fig.savefig(snakemake.output[ext], dpi=150, bbox_inches="tight")
