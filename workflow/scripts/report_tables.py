"""HTML fragments of the report: the study's α* table (a report item) and its α*(n) figure,
which the report's opening page shows (inputs `safe`, `figure`), or the paper's theorem table
(input `theorems`)."""

import sys

from modelcollapse.core.io import open_checked
from modelcollapse.study.report import embedded_image_html, safe_fraction_table_html, theorem_table_html

sys.stderr = open(snakemake.log[0], "w")
if "safe" in snakemake.input.keys():  # the last job of a study: an Arrow table, no pandas to import
    html = safe_fraction_table_html(open_checked(snakemake.input.safe).read())
    with open(snakemake.output.figure, "w", encoding="utf-8") as handle:
        handle.write(embedded_image_html(snakemake.input.figure, "maximum safe synthetic fraction α*(n)"))
else:
    import pandas as pd

    html = theorem_table_html(pd.read_csv(snakemake.input.theorems))
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(html)
