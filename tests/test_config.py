"""The configuration, without Snakemake (modelcollapse.config): the shipped files are valid and
equal the schema's defaults, every default comes from the schema, and every bad value is refused
with one line naming its key and what is allowed. The workflow calls the same check
(tests/test_workflow.py runs it through Snakemake)."""

from pathlib import Path

import pytest

from modelcollapse import config
from modelcollapse.cli import main as cli_main
from modelcollapse.study import answers, safe

REPO = Path(__file__).resolve().parents[1]
SHIPPED = [REPO / "config" / name for name in ("config.yaml", "paper.yaml", "transformer.yaml", "claims.yaml")]


def load(**overrides):
    """The shipped configuration with `overrides` merged over it, as `--configfile` would."""
    return config.load(*SHIPPED, overrides=overrides)


def test_the_shipped_files_are_the_schema_defaults():
    """config/config.yaml, paper.yaml and transformer.yaml write out the defaults: a study that
    sets nothing runs the same study."""
    assert load() == config.defaults()


def test_every_default_of_the_library_comes_from_the_schema():
    defaults = config.defaults()
    assert safe.DEFAULT_THRESHOLDS == {c: defaults["safe"][c] for c in safe.CRITERIA}
    assert list(safe.DEFAULT_FRACTIONS) == defaults["grid"]["synthetic_fraction"]
    signature = answers.safe_fraction.__kwdefaults__
    assert (signature["generations"], signature["seeds"], signature["root_seed"], signature["confidence"]) == (
        defaults["generations"],
        defaults["seeds"],
        defaults["root_seed"],
        defaults["safe"]["confidence"],
    )


def test_config_readme_is_the_generated_reference(capsys):
    """config/README.md lists every key: `modelcollapse config --reference` writes it."""
    cli_main(["config", "--reference"])
    assert (REPO / "config" / "README.md").read_text() == capsys.readouterr().out
    for key in ("safe.confidence", "paper.fig6.windows", "transformer.preset", "limits.jobs"):
        assert f"| `{key}` |" in config.reference()


def test_the_schema_documents_every_key():
    def nodes(node, key=""):
        for name, child in node.get("properties", {}).items():
            yield f"{key}{name}", config._resolve(child)
            yield from nodes(config._resolve(child), f"{key}{name}.")

    for key, node in nodes(config.schema()):
        assert node.get("description") or node.get("title"), key


BAD = [  # (overrides, the key named, what the message says)
    ({"grid": {"n": [-3, 10]}}, "grid.n.0", "minimum"),
    ({"grid": {"n": [0]}}, "grid.n.0", "minimum"),
    ({"grid": {"synthetic_fraction": [0.5, 1.5]}}, "grid.synthetic_fraction.1", "maximum"),
    ({"grid": {"synthetic_fraction": [-0.1]}}, "grid.synthetic_fraction.0", "minimum"),
    ({"grid": {"vocab": [1]}}, "grid.vocab.0", "minimum"),
    ({"initial": {"support": 50}}, "initial.support", "exceeds the smallest grid.vocab"),
    ({"scenario": "replace"}, "scenario", "one of mixed"),
    ({"initial": {"kind": "gaussian"}}, "initial.kind", "one of zipf"),
    ({"seeds": 0}, "seeds", "minimum"),
    ({"generations": 0}, "generations", "minimum"),
    ({"colour": "red"}, "(top level)", "colour"),
    ({"safe": {"drfit": 0.1}}, "safe", "drfit"),
    ({"safe": {"bootstrap": 1000}}, "safe", "bootstrap"),
    ({"scenario": "window", "window": None}, "window", "scenario window"),
    ({"initial": {"kind": "target", "s0": None}}, "initial.s0", "allowed: [1/support, 1)"),
    ({"grid": {"n_real": [10], "n_synthetic": [5]}}, "grid", "exactly one pair"),
    ({"grid": {"n_synthetic": [-1]}}, "grid.n_synthetic.0", "minimum"),
    ({"safe": {"resolution": 0}}, "safe.resolution", "allowed"),
    ({"safe": {"drift": float("nan")}}, "safe.drift", "not a finite number"),
    ({"safe": {"confidence": float("nan")}}, "safe.confidence", "not a finite number"),
    ({"initial": {"exponent": float("inf")}}, "initial.exponent", "not a finite number"),
    ({"grid": {"n": [10.0]}}, "grid.n.0", "not an integer"),
    ({"seeds": 20.0}, "seeds", "not an integer"),
    ({"study": "name\n"}, "study", "as a whole"),
    ({"study": "../escape"}, "study", "as a whole"),
    ({"grid": {"vocab": [1_000_000_000]}}, "grid.vocab", "GiB"),
    ({"generations": 10_000_000}, "seeds_per_job", "GiB"),
    ({"seeds": 10_000_000}, "seeds_per_job", "jobs (limit"),
    ({"grid": {"n": [10**16]}}, "grid.n.0", "maximum"),
    ({"scenario": "accumulate", "grid": {"synthetic_fraction": [1.0], "n": [10**14]}, "generations": 100_000}, "generations", "2^62"),
    ({"scenario": "pool"}, "grid.synthetic_fraction", "sets its own sources"),
    ({"grid": {"sampler": ["exact", "top_p:1.5"]}}, "grid.sampler.1", "top_p must be a number in (0, 1]"),
    ({"grid": {"sampler": ["nucleus:0.9"]}}, "grid.sampler.0", "allowed: exact, or comma-separated"),
    ({"grid": {"sampler": ["top_k:2.5"]}}, "grid.sampler.0", "an integer >= 1"),
    ({"grid": {"sampler": ["top_p:0.9", "exact", "top_p:0.90"]}}, "grid.sampler.2", "is the sampler of 'top_p:0.9'"),
    ({"grid": {"sampler": ["top_p:0.9,temperature:0.7", "temperature:0.7,top_p:0.9"]}}, "grid.sampler.1", "each sampler once"),
    ({"grid": {"sampler": []}}, "grid.sampler", "non-empty"),
    ({"grid": {"sampler": [0.9]}}, "grid.sampler.0", "string"),
    ({"paper": {"vocab": 1}}, "paper.vocab", "minimum"),
    ({"paper": {"vocab": 40}}, "paper.reference_initial", "exceeds paper.vocab 40"),
    ({"paper": {"fig6": {"windows": [5, 2]}}}, "paper.fig6.windows", "increasing"),
    ({"paper": {"fig1": {"panels": [0, 400]}}}, "paper.fig1.panels", "at most paper.fig1.generations"),
    ({"paper": {"out_dir": "/tmp/elsewhere"}}, "paper.out_dir", "a folder under results/"),
    ({"transformer": {"preset": "huge"}}, "transformer.preset", "one of paper, small, tiny"),
    ({"transformer": {"bogus": 1}}, "transformer", "bogus"),
]


