"""Peak memory and time of one refine job at full size: one (n, vocab) row of config/large.yaml
(docs/design.md, "Limits"), the cheapest one by default (n = 1000, vocab = 10 000).

  * simulation  — the row's grid tables, made as the workflow's simulate jobs make them:
                  `python -m modelcollapse initial`, then `python -m modelcollapse simulate` per
                  block of fractions_per_job cells × seeds_per_job seeds, --cores at a time;
                  with --cache DIR they are kept there and reused by the next run;
  * aggregation — `study.aggregate.refine_row`, the library function of the refine job, in a
                  child process: it reads and checks the grid tables one cell at a time,
                  simulates the row's refinement probes with all seeds (on one core, as the job
                  does) and writes the row's tables. Printed: its peak RSS (wait4 rusage), wall
                  and CPU time, the part spent simulating the probes (timed around the engine),
                  and the up-front estimate of modelcollapse.study.cost.

At full size (10 000 seeds) this takes ~23 min on 2 cores, too long for `make bench`: ~11 min
for the grid tables and ~11 min for the aggregation, nearly all of it simulating the probes.
`--cache DIR` skips the first part on the next run; `--seeds 1000` runs the same row at a tenth
of the size in ~2.5 min (memory then measures a tenth of a cell, not a full-size one).

Usage: .venv/bin/python benchmarks/aggregation.py [--cache DIR] [--seeds 10000] [--cores 2]
                                                  [--n 1000] [--vocab 10000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from machine import machine, timed_sampling

ROOT = Path(__file__).resolve().parents[1]


def overlay(base: dict, top: dict) -> dict:
    """`top` over `base`, mappings merged key by key (as Snakemake overlays a --configfile)."""
    merged = dict(base)
    for key, value in top.items():
        merged[key] = overlay(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def simulate_grid(folder: Path, config: dict, n: int, vocab: int, grid: dict, seeds: int, cores: int) -> tuple:
    """The row's grid tables, one per (fraction block, seed block) as the workflow names and makes
    them; those already in `folder` are kept. Returns their paths, the initial table's and how
    many simulate jobs ran now."""
    run = [sys.executable, "-m", "modelcollapse"]
    p0 = [
        "--vocab",
        str(vocab),
        "--root-seed",
        str(config["root_seed"]),
        "--initial",
        config["initial"]["kind"],
        "--exponent",
        str(config["initial"]["exponent"]),
    ]
    initial = folder / f"vocab{vocab}.parquet"
    if not initial.exists():
        subprocess.run([*run, "initial", *p0, "--initial-file", str(initial)], check=True)
    counts, per_job = list(grid), config["fractions_per_job"]
    jobs = []
    for f, first in enumerate(range(0, len(counts), per_job)):
        fractions = [repr(grid[k]) for k in counts[first : first + per_job]]
        for s, seed in enumerate(range(0, seeds, config["seeds_per_job"])):
            path = folder / f"n{n}_vocab{vocab}_f{f}_s{s}.parquet"
            jobs.append(
                (
                    path,
                    [
                        *run,
                        "simulate",
                        "--scenario",
                        config["scenario"],
                        "--n",
                        str(n),
                        "--synthetic-fraction",
                        *fractions,
                        "--first-seed",
                        str(seed),
                        "--seeds",
                        str(min(config["seeds_per_job"], seeds - seed)),
                        "--generations",
                        str(config["generations"]),
                        *p0,
                        "--sims-file",
                        str(path),
                        "--quiet",
                    ],
                )
            )
    missing = [command for path, command in jobs if not path.exists()]
    with ThreadPoolExecutor(cores) as pool:
        for proc in pool.map(lambda command: subprocess.run(command, capture_output=True, text=True), missing):
            if proc.returncode:
                sys.exit(f"{' '.join(proc.args)}\n{proc.stderr}")
    return [str(path) for path, _ in jobs], str(initial), len(missing)


def aggregate(job: dict) -> None:
    """The child: `refine_row` of one row; prints its report (probes, time simulating them)."""
    from modelcollapse.study.aggregate import refine_row
    from modelcollapse.study.safe import Row

    with timed_sampling() as sampling:
        probes = refine_row(Row(*job["row"]), job["sims"], job["initial"], job["cells"], job["config"], job["outputs"])
    print(json.dumps({"probes": probes, "sampling_seconds": sampling[0]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config/large.yaml")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--vocab", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, help="replicates per cell (default: the config's)")
    parser.add_argument("--cores", type=int, default=2, help="simulate jobs at once (the aggregation uses one core)")
    parser.add_argument("--cache", help="folder for the grid tables, reused when present (default: a temporary one)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return aggregate(json.loads(args.child))

    from modelcollapse.study.cost import refinement_probes, study_cost
    from modelcollapse.study.safe import Row

    config = overlay(yaml.safe_load((ROOT / "config/config.yaml").read_text()), yaml.safe_load((ROOT / args.configfile).read_text()))
    seeds, G = args.seeds or config["seeds"], config["generations"]
    row = Row(config["scenario"], "budget", args.n, args.vocab, config.get("window"))
    grid = row.grid(config["grid"]["synthetic_fraction"], log_real_shares=config["grid"].get("log_real_shares", True))
    print(machine())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.cache or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        sims, initial, ran = simulate_grid(folder, config, args.n, args.vocab, grid, seeds, args.cores)
        simulation = time.perf_counter() - start
        outputs = {name: str(Path(scratch) / "out" / f"{name}.parquet") for name in ("probes", "summary", "criteria", "safe")}
        job = {
            "row": [row.scenario, row.frame, row.size, row.vocab, row.window],
            "sims": sims,
            "initial": initial,
            "cells": list(grid),
            "outputs": outputs,
            "config": {"generations": G, "seeds": seeds, "root_seed": config["root_seed"], "safe": config["safe"]},
        }
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(job)], stdout=subprocess.PIPE, text=True)
        report = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not the simulate jobs'
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if child.returncode:
            sys.exit(f"the aggregation failed (exit status {child.returncode})")
        probes = json.loads(report)
    cost = study_cost(
        {"row": (args.n, args.vocab, list(grid))},
        seeds,
        config["seeds_per_job"],
        config["fractions_per_job"],
        G,
        config["safe"]["resolution"],
    )
    bound = refinement_probes(args.n, list(grid), config["safe"]["resolution"])
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"row n = {args.n}, vocab = {args.vocab} of {args.configfile}: {seeds} seeds x {len(grid)} grid cells x "
        f"{G + 1} generations, + {probes['probes']} refinement probes (at most {bound}) of {seeds} seeds"
    )
    made = f"{ran} simulate jobs" if ran == len(sims) else f"{ran} of the {len(sims)} simulate jobs, the others cached in {args.cache}"
    print(f"simulation of the grid tables  {simulation:8.1f} s wall ({made}; {args.cores} at a time)")
    print(
        f"aggregation (refine_row)       {wall:8.1f} s wall, {cpu:.1f} s CPU; of the wall time, simulating the "
        f"probes {probes['sampling_seconds']:.1f} s, the rest (start-up, reading, checking, summaries, interval, "
        f"writing) {wall - probes['sampling_seconds']:.1f} s"
    )
    print(
        f"peak RSS of the aggregation    {usage.ru_maxrss / 1024:8.0f} MB   (up-front estimate, "
        f"modelcollapse.study.cost: {cost.refine_bytes / 2**20:.0f} MB)"
    )


if __name__ == "__main__":
    main()
