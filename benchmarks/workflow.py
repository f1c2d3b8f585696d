"""Where the wall time of a study goes: its sampling versus everything else.

Runs the `study` target (initial → simulate → refine → merge → figures, not the paper) from
scratch in a scratch copy of the project, reads Snakemake's per-job `benchmark:` files, then does
the study's work again in its own process to time its sampling. Prints
  * wall        — the whole `snakemake` command, start-up and DAG included;
  * per rule    — number of jobs and Σ wall time of its jobs (Snakemake's `benchmark:` files;
                  their CPU times are samples that miss a job's last seconds, so the jobs' CPU
                  is taken as all CPU the command used minus Snakemake's own);
  * sampling    — Σ time inside the library's simulation of the study's grid cells and
                  refinement probes (`simulate_cell`), on one core, timed in this process;
  * Snakemake   — the CPU time of the snakemake process itself (not of its jobs), polled;
  * wall / (sampling / cores) — the yardstick;
  * floor       — the same jobs per rule and the same dependencies, each job only starting Python
                  and importing what any job of its rule must (NumPy and pyarrow; matplotlib for a
                  figure): no implementation of this DAG can be faster on this machine, so
                  floor + sampling / cores is the least wall time and ratio it allows; and the
                  part of it that is Snakemake alone (start-up, DAG, exit), whatever the jobs;
  * in one process — the study's work with no job and no Snakemake: every row through the
                  library's API and the figures, in this process; its CPU time over its own
                  sampling is the least ratio of that work, even with every core busy.
                  With the floor's CPU time (every job started, Snakemake's own included) it gives
                  the least CPU time of this DAG: its ratio, with every core always busy, is the
                  least any implementation of this DAG can reach on this machine.

With --seeds R the same study runs with R seeds per cell (and one seed block per job, so the same
jobs): more sampling for the same jobs, which shows what each job costs beyond its sampling.

Usage: .venv/bin/python benchmarks/workflow.py [--configfile config/config.yaml] [--cores 2] [--seeds R]
"""

import argparse
import contextlib
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml
from machine import cpu_seconds, machine, timed_sampling

ROOT = Path(__file__).resolve().parents[1]


def own_cpu_until_exit(proc: subprocess.Popen, every: float = 0.05) -> float:
    """CPU seconds (user + system) of the process itself, not of its children (the jobs), read
    every `every` s until it exits: the last reading misses at most that much."""
    import psutil

    watched, own = psutil.Process(proc.pid), 0.0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            times = watched.cpu_times()
            own = times.user + times.system
        time.sleep(every)
    return own


# The imports that no job of a rule can do without: arrays and Parquet; a figure also matplotlib.
FLOOR_IMPORTS = "import numpy, pyarrow.parquet"
FIGURE_IMPORTS = FLOOR_IMPORTS + "; import matplotlib; matplotlib.use('Agg'); import matplotlib.figure"
FIGURES = ("phase_diagram", "safe_fraction_figure")  # the rules whose jobs draw a figure


def floor_snakefile(counts: dict) -> str:
    """A Snakefile with the study's jobs per rule (`counts`) and its dependencies (simulate →
    refine, prioritised as in the workflow → merge, the figures and the tolerance table; merge
    and the α* figure → the report tables; the tolerance table → its figure), every job only
    starting Python, importing what a job of its rule needs (FLOOR_IMPORTS, and FIGURE_IMPORTS
    for a figure)."""
    rows, blocks, figures = counts["refine"], counts["simulate"], sum(counts[rule] for rule in FIGURES)

    def job(imports):
        return f'shell: "{shlex.quote(sys.executable)} -c \\"{imports}\\" && touch {{output}}"'

    return f"""
rule all:
    input: "report.done", expand("figures/{{figure}}.done", figure=range({figures})), "tolerance_figure.done"
rule simulate:
    output: "sims/{{block}}.done"
    {job(FLOOR_IMPORTS)}
rule refine:
    input: lambda w: [f"sims/{{b}}.done" for b in range({blocks}) if b % {rows} == int(w.row)]
    output: "rows/{{row}}.done"
    priority: 1
    {job(FLOOR_IMPORTS)}
rule merge:
    input: expand("rows/{{row}}.done", row=range({rows}))
    output: "merge.done"
    {job(FLOOR_IMPORTS)}
rule figure:
    input: expand("rows/{{row}}.done", row=range({rows}))
    output: "figures/{{figure}}.done"
    {job(FIGURE_IMPORTS)}
rule report_tables:
    input: "merge.done", "figures/0.done"
    output: "report.done"
    {job(FLOOR_IMPORTS)}
rule tolerance:
    input: expand("rows/{{row}}.done", row=range({rows}))
    output: "tolerance.done"
    {job(FLOOR_IMPORTS)}
rule tolerance_figure:
    input: "tolerance.done"
    output: "tolerance_figure.done"
    {job(FIGURE_IMPORTS)}
"""


