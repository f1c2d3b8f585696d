"""HTML fragments of the report for the study: its α* table (a report item) and its α*(n) figure,
which the report's opening page shows."""

import sys

from modelcollapse.core.io import open_checked
from modelcollapse.report_html import embedded_image_html
from modelcollapse.study.report import safe_fraction_table_html

sys.stderr = open(snakemake.log[0], "w")
html = safe_fraction_table_html(open_checked(snakemake.input.safe).read())
with open(snakemake.output.figure, "w", encoding="utf-8") as handle:
    handle.write(embedded_image_html(snakemake.input.figure, "maximum safe synthetic fraction α*(n)"))
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(html)
