"""Every entry point refuses what the workflow refuses, with the same words under the name the user
typed: the command line (exit 2, one line, no traceback), the Python API (ValueError naming the
argument) and `load_study` (the file named). The cases are an adversary's: values past every
limit, NaN and infinities, wrong types, files from another study, flipped bits."""

import math
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pyarrow as pa
import pytest

import modelcollapse as mc
from modelcollapse import config
from modelcollapse.core.io import with_content_digest, write_tables
from modelcollapse.study.aggregate import STUDY_TABLES, check_study_tables

# (command-line arguments, the error line's text after "error: "; " … " stands for any text)
COMMAND_LINE = [
    (
        "simulate --n 10 --vocab 1000000000 --synthetic-fraction 0.5 --seeds 2 --generations 3",
        "--vocab: one replicate's vocabulary-sized arrays would need",
    ),
    ("simulate --n 10 --vocab 10 --synthetic-fraction 0.5 --seeds 2 --generations 10000000", "--seeds: … would need"),
    ("simulate --n 10 --vocab 10 --synthetic-fraction 0.5 --seeds 10000000 --generations 3", "--seeds: one cell of all seeds would need"),
    (
        "simulate --n 9223372036854775808 --vocab 10 --synthetic-fraction 0.5 --seeds 2 --generations 3",
        "--n: 9223372036854775808 is greater than the maximum",
    ),
    (
        "simulate --n 10 --vocab 10 --synthetic-fraction 0.5 --seeds 2 --generations 3 --first-seed 4294967295",
        "--first-seed: 4294967295 with --seeds 2",
    ),
    (
        "simulate --scenario accumulate --n 100000000000000000 --vocab 10 --synthetic-fraction 1 --seeds 2 --generations 3",
        "--n: 100000000000000000 is greater than the maximum",
    ),
    (
        "simulate --scenario accumulate --n 100000000000000 --vocab 10 --synthetic-fraction 1 --seeds 2 --generations 100000",
        "--generations: 100000 with scenario accumulate",
    ),
    ("simulate --n 10 --vocab 10 --synthetic-fraction nan --seeds 2 --generations 3", "--synthetic-fraction: nan is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --exponent nan", "--exponent: nan is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --exponent nan --analytic-only", "--exponent: nan is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --exponent inf", "--exponent: inf is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --initial dirichlet --concentration nan", "--concentration: nan is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --drift nan", "--drift: nan is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --diversity nan", "--diversity: nan is not a finite number"),
    ("safe-fraction --n 100 --vocab 10 --drift -1", "--drift: -1.0 is less than the minimum of 0"),
    (
        "safe-fraction --n 100 --vocab 10 --confidence 1",
        "--confidence: 1.0 is greater than or equal to the maximum of 1; allowed: number in (0, 1)",
    ),
    ("safe-fraction --n 100 --vocab 10 --seeds 10000000", "--seeds: one cell of all seeds would need"),
    ("safe-fraction --n 100 --vocab 10 --generations 10000000", "--seeds: one cell of all seeds would need"),
    ("safe-fraction --n 100", "--vocab: missing; allowed: an integer >= 2"),
    ("safe-fraction --n 100 --vocab 10 --window 3", "--window: 3 with scenario mixed"),
    ("safe-fraction --n 10 --vocab 10 --scenario pool --analytic-only", "--analytic-only: the closed forms describe --scenario mixed only"),
    ("initial --vocab 1 --initial-file {tmp}/p0.parquet", "--vocab: 1 is less than the minimum of 2"),
    ("safe-fraction --n 100 --vocab 10 --sampler top_p:0", "--sampler: sampler 'top_p:0': top_p must be a number in (0, 1]"),
    ("safe-fraction --n 100 --vocab 10 --sampler greedy --analytic-only", "--sampler: sampler 'greedy': unknown part … allowed: exact"),
    ("simulate --n 10 --vocab 10 --synthetic-fraction 0.5 --seeds 2 --generations 3 --sampler top_k:1.5", "--sampler: … an integer >= 1"),
]


