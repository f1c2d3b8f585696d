"""The Snakemake workflow, run for real on small configs in a scratch copy of the project."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import results_digest
import yaml
from conftest import project_copy, snakemake

from modelcollapse.core.io import INITIAL_SCHEMA
from modelcollapse.core.simulate import SIMS_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / ".test" / "config" / "config.yaml"
RECORDED = ROOT / "tests" / "data" / "test_small"
SHIPPED = sorted(p.name for p in (ROOT / "config").glob("*.yaml") if p.name not in ("paper.yaml", "transformer.yaml"))


def write_config(path: Path, **overrides) -> Path:
    """The small test config with some keys replaced (nested dicts merged one level deep)."""
    cfg = yaml.safe_load(SMALL.read_text())
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    path.write_text(yaml.safe_dump(cfg))
    return path


def sims_frame(results: Path) -> pd.DataFrame:
    df = pd.concat([pd.read_parquet(p) for p in sorted((results / "sims").glob("*.parquet"))])
    return df.sort_values(["n", "vocab", "synthetic_fraction", "seed", "generation"], ignore_index=True)


# --- dry runs, lint, format -------------------------------------------------------------------


@pytest.mark.parametrize("config", SHIPPED)
def test_dry_run_of_every_shipped_config(config):
    proc = snakemake(ROOT, "-n", "--forceall", "--configfile", f"config/{config}", "--quiet", "rules")
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, re.M))
    total = int(counts["total"])
    print(f"{config}: {total} jobs {counts}")
    assert 3 <= total <= 2000, f"{config} plans {total} jobs"
    assert int(counts["simulate"]) >= 1


def test_the_catalogs_test_directory_plans_the_small_study(tmp_path):
    """`snakemake --directory .test`, as the Snakemake workflow catalog and template run a
    workflow's test study: .test/config/ holds the config files the Snakefile reads."""
    work = project_copy(tmp_path / "w")
    proc = snakemake(work, "-n", "--directory", ".test", "--quiet", "rules")
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, re.M))
    # 4 rows × 2 blocks of synthetic counts (5 probes, 3 a job) × 2 seed blocks; the small paper
    assert int(counts["simulate"]) == 16 and int(counts["paper_fig1"]) == 1, proc.stdout


