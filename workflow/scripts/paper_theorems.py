"""theorems.csv and theorems.md: every closed form and qualitative claim beside simulation."""

import sys

import pandas as pd

from modelcollapse.paper import experiments

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
data = {name: pd.read_parquet(path) for name, path in snakemake.input.items()}
cfg = snakemake.params.cfg
table = pd.concat(
    [
        experiments.theorem_table(data["fully_synthetic"], data["collapse_times"], data["fixed_real"], cfg),
        experiments.claims_table(data["fig2"], data["fig3"], data["fig4"], data["fig6"], cfg),
    ],
    ignore_index=True,
)
table.to_csv(snakemake.output.csv, index=False, float_format="%.6g")
with open(snakemake.output.markdown, "w") as handle:
    handle.write(experiments.results_markdown(table))
print(table["result"].value_counts().to_string())
