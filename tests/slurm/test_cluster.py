"""The workflow through the shipped SLURM profile on the real one-node cluster of tests/slurm/up.sh.

Without MODELCOLLAPSE_SLURM in the environment every test here is skipped, visibly, so plain
`make test` reports them as skipped. With it set, a cluster that does not answer is a failure, not a
skip: `make test-slurm` (which brings the cluster up, sets the variable and tears the cluster down
afterwards) must never pass without running them. Each test works in its own scratch copy of the
project on local disk, which the SLURM jobs on this node read and write directly.

(No conftest.py in this directory on purpose: the tests in tests/ import helpers with
`from conftest import …`, and a second conftest module would shadow theirs.)
"""

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import project_copy

pytestmark = pytest.mark.skipif(not os.environ.get("MODELCOLLAPSE_SLURM"), reason="needs the one-node SLURM cluster: run `make test-slurm`")

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ".test/config/config.yaml"
SMALL = yaml.safe_load((ROOT / CONFIG).read_text())
RESULTS = Path("results") / SMALL["study"]
# The study's simulate jobs: n × vocab × fraction blocks × seed blocks.
SIMULATE_JOBS = (
    len(SMALL["grid"]["n"])
    * len(SMALL["grid"]["vocab"])
    * math.ceil(len(SMALL["grid"]["synthetic_fraction"]) / SMALL["fractions_per_job"])
    * math.ceil(SMALL["seeds"] / SMALL["seeds_per_job"])
)
REFINE_JOBS = len(SMALL["grid"]["n"]) * len(SMALL["grid"]["vocab"])  # one per (n, vocab) row
# 20 seeds in blocks of 10: each row's refinement runs as rounds of jobs (a round job per round,
# probe jobs per round), as many as its plans ask for: counted from the local run's files.
assert SMALL["seeds"] > SMALL["seeds_per_job"]
FIGURE_JOBS = 7  # four phase diagrams, the α*(n) figure, the tolerance table and its figure
PROFILE = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
assert "groups" not in PROFILE  # every job its own SLURM job (the profile says why)

SLURM = [
    "study",
    "--workflow-profile",
    "profiles/slurm",
    "--configfile",
    CONFIG,
    # Test speed only (command line, never the profile): first status check 2 s after a submission
    # or a finished job instead of 40 s.
    "--slurm-init-seconds-before-status-checks",
    "2",
]
LOCAL = ["study", "--cores", "2", "--configfile", CONFIG]
RUN_TIMEOUT = 900  # seconds for one whole snakemake run (a SLURM run here takes a few minutes)
STOP_TIMEOUT = 240  # after SIGINT, snakemake may sleep up to 180 s in the plugin's status loop


@pytest.fixture(scope="module", autouse=True)
def slurm_cluster():
    """The cluster answers: sinfo shows a usable node and sacct (job accounting) works. Fails, never
    skips: MODELCOLLAPSE_SLURM promises a cluster."""
    for tool in ("sinfo", "squeue", "sbatch", "scancel", "sacct"):
        if shutil.which(tool) is None:
            pytest.fail(f"MODELCOLLAPSE_SLURM is set but `{tool}` is not installed: run tests/slurm/up.sh first")
    answers = {}
    for cmd in (["sinfo", "-h", "-o", "%P %t"], ["sacct", "-n", "-X", "-S", "now-1hours", "-o", "JobID"]):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"MODELCOLLAPSE_SLURM is set but `{' '.join(cmd)}` hung for 30 s: is the cluster up?")
        if proc.returncode != 0:
            pytest.fail(
                f"MODELCOLLAPSE_SLURM is set but `{' '.join(cmd)}` failed (exit {proc.returncode}): "
                f"{proc.stderr.strip()} (bring the cluster up with tests/slurm/up.sh)"
            )
        answers[cmd[0]] = proc.stdout.split()
    states = answers["sinfo"][1::2]  # "partition state" pairs
    if not any(state.rstrip("*~#") in ("idle", "mix", "alloc", "comp") for state in states):
        pytest.fail(f"MODELCOLLAPSE_SLURM is set but no SLURM node is usable (sinfo: {' '.join(answers['sinfo'])})")


