"""The configuration of a study, in one place (docs/configuration.md): the schema, with the
`paper` and `transformer` targets' schemas composed in as sections; its defaults; and every check
— the schema, strict values, rules across keys, the p⁽⁰⁾ file, what the study would cost — each
problem one line that names the key and what is allowed. The workflow, the command line and the
Python API call it; it knows nothing of Snakemake.
"""

import copy
import functools
import math
import os
import re
from pathlib import Path
from typing import NamedTuple

import yaml

SCHEMAS = Path(__file__).parent / "schemas"
TARGETS = ("paper", "transformer", "claims")  # sections with a schema file of their own


class ConfigError(ValueError):
    """An invalid configuration: every problem found, one line each."""

    def __init__(self, problems, header: str = "invalid configuration"):
        self.problems = list(problems)
        super().__init__(f"{header}:\n  " + "\n  ".join(self.problems))


def read_yaml(source):
    """YAML (a string or an open file) as Python, by libyaml when PyYAML has it."""
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def schema() -> dict:
    """The study's schema with each target's schema as its section of the same name; the
    targets' `$defs` move to the root, where their `#/$defs/…` references then resolve."""
    root = read_yaml((SCHEMAS / "config.schema.yaml").read_text())
    for target in TARGETS:
        section = read_yaml((SCHEMAS / f"{target}.schema.yaml").read_text())
        section.pop("$schema", None)
        root.setdefault("$defs", {}).update(section.pop("$defs", {}))
        root["properties"][target] = {**section, "default": {}}
    return root


def _resolve(node: dict) -> dict:
    """A schema node with its `$ref` (to the root's `$defs`) merged in."""
    if "$ref" not in node:
        return node
    target = schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def fill_defaults(value: dict, node: dict | None = None) -> dict:
    """`value` with every missing key that has a default set to it, in place, recursively."""
    node = _resolve(node or schema())
    for name, sub in node.get("properties", {}).items():
        sub = _resolve(sub)
        if name not in value and "default" in sub:
            value[name] = copy.deepcopy(sub["default"])
        if isinstance(value.get(name), dict):
            fill_defaults(value[name], sub)
    return value


def default_grid() -> dict:
    """The budget frame's grid when a study names no frame: the schema's first examples."""
    properties = schema()["properties"]["grid"]["properties"]
    return {key: list(properties[key]["examples"][0]) for key in ("n", "synthetic_fraction")}


def default_counts() -> list:
    """The real-data frame's synthetic counts when a row names none: the schema's example."""
    return list(schema()["properties"]["grid"]["properties"]["n_synthetic"]["examples"][0])


def defaults() -> dict:
    """Every key of a study that sets none: what the command line and the Python API start from."""
    return fill_defaults({"grid": default_grid()})


DEFAULTS = defaults()


# --- what a schema allows, and what it lets through ------------------------------------------


def allowed_values(node: dict) -> str:
    """What a schema node allows, in words, for error messages."""
    node = _resolve(node)
    if "enum" in node:
        return "one of " + ", ".join(map(str, node["enum"]))
    kinds = node.get("type", "value")
    kinds = " or ".join(kinds) if isinstance(kinds, list) else kinds
    low = ("[", node["minimum"]) if "minimum" in node else ("(", node["exclusiveMinimum"]) if "exclusiveMinimum" in node else None
    high = (node["maximum"], "]") if "maximum" in node else (node["exclusiveMaximum"], ")") if "exclusiveMaximum" in node else None
    if low and high:
        return f"{kinds} in {low[0]}{low[1]}, {high[0]}{high[1]}"
    bounds = [f"{'>=' if low[0] == '[' else '>'} {low[1]}"] if low else [f"{'<=' if high[1] == ']' else '<'} {high[0]}"] if high else []
    if "properties" in node:
        return f"{kinds} with keys " + ", ".join(node["properties"])
    if "pattern" in node:
        bounds.append(f"matching {node['pattern']}")
    if isinstance(node.get("items"), dict):
        bounds.append(f"of {allowed_values(node['items'])}")
    return " ".join([kinds, *bounds]) if bounds else kinds


