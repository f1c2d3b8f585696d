# Target `paper` (also part of `all`): Figures 1, 2, 3, 4, 6, the theorem table and the verification
# plots of Seddik et al. 2024 (docs/reproducing.md). Its keys are the config's `paper` section
# (config/paper.yaml), checked with the rest by modelcollapse.config.
PAPER_CONFIG = config["paper"]
PAPER = PAPER_CONFIG["out_dir"]
PAPER_FIGURES = list(modelcollapse.paper.FIGURES)
PAPER_VERIFICATION = list(modelcollapse.paper.VERIFICATION_PLOTS)
PAPER_THEOREM_DATA = {
    "fully_synthetic": f"{PAPER}/data/theorems_fully_synthetic.parquet",
    "collapse_times": f"{PAPER}/data/theorems_collapse_times.parquet",
    "fixed_real": f"{PAPER}/data/theorems_fixed_real.parquet",
}


# Every final file of the `paper` target (figures, theorem table, verification plots); `rule all`
# includes paper_outputs().
paper_outputs = lambda: [
    *expand(f"{PAPER}/{{figure}}.{{ext}}", figure=PAPER_FIGURES, ext=["png", "pdf"]),
    f"{PAPER}/theorems.csv",
    f"{PAPER}/theorems.md",
    f"{PAPER}/report/theorems.html",  # the theorem table shown inline in the report (plot.smk)
    *expand(f"{PAPER}/verification/{{plot}}.png", plot=PAPER_VERIFICATION),
]


rule paper:
    input:
        paper_outputs(),
    localrule: True


rule paper_theorems_fully_synthetic_data:
    output:
        generations=PAPER_THEOREM_DATA["fully_synthetic"],
        replicates=PAPER_THEOREM_DATA["collapse_times"],
    log:
        f"{PAPER}/logs/data_theorems_fully_synthetic.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        cfg=modelcollapse.paper.settings(PAPER_CONFIG, "theorem_data"),
        experiment="theorems_fully_synthetic",
    script:
        "../scripts/paper_simulate.py"


rule paper_theorems_fixed_real_data:
    output:
        generations=PAPER_THEOREM_DATA["fixed_real"],
    log:
        f"{PAPER}/logs/data_theorems_fixed_real.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        cfg=modelcollapse.paper.settings(PAPER_CONFIG, "theorem_data"),
        experiment="theorems_fixed_real",
    script:
        "../scripts/paper_simulate.py"


# Per figure, a simulation rule writes its table and a drawing rule draws it (with its own report
# caption): restyling a figure (`--forcerun paper_fig3`) does not re-simulate.
for paper_figure in PAPER_FIGURES:

    rule:
        name:
            f"paper_{paper_figure}_table"
        output:
            table=f"{PAPER}/data/{paper_figure}.parquet",
        log:
            f"{PAPER}/logs/{paper_figure}_table.log",
        conda:
            "../envs/modelcollapse.yaml"
        params:
            cfg=modelcollapse.paper.settings(PAPER_CONFIG, paper_figure),
            experiment=paper_figure,
        script:
            "../scripts/paper_simulate.py"

    rule:
        name:
            f"paper_{paper_figure}"
        input:
            table=f"{PAPER}/data/{paper_figure}.parquet",
        output:
            png=report(
                f"{PAPER}/{paper_figure}.png",
                caption=f"../report/paper_{paper_figure}.rst",
                category="Paper",
                subcategory="Figures",
            ),
            pdf=f"{PAPER}/{paper_figure}.pdf",
        log:
            f"{PAPER}/logs/{paper_figure}.log",
        conda:
            "../envs/modelcollapse.yaml"
        params:
            cfg=modelcollapse.paper.settings(PAPER_CONFIG, paper_figure),
            figure=paper_figure,
        script:
            "../scripts/paper_figure.py"


rule paper_theorems:
    input:
        **PAPER_THEOREM_DATA,
        fig2=f"{PAPER}/data/fig2.parquet",
        fig3=f"{PAPER}/data/fig3.parquet",
        fig4=f"{PAPER}/data/fig4.parquet",
        fig6=f"{PAPER}/data/fig6.parquet",
    output:
        csv=report(
            f"{PAPER}/theorems.csv",
            caption="../report/paper_theorems.rst",
            category="Paper",
            subcategory="Theorems and claims",
        ),
        markdown=f"{PAPER}/theorems.md",
    log:
        f"{PAPER}/logs/theorems.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        cfg=modelcollapse.paper.settings(PAPER_CONFIG, "theorems"),
    script:
        "../scripts/paper_theorems.py"


rule paper_verification:
    input:
        **PAPER_THEOREM_DATA,
        fig2=f"{PAPER}/data/fig2.parquet",
    output:
        [
            report(
                f"{PAPER}/verification/{plot}.png",
                caption="../report/paper_verification.rst",
                category="Paper",
                subcategory="Verification",
            )
            for plot in PAPER_VERIFICATION
        ],
    log:
        f"{PAPER}/logs/verification.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        cfg=modelcollapse.paper.settings(PAPER_CONFIG, "verification"),
    script:
        "../scripts/paper_verification.py"


# The theorem table (theorems.csv) as HTML, a report item.
rule report_theorem_table:
    input:
        theorems=rules.paper_theorems.output.csv,
    output:
        html=report(
            f"{PAPER}/report/theorems.html",
            caption="../report/paper_theorems.rst",
            category="Paper",
            subcategory="Theorems and claims",
        ),
    log:
        f"{PAPER}/logs/report_theorem_table.log",
    conda:
        "../envs/modelcollapse.yaml"
    script:
        "../scripts/paper_theorem_table.py"
