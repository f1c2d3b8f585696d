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
        values=f"{RESULTS}/rows/{{row}}/values.parquet",
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
        # the tolerance sweep is not the refinement's: editing it reruns `tolerance` alone
        safe={k: v for k, v in config["safe"].items() if k != "tolerance_sweep"},
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


# α* at every threshold of safe.tolerance_sweep besides the study's own, from the per-seed values
# the refine jobs judged: no simulation, so editing the sweep reruns this job and its figure only.
rule tolerance:
    input:
        values=row_tables("values"),
        # each row's p(0), in the order of the rows (the path pattern, not rules.initial.output,
        # which under a default storage provider is a storage object that expand() refuses)
        initial=expand(
            f"{RESULTS}/initial/vocab{{vocab}}.parquet",
            vocab=[v for _, v, _ in STUDY_ROWS.values()],
        ),
    output:
        table=f"{RESULTS}/tolerance.parquet",
        csv=report(
            f"{RESULTS}/tolerance.csv",
            caption="../report/tolerance.rst",
            category="Safe synthetic fraction",
        ),
    log:
        f"{RESULTS}/logs/tolerance.log",
    benchmark:
        f"{RESULTS}/benchmarks/tolerance.tsv"
    conda:
        "../envs/modelcollapse.yaml"
    params:
        rows=[STUDY_ROWS[row][:2] for row in STUDY_ROWS],
        frame=FRAME,
        scenario=lookup(dpath="scenario", within=config),
        window=config.get("window"),
        generations=lookup(dpath="generations", within=config),
        safe=lookup(dpath="safe", within=config),
        identity=STUDY_IDENTITY,
    script:
        "../scripts/tolerance.py"
