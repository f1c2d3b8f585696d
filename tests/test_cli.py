"""`python -m modelcollapse simulate …`: the Parquet it writes (docs/outputs.md) and its bad input
(non-zero exit, a message naming the flag and the allowed range, nothing written)."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from modelcollapse import cli
from modelcollapse.core.initial import initial_distribution
from modelcollapse.core.simulate import METRICS, Cell, sample_sizes, simulate_cell

ROOT_DIR = __import__("pathlib").Path(__file__).resolve().parents[1]

IDENTITY = {
    "scenario": pa.string(),
    "n": pa.int64(),
    "vocab": pa.int64(),
    "synthetic_fraction": pa.float64(),
    "effective_fraction": pa.float64(),
    "n_real": pa.int64(),
    "n_synthetic": pa.int64(),
    "seed": pa.int64(),
    "generation": pa.int64(),
}
FLOAT_METRICS = ("simpson", "max_prob", "l1_from_first", "l1_from_truth", "l2sq_from_first", "entropy")
INITIAL_COLUMNS = {
    "vocab": pa.int64(),
    "token": pa.int64(),
    "prob": pa.float64(),
}


def base_args(out, **overrides):
    args = {
        "--scenario": "mixed",
        "--n": "20",
        "--vocab": "30",
        "--synthetic-fraction": ["0.0", "0.5", "1.0"],
        "--seeds": "6",
        "--generations": "8",
        "--initial": "zipf",
        "--root-seed": str(ROOT),
        "--out": str(out),
    }
    args.update(overrides)
    argv = ["simulate"]
    for key, value in args.items():
        if value is None:
            continue
        argv += [key, *value] if isinstance(value, list) else [key, value]
    return argv


def run_cli(argv):
    """In process: the parser and the writer are the same code as `python -m modelcollapse`."""
    cli.main(argv)


def test_writes_both_tables_with_design_columns(tmp_path):
    out = tmp_path / "cell"
    run_cli(base_args(out))
    assert sorted(os.listdir(out)) == ["initial.parquet", "sims.parquet"]  # no temporary files left
    sims = pq.read_table(out / "sims.parquet")
    schema = sims.schema
    for name, dtype in IDENTITY.items():
        assert schema.field(name).type == dtype, name
    for name in FLOAT_METRICS:
        assert schema.field(name).type == pa.float64(), name
    assert schema.field("support").type == pa.int64()
    assert schema.field("top_token").type == pa.int64()
    assert schema.field("collapsed").type == pa.bool_()
    assert schema.field("collapse_time").type == pa.int64()  # null where no collapse by G
    assert set(IDENTITY) | set(METRICS) <= set(schema.names)

    df = sims.to_pandas()
    G, seeds, fractions = 8, 6, [0.0, 0.5, 1.0]
    assert len(df) == len(fractions) * seeds * (G + 1)
    for (alpha, _seed), group in df.groupby(["synthetic_fraction", "seed"]):
        assert list(group["generation"]) == list(range(G + 1))
        n_real, n_syn = sample_sizes(20, alpha)
        assert (group["n_real"] == n_real).all() and (group["n_synthetic"] == n_syn).all()
        assert (group["effective_fraction"] == n_syn / 20).all()
    assert sorted(df["synthetic_fraction"].unique()) == fractions
    assert sorted(df["seed"].unique()) == list(range(seeds))
    assert (df["scenario"] == "mixed").all() and (df["n"] == 20).all() and (df["vocab"] == 30).all()
    gen0 = df[df["generation"] == 0]
    assert gen0["l1_from_first"].isna().all() and gen0["l2sq_from_first"].isna().all()
    assert (df[df["generation"] == 1]["l1_from_first"] == 0).all()

    initial = pq.read_table(out / "initial.parquet")
    for name, dtype in INITIAL_COLUMNS.items():
        assert initial.schema.field(name).type == dtype, name
    idf = initial.to_pandas()  # one p(0) per vocabulary, whatever the cells
    assert list(idf["token"]) == list(range(30)) and (idf["vocab"] == 30).all()
    np.testing.assert_array_equal(idf["prob"].to_numpy(), initial_distribution("zipf", 30, exponent=1.1))


def test_real_data_frame_cells_by_counts(tmp_path):
    """--n-real N --n-synthetic k: cells of N + k samples, the same streams as by fraction."""
    run_cli(base_args(tmp_path / "a", **{"--n": None, "--synthetic-fraction": None, "--n-real": "10", "--n-synthetic": ["0", "10", "30"]}))
    df = pq.read_table(tmp_path / "a" / "sims.parquet").to_pandas()
    assert sorted(df["n"].unique()) == [10, 20, 40] and (df["n_real"] == 10).all()
    assert sorted(df["effective_fraction"].unique()) == [0.0, 0.5, 0.75]
    run_cli(base_args(tmp_path / "b", **{"--synthetic-fraction": ["0.5"]}))
    same = pq.read_table(tmp_path / "b" / "sims.parquet").to_pandas()
    by_count = df[df["n"] == 20].reset_index(drop=True)
    pd.testing.assert_frame_equal(by_count[list(METRICS)], same[list(METRICS)])


def test_values_equal_the_library(tmp_path):
    run_cli(base_args(tmp_path, **{"--synthetic-fraction": ["0.5"]}))
    df = pq.read_table(tmp_path / "sims.parquet").to_pandas()
    p0 = initial_distribution("zipf", 30, exponent=1.1)
    result = simulate_cell(p0, Cell("mixed", 20, 30, 0.5), range(6), 8, ROOT)
    for k, name in enumerate(METRICS):
        np.testing.assert_array_equal(df[name].to_numpy(dtype=float), result.metrics[..., k].ravel(), err_msg=name)
    expected = np.repeat(result.collapse_time, 9).astype(float)
    expected[expected < 0] = np.nan
    np.testing.assert_array_equal(df["collapse_time"].to_numpy(dtype=float), expected)


def test_sampler_values_equal_the_library(tmp_path):
    run_cli(base_args(tmp_path, **{"--synthetic-fraction": ["0.5"], "--sampler": "top_p:0.90,temperature:0.7"}))
    df = pq.read_table(tmp_path / "sims.parquet").to_pandas()
    p0 = initial_distribution("zipf", 30, exponent=1.1)
    result = simulate_cell(p0, Cell("mixed", 20, 30, 0.5, sampler="temperature:0.7,top_p:0.9"), range(6), 8, ROOT)
    assert set(df["sampler"]) == {"temperature:0.7,top_p:0.9"}
    for k, name in enumerate(METRICS):
        np.testing.assert_array_equal(df[name].to_numpy(dtype=float), result.metrics[..., k].ravel(), err_msg=name)


@pytest.mark.parametrize(
    "scenario,extra",
    [
        ("mixed", {}),
        ("window", {"--window": "3", "--synthetic-fraction": ["1.0"]}),
        ("pool", {"--synthetic-fraction": ["1.0"]}),
    ],
)
def test_first_seed_splits_are_bit_identical(tmp_path, scenario, extra):
    """Seeds 0 … 9 in one job equal seeds 0 … 3 and 4 … 9 in two jobs (docs/random-streams.md)."""
    common = {"--scenario": scenario, "--seeds": "10", **extra}
    run_cli(base_args(tmp_path / "all", **common))
    run_cli(base_args(tmp_path / "a", **{**common, "--seeds": "4", "--first-seed": "0"}))
    run_cli(base_args(tmp_path / "b", **{**common, "--seeds": "6", "--first-seed": "4"}))
    whole = pq.read_table(tmp_path / "all" / "sims.parquet").to_pandas()
    parts = [pq.read_table(tmp_path / d / "sims.parquet").to_pandas() for d in ("a", "b")]
    joined = pd.concat(parts).sort_values(["synthetic_fraction", "seed", "generation"]).reset_index(drop=True)
    whole = whole.sort_values(["synthetic_fraction", "seed", "generation"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(joined, whole, check_exact=True)


def test_separate_file_flags(tmp_path):
    sims, init = tmp_path / "x" / "s.parquet", tmp_path / "y" / "i.parquet"
    run_cli(base_args(None, **{"--out": None, "--sims-file": str(sims), "--initial-file": str(init)}))
    assert pq.read_table(sims).num_rows == 3 * 6 * 9
    assert pq.read_table(init).num_rows == 30


def test_module_entry_point(tmp_path):
    """The real command line, in a subprocess: exit 0 and both files."""
    argv = base_args(tmp_path / "out", **{"--synthetic-fraction": ["0.25"], "--initial": "target", "--support": "10", "--s0": "0.2"})
    proc = subprocess.run([sys.executable, "-m", "modelcollapse", *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.endswith(f"wrote {tmp_path / 'out' / 'sims.parquet'}, {tmp_path / 'out' / 'initial.parquet'}\n")
    quiet = subprocess.run([sys.executable, "-m", "modelcollapse", *argv, "--quiet"], capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr  # --quiet: nothing at all
    assert pq.read_table(tmp_path / "out" / "sims.parquet").num_rows == 6 * 9
    prob = pq.read_table(tmp_path / "out" / "initial.parquet").column("prob").to_numpy()
    assert abs((prob**2).sum() - 0.2) < 1e-9 and np.count_nonzero(prob) == 10


def test_module_entry_point_rejects_bad_input(tmp_path):
    argv = base_args(tmp_path / "out", **{"--n": "0"})
    proc = subprocess.run([sys.executable, "-m", "modelcollapse", *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "--n: 0 is less than the minimum of 1" in proc.stderr
    assert not (tmp_path / "out").exists()


# (overrides, flag that must be named, text of the allowed range)
INVALID = [
    ({"--n": "0"}, "--n", "[1, "),
    ({"--n": "-5"}, "--n", "[1, "),
    ({"--n": "2.5"}, "--n", "int"),
    ({"--vocab": "1"}, "--vocab", ">= 2"),
    ({"--synthetic-fraction": ["1.5"]}, "--synthetic-fraction", "[0, 1]"),
    ({"--synthetic-fraction": ["0.5", "-0.1"]}, "--synthetic-fraction", "[0, 1]"),
    ({"--synthetic-fraction": ["nan"]}, "--synthetic-fraction", "[0, 1]"),
    ({"--seeds": "0"}, "--seeds", ">= 1"),
    ({"--generations": "0"}, "--generations", ">= 1"),
    ({"--first-seed": "-1"}, "--first-seed", "0 … 2^32"),
    ({"--root-seed": "-1"}, "--root-seed", ">= 0"),
    ({"--scenario": "bogus"}, "--scenario", "mixed"),
    ({"--initial": "bogus"}, "--initial", "zipf"),
    ({"--scenario": "window", "--synthetic-fraction": ["1.0"], "--window": "0"}, "--window", ">= 1"),
    ({"--scenario": "window", "--synthetic-fraction": ["1.0"], "--window": "21"}, "--window", "[1, smallest n = 20]"),
    ({"--scenario": "window", "--synthetic-fraction": ["1.0"]}, "--window", "[1, smallest n = 20]"),
    ({"--scenario": "window", "--synthetic-fraction": ["0.5"], "--window": "2"}, "--synthetic-fraction", "1.0"),
    ({"--scenario": "accumulate", "--synthetic-fraction": ["0.5"]}, "--synthetic-fraction", "1.0"),
    ({"--support": "31"}, "--support", "grid.vocab 30"),
    ({"--initial": "target", "--s0": "1.2"}, "--s0", "1)"),
    ({"--initial": "target", "--s0": "0.01"}, "--s0", "[1/support, 1)"),
    ({"--initial": "dirichlet", "--concentration": "0"}, "--concentration", "> 0"),
    ({"--exponent": "-1"}, "--exponent", ">= 0"),
    ({"--initial": "uniform", "--exponent": "2"}, "--exponent", "applies to --initial zipf"),
    ({"--concentration": "2"}, "--concentration", "applies to --initial dirichlet"),
    ({"--window": "2"}, "--window", "with scenario mixed"),
    ({"--initial": "file"}, "--initial-path", "missing with kind file"),
    ({"--initial": "file", "--initial-path": "/nonexistent.csv"}, "/nonexistent.csv", "cannot be read"),
    ({"--out": "/proc/forbidden"}, "--out", "cannot create"),
    ({"--out": None}, "--out", "--sims-file"),
    ({"--support": "1"}, "--support", "2"),
    ({"--initial": "target"}, "--s0", "s0"),
    ({"--n": None, "--synthetic-fraction": None, "--n-real": "0", "--n-synthetic": ["0"]}, "--n-real", ">= 1"),
    ({"--n": None, "--n-real": "10"}, "--n-real", "--n-synthetic"),
    ({"--synthetic-fraction": None, "--n-synthetic": ["21"]}, "--n-synthetic", "[0, n=20]"),
    ({"--sampler": "top_p:1.5"}, "--sampler", "(0, 1]"),
    ({"--sampler": "greedy"}, "--sampler", "allowed: exact, or comma-separated"),
    ({"--sampler": "top_k:0"}, "--sampler", ">= 1"),
]


@pytest.mark.parametrize("overrides,flag,allowed", INVALID)
def test_invalid_arguments_exit_nonzero_naming_flag_and_range(tmp_path, capsys, overrides, flag, allowed):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        run_cli(base_args(out, **overrides))
    assert exit_info.value.code not in (0, None)
    err = capsys.readouterr().err
    message = err.strip().splitlines()[-1]
    assert flag in message, message
    assert allowed in message, message
    assert not out.exists() and os.listdir(tmp_path) == []  # nothing written


# --- command-line manners ---------------------------------------------------------------------


def test_version_and_defaults_in_help(capsys):
    from modelcollapse import __version__

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"modelcollapse {__version__}"
    with pytest.raises(SystemExit):
        cli.main(["safe-fraction", "--help"])
    text = capsys.readouterr().out
    assert "(default: 2024)" in text and "(default: 0.1)" in text and "(default: 100)" in text


def test_errors_are_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(base_args(tmp_path / "x", **{"--initial": "uniform", "--exponent": "2"}))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "modelcollapse simulate: error: --exponent applies to --initial zipf, not uniform"
    ]


def test_progress_is_shown_on_a_terminal_only(monkeypatch, capsys):
    progress = cli.Progress(10, "cells", quiet=False, after=0.0)
    progress.enabled = True  # as on a terminal
    progress.advance(4)
    progress.close()
    err = capsys.readouterr().err
    assert "4/10 cells" in err and "s left" in err
    unknown = cli.Progress(0, "cells simulated", after=0.0)
    unknown.enabled = True
    unknown.advance(3)
    assert "3 cells simulated" in capsys.readouterr().err
    assert not cli.Progress(10, "cells").enabled  # stderr is not a terminal under pytest
    assert not cli.Progress(10, "cells", quiet=True).enabled


def test_simulate_names_the_files_it_wrote(tmp_path, capsys):
    run_cli(base_args(tmp_path / "out"))
    assert f"wrote {tmp_path / 'out' / 'sims.parquet'}, {tmp_path / 'out' / 'initial.parquet'}" in capsys.readouterr().err


def safe_fraction_args(*extra):
    return ["safe-fraction", "--n", "30", "--vocab", "10", "--seeds", "20", "--generations", "20", *extra]


def test_safe_fraction_prints_every_criterion(capsys):
    cli.main(safe_fraction_args())
    out = capsys.readouterr().out
    for criterion in ("drift", "excess_error", "diversity", "collapse"):
        assert f"\n{criterion} " in out
    assert "strictest:" in out


def test_safe_fraction_json_equals_the_library(capsys):
    import json

    import modelcollapse as mc

    cli.main(safe_fraction_args("--json"))
    rows = json.loads(capsys.readouterr().out)
    table = mc.safe_fraction(vocab=10, n=30, seeds=20, generations=20)
    assert [r["criterion"] for r in rows] == list(table["criterion"])
    np.testing.assert_array_equal([r["safe_fraction"] for r in rows], table["safe_fraction"].to_numpy())
    np.testing.assert_array_equal([r["max_synthetic"] for r in rows], table["max_synthetic"].to_numpy())


def test_safe_fraction_analytic_only_and_criteria(capsys):
    import json

    cli.main(["safe-fraction", "--n", "1000", "--vocab", "100", "--analytic-only", "--criteria", "diversity", "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert row["criterion"] == "diversity" and row["analytic_valid"] and 0.9 < row["analytic_safe_fraction"] < 1


def test_safe_fraction_from_a_data_file(capsys):
    """The shipped tiny-shakespeare character frequencies: the file sets vocab (65)."""
    import json

    path = ROOT_DIR / "data" / "tinyshakespeare_chars.csv"
    cli.main(
        [
            "safe-fraction",
            "--n-real",
            "100",
            "--initial",
            "file",
            "--initial-path",
            str(path),
            "--seeds",
            "20",
            "--generations",
            "20",
            "--json",
        ]
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["vocab"] for r in rows} == {65} and {r["frame"] for r in rows} == {"real_data"}
    assert all(r["n_real"] == 100 for r in rows)


# --- a list of thresholds: α* at each ----------------------------------------------------------


def test_safe_fraction_with_a_list_of_thresholds(capsys):
    """A comma-separated list gives one line per (criterion, threshold), refined for each, with
    the threshold beside the criterion and no strictest line (it would compare tolerances); the
    JSON has a `threshold` column and the numbers of the library called with the same lists."""
    import json

    import modelcollapse as mc

    cli.main(safe_fraction_args("--drift", "0.05,0.1,0.2", "--excess-error", "1.05,1.2"))
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:3] == ["criterion", "threshold", "alpha*"]
    firsts = [line.split()[:2] for line in out[2:7]]
    assert firsts == [["drift", "0.05"], ["drift", "0.1"], ["drift", "0.2"], ["excess_error", "1.05"], ["excess_error", "1.2"]]
    assert [line.split()[0] for line in out[7:9]] == ["diversity", "collapse"]
    assert not any(line.startswith("strictest") for line in out)

    cli.main(safe_fraction_args("--drift", "0.05,0.1,0.2", "--excess-error", "1.05,1.2", "--json"))
    rows = json.loads(capsys.readouterr().out)
    assert [(r["criterion"], r["threshold"]) for r in rows] == [
        ("drift", 0.05),
        ("drift", 0.1),
        ("drift", 0.2),
        ("excess_error", 1.05),
        ("excess_error", 1.2),
        ("diversity", 0.9),
        ("collapse", 0.05),
    ]
    table = mc.safe_fraction(vocab=10, n=30, seeds=20, generations=20, thresholds={"drift": [0.05, 0.1, 0.2], "excess_error": [1.05, 1.2]})
    np.testing.assert_array_equal([r["safe_fraction"] for r in rows], table["safe_fraction"].to_numpy())
    np.testing.assert_array_equal([r["threshold"] for r in rows], table["threshold"].to_numpy())


def test_safe_fraction_analytic_only_with_a_list(capsys):
    import json

    cli.main(["safe-fraction", "--n", "1000", "--vocab", "1000", "--analytic-only", "--drift", "0.05,0.1,0.2,0.4", "--json"])
    drift = [r for r in json.loads(capsys.readouterr().out) if r["criterion"] == "drift"]
    assert [r["threshold"] for r in drift] == [0.05, 0.1, 0.2, 0.4]
    alphas = [r["analytic_safe_fraction"] for r in drift]
    assert alphas == sorted(alphas) and alphas[0] < alphas[-1]


def test_a_single_threshold_keeps_the_output_as_it_was(capsys):
    """One value per threshold flag: no threshold column in the text, the strictest line, and the
    analytic JSON with exactly its keys (no threshold); giving the default explicitly changes nothing."""
    import json

    cli.main(safe_fraction_args())
    default = capsys.readouterr().out
    cli.main(safe_fraction_args("--drift", "0.1", "--collapse", "0.05"))
    assert capsys.readouterr().out == default
    assert default.splitlines()[1].split()[:2] == ["criterion", "alpha*"]
    assert "\nstrictest: " in default
    cli.main(["safe-fraction", "--n", "1000", "--vocab", "100", "--analytic-only", "--json"])
    keys = {tuple(r) for r in json.loads(capsys.readouterr().out)}
    assert keys == {
        (
            "scenario",
            "frame",
            "vocab",
            "n",
            "n_real",
            "sampler",
            "criterion",
            "analytic_safe_fraction",
            "analytic_method",
            "analytic_valid",
            "thm3_safe_fraction",
            "sampler_ceiling",
        )
    }


@pytest.mark.parametrize(
    "flag, value, allowed",
    [
        ("--drift", "nan", "number >= 0"),
        ("--drift", "-0.1", "number >= 0"),
        ("--drift", "0.05,-1", "number >= 0"),
        ("--drift", "inf", "number >= 0"),
        ("--drift", "", "comma-separated list of numbers"),
        ("--drift", "0.05,,0.2", "comma-separated list of numbers"),
        ("--excess-error", "1.1,abc", "comma-separated list of numbers"),
        ("--collapse", "0.05,1.5", "number in [0, 1]"),
        ("--diversity", "0.9;0.95", "comma-separated list of numbers"),
    ],
)
def test_bad_threshold_lists_are_one_line_naming_the_flag(capsys, flag, value, allowed):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(safe_fraction_args(f"{flag}={value}"))
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"modelcollapse safe-fraction: error: {flag}: ") and allowed in lines[0], lines


@pytest.mark.parametrize("command", ["safe-fraction", "simulate", "initial", "counts", "config"])
def test_help_shows_defaults_only_where_there_is_one(capsys, command):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text and "(default: False)" not in text
    if command == "safe-fraction":
        assert "(default: mixed)" in text and "(default: drift excess_error diversity collapse)" in text
