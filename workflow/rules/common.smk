import os
import shlex
import sys
from pathlib import Path

# The library sits beside the workflow (src/ of this repository) and is found from this file's
# own location, so the workflow also runs deployed as a module from a local clone, with no
# installed package. Planning the study needs its Python modules only, never the compiled engine:
# a fresh clone dry-runs, lints and draws its DAG before anything is built, and a job that
# simulates without the engine fails with the error of `simulate.compiled_engine`.
LIBRARY = str(Path(workflow.current_basedir).parents[1] / "src")
sys.path.insert(0, LIBRARY)
import modelcollapse.claims
import modelcollapse.config
import modelcollapse.core.initial
import modelcollapse.core.simulate
import modelcollapse.paper
import modelcollapse.study.rounds
import modelcollapse.study.safe
from snakemake.settings.types import DeploymentMethod

# --- configuration: checked, and its defaults filled in, before the DAG is built ---------------

modelcollapse.config.check(config)


# --- paths and jobs ----------------------------------------------------------------------------

RESULTS = f"results/{config['study']}"
GRID = config["grid"]
CRITERIA = list(modelcollapse.study.safe.CRITERIA)
FRAME = modelcollapse.config.frame(GRID)

# A conda env has the library installed (workflow/envs/*.yaml) and its own interpreter. Without
# one, jobs run on the interpreter running Snakemake and import the library from this checkout
# (PYTHONPATH; the compiled engine built in place by `pip install -e .`). Both reach the shell
# commands as environment variables, not params, so a finished study copied elsewhere, or run
# with another interpreter, plans nothing anew.
if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
    os.environ.update(MODELCOLLAPSE_PYTHON="python")
