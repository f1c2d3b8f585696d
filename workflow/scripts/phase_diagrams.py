"""Phase diagram per criterion, PNG and PDF."""

import sys

import pandas as pd

from modelcollapse.aggregate import cell_statistics
from modelcollapse.plotting import phase_diagram

sys.stderr = open(snakemake.log[0], "w")
stats = cell_statistics(pd.read_parquet(snakemake.input.summary))
safe = pd.read_parquet(snakemake.input.safe)
cfg = snakemake.params.config
for criterion in snakemake.params.criteria:
    title = (
        f"Study '{cfg['study']}', scenario {cfg['scenario']}, G = {cfg['generations']}, "
        f"{cfg['seeds']} seeds, initial {cfg['initial']['kind']} — criterion '{criterion}'"
    )
    fig = phase_diagram(stats, safe, criterion, cfg["safe"][criterion], title)
    for ext in ("png", "pdf"):
        fig.savefig(snakemake.output[f"{criterion}_{ext}"], dpi=150, bbox_inches="tight")
