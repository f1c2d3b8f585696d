"""claims.csv and its HTML table: each claim's row, its verdict decided from its table."""

import sys

import pandas as pd

from modelcollapse.claims import experiments

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
tables = {claim: pd.read_parquet(path) for claim, path in zip(snakemake.params.claims, snakemake.input.tables)}
rows = experiments.claims_table(tables, snakemake.params.cfg)
rows.to_csv(snakemake.output.csv, index=False)
with open(snakemake.output.html, "w", encoding="utf-8") as handle:
    handle.write(experiments.claims_table_html(rows))
print(rows[["claim", "value", "low", "high", "verdict"]].to_string())
