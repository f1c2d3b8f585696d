"""Draw one claim's figure from its table."""

import sys

import pandas as pd

from modelcollapse.claims.figures import draw

sys.stdout = sys.stderr = open(snakemake.log[0], "w")
draw(snakemake.wildcards.claim, pd.read_parquet(snakemake.input.table), snakemake.params.cfg).savefig(snakemake.output.png, dpi=150)
