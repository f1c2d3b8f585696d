"""One row of the study: refine α* by simulating probes, then summarise the row, one cell at a time."""

import sys

from modelcollapse.process import end_of_process
from modelcollapse.study.aggregate import refine_row
from modelcollapse.study.safe import Row

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
size, vocab = p.row
row = Row(p.scenario, p.frame, size, vocab, p.window)
config = {"generations": p.generations, "seeds": p.seeds, "root_seed": p.root_seed, "safe": p.safe}
outputs = {name: snakemake.output[name] for name in ("probes", "summary", "criteria", "safe")}
done = refine_row(row, snakemake.input.sims, snakemake.input.initial, p.cells, config, outputs)
# One parsable line per job, like the simulate jobs': benchmarks/workflow.py reads it.
last = "" if done["sampled_at"] is None else f" sampled_at={done['sampled_at']:.3f}"
print(f"row {row}: {done['probes']} refinement probes sampling_seconds={done['sampling_seconds']:.4f}{last}", file=sys.stderr)
end_of_process()