def schema_errors(config, node: dict | None = None, key: str = ""):
    """One line per problem the JSON schema finds: the key, what is wrong, what is allowed. With
    `node`, the value of config key `key` against that node of the schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(node or schema())
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.path]):
        where = ".".join([key, *map(str, error.path)]).strip(".") or "(top level)"
        yield f"config key '{where}': {error.message}; allowed: {allowed_values(error.schema)}"


def strict_errors(value, node: dict | None = None, key: str = ""):
    """What JSON schema lets through: NaN and infinities pass number bounds, 10.0 passes as an
    integer, and a pattern is searched, so 'name\\n' matches ^[a-z]+$. Refused here, one line each."""
    node = _resolve(node or schema())
    where = f"config key '{key or '(top level)'}'"
    types = node.get("type", [])
    types = types if isinstance(types, list) else [types]
    if isinstance(value, float) and not math.isfinite(value):
        yield f"{where}: {value} is not a finite number; allowed: {allowed_values(node)}"
    elif isinstance(value, float) and "integer" in types and "number" not in types:
        yield f"{where}: {value!r} is not an integer (write it without a decimal point); allowed: {allowed_values(node)}"
    elif isinstance(value, str) and "pattern" in node and not re.fullmatch(node["pattern"], value):
        yield f"{where}: {value!r} does not match {node['pattern']} as a whole; allowed: {allowed_values(node)}"
    elif isinstance(value, dict):
        for name, item in value.items():
            if name in node.get("properties", {}):
                yield from strict_errors(item, node["properties"][name], f"{key}.{name}".lstrip("."))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            yield from strict_errors(item, node["items"], f"{key}.{i}")


# --- rules across keys ---------------------------------------------------------------------------


def frame(grid: dict) -> str:
    """'budget' (grid.n with grid.synthetic_fraction) or 'real_data' (grid.n_real with grid.n_synthetic)."""
    return "budget" if "n" in grid else "real_data"


def sizes(grid: dict) -> list[int]:
    """Training-set sizes of the study's cells (n, or N + k in the real-data frame)."""
    return grid.get("n") or [r + s for r in grid["n_real"] for s in grid["n_synthetic"]]


def cross_key_errors(config: dict):
    """Rules of the study that involve several keys, which the JSON schema cannot say."""
    from .core.initial import INITIAL_KEYS, s0_problem
    from .core.simulate import SOURCE_SCENARIOS

    grid, initial = config["grid"], config["initial"]
    budget, real = {"n", "synthetic_fraction"} & set(grid), {"n_real", "n_synthetic"} & set(grid)
    if bool(budget) == bool(real) or len(budget | real) != 2:
        yield (
            f"config key 'grid': has {', '.join(sorted(budget | real)) or 'neither pair'}; allowed: exactly one pair, "
            "n with synthetic_fraction (budget frame) or n_real with n_synthetic (real-data frame)"
        )
        return
    if initial.get("path") is not None and "path" not in INITIAL_KEYS[initial["kind"]]:
        yield f"config key 'initial.path': {initial['path']} with kind {initial['kind']}, which ignores it; allowed: null, or kind file"
    support = initial.get("support")
    if support is not None and support > min(grid["vocab"]):
        yield f"config key 'initial.support': {support} exceeds the smallest grid.vocab {min(grid['vocab'])}; allowed: 2 … min(vocab)"
    if initial.get("kind") == "target" and (problem := s0_problem(initial.get("s0"), support or min(grid["vocab"]))):
        yield f"config key 'initial.s0': with kind target, s0 {problem}; allowed: [1/support, 1)"
    if config.get("window") is not None and config["scenario"] != "window":
        yield f"config key 'window': {config['window']} with scenario {config['scenario']}; allowed: null (K is the window scenario's)"
    if config["scenario"] == "window":
        K = config.get("window")
        if K is None or K > min(sizes(grid)):
            yield f"config key 'window': {K} with scenario window; allowed: an integer in [1, smallest n = {min(sizes(grid))}]"
    if config["scenario"] == "accumulate" and max(sizes(grid)) * (config["generations"] + 1) >= 2**62:
        yield (
            f"config key 'generations': {config['generations']} with scenario accumulate and n up to {max(sizes(grid))}; "
            "allowed: n · (G + 1) < 2^62 (the kept training set is counted in int64)"
        )
    if config["scenario"] in SOURCE_SCENARIOS and grid.get("synthetic_fraction") != [1.0]:
        yield f"config key 'grid.synthetic_fraction': scenario {config['scenario']} sets its own sources; allowed: [1.0]"
    yield from sampler_errors(grid["sampler"])


