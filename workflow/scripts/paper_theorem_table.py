"""The paper's theorem table as an HTML fragment of the report."""

import sys

import pandas as pd

from modelcollapse.paper.experiments import theorem_table_html

sys.stderr = open(snakemake.log[0], "w")
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(theorem_table_html(pd.read_csv(snakemake.input.theorems)))