def work_in_one_process(config: dict, results: Path) -> tuple[float, float]:
    """CPU seconds of the study's work done here, in one process, with no job and no Snakemake,
    and the seconds of it spent in `simulate_cell` (the study's sampling, so that the ratio of the
    two comes from one run):
    every row through the library's API (`safe_fraction` with the study's p⁽⁰⁾: the grid's and the
    refinement's simulations, the summaries, the interval and the analytic α* of a refine job,
    without its files), then the five figures (PNG and PDF) from the rows' tables the study
    wrote, and the tolerance table with its figure; not the grid's tables, `merge` or the
    report's tables. Its probes and α* must be the study's (the same sampling), or the benchmark
    stops."""
    from modelcollapse.config import frame, study_rows
    from modelcollapse.study.aggregate import read_initial, read_row_tables
    from modelcollapse.study.answers import safe_fraction
    from modelcollapse.study.plotting import phase_diagram, safe_fraction_figure, save_figure, tolerance_figure
    from modelcollapse.study.safe import CRITERIA, Row
    from modelcollapse.study.tolerance import study_tolerance

    grid, safe = config["grid"], config["safe"]
    size_key = "n" if "n" in grid else "n_real"  # the budget or the real-data frame
    p0 = {vocab: read_initial(results / "initial" / f"vocab{vocab}.parquet") for vocab in grid["vocab"]}  # the study's
    options = dict(
        scenario=config["scenario"],
        window=config.get("window"),
        generations=config["generations"],
        seeds=config["seeds"],
        root_seed=config["root_seed"],
        thresholds={c: safe[c] for c in CRITERIA},
        confidence=safe["confidence"],
        resolution=safe["resolution"],
        synthetic_fractions=grid.get("synthetic_fraction", ()),
        n_synthetic=grid.get("n_synthetic", ()),
        log_real_shares=grid.get("log_real_shares", False),
    )
    start = resource.getrusage(resource.RUSAGE_SELF)
    with timed_sampling() as sampling:
        answers = [
            safe_fraction(p0=p0[row.vocab], **{size_key: row.size}, sampler=row.sampler, **options) for row in study_rows(config).values()
        ]
    tables = read_row_tables({name: sorted(results.glob(f"rows/*/{name}.parquet")) for name in ("criteria", "safe_fraction")})
    with tempfile.TemporaryDirectory() as figures:
        for criterion in CRITERIA:
            fig = phase_diagram(tables["criteria"], tables["safe_fraction"], criterion, safe[criterion])
            save_figure(fig, [f"{figures}/{criterion}.png", f"{figures}/{criterion}.pdf"])
        save_figure(safe_fraction_figure(tables["safe_fraction"]), [f"{figures}/alpha.png", f"{figures}/alpha.pdf"])
        named = study_rows(config)
        rows = [Row(config["scenario"], frame(grid), row.size, row.vocab, config.get("window"), row.sampler) for row in named.values()]
        values = [results / "rows" / name / "values.parquet" for name in named]
        initials = [results / "initial" / f"vocab{row.vocab}.parquet" for row in rows]
        tolerance = study_tolerance(rows, values, initials, config["generations"], safe)
        thresholds = {c: safe[c] for c in CRITERIA}
        save_figure(tolerance_figure(tolerance, thresholds), [f"{figures}/tolerance.png", f"{figures}/tolerance.pdf"])
    end = resource.getrusage(resource.RUSAGE_SELF)
    study = pd.read_parquet(results / "safe_fraction.parquet")
    same = pd.concat(answers).merge(study, on=[size_key, "vocab", "sampler", "criterion"], suffixes=("", "_study"))
    if len(same) != len(study) or not all(same[c].equals(same[f"{c}_study"]) for c in ("probes", "safe_fraction")):
        sys.exit("in one process: the library's API did not probe the study's cells; its time would not compare")
    return cpu_seconds(start, end), sampling[0]


# Snakemake alone: its start-up, a DAG of one job that runs no Python, and its exit.
EMPTY_SNAKEFILE = 'rule all:\n    output: "done"\n    shell: "touch {output}"\n'


