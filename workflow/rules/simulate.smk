rule initial:
    input:
        data=initial_data,
    output:
        f"{RESULTS}/initial/vocab{{vocab}}.parquet",
    log:
        f"{RESULTS}/logs/initial/vocab{{vocab}}.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        args=lambda wildcards: " ".join(initial_args(wildcards.vocab)),
    shell:
        "\"$MODELCOLLAPSE_PYTHON\" -m modelcollapse initial {params.args} --initial-file '{output}' 2> '{log}'"


rule simulate:
    input:
        data=initial_data,
    output:
        f"{RESULTS}/sims/{{row}}_f{{fblock}}_s{{sblock}}.parquet",
    log:
        f"{RESULTS}/logs/simulate/{{row}}_f{{fblock}}_s{{sblock}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/simulate/{{row}}_f{{fblock}}_s{{sblock}}.tsv"
    conda:
        "../envs/modelcollapse.yaml"
    params:
        args=simulate_args,
    # The library's own command line: imports NumPy, pyarrow and the compiled engine only, so jobs start fast.
    shell:
        "\"$MODELCOLLAPSE_PYTHON\" -m modelcollapse simulate {params.args} --sims-file '{output}' 2> '{log}'"
