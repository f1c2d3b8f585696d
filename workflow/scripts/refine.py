"""One row of the study: refine α* (simulating its probes, or reading the tables of its rounds'
probe jobs), then summarise the row, one cell at a time."""

import sys

from modelcollapse.study.aggregate import job_row, refine_row

sys.stderr = open(snakemake.log[0], "w")
row, config = job_row(dict(snakemake.params.items()))
outputs = dict(snakemake.output.items())
# the named input `probes` is absent when no round probed anything
probe_sims = list(getattr(snakemake.input, "probes", [])) if snakemake.params.rounds else None
probes = refine_row(row, snakemake.input.sims, snakemake.input.initial, snakemake.params.cells, config, outputs, probe_sims)
print(f"row {row}: {probes} refinement probes", file=sys.stderr)