else:
    if problems := list(modelcollapse.config.interpreter_errors(sys.executable)):
        raise modelcollapse.config.ConfigError(problems, "cannot run the jobs")
    os.environ.update(
        PYTHONPATH=os.pathsep.join(
            [LIBRARY, *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        MODELCOLLAPSE_PYTHON=sys.executable,
    )


STUDY_ROWS = modelcollapse.config.study_rows(config)
# A finished study of the same name made with other keys is refused. The check reads the local
# results/; with a default storage provider (`--default-storage-provider s3`) the study's files are
# in the storage, not here, and the check does not apply (docs/cluster.md).
if workflow.storage_settings.default_storage_provider is None:
    if problems := list(modelcollapse.config.reuse_errors(config, RESULTS)):
        raise modelcollapse.config.ConfigError(problems)
# What every row table records and `merge` checks, and the p(0) each row's files must hold.
STUDY_IDENTITY = modelcollapse.config.study_identity(config)
INITIAL_DIGESTS = modelcollapse.config.initial_digests(config)
for message in modelcollapse.config.notes(config, STUDY_ROWS):
    print(message, file=sys.stderr)


def blocks(count, size):
    """Consecutive index ranges of at most `size`: [(first, last), …]."""
    return [(i, min(i + size, count) - 1) for i in range(0, count, size)]


SEED_BLOCKS = blocks(config["seeds"], config["seeds_per_job"])


def cell_blocks(row):
    """The row's grid probes, in blocks of at most fractions_per_job."""
    return blocks(len(STUDY_ROWS[row].probes), config["fractions_per_job"])


# A row is n{n}_vocab{vocab} (N{N}_… in the real-data frame), with its sampler's label unless it
# is exact (modelcollapse.config.row_name).
wildcard_constraints:
    row=modelcollapse.config.row_pattern(),
    vocab=r"\d+",
    fblock=r"\d+",
    sblock=r"\d+",
    round=r"\d+",


def row_sims(wildcards):
    """The grid-pass simulation tables of one row."""
    return expand(
        f"{RESULTS}/sims/{wildcards.row}_f{{fblock}}_s{{sblock}}.parquet",
        fblock=range(len(cell_blocks(wildcards.row))),
        sblock=range(len(SEED_BLOCKS)),
    )


def row_initial(wildcards):
    return f"{RESULTS}/initial/vocab{STUDY_ROWS[wildcards.row].vocab}.parquet"


def row_tables(name):
    """Every row's `name` table (summary, criteria, safe_fraction or values, from its refine
    job), in the grid's order: what `merge` joins, and what the figures draw without waiting
    for it.
    """
    return expand(f"{RESULTS}/rows/{{row}}/{name}.parquet", row=STUDY_ROWS)


def initial_data(wildcards):
    """The p⁽⁰⁾ file of `initial: {kind: file}`: an input of every job that reads it, so that
    editing it reruns them and what depends on them; nothing for the other kinds. It is read
    where the workflow is planned (its digest, above) and so is always a local file, never
    looked up in a default storage provider (`local`)."""
    initial = config["initial"]
    return local(initial["path"]) if initial["kind"] == "file" else []


def initial_args(vocab):
    """Command-line flags of the initial distribution (shared by every job that needs p⁽⁰⁾)."""
    initial = config["initial"]
    args = [
        f"--vocab {vocab} --root-seed {config['root_seed']} --initial {initial['kind']}"
    ]
    for key in modelcollapse.core.initial.INITIAL_KEYS[initial["kind"]]:
        if initial.get(key) is not None:
            flag = "initial-path" if key == "path" else key
            args.append(f"--{flag} {shlex.quote(str(initial[key]))}")
    return args


def simulate_args(wildcards):
    """Command-line arguments of one grid simulate job (python -m modelcollapse simulate)."""
    size, vocab, probes, sampler = STUDY_ROWS[wildcards.row]
    first, last = cell_blocks(wildcards.row)[int(wildcards.fblock)]
    counts = list(probes)[first : last + 1]
    if FRAME == "budget":  # the fractions as requested: the sims tables record them
        cells = [
            "--n",
            str(size),
            "--synthetic-fraction",
            *(repr(probes[k]) for k in counts),
        ]
    else:
        cells = ["--n-real", str(size), "--n-synthetic", *map(str, counts)]
    return job_args(wildcards, vocab, sampler, cells)


def job_args(wildcards, vocab, sampler, cells):
    """The simulate command's arguments for `cells` (its flags of n and the synthetic amounts)
    drawn with `sampler`, and the job's seed block."""
    seed_first, seed_last = SEED_BLOCKS[int(wildcards.sblock)]
    args = [
        f"--scenario {config['scenario']}",
        f"--sampler {shlex.quote(sampler)}",
        *cells,
        f"--first-seed {seed_first} --seeds {seed_last - seed_first + 1}",
        f"--generations {config['generations']}",
        *initial_args(vocab),
    ]
    if config.get("window") is not None:
        args.append(f"--window {config['window']}")
    return " ".join(args)


# --- refinement as rounds of jobs (modelcollapse.study.rounds), when a probe is several jobs ----

ROUNDS = modelcollapse.config.refine_in_rounds(config)


def round_plan(row, number):
    """The synthetic counts round `number` of `row` probes, once its round job has run."""
    plan = checkpoints.refine_round.get(row=row, round=number).output.plan
    # open(), not the path: Snakemake then fetches it from a default storage provider first
    with plan.open() as file:
        return modelcollapse.study.rounds.parse_plan(file.read(), plan)


def round_probes(row, number):
    """The simulation tables of round `number`'s probes, in blocks as the grid's."""
    fblocks = blocks(len(round_plan(row, number)), config["fractions_per_job"])
    return expand(
        f"{RESULTS}/probes/{row}/round{number}_f{{fblock}}_s{{sblock}}.parquet",
        fblock=range(len(fblocks)),
        sblock=range(len(SEED_BLOCKS)),
    )


def round_inputs(wildcards):
    """Round 0 reads the grid; round r the values and plan of round r - 1 and its probes."""
    inputs = {"initial": row_initial(wildcards)}
    number = int(wildcards.round)
    if number == 0:
        return {**inputs, "sims": row_sims(wildcards)}
    previous = checkpoints.refine_round.get(row=wildcards.row, round=number - 1).output
    return {
        **inputs,
        "sims": round_probes(wildcards.row, number - 1),
        "previous": previous.values,
        "plan": previous.plan,
    }


def refine_inputs(wildcards):
    """A row's grid tables and p⁽⁰⁾; with rounds of jobs, also every round's probes and the last
    (empty) plan, which the DAG learns round by round."""
    inputs = {"sims": row_sims(wildcards), "initial": row_initial(wildcards)}
    if not ROUNDS:
        return inputs
    number, probes = 0, []
    while round_plan(wildcards.row, number):
        probes += round_probes(wildcards.row, number)
        number += 1
    plan = checkpoints.refine_round.get(row=wildcards.row, round=number).output.plan
    return {**inputs, "probes": probes, "plan": plan}


# What a refine job writes: the row's tables, and the probes it simulates itself without rounds.
REFINE_OUTPUTS = {
    **({} if ROUNDS else {"probes": f"{RESULTS}/probes/{{row}}.parquet"}),
    "summary": f"{RESULTS}/rows/{{row}}/summary.parquet",
    "criteria": f"{RESULTS}/rows/{{row}}/criteria.parquet",
    "safe": f"{RESULTS}/rows/{{row}}/safe_fraction.parquet",
    "values": f"{RESULTS}/rows/{{row}}/values.parquet",
}


def row_key(name):
    """(size, vocab, sampler) of a row: what a job makes its `Row` of (aggregate.job_row)."""
    row = STUDY_ROWS[name]
    return [row.size, row.vocab, row.sampler]


# What the refine and round jobs know of the study (modelcollapse.study.aggregate.refine_row).
REFINE_PARAMS = {
    "row": lambda wildcards: row_key(wildcards.row),
    "cells": lambda wildcards: list(STUDY_ROWS[wildcards.row].probes),
    "frame": FRAME,
    "scenario": lookup(dpath="scenario", within=config),
    "window": config.get("window"),
    "generations": lookup(dpath="generations", within=config),
    "seeds": lookup(dpath="seeds", within=config),
    "root_seed": lookup(dpath="root_seed", within=config),
    # the tolerance sweep is not the refinement's: editing it reruns `tolerance` alone
    "safe": {k: v for k, v in config["safe"].items() if k != "tolerance_sweep"},
    "identity": STUDY_IDENTITY,
    "initial_sha256": lambda wildcards: INITIAL_DIGESTS[
        STUDY_ROWS[wildcards.row].vocab
    ],
}


def probe_args(wildcards):
    """Command-line arguments of one probe job: its block of the round's plan, by counts."""
    size, vocab, _, sampler = STUDY_ROWS[wildcards.row]
    counts = round_plan(wildcards.row, int(wildcards.round))
    first, last = blocks(len(counts), config["fractions_per_job"])[
        int(wildcards.fblock)
    ]
    frame = "--n" if FRAME == "budget" else "--n-real"
    return job_args(
        wildcards,
        vocab,
        sampler,
        [frame, str(size), "--n-synthetic", *map(str, counts[first : last + 1])],
    )


def get_final_output():
    """Everything `rule all` builds for the study."""
    return [
        f"{RESULTS}/summary.parquet",
        f"{RESULTS}/criteria.parquet",
        f"{RESULTS}/safe_fraction.parquet",
        f"{RESULTS}/safe_fraction.csv",
        f"{RESULTS}/figures/safe_fraction.png",
        f"{RESULTS}/figures/safe_fraction.pdf",
        f"{RESULTS}/report/safe_fraction.html",
        f"{RESULTS}/tolerance.parquet",
        f"{RESULTS}/tolerance.csv",
        f"{RESULTS}/figures/tolerance.png",
        f"{RESULTS}/figures/tolerance.pdf",
        *expand(
            f"{RESULTS}/figures/phase_{{criterion}}.{{ext}}",
            criterion=CRITERIA,
            ext=["png", "pdf"],
        ),
    ]
