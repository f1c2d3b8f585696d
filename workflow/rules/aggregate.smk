# After the grid pass, each row is refined (bisection on the synthetic count, simulating the
# probes it needs) and summarised in its own job; `merge` joins the rows.
rule refine:
    input:
        sims=row_sims,
        initial=row_initial,
    output:
        probes=f"{RESULTS}/probes/{{row}}.parquet",
        summary=f"{RESULTS}/rows/{{row}}/summary.parquet",
        criteria=f"{RESULTS}/rows/{{row}}/criteria.parquet",
        safe=f"{RESULTS}/rows/{{row}}/safe_fraction.parquet",
    log:
        f"{RESULTS}/logs/refine/{{row}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/refine/{{row}}.tsv"
    # A row is refined as soon as its grid is simulated, between other rows' simulate jobs,
    # so that little but the figures is left after the last simulation.
    priority: 1
    conda:
        "../envs/modelcollapse.yaml"
    params:
        row=lambda wildcards: STUDY_ROWS[wildcards.row][:2],
        cells=lambda wildcards: list(STUDY_ROWS[wildcards.row][2]),
        frame=FRAME,
        scenario=lookup(dpath="scenario", within=config),
        window=config.get("window"),
        generations=lookup(dpath="generations", within=config),
        seeds=lookup(dpath="seeds", within=config),
        root_seed=lookup(dpath="root_seed", within=config),
        safe=lookup(dpath="safe", within=config),
        identity=STUDY_IDENTITY,
        initial_sha256=lambda wildcards: INITIAL_DIGESTS[STUDY_ROWS[wildcards.row][1]],
    script:
        "../scripts/refine.py"


rule merge:
    input:
        summary=row_tables("summary"),
        criteria=row_tables("criteria"),
        safe=row_tables("safe_fraction"),
    output:
        summary=f"{RESULTS}/summary.parquet",
        criteria=f"{RESULTS}/criteria.parquet",
        safe=f"{RESULTS}/safe_fraction.parquet",
        safe_csv=report(
            f"{RESULTS}/safe_fraction.csv",
            caption="../report/safe_fraction.rst",
            category="Safe synthetic fraction",
        ),
    log:
        f"{RESULTS}/logs/merge.log",
    benchmark:
        f"{RESULTS}/benchmarks/merge.tsv"
    priority: 1  # beside the α* figure, before the phase diagrams: the report's tables wait for both
    conda:
        "../envs/modelcollapse.yaml"
    params:
        identity=STUDY_IDENTITY,
    script:
        "../scripts/merge.py"
