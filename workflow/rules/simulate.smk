rule simulate:
    output:
        sims=f"{RESULTS}/sims/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.parquet",
        initial=f"{RESULTS}/initial/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.parquet",
    params:
        args=simulate_args,
    log:
        f"{RESULTS}/logs/simulate/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.log",
    conda:
        "../../envs/modelcollapse.yaml"
    # The library's own command line: imports NumPy, numba and pyarrow only, so jobs start fast.
    shell:
        "{PYTHON} -m modelcollapse simulate {params.args}"
        " --sims-file {output.sims} --initial-file {output.initial} 2> {log}"
