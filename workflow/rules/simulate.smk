rule simulate:
    output:
        sims=f"{RESULTS}/sims/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.parquet",
        initial=f"{RESULTS}/initial/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.parquet",
    log:
        f"{RESULTS}/logs/simulate/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/simulate/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.tsv"
    conda:
        "../../envs/modelcollapse.yaml"
    params:
        python=PYTHON,
        args=simulate_args,
    # The library's own command line: imports NumPy, numba and pyarrow only, so jobs start fast.
    shell:
        "{params.python} -m modelcollapse simulate {params.args}"
        " --sims-file {output.sims} --initial-file {output.initial} 2> {log}"
