"""The study's figure α* against the tolerance, PNG and PDF, from tolerance.parquet."""

import sys

from modelcollapse.study.aggregate import check_study_tables
from modelcollapse.study.plotting import save_figure, tolerance_figure

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
title = (
    f"Study '{p.study}': maximum safe synthetic fraction α* against the tolerance\n"
    f"scenario {p.scenario}, G = {p.generations}, {p.seeds} seeds, initial {p.initial}"
)
fig = tolerance_figure(check_study_tables({"tolerance": snakemake.input.tolerance})["tolerance"], p.thresholds, title)
save_figure(fig, [snakemake.output.png, snakemake.output.pdf])
