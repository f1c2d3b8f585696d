import math
import os
import re
import shlex
import sys
from pathlib import Path

import jsonschema
import yaml

# The library sits beside the workflow (src/ of this repository) and is found from this file's
# own location, so the workflow also runs deployed as a module from a local clone, with no
# installed package. Planning the study needs its Python modules only, never the compiled engine:
# a fresh clone dry-runs, lints and draws its DAG before anything is built, and a job that
# simulates without the engine fails with the error of `simulate.compiled_engine`.
LIBRARY = str(Path(workflow.current_basedir).parents[1] / "src")
sys.path.insert(0, LIBRARY)
import modelcollapse.core.initial
import modelcollapse.core.simulate
import modelcollapse.study.cost
import modelcollapse.study.safe
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
    yield from strict_errors(config, schema)


def strict_errors(value, schema, key=""):
    """What JSON schema lets through: NaN and infinities pass number bounds, 10.0 passes as an
    integer, and a pattern is searched, so 'name\\n' matches ^[a-z]+$. Refused here, one line each.
    """
    where = f"config key '{key or '(top level)'}'"
    types = schema.get("type", [])
    types = types if isinstance(types, list) else [types]
    if isinstance(value, float) and not math.isfinite(value):
        yield f"{where}: {value} is not a finite number; allowed: {allowed_values(schema)}"
    elif isinstance(value, float) and "integer" in types and "number" not in types:
        yield f"{where}: {value!r} is not an integer (write it without a decimal point); allowed: {allowed_values(schema)}"
    elif (
        isinstance(value, str)
        and "pattern" in schema
        and not re.fullmatch(schema["pattern"], value)
    ):
        yield f"{where}: {value!r} does not match {schema['pattern']} as a whole; allowed: {allowed_values(schema)}"
    elif isinstance(value, dict):
        for name, item in value.items():
            if name in schema.get("properties", {}):
                yield from strict_errors(
                    item, schema["properties"][name], f"{key}.{name}".lstrip(".")
                )
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from strict_errors(item, schema["items"], f"{key}.{i}")


def under_results(path) -> bool:
    """Whether a path the config names for outputs stays inside this project's results/."""
    results = os.path.realpath("results")
    return os.path.realpath(path).startswith(results + os.sep)


def read_yaml(source):
    """YAML (a string or an open file) as Python, by libyaml when PyYAML has it: ten times
    faster than the pure-Python parser, and the schemas are read at every start."""
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_target_config(path, schema_path, key):
    """The YAML config of the `paper` or `transformer` target, validated like the study's: one
    line per problem naming the key, before any rule exists; its out_dir stays under results/.
    """
    try:
        with open(path) as handle:
            target = read_yaml(handle)
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(
            f"invalid configuration:\n  config key '{key}': {path} cannot be read as YAML ({err})"
        )
    if target is None:
        target = {}
    if not isinstance(target, dict):
        raise ValueError(
            f"invalid configuration:\n  config key '{key}': {path} holds a {type(target).__name__}; allowed: a YAML mapping of that target's keys"
        )
    schema = read_yaml(Path(schema_path).read_text())
    problems = [f"{problem} (in {path})" for problem in config_errors(target, schema)]
    if not problems:
        validate(target, schema_path)  # fills in the defaults
        if not under_results(target["out_dir"]):
            problems.append(
                f"config key 'out_dir': {target['out_dir']} (in {path}); allowed: a folder under results/"
            )
    if problems:
        raise ValueError("invalid configuration:\n  " + "\n  ".join(problems))
    return target


def cross_key_errors(config):
    """Rules that involve several keys, which the JSON schema cannot say."""
    grid, initial = config["grid"], config["initial"]
    budget = {"n", "synthetic_fraction"} & set(grid)
    real = {"n_real", "n_synthetic"} & set(grid)
    if bool(budget) == bool(real) or len(budget | real) != 2:
        yield (
            f"config key 'grid': has {', '.join(sorted(budget | real)) or 'neither pair'}; allowed: exactly one pair, "
            "n with synthetic_fraction (budget frame) or n_real with n_synthetic (real-data frame)"
        )
        return
    support = initial.get("support")
    if support is not None and support > min(grid["vocab"]):
        yield f"config key 'initial.support': {support} exceeds the smallest grid.vocab {min(grid['vocab'])}; allowed: 2 … min(vocab)"
    if initial.get("kind") == "target":
        s0, k = initial.get("s0"), support or min(grid["vocab"])
        problem = modelcollapse.core.initial.s0_problem(s0, k)
        if problem:
            yield f"config key 'initial.s0': with kind target, s0 {problem}; allowed: [1/support, 1)"
    sizes = grid.get("n") or [
        r + s for r in grid["n_real"] for s in grid["n_synthetic"]
    ]
    if config["scenario"] == "window":
        K = config.get("window")
        if K is None or K > min(sizes):
            yield f"config key 'window': {K} with scenario window; allowed: an integer in [1, smallest n = {min(sizes)}]"
    if (
        config["scenario"] == "accumulate"
        and max(sizes) * (config["generations"] + 1) >= 2**62
    ):
        yield (
            f"config key 'generations': {config['generations']} with scenario accumulate and n up to {max(sizes)}; "
            "allowed: n · (G + 1) < 2^62 (the kept training set is counted in int64)"
        )
    if config["scenario"] in ("accumulate", "window", "pool") and grid.get(
        "synthetic_fraction"
    ) != [1.0]:
        yield f"config key 'grid': scenario {config['scenario']} sets its own sources; allowed: grid.n with grid.synthetic_fraction [1.0]"


