# After the grid pass, each row is refined (rounds of probes at the synthetic counts where α* and
# its interval ends lie) and summarised by its refine job; `merge` joins the rows. When a probe of
# all seeds is more than one job (seeds > seeds_per_job), the rounds are jobs: a round job plans
# the next round's probes from the values so far, simulate-sized probe jobs run them, and the
# refine job reads their tables (docs/safe-fraction.md, "Refinement as jobs").
rule refine:
    input:
        unpack(refine_inputs),
    output:
        **REFINE_OUTPUTS,
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
        **REFINE_PARAMS,
        rounds=ROUNDS,
    script:
        "../scripts/refine.py"


checkpoint refine_round:
    input:
        unpack(round_inputs),
    output:
        values=f"{RESULTS}/refine/{{row}}/round{{round}}.parquet",
        plan=f"{RESULTS}/refine/{{row}}/round{{round}}.json",
    log:
        f"{RESULTS}/logs/refine/{{row}}_round{{round}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/refine/{{row}}_round{{round}}.tsv"
    priority: 1
    conda:
        "../envs/modelcollapse.yaml"
    params:
        **REFINE_PARAMS,
    script:
        "../scripts/refine_round.py"


rule probe:
    input:
        data=initial_data,
        # both outputs of the round job: `probe_args` reads its plan through the checkpoint, and
        # a job whose params depend on a checkpoint must have all of its outputs as inputs
        plan=f"{RESULTS}/refine/{{row}}/round{{round}}.json",
        values=f"{RESULTS}/refine/{{row}}/round{{round}}.parquet",
    output:
        f"{RESULTS}/probes/{{row}}/round{{round}}_f{{fblock}}_s{{sblock}}.parquet",
    log:
        f"{RESULTS}/logs/probe/{{row}}_round{{round}}_f{{fblock}}_s{{sblock}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/probe/{{row}}_round{{round}}_f{{fblock}}_s{{sblock}}.tsv"
    priority: 1
    conda:
        "../envs/modelcollapse.yaml"
    params:
        args=probe_args,
    shell:
        "\"$MODELCOLLAPSE_PYTHON\" -m modelcollapse simulate {params.args} --sims-file '{output}' 2> '{log}'"


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
            vocab=[row.vocab for row in STUDY_ROWS.values()],
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
        rows=[row_key(row) for row in STUDY_ROWS],
        frame=FRAME,
        scenario=lookup(dpath="scenario", within=config),
        window=config.get("window"),
        generations=lookup(dpath="generations", within=config),
        safe=lookup(dpath="safe", within=config),
        identity=STUDY_IDENTITY,
    script:
        "../scripts/tolerance.py"
