"""One row of the study: refine α* by simulating probes, then summarise the row, one cell at a time."""

import sys

from modelcollapse.study.aggregate import refine_row
from modelcollapse.study.safe import Row

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
size, vocab = p.row
row = Row(p.scenario, p.frame, size, vocab, p.window)
config = {
    "generations": p.generations,
    "seeds": p.seeds,
    "root_seed": p.root_seed,
    "safe": p.safe,
    "identity": p.identity,
    "initial_sha256": p.initial_sha256,
}
outputs = {name: snakemake.output[name] for name in ("probes", "summary", "criteria", "safe", "values")}
probes = refine_row(row, snakemake.input.sims, snakemake.input.initial, p.cells, config, outputs)
print(f"row {row}: {probes} refinement probes", file=sys.stderr)
