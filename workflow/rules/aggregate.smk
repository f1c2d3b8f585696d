rule aggregate:
    input:
        sims=job_table("sims"),
        initial=job_table("initial"),
    output:
        summary=f"{RESULTS}/summary.parquet",
        safe=f"{RESULTS}/safe_fraction.parquet",
        safe_csv=report(
            f"{RESULTS}/safe_fraction.csv",
            caption="../report/safe_fraction.rst",
            category="Safe synthetic fraction",
        ),
    log:
        f"{RESULTS}/logs/aggregate.log",
    benchmark:
        f"{RESULTS}/benchmarks/aggregate.tsv"
    conda:
        "../../envs/modelcollapse.yaml"
    params:
        config=config,
    script:
        "../scripts/aggregate.py"
