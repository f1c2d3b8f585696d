# Target `transformer` (not part of `all`): Figure 5 of Seddik et al. 2024 (§4.1), recursive training of a
# character-level transformer on tiny-shakespeare. Needs torch (envs/transformer.txt; `make transformer`).
# Its keys are the config's `transformer` section (config/transformer.yaml), checked with the rest
# by modelcollapse.config.
TRANSFORMER_CONFIG = config["transformer"]

TRANSFORMER = TRANSFORMER_CONFIG["out_dir"]
# The text is a file of the checkout (data/), never looked up in a default storage provider.
TRANSFORMER_TEXT = local(TRANSFORMER_CONFIG["text"])
TRANSFORMER_FRACTIONS = TRANSFORMER_CONFIG["synthetic_fractions"]
TRANSFORMER_GENERATIONS = list(range(1, TRANSFORMER_CONFIG["generations"] + 1))
# What fixes a job's result; the lists of settings and generations only decide which jobs run.
TRANSFORMER_EXPERIMENT = {
    key: value
    for key, value in TRANSFORMER_CONFIG.items()
    if key not in ("synthetic_fractions", "generations", "text", "out_dir")
}


rule transformer:
    input:
        f"{TRANSFORMER}/fig5.png",
        f"{TRANSFORMER}/fig5.pdf",
        f"{TRANSFORMER}/drift.parquet",
        f"{TRANSFORMER}/val_loss.parquet",
        f"{TRANSFORMER}/drift_claim.tsv",
    localrule: True


rule transformer_ground_truth:
    input:
        text=TRANSFORMER_TEXT,
    output:
        model=f"{TRANSFORMER}/generation_0/model.pt",
        probabilities=f"{TRANSFORMER}/generation_0/next_char_probabilities.npy",
        val_loss=f"{TRANSFORMER}/generation_0/val_loss.parquet",
        meta=f"{TRANSFORMER}/meta.json",
    log:
        f"{TRANSFORMER}/logs/generation_0.log",
    conda:
        "../envs/transformer.yaml"
    threads: TRANSFORMER_CONFIG["torch_threads"]
    params:
        experiment=TRANSFORMER_EXPERIMENT,
    script:
        "../scripts/transformer_ground_truth.py"


rule transformer_generation:
    input:
        text=TRANSFORMER_TEXT,
        ground_truth=f"{TRANSFORMER}/generation_0/model.pt",
        # Generation m trains on samples of generation m-1; generation 1 on samples of p(0).
        previous_model=lambda wildcards: (
            f"{TRANSFORMER}/generation_0/model.pt"
            if int(wildcards.generation) == 1
            else f"{TRANSFORMER}/synthetic_fraction_{wildcards.synthetic_fraction}/"
            f"generation_{int(wildcards.generation) - 1}/model.pt"
        ),
    output:
        model=f"{TRANSFORMER}/synthetic_fraction_{{synthetic_fraction}}/generation_{{generation}}/model.pt",
        probabilities=f"{TRANSFORMER}/synthetic_fraction_{{synthetic_fraction}}/generation_{{generation}}/next_char_probabilities.npy",
        val_loss=f"{TRANSFORMER}/synthetic_fraction_{{synthetic_fraction}}/generation_{{generation}}/val_loss.parquet",
        corpus=f"{TRANSFORMER}/synthetic_fraction_{{synthetic_fraction}}/generation_{{generation}}/corpus.txt",
    log:
        f"{TRANSFORMER}/logs/synthetic_fraction_{{synthetic_fraction}}_generation_{{generation}}.log",
    # Rule-level, so that other rules' wildcards of the same names are not constrained.
    wildcard_constraints:
        synthetic_fraction=r"[0-9.]+",
        generation=r"[1-9][0-9]*",
    conda:
        "../envs/transformer.yaml"
    threads: TRANSFORMER_CONFIG["torch_threads"]
    params:
        experiment=TRANSFORMER_EXPERIMENT,
        synthetic_fraction=lambda wildcards: float(wildcards.synthetic_fraction),
        generation=lambda wildcards: int(wildcards.generation),
    script:
        "../scripts/transformer_generation.py"


rule transformer_tables:
    input:
        ground_truth_probabilities=f"{TRANSFORMER}/generation_0/next_char_probabilities.npy",
        ground_truth_val_loss=f"{TRANSFORMER}/generation_0/val_loss.parquet",
        # Ordered setting by setting, generation 1 first: the script relies on it.
        probabilities=expand(
            f"{TRANSFORMER}/synthetic_fraction_{{synthetic_fraction}}/generation_{{generation}}/next_char_probabilities.npy",
            synthetic_fraction=TRANSFORMER_FRACTIONS,
            generation=TRANSFORMER_GENERATIONS,
        ),
        val_loss=expand(
            f"{TRANSFORMER}/synthetic_fraction_{{synthetic_fraction}}/generation_{{generation}}/val_loss.parquet",
            synthetic_fraction=TRANSFORMER_FRACTIONS,
            generation=TRANSFORMER_GENERATIONS,
        ),
    output:
        drift=f"{TRANSFORMER}/drift.parquet",
        val_loss=f"{TRANSFORMER}/val_loss.parquet",
        claim=f"{TRANSFORMER}/drift_claim.tsv",
    log:
        f"{TRANSFORMER}/logs/tables.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        synthetic_fractions=TRANSFORMER_FRACTIONS,
        generations=len(TRANSFORMER_GENERATIONS),
    script:
        "../scripts/transformer_tables.py"


rule transformer_plot:
    input:
        drift=f"{TRANSFORMER}/drift.parquet",
        val_loss=f"{TRANSFORMER}/val_loss.parquet",
        meta=f"{TRANSFORMER}/meta.json",
    output:
        png=report(
            f"{TRANSFORMER}/fig5.png",
            caption="../report/fig5.rst",
            category="Paper",
            subcategory="Figure 5 (transformer)",
        ),
        pdf=f"{TRANSFORMER}/fig5.pdf",
    log:
        f"{TRANSFORMER}/logs/plot.log",
    conda:
        "../envs/modelcollapse.yaml"
    script:
        "../scripts/transformer_plot.py"