def sampler_errors(specs: list):
    """Each spec of grid.sampler must parse (`core.sampler.parse`), and no two may be one sampler
    (the same canonical spec: `top_p:0.90` and `top_p:0.9`), which would be one row twice."""
    from .core.sampler import ALLOWED, canonical

    seen = {}
    for i, spec in enumerate(specs):
        try:
            text = canonical(spec)
        except ValueError as err:
            message = str(err) if "allowed:" in str(err) else f"{err}; allowed: {ALLOWED}"
            yield f"config key 'grid.sampler.{i}': {message}"
            continue
        if text in seen:
            yield (
                f"config key 'grid.sampler.{i}': {spec!r} is the sampler of {specs[seen[text]]!r} (both {text}); allowed: each sampler once"
            )
        seen.setdefault(text, i)


def initial_file_errors(config: dict):
    """`initial: {kind: file}`: the file is read and checked now, and sets grid.vocab when that
    is null (a study file writes `vocab: null` over config/config.yaml's list)."""
    from .core.initial import from_file

    initial, grid = config.get("initial") or {}, config["grid"]
    if initial.get("kind") != "file":
        return
    if not initial.get("path"):
        yield "config key 'initial.path': missing with kind file; allowed: a CSV or Parquet file of token counts or probabilities"
        return
    try:
        tokens = from_file(initial["path"]).size
    except ValueError as err:
        yield f"config key 'initial.path': {err}"
        return
    grid.setdefault("vocab", [tokens])
    if grid["vocab"] != [tokens]:
        yield f"config key 'grid.vocab': {grid['vocab']} with initial file {initial['path']}; allowed: [{tokens}] (its tokens) or null"


def under_results(path) -> bool:
    """Whether an output folder a config names stays inside results/ of the working directory."""
    return os.path.realpath(path).startswith(os.path.realpath("results") + os.sep)


def target_errors(config: dict):
    """The targets' output folders stay under results/."""
    for target in TARGETS:
        out_dir = config[target].get("out_dir")
        if out_dir is not None and not under_results(out_dir):
            yield f"config key '{target}.out_dir': {out_dir}; allowed: a folder under results/"


def paper_initials(paper: dict) -> list[tuple[str, dict]]:
    """(key, {support, s0}) of every power-law p⁽⁰⁾ the paper's figures use."""
    return [
        ("paper.reference_initial", paper["reference_initial"]),
        *((f"paper.fig2.initials.{i}", spec) for i, spec in enumerate(paper["fig2"]["initials"])),
        *((f"paper.fig4.s0.{i}", {"support": paper["reference_initial"]["support"], "s0": s0}) for i, s0 in enumerate(paper["fig4"]["s0"])),
    ]


def paper_errors(paper: dict):
    """Rules of the `paper` section across its keys; each line names the key."""
    from .core.initial import s0_problem

    for key, spec in paper_initials(paper):
        if spec["support"] > paper["vocab"]:
            yield f"config key '{key}': support {spec['support']} exceeds paper.vocab {paper['vocab']}"
        elif problem := s0_problem(spec["s0"], spec["support"]):
            yield f"config key '{key}': s0 {problem}; allowed: [1/support, 1)"
    for key, values in {
        "fig3.synthetic": paper["fig3"]["synthetic"],
        "fig4.s0": paper["fig4"]["s0"],
        "fig6.windows": paper["fig6"]["windows"],
    }.items():  # the claims compare neighbouring panels
        if list(values) != sorted(values):
            yield f"config key 'paper.{key}': {values}; allowed: increasing values"
    fixed_real = paper["theorems"]["fixed_real"]
    for key, value, limit_key, limit in [
        ("fig6.windows", max(paper["fig6"]["windows"]), "fig6.n", paper["fig6"]["n"]),
        ("fig1.panels", max(paper["fig1"]["panels"]), "fig1.generations", paper["fig1"]["generations"]),
        ("fig1.contexts", paper["fig1"]["contexts"], "fig1.total_samples", paper["fig1"]["total_samples"]),
        (
            "theorems.fixed_real.checked_generations",
            max(fixed_real["checked_generations"]),
            "theorems.fixed_real.generations",
            fixed_real["generations"],
        ),
    ]:
        if value > limit:
            yield f"config key 'paper.{key}': {value}; allowed: at most paper.{limit_key} = {limit}"


