"""α* of every row at every threshold of the sweep (docs/safe-fraction.md, "α* against the
tolerance"), from the per-seed values the refine jobs judged: tolerance.parquet and .csv."""

import sys

import pyarrow as pa

from modelcollapse.core.io import provenance, with_content_digest, write_tables
from modelcollapse.study.aggregate import to_pandas
from modelcollapse.study.safe import Row
from modelcollapse.study.tolerance import study_tolerance

sys.stderr = open(snakemake.log[0], "w")
p = snakemake.params
rows = [Row(p.scenario, p.frame, size, vocab, p.window, sampler) for size, vocab, sampler in p.rows]
table = study_tolerance(rows, snakemake.input["values"], snakemake.input.initial, p.generations, p.safe, p.identity)
# as `merge` writes the study's tables: the columns' pandas types, the rows' provenance, its digest
frame = to_pandas({"tolerance": table})["tolerance"]
made = {**provenance(snakemake.input["values"][0]), "table": "tolerance"}
write_tables(
    {
        snakemake.output.table: with_content_digest(pa.Table.from_pandas(frame, preserve_index=False), made),
        snakemake.output.csv: frame.to_csv(index=False, float_format="%.6g"),
    }
)
