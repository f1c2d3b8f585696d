"""One row of the study: refine α* by simulating probes, then summarise the row."""

import sys

import pyarrow as pa

from modelcollapse import __version__
from modelcollapse.core.io import initial_digest, write_tables
from modelcollapse.core.simulate import simulate_cell
from modelcollapse.study.aggregate import read_initial, read_sims, study_row
from modelcollapse.study.safe import Row

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
size, vocab = p.row
row = Row(p.scenario, p.frame, size, vocab, p.window)
p0 = read_initial(snakemake.input.initial)
config = {"generations": p.generations, "root_seed": p.root_seed, "safe": p.safe}
# each grid table must come from this study: same scenario, generations, root seed, p(0), version
expected = {"scenario": p.scenario, "generations": p.generations, "root_seed": p.root_seed, "window": p.window,
            "version": __version__, "initial_sha256": initial_digest(p0)}
tables = study_row(
    row,
    read_sims(snakemake.input.sims, p.generations, p.seeds, expected, cells=p.cells),
    p0,
    config,
    simulate=lambda cell: simulate_cell(p0, cell, range(p.seeds), p.generations, p.root_seed),
)
write_tables(
    {
        snakemake.output.probes: tables["probes"],
        **{snakemake.output[name]: pa.Table.from_pandas(tables[name], preserve_index=False) for name in ("summary", "criteria", "safe")},
    }
)
print(f"row {row}: {tables['probes'].num_rows // (p.generations + 1) // p.seeds} refinement probes", file=sys.stderr)
