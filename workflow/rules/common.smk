import os
import sys
from pathlib import Path

import jsonschema
import yaml
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

# --- configuration: validated before the DAG is built --------------------------------------


def allowed_values(schema):
    """What a schema node allows, in words, for error messages."""
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kinds = schema.get("type", "value")
    kinds = " or ".join(kinds) if isinstance(kinds, list) else kinds
    if "minimum" in schema and "maximum" in schema:
        return f"{kinds} in [{schema['minimum']}, {schema['maximum']}]"
    bounds = [
        f"{op} {schema[key]}"
        for key, op in [
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        ]
        if key in schema
    ]
    if "properties" in schema:
        return f"{kinds} with keys " + ", ".join(schema["properties"])
    if "pattern" in schema:
        bounds.append(f"matching {schema['pattern']}")
    return " ".join([kinds, *bounds]) if bounds else kinds


def config_errors(config, schema):
    """One line per problem: the config key, what is wrong, what is allowed."""
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.path)):
        key = ".".join(str(p) for p in error.path) or "(top level)"
        yield f"config key '{key}': {error.message}; allowed: {allowed_values(error.schema)}"


def cross_key_errors(config):
    """Rules that involve several keys, which the JSON schema cannot say."""
    grid, initial = config["grid"], config["initial"]
    support = initial.get("support")
    if support is not None and support > min(grid["vocab"]):
        yield f"config key 'initial.support': {support} exceeds the smallest grid.vocab {min(grid['vocab'])}; allowed: 2 … min(vocab)"
    if initial.get("kind") == "target":
        s0, k = initial.get("s0"), support or min(grid["vocab"])
        if s0 is None or not 1 / k <= s0 < 1:
            yield f"config key 'initial.s0': {s0} with kind target; allowed: a number in [1/support, 1) = [{1 / k:.4g}, 1)"
    if config["scenario"] == "window":
        K = config.get("window")
        if K is None or K > min(grid["n"]):
            yield f"config key 'window': {K} with scenario window; allowed: an integer in [1, min(grid.n) = {min(grid['n'])}]"
    if config["scenario"] in ("accumulate", "window", "pool") and grid[
        "synthetic_fraction"
    ] != [1.0]:
        yield f"config key 'grid.synthetic_fraction': {grid['synthetic_fraction']} with scenario {config['scenario']}; allowed: [1.0] (the scenario sets its sources)"


def check_config(config, schema_path):
    schema = yaml.safe_load(Path(schema_path).read_text())
    problems = list(config_errors(config, schema))
    if not problems:
        validate(config, schema_path)  # fills in the defaults
        problems = list(cross_key_errors(config))
    if problems:
        raise ValueError("invalid configuration:\n  " + "\n  ".join(problems))


check_config(config, workflow.source_path("../schemas/config.schema.yaml"))


# --- paths and jobs ----------------------------------------------------------------------------

RESULTS = f"results/{config['study']}"
GRID = config["grid"]
CRITERIA = ["drift", "excess_error", "diversity", "collapse"]

# Jobs import the library from this checkout, whatever environment runs them (venv, conda
# env, SLURM node); the interpreter is the one running Snakemake unless a conda env has its own.
LIBRARY = str(Path(workflow.basedir) / "src")
PYTHON = (
    "python"
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
    else sys.executable
)
os.environ.update(PYTHONPATH=LIBRARY)


def blocks(count, size):
    """Consecutive index ranges of at most `size`: [(first, last), …]."""
    return [(i, min(i + size, count) - 1) for i in range(0, count, size)]


SEED_BLOCKS = blocks(config["seeds"], config["seeds_per_job"])
FRACTION_BLOCKS = blocks(len(GRID["synthetic_fraction"]), config["fractions_per_job"])


wildcard_constraints:
    n=r"\d+",
    vocab=r"\d+",
    fblock=r"\d+",
    sblock=r"\d+",


def job_table(kind):
    """All per-job Parquet files of one kind (sims or initial) of the study."""
    return expand(
        f"{RESULTS}/{kind}/n{{n}}_vocab{{vocab}}_f{{fblock}}_s{{sblock}}.parquet",
        n=GRID["n"],
        vocab=GRID["vocab"],
        fblock=range(len(FRACTION_BLOCKS)),
        sblock=range(len(SEED_BLOCKS)),
    )


def simulate_args(wildcards):
    """Command-line arguments of one simulate job (python -m modelcollapse simulate)."""
    first, last = FRACTION_BLOCKS[int(wildcards.fblock)]
    seed_first, seed_last = SEED_BLOCKS[int(wildcards.sblock)]
    initial = config["initial"]
    args = [
        f"--scenario {config['scenario']}",
        f"--n {wildcards.n} --vocab {wildcards.vocab}",
        "--synthetic-fraction",
        *map(str, GRID["synthetic_fraction"][first : last + 1]),
        f"--first-seed {seed_first} --seeds {seed_last - seed_first + 1}",
        f"--generations {config['generations']} --root-seed {config['root_seed']}",
        f"--initial {initial['kind']} --exponent {initial['exponent']}",
    ]
    for key in ("support", "s0", "concentration"):
        if initial.get(key) is not None:
            args.append(f"--{key} {initial[key]}")
    if config.get("window") is not None:
        args.append(f"--window {config['window']}")
    return " ".join(args)


def get_final_output():
    """Everything `rule all` builds for the study."""
    return [
        f"{RESULTS}/summary.parquet",
        f"{RESULTS}/safe_fraction.parquet",
        f"{RESULTS}/safe_fraction.csv",
        *expand(
            f"{RESULTS}/figures/phase_{{criterion}}.{{ext}}",
            criterion=CRITERIA,
            ext=["png", "pdf"],
        ),
    ]
