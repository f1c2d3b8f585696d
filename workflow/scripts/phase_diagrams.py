"""Phase diagram per criterion, PNG and PDF, from the statistics the row jobs wrote."""

import sys

import pandas as pd

from modelcollapse.study.plotting import phase_diagram

sys.stderr = open(snakemake.log[0], "w")
criteria = pd.read_parquet(snakemake.input.criteria)
safe = pd.read_parquet(snakemake.input.safe)
p = snakemake.params
for criterion in p.criteria:
    title = (
        f"Study '{p.study}', scenario {p.scenario}, G = {p.generations}, {p.seeds} seeds, "
        f"initial {p.initial} — criterion '{criterion}'"
    )
    fig = phase_diagram(criteria, safe, criterion, p.safe[criterion], title)
    for ext in ("png", "pdf"):
        fig.savefig(snakemake.output[f"{criterion}_{ext}"], dpi=150, bbox_inches="tight")
