"""One round of a row's refinement as jobs: the values so far, and the counts the next round probes."""

import sys

from modelcollapse.study.aggregate import job_row
from modelcollapse.study.rounds import plan_round, read_plan

sys.stderr = open(snakemake.log[0], "w")
row, config = job_row(dict(snakemake.params.items()))
first = int(snakemake.wildcards.round) == 0
# round 0 reads the grid's cells; round r the probes of round r - 1's plan
counts = snakemake.params.cells if first else read_plan(snakemake.input.plan)
previous = None if first else snakemake.input.previous
outputs = {"values": snakemake.output.values, "plan": snakemake.output.plan}
plan = plan_round(row, snakemake.input.sims, previous, snakemake.input.initial, counts, config, outputs)
print(f"row {row}, round {snakemake.wildcards.round}: {len(plan)} probes next", file=sys.stderr)
