"""The study's α*(n) figure, PNG and PDF, from the α* tables the row jobs wrote."""

import sys

from modelcollapse.study.aggregate import read_row_tables
from modelcollapse.study.plotting import safe_fraction_figure, save_figure

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
title = (
    f"Study '{p.study}': maximum safe synthetic fraction α*\n"
    f"scenario {p.scenario}, G = {p.generations}, {p.seeds} seeds, initial {p.initial}"
)
fig = safe_fraction_figure(read_row_tables({"safe": snakemake.input.safe})["safe"], title)
save_figure(fig, [snakemake.output.png, snakemake.output.pdf])
