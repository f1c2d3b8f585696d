"""The phase diagram of one criterion, PNG and PDF, from the statistics the row jobs wrote."""

import sys

from modelcollapse.study.aggregate import read_row_tables
from modelcollapse.study.plotting import phase_diagram, save_figure

sys.stderr = open(snakemake.log[0], "w")
p, criterion = snakemake.params, snakemake.wildcards.criterion
title = f"Study '{p.study}', scenario {p.scenario}, G = {p.generations}, {p.seeds} seeds, initial {p.initial} — criterion '{criterion}'"
tables = read_row_tables({"criteria": snakemake.input.criteria, "safe": snakemake.input.safe})
fig = phase_diagram(tables["criteria"], tables["safe"], criterion, p.threshold, title)
save_figure(fig, [snakemake.output.png, snakemake.output.pdf])