def snakemake_run(snakefile: str, cores: int) -> tuple[float, float]:
    """Wall time and CPU time (Snakemake's and its jobs') of `snakefile` run by Snakemake on
    `cores` cores, as the study is (greedy scheduler, the jobs' environment of OpenBLAS on one
    thread)."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "Snakefile").write_text(snakefile)
        cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--scheduler", "greedy", "--quiet", "all"]
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(cmd, cwd=scratch, check=True, capture_output=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, cpu_seconds(before, after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seeds", type=int, help="seeds per cell instead of the config's (one seed block per job)")
    args = parser.parse_args()
    config = {**yaml.safe_load((ROOT / "config/config.yaml").read_text()), **yaml.safe_load((ROOT / args.configfile).read_text())}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copy(ROOT / "Snakefile", work)
        for d in ("workflow", "config", "envs", "profiles"):
            shutil.copytree(ROOT / d, work / d)
        cmd = [sys.executable, "-m", "snakemake", "study", "--cores", str(args.cores), "--configfile", str(ROOT / args.configfile)]
        if args.seeds:
            config.update(seeds=args.seeds, seeds_per_job=args.seeds)
            cmd += ["--config", f"seeds={args.seeds}", f"seeds_per_job={args.seeds}"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with tempfile.TemporaryFile("w+") as log:
            proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT, text=True)
            own_cpu = own_cpu_until_exit(proc)
            wall = time.perf_counter() - start
            if proc.returncode:
                log.seek(0)
                sys.exit(log.read()[-6000:])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        all_cpu = cpu_seconds(before, after)
        results = work / "results" / config["study"]
        jobs = pd.DataFrame(
            [
                {"rule": p.relative_to(results / "benchmarks").parts[0].removesuffix(".tsv"), **pd.read_csv(p, sep="\t").iloc[0]}
                for p in (results / "benchmarks").rglob("*.tsv")
            ]
        )
        jobs["rule"] = jobs["rule"].str.replace(r"^phase_.*", "phase_diagram", regex=True)
        work_cpu, sampling = work_in_one_process(config, results)
    job_cpu = all_cpu - own_cpu
    print(machine())
    print(f"study {config['study']} ({config['seeds']} seeds per cell): {len(jobs)} jobs, --cores {args.cores}")
    print(f"wall                       {wall:7.1f} s")
    for rule, group in jobs.groupby("rule", sort=False):
        print(f"  {rule:<24} {len(group):3d} jobs   Σ wall {group['s'].sum():6.1f} s")
    print(f"sampling on one core       {sampling:7.1f} s   (the grid cells and refinement probes, timed in one process)")
    print(f"jobs' CPU                  {job_cpu:7.1f} s   of which sampling {sampling / job_cpu:.0%}")
    print(
        f"Snakemake's own CPU        {own_cpu:7.1f} s   = {own_cpu / all_cpu:.0%} of all CPU the study used "
        f"({own_cpu / wall:.0%} of one core over the wall time)"
    )
    print(f"wall / (sampling / cores)  {wall / (sampling / args.cores):7.2f}")
    counts = jobs["rule"].value_counts().to_dict()
    floor, floor_cpu = snakemake_run(floor_snakefile(counts), args.cores)
    least = floor + sampling / args.cores
    print(
        f"floor (same {len(jobs)} jobs, imports only) {floor:5.1f} s   so at least {least:.1f} s with this sampling: "
        f"ratio ≥ {least / (sampling / args.cores):.2f}"
    )
    alone, _ = snakemake_run(EMPTY_SNAKEFILE, args.cores)
    print(
        f"  of which Snakemake alone {alone:5.1f} s   (start-up, a DAG of one job running no Python, exit): "
        f"ratio ≥ {(alone + sampling / args.cores) / (sampling / args.cores):.2f} with no job at all"
    )
    print(
        f"in one process             {work_cpu:7.1f} s of CPU, sampling {sampling:.1f} s (every row through the "
        f"library's API, then the figures; no job, no Snakemake): ratio ≥ {work_cpu / sampling:.2f} with every "
        f"core always busy"
    )
    # Every job must start (the floor's CPU, Snakemake's included) and the work must be done
    # at least once, at its in-process cost: this DAG can use no less CPU than both together.
    least_cpu = floor_cpu + work_cpu
    print(
        f"least CPU of this DAG      {least_cpu:7.1f} s   = the floor's {floor_cpu:.1f} s + the work in one process "
        f"{work_cpu:.1f} s: ratio ≥ {least_cpu / sampling:.2f} with every core always busy"
    )


if __name__ == "__main__":
    main()