def initial_file_errors(config):
    """`initial: {kind: file}`: the file is read and checked now, and sets grid.vocab when that
    is null (a study file writes `vocab: null` over config/config.yaml's list)."""
    initial, grid = config.get("initial", {}), config["grid"]
    if initial.get("kind") != "file":
        return
    if not initial.get("path"):
        yield "config key 'initial.path': missing with kind file; allowed: a CSV or Parquet file of token counts or probabilities"
        return
    try:
        tokens = modelcollapse.core.initial.from_file(initial["path"]).size
    except ValueError as err:
        yield f"config key 'initial.path': {err}"
        return
    grid.setdefault("vocab", [tokens])
    if grid["vocab"] != [tokens]:
        yield f"config key 'grid.vocab': {grid['vocab']} with initial file {initial['path']}; allowed: [{tokens}] (its tokens) or null"


def check_config(config, schema_path):
    schema = read_yaml(Path(schema_path).read_text())
    grid = config.setdefault("grid", {})
    # A study file overlays config/config.yaml: `n: null` there drops the default budget pair.
    for key in [key for key, value in grid.items() if value is None]:
        del grid[key]
    if not {"n_real", "n_synthetic"} & set(grid):  # the budget frame's default grid
        for key in ("n", "synthetic_fraction"):
            grid.setdefault(
                key, schema["properties"]["grid"]["properties"][key]["examples"][0]
            )
    problems = list(config_errors(config, schema)) or list(initial_file_errors(config))
    if not problems:
        validate(config, schema_path)  # fills in the defaults
        problems = list(cross_key_errors(config))
    if problems:
        raise ValueError("invalid configuration:\n  " + "\n  ".join(problems))


check_config(config, workflow.source_path("../schemas/config.schema.yaml"))


# --- paths and jobs ----------------------------------------------------------------------------

RESULTS = f"results/{config['study']}"
GRID = config["grid"]
CRITERIA = list(modelcollapse.study.safe.CRITERIA)
FRAME = "budget" if "n" in GRID else "real_data"

# A conda env has the library installed (workflow/envs/*.yaml) and its own interpreter. Without
# one, jobs run on the interpreter running Snakemake and import the library from this checkout
# (PYTHONPATH; the compiled engine built in place by `pip install -e .`). Both reach the shell
# commands as environment variables, not params, so a finished study copied elsewhere, or run
# with another interpreter, plans nothing anew.
if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
    os.environ.update(MODELCOLLAPSE_PYTHON="python")
