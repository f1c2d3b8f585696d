# How much synthetic data can a model be retrained on before it collapses?
# A sweep of the statistical language model of Seddik et al. 2024; see README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# The report opens on the study's grid and its α* table (workflow/report/workflow.rst).
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/aggregate.smk"
# paper.smk before plot.smk: the report's theorem table (plot.smk) is drawn from the paper's.
include: "workflow/rules/paper.smk"
include: "workflow/rules/plot.smk"
include: "workflow/rules/transformer.smk"


# Targets only collect files, `initial` writes one small table, `merge` concatenates the rows,
# the report tables are a few kB of HTML: never worth a cluster job.
localrules:
    all,
    study,
    paper,
    initial,
    merge,
    report_tables,
    report_theorem_table,


rule all:
    default_target: True
    input:
        get_final_output(),
        paper_outputs(),


rule study:
    input:
        get_final_output(),