# --- the study's rows, and what they cost ----------------------------------------------------------


class StudyRow(NamedTuple):
    """A row of a study as the workflow plans it: its size (n, or N in the real-data frame), its
    vocabulary, its grid probes {n_synthetic: requested fraction} and its sampler (canonical)."""

    size: int
    vocab: int
    probes: dict
    sampler: str


def row_pattern() -> str:
    """The regular expression of every `row_name` (the workflow's `row` wildcard)."""
    from .core.sampler import LABEL_PATTERN

    return rf"[nN]\d+_vocab\d+(?:{LABEL_PATTERN})?"


def row_name(kind: str, size: int, vocab: int, sampler: str) -> str:
    """n{n}_vocab{vocab}, or N{N}_vocab{vocab} in the real-data frame, with the sampler's label
    after it unless it is exact (`core.sampler.label`: n100_vocab10_top_p0.9), so the rows of
    `exact` keep the names (and paths) they had before samplers."""
    from .core.sampler import label

    return f"{'n' if kind == 'budget' else 'N'}{size}_vocab{vocab}{label(sampler)}"


def study_rows(config: dict) -> dict:
    """{row name (`row_name`): StudyRow}: the grid pass of a checked config, row by row
    (`Row.probes`), keyed by size, vocab and sampler in the grid's order."""
    from .study.safe import Row

    grid, kind = config["grid"], frame(config["grid"])
    rows = {}
    for size in grid["n"] if kind == "budget" else grid["n_real"]:
        for vocab in grid["vocab"]:
            for sampler in grid["sampler"]:
                row = Row(config["scenario"], kind, size, vocab, config.get("window"), sampler)
                rows[row_name(kind, size, vocab, row.sampler)] = StudyRow(size, vocab, row.probes(grid), row.sampler)
    return rows


def refine_in_rounds(config: dict) -> bool:
    """Whether a checked config's refinement runs as rounds of jobs (`study.rounds`): when one
    probe of all seeds is more than one simulate job. Otherwise each refine job runs its row's
    rounds itself, where a probe costs no more than a cell of a simulate job and a job per round
    would only add its start."""
    return config["seeds"] > config["seeds_per_job"]


def study_identity(config: dict) -> dict:
    """What makes a checked config's tables theirs: the study's name and every key its numbers
    depend on, with the release that made them. Every row table records it, and `merge` and
    `load_study` refuse a table that carries another."""
    from ._version import __version__

    keys = ("study", "scenario", "window", "generations", "seeds", "root_seed", "initial")
    # the tolerance sweep is read from the row tables, never written into them
    safe = {key: value for key, value in config["safe"].items() if key != "tolerance_sweep"}
    return {**{key: config.get(key) for key in keys}, "safe": safe, "version": __version__}


def initial_digests(config: dict) -> dict:
    """{vocab: SHA-256 of p⁽⁰⁾} as a checked config's initial keys make it (`core.io.initial_digest`):
    what a row's p⁽⁰⁾ file and simulation tables must match, whoever wrote them."""
    from .core.initial import from_config
    from .core.io import initial_digest

    return {vocab: initial_digest(from_config(config["initial"], vocab, config["root_seed"])) for vocab in config["grid"]["vocab"]}


def cost_errors(config: dict):
    """A study beyond `limits` (memory of one job, number of jobs), naming the key to change."""
    from .study.cost import history_rows, study_cost

    rows = {name: (row.size, row.vocab, list(row.probes)) for name, row in study_rows(config).items()}
    G = config["generations"]
    history = history_rows(config["scenario"], G, config.get("window"))
    safe = config["safe"]
    cost = study_cost(
        rows,
        config["seeds"],
        config["seeds_per_job"],
        config["fractions_per_job"],
        G,
        safe["resolution"],
        history,
        safe["probes_per_bracket"],
    )
    for key, message in cost.problems(config["limits"]["job_memory_gb"], config["limits"]["jobs"]):
        yield f"config key '{key}': {message}"


