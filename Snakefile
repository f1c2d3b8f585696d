# How much synthetic data can a model be retrained on before it collapses?
# A sweep of the statistical language model of Seddik et al. 2024; see README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/plot.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/transformer.smk"


# Targets only collect files, `initial` writes one small table, `merge` concatenates the rows:
# never worth a cluster job.
localrules:
    all,
    study,
    paper,
    initial,
    merge,


rule all:
    default_target: True
    input:
        get_final_output(),
        paper_outputs(),


rule study:
    input:
        get_final_output(),
