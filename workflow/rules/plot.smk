rule phase_diagrams:
    input:
        summary=f"{RESULTS}/summary.parquet",
        safe=f"{RESULTS}/safe_fraction.parquet",
    output:
        **{
            f"{criterion}_png": report(
                f"{RESULTS}/figures/phase_{criterion}.png",
                caption="../report/phase_diagram.rst",
                category="Phase diagrams",
                labels={"criterion": criterion},
            )
            for criterion in CRITERIA
        },
        **{
            f"{criterion}_pdf": f"{RESULTS}/figures/phase_{criterion}.pdf"
            for criterion in CRITERIA
        },
    log:
        f"{RESULTS}/logs/phase_diagrams.log",
    benchmark:
        f"{RESULTS}/benchmarks/phase_diagrams.tsv"
    conda:
        "../../envs/modelcollapse.yaml"
    params:
        config=config,
        criteria=CRITERIA,
    script:
        "../scripts/phase_diagrams.py"