def reuse_errors(config: dict, results):
    """A study name that already holds a finished study made with other keys: refused, since a
    run would overwrite it. A new release alone is no reason (its jobs rerun), nor another grid
    (rows are added or dropped; the rows kept are reused)."""
    from .core.io import provenance

    merged = Path(results) / "safe_fraction.parquet"
    if not merged.is_file():
        return
    try:
        made = provenance(merged).get("identity")
    except ValueError:
        return  # a damaged file is the run's to refuse and replace
    if made is None:
        return  # made by a release that recorded no identity: nothing to compare
    ours = study_identity(config)
    changed = [key for key in ours if key != "version" and made.get(key) != ours[key]]
    if changed:
        yield (
            f"config key 'study': {results} holds the study {config['study']!r} made with other "
            + ", ".join(f"{key} ({made.get(key)!r}, now {ours[key]!r})" for key in changed)
            + f"; allowed: another study name, or delete {results} to redo it"
        )


def interpreter_errors(executable: str):
    """The Python that runs the workflow's `script:` jobs (without conda, Snakemake's own) must
    have no space in its path: Snakemake runs those jobs as `{python} {script}` without quoting the
    interpreter (snakemake/snakemake#2645), and every one would fail late."""
    if any(character.isspace() for character in executable):
        yield (
            f"the Python running Snakemake, {executable!r}, has a space in its path, which Snakemake does not quote "
            "for script: jobs (snakemake/snakemake#2645); allowed: an environment at a path without spaces, or --sdm conda"
        )


def notes(config: dict, rows: dict):
    """What a study says before it runs: requested fractions that give the same synthetic counts
    (simulated once), and thresholds its seeds cannot certify (`safe.seed_shortfalls`)."""
    from .core.simulate import sample_sizes
    from .study.safe import seed_shortfalls

    grid = config["grid"]
    shared = {}
    for size in grid.get("n", ()):
        probes = next(row.probes for row in rows.values() if row.size == size)
        shared[size] = [a for a in grid["synthetic_fraction"] if probes[sample_sizes(size, a)[1]] != a]
    if any(shared.values()):
        sizes = ", ".join(f"n={size} ({len(fractions)})" for size, fractions in shared.items() if fractions)
        yield f"note: some requested fractions give the synthetic count of another and are simulated once: {sizes} (grid.synthetic_fraction in config/README.md)"
    for message in seed_shortfalls(config["seeds"], config["safe"], config["safe"]["confidence"]):
        yield f"note: {message}"


def read_text_values(value, node: dict | None = None):
    """`value` with every string read as YAML where the schema wants no string there: Snakemake
    hands nested `--config` values over as text (`grid={"n": [10]}` gives n = ['10'])."""
    node = _resolve(node or schema())
    types = node.get("type", [])
    types = types if isinstance(types, list) else [types]
    if isinstance(value, str) and types and "string" not in types:
        read = read_yaml(value)
        return read if isinstance(read, (int, float, bool, type(None))) else value
    if isinstance(value, dict):
        return {k: read_text_values(v, node.get("properties", {}).get(k, {})) for k, v in value.items()}
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [read_text_values(v, node["items"]) for v in value]
    return value


# --- the one entry point -----------------------------------------------------------------------------