def start(workdir: Path, args, log: Path) -> subprocess.Popen:
    """snakemake in the background, in its own session, stdout and stderr to `log`."""
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # Let SIGINT reach Snakemake even when this runs from a shell that ignores it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def run_id(text: str) -> str | None:
    """The plugin's run ID, which is every SLURM job name of that run."""
    found = re.search(r"SLURM run ID: (\S+)", text)
    return found.group(1) if found else None


def stop(proc: subprocess.Popen, log: Path) -> None:
    """Stop a snakemake that is still running and cancel its SLURM jobs. SIGINT, not SIGTERM:
    snakemake ignores SIGTERM while jobs run."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    name = run_id(log.read_text(errors="replace"))
    if name:  # whatever of this run is still queued (no-op if nothing is)
        subprocess.run(["scancel", "--name", name], capture_output=True, timeout=30)


def wait(proc: subprocess.Popen, log: Path, timeout: float = RUN_TIMEOUT) -> tuple[int, str]:
    """(exit status, output) of a background snakemake; stopped and failed after `timeout`."""
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc, log)
        pytest.fail(f"snakemake did not finish in {timeout} s:\n{log.read_text(errors='replace')[-4000:]}")
    return rc, log.read_text(errors="replace")


def snakemake(workdir: Path, args, log_name: str, timeout: float = RUN_TIMEOUT) -> tuple[int, str]:
    log = workdir / log_name
    proc = start(workdir, args, log)
    try:
        return wait(proc, log, timeout)
    finally:
        stop(proc, log)


def check(rc: int, output: str, what: str) -> None:
    assert rc == 0, f"{what} failed (exit {rc}):\n{output[-4000:]}"


def sacct_jobs(name: str) -> dict[str, list[str]]:
    """{job id: [state, number of job steps]} of every SLURM job named `name`, from accounting."""
    proc = subprocess.run(
        ["sacct", "-n", "-P", "--name", name, "-S", "now-1days", "-E", "now", "-o", "JobIDRaw,State"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    jobs: dict[str, list] = {}
    for line in proc.stdout.splitlines():
        job, state = line.split("|")[:2]
        main, _, step = job.partition(".")
        jobs.setdefault(main, [None, 0])
        if not step:
            jobs[main][0] = state.split()[0]  # "CANCELLED by 0" -> CANCELLED
        elif step.isdigit():  # srun steps; not "batch" or "extern"
            jobs[main][1] += 1
    return jobs


def outputs(results: Path) -> list[Path]:
    """Every table of the study, relative to its results directory."""
    tables = [p.relative_to(results) for p in results.glob("sims/*.parquet")]
    tables += [p.relative_to(results) for p in results.glob("initial/*.parquet")]
    tables += [p.relative_to(results) for p in results.glob("probes/*/round*.parquet")]
    tables += [p.relative_to(results) for p in results.glob("refine/*/round*.*")]
    tables += [
        Path(p) for p in ("summary.parquet", "criteria.parquet", "safe_fraction.parquet", "safe_fraction.csv", "report/safe_fraction.html")
    ]
    return sorted(tables)


def same_bits(x: pa.ChunkedArray, y: pa.ChunkedArray) -> bool:
    """Equal values, nulls in the same places, and floats equal bit for bit (Table.equals would
    call two NaNs different, and -0.0 equal to 0.0)."""
    x, y = x.combine_chunks(), y.combine_chunks()
    if x.type != y.type or not x.is_valid().equals(y.is_valid()):
        return False
    if pa.types.is_floating(x.type):
        bits = {16: np.uint16, 32: np.uint32, 64: np.uint64}[x.type.bit_width]
        values = [a.fill_null(0).to_numpy(zero_copy_only=False).view(bits) for a in (x, y)]
        return bool(np.array_equal(*values))
    return x.equals(y)


def assert_identical(reference: Path, other: Path) -> None:
    """Every Parquet table holds exactly the same data (schema metadata aside, which records how
    and where a job ran), and the CSV the same bytes."""
    expected = outputs(reference)
    assert len([p for p in expected if p.parts[0] == "sims"]) == SIMULATE_JOBS
    assert outputs(other) == expected
    for rel in expected:
        if rel.suffix in (".csv", ".html", ".json"):
            assert (other / rel).read_bytes() == (reference / rel).read_bytes(), rel
        else:
            ours = pq.read_table(other / rel).replace_schema_metadata(None)
            theirs = pq.read_table(reference / rel).replace_schema_metadata(None)
            assert ours.schema == theirs.schema, rel
            assert ours.num_rows == theirs.num_rows, rel
            for column in theirs.column_names:
                assert same_bits(ours[column], theirs[column]), f"{rel}: column {column} differs"


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    """The reference: the same study run locally, without SLURM."""
    work = project_copy(tmp_path_factory.mktemp("local"))
    rc, output = snakemake(work, LOCAL, "snakemake.log")
    check(rc, output, "the local run")
    return work / RESULTS


def test_slurm_run_is_identical_to_local_run(tmp_path, local_results):
    work = project_copy(tmp_path / "slurm")
    rc, output = snakemake(work, SLURM, "snakemake.log")
    check(rc, output, "the SLURM run")
    assert_identical(local_results, work / RESULTS)

    # SLURM really ran the jobs.
    name = run_id(output)
    assert name and name.startswith(PROFILE["slurm-jobname-prefix"] + "_"), output[-3000:]
    jobs = sacct_jobs(name)
    assert jobs, f"sacct knows no job named {name}"
    assert {state for state, _ in jobs.values()} == {"COMPLETED"}, jobs
    # One SLURM job per Snakemake job, each one srun step: every simulate job, every refinement
    # round job and probe job, one refine job per row, a phase_diagram per criterion,
    # safe_fraction_figure, tolerance and tolerance_figure (initial, merge and report_tables are local).
    rounds = len(list(local_results.glob("refine/*/round*.json")))
    probes = len(list(local_results.glob("probes/*/round*.parquet")))
    assert rounds > REFINE_JOBS and probes > 0
    expected = SIMULATE_JOBS + rounds + probes + REFINE_JOBS + FIGURE_JOBS
    assert len(jobs) == expected, jobs
    assert sorted(steps for _, steps in jobs.values()) == [1] * expected, jobs


def running_job(name: str) -> str | None:
    proc = subprocess.run(["squeue", "-h", "--name", name, "-t", "RUNNING", "-o", "%i"], capture_output=True, text=True, timeout=30)
    ids = proc.stdout.split()
    return ids[0] if ids else None


def test_cancelled_job_fails_the_run_and_a_rerun_completes(tmp_path, local_results):
    work = project_copy(tmp_path / "cancel")
    log = work / "snakemake-cancelled.log"
    proc = start(work, SLURM, log)
    try:
        # Wait for a job of this run to be RUNNING, then cancel it as an administrator would.
        deadline, victim = time.time() + 180, None
        while victim is None and time.time() < deadline and proc.poll() is None:
            name = run_id(log.read_text(errors="replace"))
            victim = running_job(name) if name else None
            time.sleep(0.5)
        assert victim, f"no job of the run reached RUNNING:\n{log.read_text(errors='replace')[-3000:]}"
        subprocess.run(["scancel", victim], check=True, capture_output=True, timeout=30)
        rc, output = wait(proc, log)
    finally:
        stop(proc, log)
    assert rc != 0, f"snakemake ignored the cancelled job {victim}:\n{output[-3000:]}"
    # Snakemake reports the failed job with the SLURM log, which names the cancellation.
    # (a rule's error lists the job's own log first, then the SLURM log)
    reported = re.search(rf"Error in (?:group|rule) \w+:?\n(?:.*\n)*?\s*log: (?:\S+, )*(\S*/{victim}\.log)", output)
    assert reported, f"no error reported for SLURM job {victim}:\n{output[-3000:]}"
    assert re.search(rf"JOB {victim} ON \S+ CANCELLED", Path(reported.group(1)).read_text(errors="replace"))
    assert "At least one job did not complete successfully" in output, output[-3000:]
    assert sacct_jobs(name)[victim][0] == "CANCELLED"
    assert not (work / RESULTS / "summary.parquet").exists()

    # The same command again finishes the study. --unlock only if the lock survived.
    if (work / ".snakemake" / "locks").is_dir() and any((work / ".snakemake" / "locks").iterdir()):
        rc, output = snakemake(work, [*SLURM, "--unlock"], "snakemake-unlock.log", timeout=120)
        check(rc, output, "snakemake --unlock")
    rc, output = snakemake(work, SLURM, "snakemake-rerun.log")
    check(rc, output, "the rerun after scancel")
    assert_identical(local_results, work / RESULTS)