@pytest.mark.parametrize("overrides, key, problem", BAD, ids=[f"{k}-{p}" for _, k, p in BAD])
def test_a_bad_value_is_refused_naming_its_key(overrides, key, problem):
    with pytest.raises(config.ConfigError) as caught:
        load(**overrides)
    message = str(caught.value)
    assert message.startswith("invalid configuration:")
    assert f"config key '{key}'" in message and problem in message, message


def test_every_problem_is_one_line():
    with pytest.raises(config.ConfigError) as caught:
        load(seeds=0, generations=0, scenario="replace")
    assert len(caught.value.problems) == 3 and all("\n" not in line for line in caught.value.problems)


def test_grid_null_or_a_frame_switch_is_not_a_crash():
    """`grid: null` is the default grid; `n: null` drops the budget pair for the real-data frame."""
    assert load(grid=None)["grid"]["n"] == config.defaults()["grid"]["n"]
    real = load(grid={"n": None, "synthetic_fraction": None, "n_real": [10], "n_synthetic": [0, 5]})
    assert config.frame(real["grid"]) == "real_data"


def test_the_study_rows_are_the_libraries_probes():
    checked = load()
    rows = config.study_rows(checked)
    assert list(rows)[0] == "n10_vocab10" and len(rows) == 18
    size, vocab, probes, sampler = rows["n1000_vocab100"]
    assert probes == safe.Row("mixed", "budget", 1000, 100).probes(checked["grid"]) and sampler == "exact"


def test_a_row_per_sampler_named_after_it_and_exact_rows_keep_their_names():
    """grid.sampler multiplies the rows; a sampler is kept in its canonical form, and a row of a
    sampler other than exact has its label after the name an exact row has."""
    checked = load(grid={"n": [100], "vocab": [10, 50], "sampler": ["exact", "top_p:0.90", "top_k:2,temperature:0.5"]})
    assert checked["grid"]["sampler"] == ["exact", "top_p:0.9", "temperature:0.5,top_k:2"]
    rows = config.study_rows(checked)
    assert list(rows) == [
        "n100_vocab10",
        "n100_vocab10_top_p0.9",
        "n100_vocab10_temperature0.5_top_k2",
        "n100_vocab50",
        "n100_vocab50_top_p0.9",
        "n100_vocab50_temperature0.5_top_k2",
    ]
    assert [row.sampler for row in rows.values()][:3] == checked["grid"]["sampler"]
    assert len({tuple(row.probes) for row in rows.values()}) == 1  # the sampler changes no probe
    real = load(grid={"n": None, "synthetic_fraction": None, "n_real": [10], "n_synthetic": [0, 5], "sampler": ["temperature:1.5"]})
    assert list(config.study_rows(real)) == [f"N10_vocab{v}_temperature1.5" for v in real["grid"]["vocab"]]
    # what the workflow's row wildcard accepts (workflow/rules/common.smk), and nothing else after it
    import re

    pattern = re.compile(config.row_pattern())
    assert all(pattern.fullmatch(name) for name in [*rows, "N10_vocab10_temperature1e-05"])
    assert not pattern.fullmatch("n100_vocab10_f0") and not pattern.fullmatch("n100_vocab10_top_p0.9_f0")
