"""Where the wall time of a sweep goes: Snakemake versus the jobs versus the simulation.

Runs the `study` target (simulate → refine → merge → figures, not the paper) from scratch in a
scratch copy of the project, then reads Snakemake's per-job `benchmark:` files and the simulate
jobs' own timing lines. Prints
  * wall       — the whole `snakemake` command;
  * jobs       — the jobs' critical path: Σ simulate-job wall time (process start, imports,
                 work, writing) / cores, then Σ refine-job time / cores (the per-row
                 refinement and summaries), then the merge and plot jobs, which run alone;
  * simulation — Σ time inside the library's simulation and Parquet writing / cores used;
  * Snakemake  — wall − jobs: DAG building, scheduling, job spawning, bookkeeping.

Usage: .venv/bin/python benchmarks/workflow.py [--configfile config/config.yaml] [--cores 2]
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    config = {**yaml.safe_load((ROOT / "config/config.yaml").read_text()), **yaml.safe_load((ROOT / args.configfile).read_text())}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copy(ROOT / "Snakefile", work)
        for d in ("workflow", "config", "envs", "profiles"):
            shutil.copytree(ROOT / d, work / d)
        cmd = [sys.executable, "-m", "snakemake", "study", "--cores", str(args.cores), "--configfile", str(ROOT / args.configfile)]
        start, started = time.perf_counter(), time.time()
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(proc.stdout[-3000:] + proc.stderr[-3000:])
        wall = time.perf_counter() - start
        results = work / "results" / config["study"]
        last_simulation = max(p.stat().st_mtime for p in (results / "sims").glob("*.parquet")) - started
        bench = {
            str(p.relative_to(results / "benchmarks").with_suffix("")): pd.read_csv(p, sep="\t")["s"].iloc[0]
            for p in (results / "benchmarks").rglob("*.tsv")
        }
        simulate_jobs = [v for k, v in bench.items() if k.startswith("simulate/")]
        refine_jobs = [v for k, v in bench.items() if k.startswith("refine/")]
        logs = [p.read_text() for p in (results / "logs" / "simulate").glob("*.log")]
        inside = [float(re.search(r"total_seconds=([\d.]+)", text).group(1)) for text in logs]
        sampling = [float(re.search(r" seconds=([\d.]+)", text).group(1)) for text in logs]
    # Critical path: simulate jobs, then refine jobs, share the cores; merge and plots run alone.
    figures = sum(v for k, v in bench.items() if k.startswith("phase_") or k == "safe_fraction_figure")
    after = sum(refine_jobs) / args.cores + bench.get("merge", 0) + figures / args.cores
    jobs = sum(simulate_jobs) / args.cores + after
    simulation = sum(inside) / args.cores
    print(f"study {config['study']}: {len(simulate_jobs)} simulate + {len(refine_jobs)} refine jobs + merge + phase "
          f"diagrams, --cores {args.cores}")
    print(f"wall                      {wall:7.1f} s")
    print(f"jobs (critical path)      {jobs:7.1f} s   of which simulate jobs {sum(simulate_jobs) / args.cores:.1f} s, "
          f"refine jobs {sum(refine_jobs) / args.cores:.1f} s, merge {bench.get('merge', 0):.1f} s, "
          f"figures {figures / args.cores:.1f} s")
    print(f"simulation inside jobs    {simulation:7.1f} s   ({sum(inside):.1f} s on one core)")
    print(f"Snakemake (wall − jobs)   {wall - jobs:7.1f} s   = {(wall - jobs) / wall:.0%} of the wall time")
    print(f"job start-up (simulate jobs − simulation) {sum(simulate_jobs) / args.cores - simulation:.1f} s")
    print(f"after the last simulation {wall - last_simulation:7.1f} s   = {(wall - last_simulation) / wall:.0%} of the wall time")
    print(f"wall / (sampling / cores) {wall / (sum(sampling) / args.cores):7.2f}     (sampling inside the simulate jobs: "
          f"{sum(sampling):.1f} s on one core)")


if __name__ == "__main__":
    main()
