"""Train generation m of one setting of Figure 5 on text sampled from generation m-1 (paper §4.1)."""

import sys
import time

import numpy as np

from modelcollapse.transformer import model

sys.stdout = sys.stderr = open(snakemake.log[0], "w")

started = time.perf_counter()
experiment = model.TransformerExperiment.from_config(snakemake.params.experiment)
with open(snakemake.input.text, encoding="utf-8") as handle:
    text = handle.read()
vocabulary, contexts, real_pool = model.load_ground_truth_assets(snakemake.input.ground_truth)
previous_model = model.load_model(snakemake.input.previous_model, len(vocabulary), experiment.preset)
generation = model.train_generation(
    text,
    previous_model,
    contexts,
    real_pool,
    snakemake.params.synthetic_fraction,
    snakemake.params.generation,
    experiment,
)

model.save_model(snakemake.output.model, generation.model)
np.save(snakemake.output.probabilities, generation.next_char_probabilities)
generation.val_loss.to_parquet(snakemake.output.val_loss, index=False)
with open(snakemake.output.corpus, "w", encoding="utf-8") as handle:
    handle.write(model.decode(generation.corpus, vocabulary))
print(
    f"synthetic fraction {snakemake.params.synthetic_fraction}, generation {snakemake.params.generation}: "
    f"final validation loss {generation.val_loss.val_loss.iloc[-1]:.4f}, {time.perf_counter() - started:.1f} s wall, "
    f"{time.process_time():.1f} s CPU"
)