@pytest.mark.parametrize("argv, message", COMMAND_LINE, ids=[a for a, _ in COMMAND_LINE])
def test_the_command_line_refuses_with_one_line_naming_the_flag(tmp_path, argv, message):
    argv = argv.format(tmp=tmp_path).split()
    if argv[0] == "simulate":
        argv += ["--sims-file", str(tmp_path / "sims.parquet")]
    proc = subprocess.run([sys.executable, "-m", "modelcollapse", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    first, *rest = message.split(" … ")
    assert line.startswith(f"modelcollapse {argv[0]}: error: {first}") and all(part in line for part in rest), line
    assert not list(tmp_path.iterdir()), "nothing is written"


# (arguments of mc.safe_fraction, the ValueError's text)
API = [
    (dict(n=0, vocab=10), "n: 0 is less than the minimum of 1"),
    (dict(n=10.5, vocab=10), "n: 10.5 is not of type 'integer'"),
    (dict(n=True, vocab=10), "n: True is not of type 'integer'"),
    (dict(n=10, vocab=10, thresholds={"bogus": 1}), "thresholds: Additional properties are not allowed ('bogus' was unexpected)"),
    (dict(n=10, vocab=10, thresholds=[0.1]), "thresholds: [0.1]; allowed: a mapping"),
    (dict(n=10, vocab=10, p0=np.full(5, 0.2)), "vocab: 10 with a p0 of 5 tokens"),
    (dict(n=10, vocab=10, thresholds={"drift": math.nan}), "thresholds['drift']: nan is not a finite number"),
    (dict(n=10, vocab=10, thresholds={"collapse": 2}), "thresholds['collapse']: 2 is greater than the maximum of 1"),
    (dict(n=10, p0=[0.5, math.nan], analytic_only=True), "p0: has values that are not finite numbers"),
    (dict(n=10, p0=[1.0, 0.5], analytic_only=True), "p0: sums to 1.5"),
    (dict(n=10, p0=[1.0, 0.0], analytic_only=True), "p0: is a Dirac mass"),
    (dict(n=10, vocab=10, seeds=10**7), "seeds: one cell of all seeds would need"),
    (dict(n=10, vocab=10, generations=0), "generations: 0 is less than the minimum of 1"),
    (dict(n=10**17, vocab=10, scenario="accumulate", synthetic_fractions=[1.0]), "n: 100000000000000000 is greater than the maximum"),
    (dict(n=10, vocab=10, exponent=math.inf), "exponent: inf is not a finite number"),
    (dict(n=10, vocab=10, window=3), "window: 3 with scenario mixed"),
    (dict(n=10, vocab=10, criteria="drift"), "criteria: ['drift']; allowed: a non-empty list"),
    (dict(n=10, vocab=10, confidence=1.0), "confidence: 1.0 is greater than or equal to the maximum of 1"),
    (dict(n=10, n_real=5, vocab=10), "n, n_real: give exactly one"),
    (dict(n=10), "vocab: missing; allowed: an integer >= 2"),
    (dict(n=10, vocab=10, scenario="pool", analytic_only=True), "analytic_only: the closed forms describe scenario mixed"),
    (dict(n=10, vocab=10, sampler="top_p:1.5"), "sampler: sampler 'top_p:1.5': top_p must be a number in (0, 1]"),
    (dict(n=10, vocab=10, sampler="temperature:0"), "sampler: sampler 'temperature:0': temperature must be a finite number > 0"),
    (dict(n=10, vocab=10, sampler=0.9), "sampler: 0.9 is not of type 'string'"),
]


@pytest.mark.parametrize("arguments, message", API, ids=[str(a) for a, _ in API])
def test_the_python_api_refuses_naming_the_argument(arguments, message):
    with warnings.catch_warnings(), pytest.raises(ValueError) as caught:
        warnings.simplefilter("ignore", UserWarning)
        mc.safe_fraction(**arguments)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "cell, generations, message",
    [
        (mc.Cell("mixed", 10, 10, 0.5), 10**7, "seeds: one cell of all seeds would need"),
        (mc.Cell("accumulate", 10**14, 10, 1.0), 10**5, "generations: 100000 with scenario accumulate"),
        (mc.Cell("pool", 10, 10**6, 1.0), 2000, "vocab: one replicate's vocabulary-sized arrays would need"),
    ],
)
def test_simulate_cell_makes_the_same_checks(cell, generations, message):
    with pytest.raises(ValueError, match=message):
        mc.simulate_cell(np.full(cell.vocab, 1 / cell.vocab), cell, 100, generations)


def test_the_analytic_answer_at_any_n_is_quick_and_says_what_it_skips():
    """n = 10^15 asked 256 TiB of the analytic drift: now the approximations say they were not
    computed there, and the exact criteria answer."""
    table = mc.safe_fraction(n=10**15, vocab=1000, analytic_only=True).set_index("criterion")
    assert table.loc["drift", "analytic_method"].startswith("none: the exact sums over the real draw would exceed")
    assert not table.loc["drift", "analytic_valid"] and np.isnan(table.loc["drift", "analytic_safe_fraction"])
    assert table.loc["collapse", "analytic_valid"]


@pytest.mark.parametrize(
    "override, key, problem",
    [
        ({"grid": 5}, "grid", "is not of type 'object'"),
        ({"window": 3}, "window", "with scenario mixed"),
        ({"study": "x" * 300}, "study", "is too long"),
        ({"scenario": "pool", "grid": {"synthetic_fraction": [1.0], "vocab": [10**6]}, "generations": 2000}, "grid.vocab", "would need"),
    ],
)
def test_the_workflow_config_refuses_up_front(override, key, problem):
    with pytest.raises(config.ConfigError) as caught:
        config.check(config.merge(config.defaults(), override))
    assert any(line.startswith(f"config key '{key}'") and problem in line for line in caught.value.problems), caught.value.problems


def test_histories_count_in_the_memory_estimate():
    """Pool keeps every model of a replicate and window its K latest: G × vocab and K × vocab."""
    from modelcollapse.study.cost import history_rows, study_cost

    rows = {"r": (100, 10**4, [0, 100])}
    mixed, pool = (study_cost(rows, 10, 10, 1, 50, history=history_rows(s, 50, None)) for s in ("mixed", "pool"))
    assert pool.vocab_bytes - mixed.vocab_bytes == 50 * 10**4 * 8
    assert history_rows("window", 50, 7) == 7


# --- load_study: the files of one study, as they were written -------------------------------------


def write_study(folder, identity, tables=STUDY_TABLES):
    """Tiny tables with the provenance a study writes: {key: its table name}."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {"identity": identity}
    write_tables(
        {folder / f"{STUDY_TABLES[key]}.parquet": with_content_digest(TABLE, {**made, "table": name}) for key, name in tables.items()}
    )


IDENTITY = {"study": "a", "seeds": 100}
TABLE = pa.table({"x": np.arange(50.0), "token": pa.array([f"t{i % 7}" for i in range(50)], pa.large_string()), "k": np.arange(50)})


def test_load_study_reads_one_studys_tables(tmp_path):
    write_study(tmp_path / "a", IDENTITY)
    study = mc.load_study(tmp_path / "a")
    assert len(study.summary) == len(study.safe_fraction) == 50


def test_load_study_refuses_another_tables_schema(tmp_path):
    write_study(tmp_path / "a", IDENTITY, {**STUDY_TABLES, "summary": "criteria"})
    with pytest.raises(ValueError, match=r"summary.parquet: holds the table 'criteria', not 'summary'"):
        mc.load_study(tmp_path / "a")


def test_load_study_refuses_another_studys_file(tmp_path):
    write_study(tmp_path / "a", IDENTITY)
    write_study(tmp_path / "b", {**IDENTITY, "study": "b"})
    shutil.copy(tmp_path / "b" / "safe_fraction.parquet", tmp_path / "a" / "safe_fraction.parquet")
    with pytest.raises(ValueError, match=r"safe_fraction.parquet: made by another study"):
        mc.load_study(tmp_path / "a")


def test_load_study_lets_no_flipped_bit_pass_silently(tmp_path):
    """Every single-bit flip, anywhere in the file, is refused naming the file, or leaves the
    table as written (a flip in a field no reader uses): page checksums cover the data and the
    content digest the footer's names and types, which pandas' reader leaves unchecked."""
    write_study(tmp_path / "a", IDENTITY)
    path = tmp_path / "a" / "summary.parquet"
    good = path.read_bytes()
    silent = []
    for position in range(4, len(good) - 4):
        for bit in (0x01, 0x10, 0x80):
            flipped = bytearray(good)
            flipped[position] ^= bit
            path.write_bytes(bytes(flipped))
            try:
                table = check_study_tables({"summary": path})["summary"]
            except ValueError as err:
                assert "summary.parquet" in str(err)
                continue
            if not table.equals(TABLE):
                silent.append((position, bit))
    assert not silent


def test_a_study_name_holding_another_study_is_refused(tmp_path):
    """Reusing a name would overwrite a finished study made with other keys: refused, naming them."""
    ours = config.defaults()
    config.check(ours)
    write_study(tmp_path / "default", config.study_identity(ours))
    assert not list(config.reuse_errors(ours, tmp_path / "default"))
    other = config.check(config.merge(config.defaults(), {"generations": 50}))
    (problem,) = config.reuse_errors(other, tmp_path / "default")
    assert problem.startswith("config key 'study': ") and "generations (100, now 50)" in problem and "another study name" in problem


def test_nested_config_values_given_as_text_are_read():
    """`snakemake --config 'grid={"n": [10]}'` hands the values over as text ('10')."""
    checked = config.check(config.merge(config.defaults(), {"grid": {"n": ["10"], "vocab": ["10"], "log_real_shares": "false"}}))
    assert checked["grid"]["n"] == [10] and checked["grid"]["vocab"] == [10] and checked["grid"]["log_real_shares"] is False
    with pytest.raises(config.ConfigError, match="config key 'grid.n.0': 'ten' is not of type 'integer'"):
        config.check(config.merge(config.defaults(), {"grid": {"n": ["ten"]}}))


def test_an_interpreter_path_with_a_space_is_refused_before_any_job():
    """Snakemake does not quote the interpreter of script: jobs; the workflow says so up front."""
    (problem,) = config.interpreter_errors("/opt/my envs/bin/python")
    assert "'/opt/my envs/bin/python', has a space in its path" in problem and "--sdm conda" in problem
    assert not list(config.interpreter_errors(sys.executable))


def test_the_sampler_reaches_every_entry_point_as_one_row():
    """`sampler=` of the Python API and `--sampler` of the command line give the same row: its
    sampler column in canonical form, its synthetic draws from that sampler (another α* than the
    exact sampler's, drawn on their own streams), the closed forms of the exact sampler left out
    and the ceiling on α* beside them; `exact` is the default, with no ceiling."""
    import json

    row = dict(n=60, vocab=8, seeds=20, generations=6, criteria=["drift"])
    with warnings.catch_warnings():  # 20 seeds cannot certify collapse: said, and not the point here
        warnings.simplefilter("ignore", UserWarning)
        exact = mc.safe_fraction(**row)
        assert mc.safe_fraction(**row, sampler="exact").equals(exact)
        top = mc.safe_fraction(**row, sampler="top_k:2,temperature:1.0")
    assert list(exact["sampler"]) == ["exact"] and exact["sampler_ceiling"].isna().all()
    assert list(top["sampler"]) == ["top_k:2"]
    assert top.at[0, "analytic_method"] == "none: closed forms describe the exact sampler (see sampler_ceiling)"
    p0 = mc.initial.zipf(8, 1.1)  # the default p(0)
    assert top.at[0, "sampler_ceiling"] == pytest.approx(mc.theory.sampler_alpha_ceiling(p0, "top_k:2", 0.1, "drift"))
    assert top.at[0, "safe_fraction"] < exact.at[0, "safe_fraction"]
    argv = ["safe-fraction", "--n", "60", "--vocab", "8", "--seeds", "20", "--generations", "6", "--criteria", "drift", "--quiet"]
    proc = subprocess.run([sys.executable, "-m", "modelcollapse", *argv, "--sampler", "top_k:2", "--json"], capture_output=True, text=True)
    (line,) = json.loads(proc.stdout)
    assert line["sampler"] == "top_k:2" and line["safe_fraction"] == top.at[0, "safe_fraction"]
    assert line["sampler_ceiling"] == pytest.approx(top.at[0, "sampler_ceiling"])
    text = subprocess.run([sys.executable, "-m", "modelcollapse", *argv, "--sampler", "top_k:2"], capture_output=True, text=True).stdout
    assert "synthetic data sampled top_k:2" in text and "ceiling as n grows" in text
