"""Train the ground truth p(0) of Figure 5 and draw the fixed contexts and real data (paper §4.1)."""

import json
import sys
import time

import numpy as np

from modelcollapse.transformer import model

sys.stdout = sys.stderr = open(snakemake.log[0], "w")

started = time.perf_counter()
experiment = model.TransformerExperiment.from_config(snakemake.params.experiment)
with open(snakemake.input.text, encoding="utf-8") as handle:
    text = handle.read()
ground_truth = model.train_ground_truth(text, experiment)

model.save_ground_truth(snakemake.output.model, ground_truth)
np.save(snakemake.output.probabilities, ground_truth.next_char_probabilities)
ground_truth.val_loss.to_parquet(snakemake.output.val_loss, index=False)
with open(snakemake.output.meta, "w") as handle:
    json.dump(model.experiment_metadata(experiment), handle, indent=2)
print(
    f"p(0): final validation loss {ground_truth.val_loss.val_loss.iloc[-1]:.4f}, "
    f"{time.perf_counter() - started:.1f} s wall, {time.process_time():.1f} s CPU"
)
