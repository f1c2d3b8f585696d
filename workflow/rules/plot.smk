# One job per criterion: the four diagrams draw in parallel as soon as every row is refined,
# from the rows' tables (they do not wait for `merge`, which joins the same tables).
rule phase_diagram:
    input:
        criteria=row_tables("criteria"),
        safe=row_tables("safe_fraction"),
    output:
        png=report(
            f"{RESULTS}/figures/phase_{{criterion}}.png",
            caption="../report/phase_diagram.rst",
            category="Phase diagrams",
            labels={"criterion": "{criterion}"},
        ),
        pdf=f"{RESULTS}/figures/phase_{{criterion}}.pdf",
    log:
        f"{RESULTS}/logs/phase_{{criterion}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/phase_{{criterion}}.tsv"
    wildcard_constraints:
        criterion="|".join(CRITERIA),
    conda:
        "../envs/modelcollapse.yaml"
    params:
        study=lookup(dpath="study", within=config),
        scenario=lookup(dpath="scenario", within=config),
        generations=lookup(dpath="generations", within=config),
        seeds=lookup(dpath="seeds", within=config),
        initial=lookup(dpath="initial/kind", within=config),
        threshold=lambda wildcards: config["safe"][wildcards.criterion],
    script:
        "../scripts/phase_diagrams.py"


# The α*(n) figure: the first item of the report.
rule safe_fraction_figure:
    input:
        safe=row_tables("safe_fraction"),
    output:
        png=report(
            f"{RESULTS}/figures/safe_fraction.png",
            caption="../report/safe_fraction_figure.rst",
            category="1. Results",
            labels={"result": "1 · α*(n) figure"},
        ),
        pdf=f"{RESULTS}/figures/safe_fraction.pdf",
    log:
        f"{RESULTS}/logs/safe_fraction_figure.log",
    benchmark:
        f"{RESULTS}/benchmarks/safe_fraction_figure.tsv"
    priority: 1  # before the phase diagrams: the report's tables wait for this figure
    conda:
        "../envs/modelcollapse.yaml"
    params:
        study=lookup(dpath="study", within=config),
        scenario=lookup(dpath="scenario", within=config),
        generations=lookup(dpath="generations", within=config),
        seeds=lookup(dpath="seeds", within=config),
        initial=lookup(dpath="initial/kind", within=config),
    script:
        "../scripts/safe_fraction_figure.py"


# α* against the tolerance: per criterion, α* of each row at every threshold of the sweep.
rule tolerance_figure:
    input:
        tolerance=f"{RESULTS}/tolerance.parquet",
    output:
        png=report(
            f"{RESULTS}/figures/tolerance.png",
            caption="../report/tolerance_figure.rst",
            category="1. Results",
            labels={"result": "3 · α* against the tolerance"},
        ),
        pdf=f"{RESULTS}/figures/tolerance.pdf",
    log:
        f"{RESULTS}/logs/tolerance_figure.log",
    benchmark:
        f"{RESULTS}/benchmarks/tolerance_figure.tsv"
    conda:
        "../envs/modelcollapse.yaml"
    params:
        study=lookup(dpath="study", within=config),
        scenario=lookup(dpath="scenario", within=config),
        generations=lookup(dpath="generations", within=config),
        seeds=lookup(dpath="seeds", within=config),
        initial=lookup(dpath="initial/kind", within=config),
        thresholds={criterion: config["safe"][criterion] for criterion in CRITERIA},
    script:
        "../scripts/tolerance_figure.py"


# The α* table, shown inline in the report; with the α*(n) figure it also opens the report (the
# description, workflow/report/workflow.rst, embeds both HTML fragments).
rule report_tables:
    input:
        safe=f"{RESULTS}/safe_fraction.parquet",
        figure=f"{RESULTS}/figures/safe_fraction.png",
    output:
        html=report(
            f"{RESULTS}/report/safe_fraction.html",
            caption="../report/safe_fraction_table.rst",
            category="1. Results",
            # A function of the job's output, so that `--report` fetches both fragments from a
            # default storage provider (S3, …) and not only this report item: the opening page
            # embeds the figure's too.
            labels=lambda wildcards, output: {"result": "2 · α* table"},
        ),
        figure=f"{RESULTS}/report/safe_fraction_figure.html",
    log:
        f"{RESULTS}/logs/report_tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/report_tables.tsv"
    conda:
        "../envs/modelcollapse.yaml"
    script:
        "../scripts/report_tables.py"
