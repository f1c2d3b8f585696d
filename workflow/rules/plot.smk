rule phase_diagrams:
    input:
        criteria=f"{RESULTS}/criteria.parquet",
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
        criteria=CRITERIA,
        study=lookup(dpath="study", within=config),
        scenario=lookup(dpath="scenario", within=config),
        generations=lookup(dpath="generations", within=config),
        seeds=lookup(dpath="seeds", within=config),
        initial=lookup(dpath="initial/kind", within=config),
        safe=lookup(dpath="safe", within=config),
    script:
        "../scripts/phase_diagrams.py"