def check(config: dict) -> dict:
    """Validate a study's configuration and fill in its defaults, in place; ConfigError with every
    problem, one line each, naming the key and what is allowed. Checks, in order: the schema and
    the values it lets through, the p⁽⁰⁾ file, the rules across keys, the cost."""
    if config.get("grid") is None:
        config["grid"] = {}
    grid = config["grid"]
    if isinstance(grid, dict):
        # an overlay writes `n: null` to drop config/config.yaml's budget pair
        for key in [key for key, value in grid.items() if value is None]:
            del grid[key]
        if not {"n_real", "n_synthetic"} & set(grid):
            for key, values in default_grid().items():
                grid.setdefault(key, values)
    config.update(read_text_values(config))
    problems = [*schema_errors(config), *strict_errors(config)]
    if not problems:
        problems = list(initial_file_errors(config))
    if not problems:
        fill_defaults(config)
        problems = [*cross_key_errors(config), *paper_errors(config["paper"]), *target_errors(config)]
    if not problems:
        problems = list(cost_errors(config))
    if problems:
        raise ConfigError(problems)
    config["grid"]["sampler"] = sampler_specs(config["grid"]["sampler"])
    return config


def sampler_specs(specs: list) -> list[str]:
    """A checked grid.sampler in canonical form (`core.sampler.canonical`): what rows, names and
    tables carry."""
    from .core.sampler import canonical

    return [canonical(spec) for spec in specs]


def load(*paths, overrides: dict | None = None) -> dict:
    """A checked config from YAML files, each merged over the ones before it (as Snakemake merges
    --configfile), then `overrides`: what a notebook or a script calls."""
    config = {}
    for path in paths:
        merge(config, read_yaml(Path(path).read_text()) or {})
    return check(merge(config, overrides or {}))


def merge(base: dict, overlay: dict) -> dict:
    """`overlay` merged into `base` key by key, nested mappings recursively (in place)."""
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


# --- the command line and the Python API: one row or a few cells, checked as a study ---------------

# What each entry point calls a config key: (Python argument, command-line flag). A problem found
# in a key is reported under the name the user typed.
ENTRY_NAMES = {
    "grid.n": ("n", "--n"),
    "grid.n_real": ("n_real", "--n-real"),
    "grid.vocab": ("vocab", "--vocab"),
    "grid.synthetic_fraction": ("synthetic_fractions", "--synthetic-fraction"),
    "grid.n_synthetic": ("n_synthetic", "--n-synthetic"),
    "grid.log_real_shares": ("log_real_shares", "--log-real-shares"),
    "grid.sampler": ("sampler", "--sampler"),
    "grid": ("n", "--n"),
    "initial.kind": ("initial", "--initial"),
    "initial.path": ("initial_path", "--initial-path"),
    **{f"initial.{key}": (key, f"--{key}") for key in ("exponent", "support", "s0", "concentration")},
    **{f"safe.{c}": (f"thresholds['{c}']", f"--{c.replace('_', '-')}") for c in ("drift", "excess_error", "diversity", "collapse")},
    "safe.confidence": ("confidence", "--confidence"),
    "safe.resolution": ("resolution", "--resolution"),
    "safe": ("thresholds", "--drift"),
    "seeds_per_job": ("seeds", "--seeds"),  # a row asked for directly runs all its seeds at once
    **{key: (key, f"--{key.replace('_', '-')}") for key in ("scenario", "window", "generations", "seeds", "root_seed")},
}
ENTRIES = ("api", "cli")
# The cost's words for the workflow's jobs, as they read for a row run in one process.
ENTRY_WORDS = {
    "a simulate job would": "one cell of all seeds would",
    "lower seeds_per_job, fractions_per_job, generations or vocab": "lower seeds, generations or vocab",
    "a refine job (one cell of all seeds and generations at a time)": "the refinement (one cell of all seeds and generations at a time)",
    "raise limits.job_memory_gb on a bigger node": "the workflow's limits.job_memory_gb allows more",
}


