"""Gather Figure 5's per-generation results into drift and validation-loss tables, and check its claim."""

import sys

import numpy as np
import pandas as pd

from modelcollapse.transformer import plots

sys.stdout = sys.stderr = open(snakemake.log[0], "w")

fractions = snakemake.params.synthetic_fractions
generations = snakemake.params.generations


def by_fraction(paths, load):
    """Inputs come setting by setting, generations 1 … G within each (expand order in transformer.smk)."""
    return {fraction: [load(path) for path in paths[i * generations : (i + 1) * generations]] for i, fraction in enumerate(fractions)}


drift = plots.drift_table(np.load(snakemake.input.ground_truth_probabilities), by_fraction(snakemake.input.probabilities, np.load))
val_loss = plots.validation_loss_table(
    pd.read_parquet(snakemake.input.ground_truth_val_loss), by_fraction(snakemake.input.val_loss, pd.read_parquet)
)
drift.to_parquet(snakemake.output.drift, index=False)
val_loss.to_parquet(snakemake.output.val_loss, index=False)
claim = plots.check_drift_claim(drift)
claim.to_csv(snakemake.output.claim, sep="\t", index=False)
print(claim.to_string())
