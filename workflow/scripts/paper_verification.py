"""Verification plots: simulation against each closed form across parameters (PNG)."""

import sys
from pathlib import Path

import pandas as pd

from modelcollapse.paper.figures import verification_figures

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
data = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
figures = verification_figures(data["fully_synthetic"], data["collapse_times"], data["fixed_real"], data["fig2"], snakemake.params.cfg)
if sorted(figures) != sorted(Path(path).stem for path in snakemake.output):
    raise ValueError(f"verification plots {sorted(figures)} differ from the rule's outputs {list(snakemake.output)}")
for path in snakemake.output:
    figures[Path(path).stem].savefig(path, dpi=130)