def entry_name(key: str, entry: str) -> str:
    """What `entry` ('api' or 'cli') calls config key `key` (its longest known prefix)."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in ENTRY_NAMES:
            return ENTRY_NAMES[".".join(parts[:end])][ENTRIES.index(entry)]
    return key


def for_entry(problem: str, entry: str) -> str:
    """A problem line of `check` as `entry` says it: `--n: …` or `n: …` for `config key 'grid.n.0': …`."""
    match = re.match(r"config key '([^']+)': (.*)", problem, re.S)
    if not match:
        return problem
    text = match.group(2)
    for workflow, words in ENTRY_WORDS.items():
        text = text.replace(workflow, words)
    return f"{entry_name(match.group(1), entry)}: {text}"


def _plain(value):
    """NumPy scalars as Python's and paths as strings (JSON schema knows only these); anything else unchanged, so
    True stays a bool and 10.5 a float, and both are refused where an integer is wanted."""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def row_config(
    *, n=None, n_real=None, vocab=None, initial=None, thresholds=None, fractions=None, counts=None, sampler=None, **keys
) -> dict:
    """The study of one row as the command line and the Python API ask for it: `n` (budget frame,
    with the requested `fractions`) or `n_real` (real-data frame, with the synthetic `counts`),
    `vocab`, the `sampler` spec (None: the default, exact), the `initial` keys, the `thresholds`
    and confidence/resolution (`safe`), and any top-level key (scenario, window, generations,
    seeds, root_seed, log_real_shares). Unchecked: `check_entry` checks it."""
    if n_real is None:
        grid = {"n": [n], "synthetic_fraction": fractions}
    else:
        grid = {"n_real": [n_real], "n_synthetic": counts if counts is not None else default_counts()}
    if vocab is not None or (initial or {}).get("kind", "zipf") != "file":  # only a file sets vocab
        grid["vocab"] = [vocab]
    if "log_real_shares" in keys:
        grid["log_real_shares"] = keys.pop("log_real_shares")
    if sampler is not None:
        grid["sampler"] = [sampler]
    safe = dict(thresholds or {})
    safe.update({key: keys.pop(key) for key in ("confidence", "resolution") if key in keys})
    config = {**keys, "grid": {k: v for k, v in grid.items() if v is not None}, "initial": initial or {}, "safe": safe}
    return {
        key: _plain(value) if not isinstance(value, dict) else {k: _plain(v) for k, v in value.items()} for key, value in config.items()
    }


def check_entry(config: dict, entry: str) -> dict:
    """`check` of a study of one row or a few cells that the command line or the Python API was
    asked for: every value the workflow refuses, refused with the same words under the name
    `entry` gives it (ConfigError, a ValueError, one line per problem, each name once). The
    row's seeds run in one process, so the cost is that of one job with all of them."""
    if config.get("grid", {}).get("vocab") == [None]:
        raise ConfigError(
            [f"{entry_name('grid.vocab', entry)}: missing; allowed: an integer >= 2 (a p(0) file sets it)"], "invalid arguments"
        )
    config.setdefault("seeds_per_job", config.get("seeds", DEFAULTS["seeds"]))
    config.setdefault("fractions_per_job", 1)
    try:
        return check(config)
    except ConfigError as err:
        named = {}
        for problem in map(lambda line: for_entry(line, entry), err.problems):
            named.setdefault(problem.split(":", 1)[0], problem)
        raise ConfigError(named.values(), "invalid arguments") from None


# --- the reference of every key ----------------------------------------------------------------


def reference() -> str:
    """config/README.md: every key of the schema with its default, what is allowed and what it
    means (`modelcollapse config --reference > config/README.md`)."""
    lines = [
        "# Configuration",
        "",
        "Every key of a study, generated from the schema by `modelcollapse config --reference > config/README.md`;",
        "do not edit by hand. `config/config.yaml` holds the study's keys, `config/paper.yaml` the `paper`",
        "section and `config/transformer.yaml` the `transformer` section; a study file given with",
        "`--configfile` (or `--config key=value`) overlays any of them. Every value is checked by",
        "`modelcollapse.config.check` before anything runs; a problem names its key and what is allowed.",
        "",
        "| key | default | allowed | meaning |",
        "|---|---|---|---|",
    ]

    def walk(node, key):
        node = _resolve(node)
        if key:
            default = node.get("default", (node.get("examples") or ["–"])[0])
            shown = (
                "–"
                if default == "–"
                else f"`{yaml.safe_dump(default, default_flow_style=True, width=10**6).strip().removesuffix('...').strip()}`"
            )
            meaning = " ".join(str(node.get("description", node.get("title", ""))).split())
            allowed = "a mapping of the keys below" if "properties" in node else allowed_values(node)
            lines.append(f"| `{key}` | {shown} | {allowed} | {meaning} |")
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{key}.{name}".lstrip("."))

    walk(schema(), "")
    return "\n".join(lines) + "\n"
