"""What a workflow job pays before its work: starting Python and importing what its rule's
script imports, as a whole process, measured on this machine.

Every job is a fresh process, so its start-up is paid once per job (43 jobs in the default
study). For each rule this prints the CPU time (user + system, median of --runs runs, the rules
alternated) of a process that only makes that rule's imports, as a workflow job runs
(OPENBLAS_NUM_THREADS=1), beside bare `python -c pass`, and which of the libraries that are slow
to import it loads. It only measures; the workflow's own benchmark (`benchmarks/workflow.py`)
shows what the starts cost the whole study.

Usage: .venv/bin/python benchmarks/startup.py [--runs 7]
"""

import argparse
import os
import subprocess
import sys

import numpy as np
from machine import machine, process_cpu

# What each rule's job imports before its work (workflow/scripts/*.py; the simulate and initial
# jobs run the command line), with the closed forms' scipy.special where the job evaluates them,
# and one conversion between NumPy and Arrow, which every job's work makes (pyarrow's conversions
# import pandas).
CONVERT = "import numpy, pyarrow; pyarrow.array(numpy.zeros(1))"
JOBS = {
    "python alone": "pass",
    "simulate": f"import modelcollapse.cli, modelcollapse.core.io; modelcollapse.core.simulate.compiled_engine(); {CONVERT}",
    "refine": "import modelcollapse.study.aggregate, modelcollapse.study.safe, scipy.special; "
    f"modelcollapse.core.simulate.compiled_engine(); {CONVERT}",
    "merge": f"import pandas, modelcollapse.core.io, modelcollapse.study.aggregate; {CONVERT}",
    "figure": f"import modelcollapse.study.aggregate, modelcollapse.study.plotting; {CONVERT}",
    "report_tables": f"import modelcollapse.study.aggregate, modelcollapse.study.report; {CONVERT}",
}
SLOW_IMPORTS = ("pandas", "scipy", "pyarrow.compute", "matplotlib")


def loaded(code: str, env: dict) -> list:
    """The SLOW_IMPORTS that `code` loads."""
    probe = f"{code}\nimport sys; print(' '.join(m for m in {SLOW_IMPORTS!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True).stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # what Snakemake sets for a one-thread job
    times = {rule: [] for rule in JOBS}
    for _ in range(args.runs):  # alternated, so drifts of the machine hit every rule alike
        for rule, code in JOBS.items():
            times[rule].append(process_cpu([sys.executable, "-c", code], env))
    print(machine())
    print(f"a job's start-up and imports as a whole process, CPU time (user + system), median of {args.runs} runs:")
    bare = np.median(times["python alone"])
    for rule, code in JOBS.items():
        cpu = np.median(times[rule])
        slow = ", ".join(loaded(code, env)) or "none"
        print(f"  {rule:<14} {cpu:6.3f} s   (+{cpu - bare:.3f} s over python alone; loads: {slow})")


if __name__ == "__main__":
    main()
