"""The study's α*(n) figure, PNG and PDF, from safe_fraction.parquet."""

import sys

import pandas as pd

from modelcollapse.study.plotting import safe_fraction_figure

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
title = (
    f"Study '{p.study}': maximum safe synthetic fraction α*\n"
    f"scenario {p.scenario}, G = {p.generations}, {p.seeds} seeds, initial {p.initial}"
)
fig = safe_fraction_figure(pd.read_parquet(snakemake.input.safe), title)
for ext in ("png", "pdf"):
    fig.savefig(snakemake.output[ext], dpi=150, bbox_inches="tight")