else:
    os.environ.update(
        PYTHONPATH=os.pathsep.join(
            [LIBRARY, *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        MODELCOLLAPSE_PYTHON=sys.executable,
    )


def study_rows():
    """{row name: (size, vocab, {n_synthetic: requested fraction})} of the study's grid pass."""
    rows = {}
    for size in GRID["n"] if FRAME == "budget" else GRID["n_real"]:
        for vocab in GRID["vocab"]:
            row = modelcollapse.study.safe.Row(
                config["scenario"], FRAME, size, vocab, config.get("window")
            )
            probes = row.grid(
                fractions=GRID.get("synthetic_fraction", ()),
                counts=GRID.get("n_synthetic", ()),
                log_real_shares=GRID.get("log_real_shares", False),
            )
            if config["scenario"] in ("accumulate", "window", "pool"):
                probes = {size: 1.0}  # the scenario sets its own sources
            rows[f"{'n' if FRAME == 'budget' else 'N'}{size}_vocab{vocab}"] = (
                size,
                vocab,
                probes,
            )
    return rows


def same_count_messages():
    """Requested fractions that give the same counts are one cell: one line per n says which."""
    for size in GRID.get("n", ()):
        probes = next(p for s, _, p in STUDY_ROWS.values() if s == size)
        counts = [
            (a, modelcollapse.core.simulate.sample_sizes(size, a)[1])
            for a in GRID["synthetic_fraction"]
        ]
        shared = [f"{a} as {probes[k]} ({k})" for a, k in counts if probes[k] != a]
        if shared:
            yield f"n={size}: same synthetic counts, simulated once: {', '.join(shared)}"


STUDY_ROWS = study_rows()
COST = modelcollapse.study.cost.study_cost(
    {
        name: (size, vocab, list(grid))
        for name, (size, vocab, grid) in STUDY_ROWS.items()
    },
    config["seeds"],
    config["seeds_per_job"],
    config["fractions_per_job"],
    config["generations"],
    config["safe"]["bootstrap"],
    config["safe"]["resolution"],
)
COST_PROBLEMS = [
    f"config key '{key}': {message}"
    for key, message in COST.problems(
        config["limits"]["job_memory_gb"], config["limits"]["jobs"]
    )
]
if COST_PROBLEMS:
    raise ValueError("invalid configuration:\n  " + "\n  ".join(COST_PROBLEMS))
for message in same_count_messages():
    print(message, file=sys.stderr)


def blocks(count, size):
    """Consecutive index ranges of at most `size`: [(first, last), …]."""
    return [(i, min(i + size, count) - 1) for i in range(0, count, size)]


SEED_BLOCKS = blocks(config["seeds"], config["seeds_per_job"])


def cell_blocks(row):
    """The row's grid probes, in blocks of at most fractions_per_job."""
    return blocks(len(STUDY_ROWS[row][2]), config["fractions_per_job"])


wildcard_constraints:
    row=r"[nN]\d+_vocab\d+",
    vocab=r"\d+",
    fblock=r"\d+",
    sblock=r"\d+",


def row_sims(wildcards):
    """The grid-pass simulation tables of one row."""
    return expand(
        f"{RESULTS}/sims/{wildcards.row}_f{{fblock}}_s{{sblock}}.parquet",
        fblock=range(len(cell_blocks(wildcards.row))),
        sblock=range(len(SEED_BLOCKS)),
    )


def row_initial(wildcards):
    return f"{RESULTS}/initial/vocab{STUDY_ROWS[wildcards.row][1]}.parquet"


def row_tables(name):
    """Every row's `name` table (summary, criteria or safe_fraction, from its refine job), in
    the grid's order: what `merge` joins, and what the figures draw without waiting for it.
    """
    return expand(f"{RESULTS}/rows/{{row}}/{name}.parquet", row=STUDY_ROWS)


# The `initial` keys that each kind takes, as command-line flags (the others keep their defaults).
INITIAL_FLAGS = {
    "zipf": ("exponent", "support"),
    "uniform": ("support",),
    "dirichlet": ("concentration", "support"),
    "target": ("s0", "support"),
    "file": ("path",),
}


def initial_args(vocab):
    """Command-line flags of the initial distribution (shared by every job that needs p⁽⁰⁾)."""
    initial = config["initial"]
    args = [
        f"--vocab {vocab} --root-seed {config['root_seed']} --initial {initial['kind']}"
    ]
    for key in INITIAL_FLAGS[initial["kind"]]:
        if initial.get(key) is not None:
            flag = "initial-path" if key == "path" else key
            args.append(f"--{flag} {shlex.quote(str(initial[key]))}")
    return args


def simulate_args(wildcards):
    """Command-line arguments of one simulate job (python -m modelcollapse simulate)."""
    size, vocab, probes = STUDY_ROWS[wildcards.row]
    first, last = cell_blocks(wildcards.row)[int(wildcards.fblock)]
    counts = list(probes)[first : last + 1]
    seed_first, seed_last = SEED_BLOCKS[int(wildcards.sblock)]
    if FRAME == "budget":
        cells = [
            "--n",
            str(size),
            "--synthetic-fraction",
            *(repr(probes[k]) for k in counts),
        ]
    else:
        cells = ["--n-real", str(size), "--n-synthetic", *map(str, counts)]
    args = [
        f"--scenario {config['scenario']}",
        *cells,
        f"--first-seed {seed_first} --seeds {seed_last - seed_first + 1}",
        f"--generations {config['generations']}",
        *initial_args(vocab),
    ]
    if config.get("window") is not None:
        args.append(f"--window {config['window']}")
    return " ".join(args)


def get_final_output():
    """Everything `rule all` builds for the study."""
    return [
        f"{RESULTS}/summary.parquet",
        f"{RESULTS}/criteria.parquet",
        f"{RESULTS}/safe_fraction.parquet",
        f"{RESULTS}/safe_fraction.csv",
        f"{RESULTS}/figures/safe_fraction.png",
        f"{RESULTS}/figures/safe_fraction.pdf",
        f"{RESULTS}/report/safe_fraction.html",
        *expand(
            f"{RESULTS}/figures/phase_{{criterion}}.{{ext}}",
            criterion=CRITERIA,
            ext=["png", "pdf"],
        ),
    ]
