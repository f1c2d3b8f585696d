"""Shared statistics for the Monte-Carlo tests.

Every statistical test compares a simulated mean with a closed form through `z_score` (or a
distribution through `chi_square_pvalue`) and asserts |z| < Z_LIMIT (p > P_LIMIT); its "broken
simulator" twin computes the *same* statistic with the same helper and asserts |z| > Z_LIMIT.
Tolerances therefore come only from Monte-Carlo standard errors, never from hand-tuned slack.
The statistics are the library's own (`modelcollapse.core.stats`), those of the study and the
paper's theorem table.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scipy import stats as scipy_stats

from modelcollapse.core.simulate import METRICS
from modelcollapse.core.stats import chi_square, max_abs_z, mean_and_se, proportion_se, z_score  # noqa: F401 (used by the tests)

Z_LIMIT = 4.0
# The chi-square level matching |z| < 4 two-sided, so both kinds of test have one error rate.
P_LIMIT = float(2 * scipy_stats.norm.sf(Z_LIMIT))  # ≈ 6.3e-5
ROOT = 2024  # root seed of every simulation in the tests (the project's default)
REPO = Path(__file__).resolve().parents[1]


# --- Snakemake, run one way: in a scratch copy of the project -------------------------------------


def project_copy(dest: Path) -> Path:
    """Snakefile, workflow/, config/, data/, envs/, profiles/, .test/ and tests/configs/ in a fresh
    directory, where a test runs Snakemake and its results stay (the checkout is left as it was;
    the library comes from the installed package)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest)
    for d in ("workflow", "config", "data", "envs", "profiles", ".test", "tests/configs"):
        shutil.copytree(REPO / d, dest / d, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def snakemake(workdir: Path, *args, check=True, timeout=900, env=None):
    """`snakemake --cores 2 ARGS` in `workdir` (a `project_copy`); AssertionError with its output
    when it fails and `check` is set."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The test study (`snakemake study --configfile .test/config/config.yaml`), run locally once
    per session in a scratch copy: its results folder, the reference of the workflow's tests and of
    the run through S3 storage (tests/test_storage.py)."""
    work = project_copy(tmp_path_factory.mktemp("small"))
    snakemake(work, "study", "--configfile", ".test/config/config.yaml")
    return work / "results" / "test_small"


def chi_square_pvalue(observed, probs, min_expected=5.0) -> float:
    """p-value of Pearson's chi-square goodness of fit of `observed` counts to `probs`, small
    expected counts pooled by the library's one rule (`stats.chi_square`)."""
    return chi_square(observed, probs, min_expected)[2]


def metric(result, name):
    """result.metrics[..., k] for metric `name` (replicates × generations)."""
    return result.metrics[..., METRICS.index(name)]


# --- the checkout is left as the suite found it ------------------------------------------------------


def _checkout_state() -> tuple:
    """What tests must not change: the files git would report, and the folders under results/."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    results = sorted(p.name for p in (REPO / "results").iterdir()) if (REPO / "results").is_dir() else []
    return status, results


def pytest_sessionstart(session):
    session.config.checkout_before = _checkout_state()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when a test wrote into the checkout (every Snakemake run belongs in a
    `project_copy`)."""
    before, after = session.config.checkout_before, _checkout_state()
    if after != before and exitstatus == 0:
        print(
            f"\nthe test suite changed the checkout: git status {before[0]!r} -> {after[0]!r}, results/ {before[1]} -> {after[1]}",
            file=sys.stderr,
        )
        session.exitstatus = 1
