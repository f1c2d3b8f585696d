"""One row of the study: refine α* by simulating probes, then summarise the row."""

import sys

import pyarrow as pa

from modelcollapse.aggregate import read_initial, read_sims, study_row
from modelcollapse.io import write_parquet
from modelcollapse.safe import Row
from modelcollapse.simulate import simulate_cell

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
size, vocab = p.row
row = Row(p.scenario, p.frame, size, vocab, p.window)
p0 = read_initial(snakemake.input.initial)
config = {"generations": p.generations, "root_seed": p.root_seed, "safe": p.safe}
tables = study_row(
    row,
    read_sims(snakemake.input.sims, p.generations, p.seeds),
    p0,
    config,
    simulate=lambda cell: simulate_cell(p0, cell, range(p.seeds), p.generations, p.root_seed),
)
write_parquet(tables["probes"], snakemake.output.probes)
for name in ("summary", "criteria", "safe"):
    write_parquet(pa.Table.from_pandas(tables[name], preserve_index=False), snakemake.output[name])
print(f"row {row}: {tables['probes'].num_rows // (p.generations + 1) // p.seeds} refinement probes", file=sys.stderr)