def test_lint_is_clean():
    proc = snakemake(ROOT, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakefmt_is_clean():
    files = ["Snakefile", *map(str, sorted((ROOT / "workflow" / "rules").glob("*.smk")))]
    proc = subprocess.run([sys.executable, "-m", "snakefmt", "--check", *files], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- a real run -------------------------------------------------------------------------------


def test_every_output_with_its_columns_and_types(small_run):
    cfg = yaml.safe_load(SMALL.read_text())
    sims = sorted((small_run / "sims").glob("*.parquet"))
    initial = sorted((small_run / "initial").glob("*.parquet"))
    assert len(sims) == 2 * 2 * 2 * 2  # n × vocab × fraction blocks × seed blocks
    assert len(initial) == 2  # one p(0) per vocabulary, written once
    for path in sims:
        assert pq.read_schema(path).remove_metadata().equals(SIMS_SCHEMA)
    for path in initial:
        assert pq.read_schema(path).remove_metadata().equals(INITIAL_SCHEMA)
    df = sims_frame(small_run)
    assert len(df) == 2 * 2 * 5 * cfg["seeds"] * (cfg["generations"] + 1)
    assert set(df["generation"]) == set(range(cfg["generations"] + 1))
    for col in ("simpson", "max_prob", "l1_from_first", "l1_from_truth", "l2sq_from_first", "entropy"):
        assert df[col].dtype == "float64"
    assert df["collapsed"].dtype == bool

    assert (df["effective_fraction"] == df["n_synthetic"] / df["n"]).all()
    # 20 seeds in blocks of 10: refinement runs as rounds of jobs, its probes in blocks as the grid's
    probes = pd.concat([pd.read_parquet(p) for p in sorted((small_run / "probes").glob("*/round*_f*_s*.parquet"))])
    assert not probes.empty and probes["generation"].max() == cfg["generations"]
    assert probes.groupby(["n", "vocab", "n_synthetic", "generation"]).size().eq(cfg["seeds"]).all()
    plans = sorted((small_run / "refine").glob("*/round*.json"))
    assert {json.loads(p.read_text())["probes"] == [] for p in plans} == {True, False}  # every row's last plan is empty

    summary = pd.read_parquet(small_run / "summary.parquet")
    grid = summary[~summary["probe"]]
    assert len(grid) == 2 * 2 * 5 * (cfg["generations"] + 1)
    assert len(summary) - len(grid) == probes.groupby(["n", "vocab", "n_synthetic"]).ngroups * (cfg["generations"] + 1)
    for col in ("simpson_mean", "simpson_se", "simpson_q05", "simpson_q95", "collapse_probability", "simpson_theory"):
        assert summary[col].dtype == "float64", col
    # The closed form exists for every mixed cell beyond generation 0 …
    assert summary.loc[summary["generation"] > 0, "simpson_theory"].notna().all()
    # … and agrees with the simulation at the last generation. With 20 seeds, nearly collapsed
    # cells make the sample standard error useless, so the error is bounded instead: σ ∈ [0, 1]
    # gives Var σ ≤ S(1 − S) (Bhatia–Davis).
    last = summary[summary["generation"] == cfg["generations"]]
    point_mass = last["simpson_theory"] == 1.0  # one real sample: σ = 1 exactly, no error to scale by
    assert (last.loc[point_mass, "simpson_mean"] == 1.0).all()
    last = last[~point_mass]
    theory = last["simpson_theory"]
    z = (last["simpson_mean"] - theory) / (theory * (1 - theory) / cfg["seeds"]) ** 0.5
    assert (z.abs() < 4).all(), last[["n", "vocab", "synthetic_fraction"]].assign(z=z)

    safe = pd.read_parquet(small_run / "safe_fraction.parquet")
    csv = pd.read_csv(small_run / "safe_fraction.csv")
    assert len(safe) == len(csv) == 2 * 2 * 4
    assert set(safe["criterion"]) == {"drift", "excess_error", "diversity", "collapse"}
    for col in ("safe_fraction", "ci_low", "ci_high", "safe_fraction_conservative", "analytic_safe_fraction"):
        assert safe[col].dropna().between(0, 1).all(), col
    both = safe.dropna(subset=["safe_fraction", "ci_low", "ci_high"])
    assert ((both["ci_low"] <= both["safe_fraction"]) & (both["safe_fraction"] <= both["ci_high"])).all()
    assert (safe["max_synthetic"] == (safe["safe_fraction"] * safe["n"]).round()).all()
    # the refined bracket: two adjacent synthetic counts, or at most a tenth of the interval's width
    inner = safe.dropna(subset=["bracket_high", "ci_high"])
    width = (inner["bracket_high"] - inner["bracket_low"]) * inner["n"]
    interval = (inner["ci_high"] - inner["ci_low"].fillna(0)) * inner["n"]
    assert ((width <= 1 + 1e-9) | (width <= 0.1 * interval + 1e-9)).all()
    for criterion in ("drift", "excess_error", "diversity", "collapse"):
        for ext in ("png", "pdf"):
            figure = small_run / "figures" / f"phase_{criterion}.{ext}"
            assert figure.stat().st_size > 10_000, figure


def test_report_builds(small_run):
    work = small_run.parents[1]
    snakemake(work, "study", "--configfile", ".test/config/config.yaml", "--report", "report.html")
    html = (work / "report.html").read_text(errors="ignore")
    assert "phase_drift.png" in html and "safe_fraction.csv" in html


# --- results never change unless a change means them to ---------------------------------------------


def test_the_test_studys_numbers_are_unchanged(small_run):
    """The engine's files bit for bit, the merged tables' values as recorded (tests/data/test_small;
    tests/results_digest.py says how to record a deliberate change)."""
    recorded = RECORDED / "simulations.json"
    now, before = results_digest.simulation_digests(small_run), json.loads(recorded.read_text())
    assert sorted(now) == sorted(before), "the study's simulation files differ from the recorded ones"
    changed = [f"{file}:{column}" for file in before for column in before[file] if now[file].get(column) != before[file][column]]
    assert not changed, f"simulations changed: {changed}"
    for name, table in results_digest.merged_tables(small_run).items():
        expected = pq.read_table(RECORDED / f"{name}.parquet")
        assert table.schema.equals(expected.schema), name
        for column in table.column_names:
            ours, theirs = table[column].to_numpy(zero_copy_only=False), expected[column].to_numpy(zero_copy_only=False)
            if ours.dtype.kind == "f":
                assert np.array_equal(np.isnan(ours), np.isnan(theirs)), f"{name}.{column}"
                np.testing.assert_array_max_ulp(np.nan_to_num(ours), np.nan_to_num(theirs), maxulp=4)
            else:
                assert ours.tolist() == theirs.tolist(), f"{name}.{column}"


# --- results never depend on how the work is cut ------------------------------------------------


def test_results_independent_of_seed_blocks_and_cores(tmp_path, small_run):
    """All 20 seeds in one job, so each refine job runs its row's rounds itself, instead of
    blocks of 10 and rounds of jobs; fractions 2 per job instead of 3; one core instead of two:
    bit-identical simulations, grid and probes, and α* (one n keeps the job count small)."""
    reference = sims_frame(small_run).query("n == 10").reset_index(drop=True)
    work = project_copy(tmp_path / "blocks")
    config = write_config(work / "blocks.yaml", study="blocks", seeds_per_job=20, fractions_per_job=2, grid={"n": [10]})
    snakemake(work, "study", "--configfile", config.name, "--cores", "1")
    other = sims_frame(work / "results" / "blocks")
    pd.testing.assert_frame_equal(reference, other, check_exact=True)
    assert not (work / "results" / "blocks" / "refine").exists()  # no round jobs
    ours, theirs = (results_digest.simulation_digests(path) for path in (small_run, work / "results" / "blocks"))
    assert {row: theirs[row] for row in ours if "n10_" in row} == theirs
    safe = pd.read_parquet(work / "results" / "blocks" / "safe_fraction.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(small_run / "safe_fraction.parquet").query("n == 10").reset_index(drop=True), safe)


# --- samplers as a grid axis ---------------------------------------------------------------------


def test_a_row_per_sampler_and_exact_rows_as_without_samplers(tmp_path, small_run):
    """grid.sampler [exact, top_k:2]: every table has a sampler column with both; the exact row
    is the test study's row of the same (n, vocab) in every table and file, bit for bit, under
    its old name; the top_k row has its own files, streams and answer, no closed form of the
    exact sampler and the ceiling on α* beside it (docs/outputs.md)."""
    work = project_copy(tmp_path / "samplers")
    config = write_config(work / "samplers.yaml", study="samplers", grid={"n": [100], "vocab": [10], "sampler": ["exact", "top_k:2"]})
    snakemake(work, "study", "--configfile", config.name)
    results = work / "results" / "samplers"
    assert sorted(p.name for p in (results / "rows").iterdir()) == ["n100_vocab10", "n100_vocab10_top_k2"]
    ours, theirs = (results_digest.simulation_digests(path) for path in (results, small_run))
    assert sorted(ours) == ["probes/n100_vocab10", "probes/n100_vocab10_top_k2", "sims/n100_vocab10", "sims/n100_vocab10_top_k2"]
    assert {key: ours[key] for key in ("sims/n100_vocab10", "probes/n100_vocab10")} == {
        key: theirs[key] for key in ("sims/n100_vocab10", "probes/n100_vocab10")
    }
    assert ours["sims/n100_vocab10_top_k2"]["l1_from_first"] != ours["sims/n100_vocab10"]["l1_from_first"]
    tables = {name: pd.read_parquet(results / f"{name}.parquet") for name in ("summary", "criteria", "safe_fraction", "tolerance")}
    tables["values"] = pd.concat(
        pd.read_parquet(results / "rows" / row / "values.parquet") for row in ("n100_vocab10", "n100_vocab10_top_k2")
    )
    tables["csv"] = pd.read_csv(results / "safe_fraction.csv")
    for name, table in tables.items():
        assert set(table["sampler"]) == {"exact", "top_k:2"}, name
    for name in ("summary", "criteria", "safe_fraction", "tolerance"):
        exact = tables[name].query("sampler == 'exact'").reset_index(drop=True)
        before = pd.read_parquet(small_run / f"{name}.parquet").query("n == 100 and vocab == 10").reset_index(drop=True)
        pd.testing.assert_frame_equal(exact, before, check_exact=True, obj=name)
    safe = tables["safe_fraction"].set_index(["sampler", "criterion"])
    assert safe.loc[("exact", slice(None)), "sampler_ceiling"].isna().all()
    assert 0 < safe.at[("top_k:2", "drift"), "sampler_ceiling"] < 1
    assert safe.loc[("top_k:2", slice(None)), "analytic_safe_fraction"].isna().all()
    top = tables["summary"].query("sampler == 'top_k:2'")
    assert top["simpson_theory"].isna().all() and top["simpson_mean"].notna().all()
    for name in ("safe_fraction", *(f"phase_{c}" for c in ("drift", "excess_error", "diversity", "collapse")), "tolerance"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 10_000, name


# --- safe fraction at the extremes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "thresholds, expected",
    [
        ({"drift": 1e9, "excess_error": 1e9, "diversity": 0.0, "collapse": 1.0}, 1.0),
        ({"drift": 1e-12, "excess_error": 1e-12, "diversity": 1e9, "collapse": 0.0}, 0.0),
    ],
)
def test_safe_fraction_at_extreme_thresholds(tmp_path, small_run, thresholds, expected):
    work = project_copy(tmp_path / "w")
    shutil.copytree(small_run / "sims", work / "results" / "test_small" / "sims")
    shutil.copytree(small_run / "initial", work / "results" / "test_small" / "initial")
    config = write_config(work / "t.yaml", safe=thresholds)
    rules = ("--allowed-rules", "refine_round", "probe", "refine", "merge")
    snakemake(work, "results/test_small/safe_fraction.parquet", "--configfile", config.name, *rules)
    safe = pd.read_parquet(work / "results" / "test_small" / "safe_fraction.parquet")
    if expected == 1.0:
        assert (safe["safe_fraction"] == 1.0).all() and safe["note"].str.contains("boundary is not reached").all()
    else:  # nothing with synthetic data is safe: at most the all-real probe, or nothing at all
        judged = safe[safe["criterion"] != "collapse"]  # P(T ≤ G) = 0 is within 0: still safe
        assert (judged["safe_fraction"].fillna(0.0) == 0.0).all()
        assert safe.loc[safe["safe_fraction"].isna(), "note"].str.contains("no safe fraction").all()


# --- bad input -------------------------------------------------------------------------------------

# Every bad value is a unit test of modelcollapse.config (tests/test_config.py); these show that
# the workflow refuses through it, naming the key, before any job and writing nothing.
BAD = [
    ({"seeds": 0}, "seeds"),
    ({"colour": "red"}, "colour"),
    ({"grid": {"n_real": [10], "n_synthetic": [5]}}, "grid"),  # both frames at once
    ({"paper": {"fig6": {"windows": [5, 2]}}}, "paper.fig6.windows"),
]


@pytest.mark.parametrize("override, key", BAD, ids=[k for _, k in BAD])
def test_invalid_config_stops_before_any_job(tmp_path, override, key):
    work = project_copy(tmp_path / "w")
    config = write_config(work / "bad.yaml", **override)
    proc = snakemake(work, "--configfile", config.name, check=False)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid configuration" in message and key in message, message[-2000:]
    assert "allowed" in message
    assert not (work / "results").exists()


# --- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_run_resumes_to_identical_results(tmp_path, small_run, sig):
    work = project_copy(tmp_path / "w")
    cmd = [sys.executable, "-m", "snakemake", "study", "--cores", "2", "--configfile", ".test/config/config.yaml"]
    proc = subprocess.Popen(
        cmd,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        # A shell without job control starts background commands with SIGINT ignored, and Python
        # keeps an inherited SIG_IGN: give Snakemake the default, as at a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    sims = work / "results" / "test_small" / "sims"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(sims.glob("*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, sig)  # the whole process group: Snakemake and its running jobs
    proc.wait(timeout=60)
    done = len(list(sims.glob("*.parquet")))
    assert 0 < done < 16, f"kill landed outside the run ({done} of 16 jobs done)"
    if sig == signal.SIGKILL:  # no chance to release the lock: Snakemake's documented remedy
        snakemake(work, "--unlock", "--configfile", ".test/config/config.yaml")
    snakemake(work, "study", "--configfile", ".test/config/config.yaml")  # the same command resumes
    pd.testing.assert_frame_equal(sims_frame(small_run), sims_frame(work / "results" / "test_small"), check_exact=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(small_run / "safe_fraction.parquet"),
        pd.read_parquet(work / "results" / "test_small" / "safe_fraction.parquet"),
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_parquet_is_detected(tmp_path, small_run, damage):
    work = project_copy(tmp_path / "w")
    results = work / "results" / "test_small"
    shutil.copytree(small_run, results)
    victim = sorted((results / "sims").glob("*.parquet"))[3]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"PAR1" + os.urandom(len(data)))
    os.utime(victim, (os.path.getmtime(small_run / "summary.parquet") - 10,) * 2)  # looks older: no rerun
    snakemake(work, "study", "--configfile", ".test/config/config.yaml", "--forcerun", "refine_round", "refine", check=False)
    row = victim.name.split("_f")[0]
    log = (results / "logs" / "refine" / f"{row}_round0.log").read_text()  # round 0 reads the grid first
    assert "not a readable Parquet file" in log and victim.name in log


# --- the two frames and the grid ----------------------------------------------------------------


def test_same_counts_are_simulated_once_and_the_dry_run_says_so(tmp_path):
    work = project_copy(tmp_path / "w")
    config = write_config(work / "dup.yaml", study="dup", grid={"n": [10], "vocab": [10], "synthetic_fraction": [0.0, 0.2, 0.25]})
    proc = snakemake(work, "-n", "study", "--configfile", config.name)
    assert proc.stderr.count("are simulated once: n=10 (1)") == 1
    snakemake(work, "study", "--configfile", config.name)
    sims = sims_frame(work / "results" / "dup")
    assert sorted(sims["n_synthetic"].unique()) == [0, 2] and sorted(sims["synthetic_fraction"].unique()) == [0.0, 0.2]


def test_real_data_frame_end_to_end(tmp_path):
    """grid.n_real with grid.n_synthetic: N real samples kept, synthetic samples added; the
    safe fraction is reported per N, as a fraction and as the largest safe synthetic count."""
    work = project_copy(tmp_path / "w")
    grid = {"n": None, "synthetic_fraction": None, "n_real": [20, 50], "vocab": [10], "n_synthetic": [5, 20, 80]}
    config = write_config(work / "real.yaml", study="real", grid=grid, seeds=20, seeds_per_job=20)
    snakemake(work, "study", "--configfile", config.name)
    results = work / "results" / "real"
    sims = sims_frame(results)
    assert set(sims["n_real"]) == {20, 50} and set(sims["n_synthetic"]) == {0, 5, 20, 80}
    safe = pd.read_parquet(results / "safe_fraction.parquet")
    assert (safe["frame"] == "real_data").all() and safe["n"].isna().all() and set(safe["n_real"]) == {20, 50}
    known = safe.dropna(subset=["safe_fraction"])
    assert (known["safe_fraction"] == known["max_synthetic"] / (known["n_real"] + known["max_synthetic"])).all()
    assert (results / "figures" / "phase_drift.png").stat().st_size > 10_000


# --- α* against the tolerance --------------------------------------------------------------------


def test_tolerance_table_and_figure(small_run):
    """tolerance.parquet and .csv: a line per (row, criterion, threshold) of the sweep and the
    study's own threshold; at the study's own, exactly the α* table, refined; elsewhere from the
    same probes, saying where they are too coarse. Each row keeps the per-seed values it judged;
    the figure is drawn."""
    from modelcollapse.config import DEFAULTS
    from modelcollapse.study.tolerance import sweep

    cfg = yaml.safe_load(SMALL.read_text())
    thresholds = sweep({**DEFAULTS["safe"], **cfg.get("safe", {})})
    safe = pd.read_parquet(small_run / "safe_fraction.parquet")
    tolerance = pd.read_parquet(small_run / "tolerance.parquet")
    csv = pd.read_csv(small_run / "tolerance.csv")
    rows = len(cfg["grid"]["n"]) * len(cfg["grid"]["vocab"])
    assert len(tolerance) == len(csv) == rows * sum(map(len, thresholds.values()))
    assert list(tolerance.columns) == [*safe.columns, "refined"] and list(csv.columns) == list(tolerance.columns)
    assert tolerance.groupby(["n", "vocab", "criterion"])["threshold"].apply(list).to_dict() == {
        (n, vocab, c): thresholds[c] for n in cfg["grid"]["n"] for vocab in cfg["grid"]["vocab"] for c in thresholds
    }
    own = tolerance.merge(safe[["n", "vocab", "criterion", "threshold"]], on=["n", "vocab", "criterion", "threshold"])
    assert own["refined"].all()
    key = ["n", "vocab", "criterion"]
    pd.testing.assert_frame_equal(
        own.drop(columns="refined").sort_values(key, ignore_index=True), safe.sort_values(key, ignore_index=True), check_dtype=False
    )
    coarse = tolerance[~tolerance["refined"]]
    assert len(coarse) and coarse["note"].str.contains("probes not refined for this threshold").all()
    values = pd.read_parquet(small_run / "rows" / "n100_vocab10" / "values.parquet")
    assert list(values.columns) == ["sampler", "n_synthetic", "seed", "probe", "drift", "excess_error", "diversity", "collapse"]
    assert len(values) == safe.loc[(safe["n"] == 100) & (safe["vocab"] == 10), "probes"].iloc[0] * cfg["seeds"]
    for ext in ("png", "pdf"):
        assert (small_run / "figures" / f"tolerance.{ext}").stat().st_size > 10_000


def test_editing_the_tolerance_sweep_reruns_no_simulation(tmp_path, small_run):
    """The sweep is estimated from the probes the study has: editing it plans the tolerance table
    and its figure, nothing that simulates or refines."""
    work = small_run.parents[1]
    config = write_config(tmp_path / "sweep.yaml", safe={"tolerance_sweep": {"drift": [0.3, 0.6]}})
    proc = snakemake(work, "-n", "study", "--configfile", str(config), "--quiet", "rules")
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, re.M))
    assert set(counts) - {"total"} == {"tolerance", "tolerance_figure", "study"}, proc.stdout


# --- one implementation: the command line and Python give the workflow's numbers -----------------


def test_library_safe_fraction_equals_the_workflow(small_run):
    import modelcollapse as mc

    cfg = yaml.safe_load(SMALL.read_text())
    workflow_table = pd.read_parquet(small_run / "safe_fraction.parquet")
    ours = mc.safe_fraction(
        vocab=100,
        n=100,
        seeds=cfg["seeds"],
        generations=cfg["generations"],
        synthetic_fractions=cfg["grid"]["synthetic_fraction"],
        log_real_shares=False,
    )
    theirs = workflow_table[(workflow_table["n"] == 100) & (workflow_table["vocab"] == 100)].reset_index(drop=True)
    columns = [
        "criterion",
        "safe_fraction",
        "ci_low",
        "ci_high",
        "safe_fraction_conservative",
        "max_synthetic",
        "bracket_low",
        "bracket_high",
        "analytic_safe_fraction",
        "note",
    ]
    pd.testing.assert_frame_equal(ours[columns], theirs[columns], check_dtype=False)


def test_readme_python_blocks_run(tmp_path, small_run):
    """Every ```python block of the README, in order, then those of the docs pages, in one
    namespace, next to a finished study at results/default (the small test study stands in for it)."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    readme_blocks = re.findall(r"```python\n(.*?)```", pages[0].read_text(), re.S)
    assert readme_blocks
    blocks = [block for page in pages for block in re.findall(r"```python\n(.*?)```", page.read_text(), re.S)]
    shutil.copytree(small_run, tmp_path / "results" / "default")
    code = "\n".join(blocks) + "\nassert len(table) == 4 and not frame.empty and not study.safe_fraction.empty\n"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


# --- p(0) from a data file ----------------------------------------------------------------------


def test_initial_distribution_from_the_shipped_text(tmp_path):
    """config/shakespeare.yaml's p(0): the character counts of the bundled text, vocab set by the file."""
    work = project_copy(tmp_path / "w")
    config = write_config(
        work / "chars.yaml",
        study="chars",
        initial={"kind": "file", "path": "data/tinyshakespeare_chars.csv"},
        grid={"vocab": None, "n": [30]},
        seeds=10,
        seeds_per_job=10,
        generations=10,
    )
    snakemake(work, "study", "--configfile", config.name)
    p0 = pd.read_parquet(work / "results" / "chars" / "initial" / "vocab65.parquet")
    text = (ROOT / "data" / "tinyshakespeare.txt").read_text()
    counts = np.array([text.count(c) for c in sorted(set(text))])
    np.testing.assert_allclose(p0["prob"].to_numpy(), counts / counts.sum(), rtol=1e-15)
    assert set(pd.read_parquet(work / "results" / "chars" / "safe_fraction.parquet")["vocab"]) == {65}


@pytest.mark.parametrize(
    "initial, grid, key, problem",
    [
        ({"kind": "file", "path": None}, {"vocab": None}, "initial.path", "missing"),
        ({"kind": "file", "path": "nowhere.csv"}, {"vocab": None}, "initial.path", "nowhere.csv: cannot be read"),
        ({"kind": "file", "path": "negative.csv"}, {"vocab": None}, "initial.path", "negative values"),
        ({"kind": "file", "path": "one.csv"}, {"vocab": None}, "initial.path", "fewer than two tokens"),
        ({"kind": "file", "path": "ok.csv"}, {"vocab": [10]}, "grid.vocab", "allowed: [3]"),
    ],
)
def test_bad_initial_file_stops_before_any_job(tmp_path, initial, grid, key, problem):
    work = project_copy(tmp_path / "w")
    (work / "negative.csv").write_text("count\n3\n-1\n2\n")
    (work / "one.csv").write_text("token,prob\n0,1.0\n1,0\n")
    (work / "ok.csv").write_text("token,count\n0,5\n1,3\n2,1\n")
    config = write_config(work / "bad.yaml", initial=initial, grid=grid)
    proc = snakemake(work, "--configfile", config.name, check=False)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0 and f"config key '{key}'" in message and problem in message, message[-2000:]
    assert not (work / "results").exists()


# --- hostile values: refused before any job, naming the key, writing nothing ----------------------

HOSTILE = [
    ({"study": "../escape"}, "study", "as a whole"),
    ({"safe": {"drift": float("nan")}}, "safe.drift", "not a finite number"),
    ({"seeds": 10_000_000}, "seeds_per_job", "jobs (limit"),
    ({"paper": {"out_dir": "/tmp/elsewhere"}}, "paper.out_dir", "a folder under results/"),
]


@pytest.mark.parametrize("override, key, problem", HOSTILE, ids=[f"{k}-{p}" for _, k, p in HOSTILE])
def test_hostile_value_stops_before_any_job(tmp_path, override, key, problem):
    work = project_copy(tmp_path / "w")
    config = write_config(work / "bad.yaml", **override)
    proc = snakemake(work, "-n", "--configfile", config.name, check=False, timeout=120)
    message = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"config key '{key}'" in message and problem in message, message[-2000:]
    assert not (work / "results").exists()


def test_a_path_with_a_space_reaches_every_job_quoted(tmp_path):
    """The interpreter, outputs and an initial file with spaces and quotes in their paths."""
    work = project_copy(tmp_path / "a folder with 'quotes'")
    (work / "my data.csv").write_text("count\n5\n3\n2\n")
    config = write_config(
        work / "q.yaml",
        study="quoted",
        initial={"kind": "file", "path": "my data.csv"},
        grid={"vocab": None, "n": [10]},
        seeds=4,
        seeds_per_job=4,
        generations=3,
    )
    snakemake(work, "study", "--configfile", config.name)
    assert (work / "results" / "quoted" / "safe_fraction.csv").exists()


# --- deployable the standard way ------------------------------------------------------------------


CONDA_NAMES = {"matplotlib-base": "matplotlib", "seaborn-base": "seaborn", "pytorch": "torch"}  # conda-forge → PyPI


def test_conda_envs_hold_the_library_and_the_pinned_versions():
    """Each rule's conda env installs the library itself from the repository (conda runs pip in
    the folder of Snakemake's copy of the file, .snakemake/conda/, two levels below the folder
    Snakemake runs in), and pins the versions that the pip requirements pin."""
    pins = {}
    for name in ("requirements.txt", "transformer.txt"):
        for line in (ROOT / "envs" / name).read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                package, version = line.split("==")
                pins[package.lower()] = version
    for env in sorted((ROOT / "workflow" / "envs").glob("*.yaml")):
        dependencies = yaml.safe_load(env.read_text())["dependencies"]
        assert [d for d in dependencies if isinstance(d, dict)] == [{"pip": ["-e ../.."]}], env.name
        assert "pip" in dependencies and "c-compiler" in dependencies, env.name  # pip builds the engine
        for spec in (d for d in dependencies if isinstance(d, str) and " =" in d):
            package, version = spec.split(" =")
            package = CONDA_NAMES.get(package, package)
            if package in pins:
                assert version.split("=")[0] == pins[package], (env.name, spec, pins[package])


def test_a_finished_study_copied_elsewhere_plans_nothing(tmp_path, small_run):
    """The interpreter and the library's path are not rule params: a copy reruns nothing."""
    work = small_run.parents[1]
    other = tmp_path / "copied elsewhere"
    shutil.copytree(work, other, symlinks=True)
    proc = snakemake(other, "-n", "study", "--configfile", ".test/config/config.yaml")
    assert "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[-2000:]


def test_the_workflow_runs_as_a_module_without_the_installed_package(tmp_path):
    """Deployed as a Snakemake module into a scratch project, run by an interpreter that has the
    dependencies (envs/requirements.txt) but not the modelcollapse package: the jobs find the
    library from the workflow's own location."""
    project = tmp_path / "deploying project"
    (project / "config").mkdir(parents=True)
    for name in ("config.yaml", "paper.yaml", "transformer.yaml"):
        shutil.copy(ROOT / "config" / name, project / "config" / name)
    shutil.copy(SMALL, project / "config" / "small.yaml")
    (project / "Snakefile").write_text(
        'configfile: "config/config.yaml"\n\n\n'
        "module modelcollapse:\n"
        f'    snakefile: "{ROOT / "workflow" / "Snakefile"}"\n'
        "    config: config\n\n\n"
        "use rule * from modelcollapse\n"
    )
    site = Path(sysconfig_paths()["purelib"])
    env = {**os.environ, "PYTHONPATH": str(site)}  # the dependencies, without processing the editable install's .pth
    python = sys._base_executable
    check = subprocess.run([python, "-c", "import modelcollapse"], env=env, capture_output=True, text=True)
    assert check.returncode != 0, "the package must not be importable for this test"
    cmd = [python, "-m", "snakemake", "--cores", "2", "study", "--configfile", "config/small.yaml"]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert pd.read_parquet(project / "results" / "test_small" / "safe_fraction.parquet").shape[0] == 16


def test_a_fresh_clone_plans_before_the_engine_is_built(tmp_path, small_run):
    """A clone with nothing compiled and no installed package: Snakemake plans without the compiled
    engine (`-n`, `--lint`, `--dag`, and `--report` over a finished study's results), and a job
    that needs the engine fails with the error that says how to build it."""
    clone = project_copy(tmp_path / "clone")
    shutil.copytree(ROOT / "src", clone / "src", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    env = {**os.environ, "PYTHONPATH": sysconfig_paths()["purelib"]}  # the dependencies only
    python = sys._base_executable

    def run(*args):
        cmd = [python, "-m", "snakemake", "--cores", "2", *args, "--configfile", ".test/config/config.yaml"]
        return subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, timeout=600)

    check = subprocess.run([python, "-c", "import modelcollapse"], cwd=clone, env=env, capture_output=True, text=True)
    assert check.returncode != 0, "the package must not be importable for this test"
    for args in (["study", "-n"], ["--lint"], ["study", "--dag"]):
        proc = run(*args)
        assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert proc.stdout.startswith("digraph")
    shutil.copytree(small_run, clone / "results" / small_run.name)
    proc = run("study", "--report", "report.html")
    assert proc.returncode == 0 and "safe_fraction.csv" in (clone / "report.html").read_text(errors="ignore"), proc.stderr[-2000:]
    shutil.rmtree(clone / "results")
    proc = run("study")
    assert proc.returncode != 0
    logs = "".join(p.read_text() for p in (clone / "results" / "test_small" / "logs" / "simulate").glob("*.log"))
    assert "the compiled engine modelcollapse.core._kernels is not built" in logs and "make venv" in logs, logs[-2000:]


def sysconfig_paths() -> dict:
    import sysconfig

    return sysconfig.get_paths()


def test_editing_the_paper_config_plans_nothing_of_the_study(tmp_path, small_run):
    work = small_run.parents[1]
    (tmp_path / "paper.yaml").write_text(yaml.safe_dump({"paper": {"root_seed": 7}}))
    proc = snakemake(work, "-n", "study", "--configfile", ".test/config/config.yaml", str(tmp_path / "paper.yaml"))
    assert "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[-2000:]


def test_schemas_allow_exactly_the_library_values():
    """Each list of allowed values is defined once, in the library; the schemas say the same."""
    from modelcollapse.core.initial import INITIAL_KINDS
    from modelcollapse.core.simulate import SCENARIOS
    from modelcollapse.study.safe import CRITERIA

    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())["properties"]
    assert tuple(schema["scenario"]["enum"]) == SCENARIOS
    assert tuple(schema["initial"]["properties"]["kind"]["enum"]) == INITIAL_KINDS
    assert set(CRITERIA) <= set(schema["safe"]["properties"])
