"""The critical path of a cluster-sized study, before and after refinement became rounds of jobs
(docs/safe-fraction.md, "Refinement as jobs"), and the speed-up of a refinement-dominated row
from 1 to 2 cores, measured.

1. `config/large.yaml` (too big to run here) from the cost model: per row, the rounds and probes
   of `study.cost.refinement_rounds`/`refinement_probes`, and each job's time from the per-cell
   costs measured on this machine — seconds per replicate of a cell (the engine, at α = 0.5), per
   replicate of a cell read back and reduced to its values at G (a round job) or summarised (the
   refine job), and a job's start. With every ready job running at once (a cluster), a row's
   critical path is
     before: its largest grid job, then one refine job simulating every probe with all seeds;
     now:    its largest grid job, round 0, then per round one probe job (at most
             fractions_per_job counts × seeds_per_job seeds) and one round job, then the refine
             job, which only reads.
   Both in units of the study's largest simulate job; "before" also with one probe per bisection
   round, the least it could have been, so the ratio is not flattered by the probe bound.
2. A one-row study whose refinement dominates (3 grid cells, 800 seeds in blocks of 200, so
   refinement runs as jobs), run to its row's α* from scratch with `--cores 1` and `--cores 2`:
   wall times, their ratio (target >= 1.7), and its rounds against the model's.

Usage: .venv/bin/python benchmarks/critical_path.py [--config config/large.yaml] [--skip-run]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from machine import machine

import modelcollapse.config
from modelcollapse.core.initial import from_config
from modelcollapse.core.simulate import sims_table, simulate_cell
from modelcollapse.study.aggregate import at_G_values, cell_arrays, digest_cell
from modelcollapse.study.cost import refinement_probes, refinement_rounds
from modelcollapse.study.safe import CRITERIA, Row

ROOT = Path(__file__).resolve().parents[1]
PROFILE = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())


def timed(function, least: float = 0.5):
    """Seconds per call of `function`, repeated until `least` seconds have passed."""
    calls, begin = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - begin) < least or calls == 0:
        function()
        calls += 1
    return elapsed / calls


def seconds_per_replicate(config: dict, size: int, vocab: int) -> float:
    """The engine's seconds per replicate of the row's cell at α = 0.5, all generations."""
    p0 = from_config(config["initial"], vocab, config["root_seed"])
    cell = Row(config["scenario"], "budget", size, vocab).cell(size // 2)
    seeds = 2
    return timed(lambda: simulate_cell(p0, cell, range(seeds), config["generations"], config["root_seed"])) / seeds


def reading_costs(generations: int, seeds: int = 500) -> tuple[float, float]:
    """Seconds per replicate to reduce a cell's table to its values at G (a round job) and to
    summarise it (the refine job): they grow with seeds × generations, not with n or vocab."""
    p0 = from_config({"kind": "zipf", "exponent": 1.1}, 100, 2024)
    cell = Row("mixed", "budget", 100, 100).cell(50)
    table = sims_table(simulate_cell(p0, cell, range(seeds), generations, 2024))

    def values():
        _, arrays, collapse_time = cell_arrays(table, generations)
        at_G_values(arrays, collapse_time, p0, generations, 1.0)

    return timed(values) / seeds, timed(lambda: digest_cell(table, p0, generations, 1.0)) / seeds


def job_start() -> float:
    """Seconds for a job's process to start with what a refine job imports."""
    command = [sys.executable, "-c", "import modelcollapse.study.aggregate, pyarrow.parquet, scipy.special"]
    return timed(lambda: subprocess.run(command, check=True), least=2.0)


