# Target `claims` (also part of `all`): the claims atlas, the literature's answers to "how much
# synthetic data is safe?" each re-measured on this engine (docs/claims.md). Its keys are the
# config's `claims` section (config/claims.yaml), checked with the rest by modelcollapse.config;
# `claims.only` makes some claims alone.
CLAIMS_CONFIG = config["claims"]
CLAIMS_DIR = CLAIMS_CONFIG["out_dir"]
CLAIMS = modelcollapse.claims.selected(CLAIMS_CONFIG)


# Every final file of the `claims` target; `rule all` includes claims_outputs().
claims_outputs = lambda: [
    f"{CLAIMS_DIR}/claims.csv",
    f"{CLAIMS_DIR}/report/claims.html",
    *expand(f"{CLAIMS_DIR}/figures/{{claim}}.png", claim=CLAIMS),
]


rule claims:
    input:
        claims_outputs(),
    localrule: True


# One job per claim: its simulation, written as the table its row and figure are made from.
rule claims_data:
    output:
        table=f"{CLAIMS_DIR}/{{claim}}.parquet",
    log:
        f"{CLAIMS_DIR}/logs/{{claim}}.log",
    wildcard_constraints:
        claim="|".join(modelcollapse.claims.CLAIMS),
    conda:
        "../envs/modelcollapse.yaml"
    params:
        cfg=lambda wildcards: modelcollapse.claims.settings(
            CLAIMS_CONFIG, wildcards.claim
        ),
    script:
        "../scripts/claims_data.py"


rule claims_figure:
    input:
        table=f"{CLAIMS_DIR}/{{claim}}.parquet",
    output:
        png=report(
            f"{CLAIMS_DIR}/figures/{{claim}}.png",
            caption="../report/claims_figure.rst",
            category="Claims atlas",
            labels={"claim": "{claim}"},
        ),
    log:
        f"{CLAIMS_DIR}/logs/{{claim}}_figure.log",
    wildcard_constraints:
        claim="|".join(modelcollapse.claims.CLAIMS),
    conda:
        "../envs/modelcollapse.yaml"
    params:
        cfg=lambda wildcards: modelcollapse.claims.settings(
            CLAIMS_CONFIG, wildcards.claim
        ),
    script:
        "../scripts/claims_figure.py"


# claims.csv (one row per claim, its verdict decided from its table) and the same as HTML.
rule claims_table:
    input:
        tables=expand(f"{CLAIMS_DIR}/{{claim}}.parquet", claim=CLAIMS),
    output:
        csv=report(
            f"{CLAIMS_DIR}/claims.csv",
            caption="../report/claims_table.rst",
            category="Claims atlas",
            labels={"claim": "table (CSV)"},
        ),
        html=report(
            f"{CLAIMS_DIR}/report/claims.html",
            caption="../report/claims_table.rst",
            category="Claims atlas",
            labels={"claim": "table"},
        ),
    log:
        f"{CLAIMS_DIR}/logs/claims_table.log",
    conda:
        "../envs/modelcollapse.yaml"
    params:
        claims=CLAIMS,
        cfg={
            claim: modelcollapse.claims.settings(CLAIMS_CONFIG, claim)
            for claim in CLAIMS
        },
    script:
        "../scripts/claims_table.py"