def critical_paths(config: dict) -> None:
    rows = modelcollapse.config.study_rows(config)
    G, seeds, per_job, cells_per_job = config["generations"], config["seeds"], config["seeds_per_job"], config["fractions_per_job"]
    k, resolution = config["safe"]["probes_per_bracket"], config["safe"]["resolution"]
    start = job_start()
    read_values, summarise = reading_costs(G)
    print(
        f"job start {start:.2f} s; reading a cell, per replicate: {read_values * 1e3:.3f} ms to its values at G, {summarise * 1e3:.3f} ms to its summary"
    )
    costs = {(size, vocab): seconds_per_replicate(config, size, vocab) for size, vocab, _, _ in rows.values()}
    unit = max(min(cells_per_job, len(grid)) * per_job * costs[size, vocab] + start for size, vocab, grid, _ in rows.values())
    print(f"largest simulate job: {unit:.0f} s = 1 unit ({cells_per_job} cells x {per_job} seeds); probes_per_bracket {k}")
    print(f"{'row':>20} {'s/replicate':>11} {'probes':>6} {'rounds':>6} {'before':>8} {'(least)':>8} {'now':>6} {'longest job now':>15}")
    worst = {"before": 0.0, "least": 0.0, "now": 0.0, "job": 0.0}
    for name, (size, vocab, grid, _) in rows.items():
        c, cells = costs[size, vocab], len(grid)
        grid_job = min(cells_per_job, cells) * per_job * c + start
        bisection = refinement_rounds(size, grid, resolution)
        probes_before = refinement_probes(size, grid, resolution)
        refine_before = (probes_before * c + (cells + probes_before) * summarise) * seeds + start
        least_before = (bisection * c + (cells + bisection) * summarise) * seeds + start
        rounds = refinement_rounds(size, grid, resolution, k)
        per_round = 3 * len(CRITERIA) * k  # at most: every bracket of every criterion
        probe_job = min(per_round, cells_per_job) * per_job * c + start
        round_job = per_round * seeds * read_values + start
        refine_now = (cells + rounds * per_round) * seeds * summarise + start
        now = grid_job + cells * seeds * read_values + start + rounds * (probe_job + round_job) + refine_now
        before, least = grid_job + refine_before, grid_job + least_before
        longest = max(probe_job, round_job, refine_now)
        for key, value in (("before", before), ("least", least), ("now", now), ("job", longest)):
            worst[key] = max(worst[key], value)
        print(
            f"{name:>20} {c:11.4f} {probes_before:6d} {rounds:6d} {before / unit:8.1f} {least / unit:8.1f} {now / unit:6.1f} {longest / 60:12.1f} min"
        )
    print(
        f"critical path of the study: before {worst['before'] / unit:.1f} units ({worst['before'] / 3600:.1f} h), "
        f"at least {worst['least'] / unit:.1f} units; now {worst['now'] / unit:.1f} units ({worst['now'] / 60:.0f} min)"
    )
    print(f"now / before: {worst['now'] / worst['before']:.3f}; now / least before: {worst['now'] / worst['least']:.3f} (target <= 0.1)")
    runtime = PROFILE["default-resources"]["runtime"]
    print(f"longest job now: {worst['job'] / 60:.1f} min on this machine; the profile's default runtime: {runtime} min")


ROW_STUDY = {
    "study": "refinement_row",
    "seeds": 800,
    "seeds_per_job": 200,
    "fractions_per_job": 4,
    "generations": 100,
    "grid": {"n": [3000], "vocab": [1000], "synthetic_fraction": [0.0, 0.5, 1.0], "log_real_shares": False},
    "safe": {"probes_per_bracket": 3},
}


def row_run(cores: int) -> tuple[float, int]:
    """Wall seconds of the one-row study to its row's α*, from scratch, and its rounds."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        subprocess.run(
            ["cp", "-r", *(str(ROOT / p) for p in ("Snakefile", "workflow", "config", "data", "envs", "profiles")), scratch], check=True
        )
        (work / "row.yaml").write_text(yaml.safe_dump(ROW_STUDY))
        target = f"results/{ROW_STUDY['study']}/rows/n3000_vocab1000/safe_fraction.parquet"
        command = [sys.executable, "-m", "snakemake", target, "--cores", str(cores), "--quiet", "--configfile", "row.yaml"]
        begin = time.perf_counter()
        subprocess.run(command, cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - begin
        plans = sorted((work / "results" / ROW_STUDY["study"] / "refine" / "n3000_vocab1000").glob("round*.json"))
        assert json.loads(plans[-1].read_text())["probes"] == []
        return wall, len(plans) - 1


def row_speedup() -> None:
    config = modelcollapse.config.load(overrides=ROW_STUDY)
    ((size, vocab, grid, _),) = modelcollapse.config.study_rows(config).values()
    walls = {}
    for cores in (1, 2):
        walls[cores], rounds = row_run(cores)
        print(
            f"one row (n {size}, vocab {vocab}, {len(grid)} grid cells, {config['seeds']} seeds in blocks of {config['seeds_per_job']}), --cores {cores}: {walls[cores]:.1f} s"
        )
    model = refinement_rounds(size, grid, config["safe"]["resolution"], config["safe"]["probes_per_bracket"])
    print(f"rounds with probes: {rounds} (the model's bracket rounds: {model})")
    print(f"speed-up from 1 to 2 cores: {walls[1] / walls[2]:.2f}x (target >= 1.7)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "config" / "large.yaml"))
    parser.add_argument("--skip-run", action="store_true", help="the model only, not the one-row runs")
    args = parser.parse_args()
    print(machine())
    config = modelcollapse.config.load(args.config)
    print(
        f"{Path(args.config).name}: {len(modelcollapse.config.study_rows(config))} rows, {config['seeds']} seeds, generations {config['generations']}"
    )
    critical_paths(config)
    if not args.skip_run:
        row_speedup()


if __name__ == "__main__":
    main()
