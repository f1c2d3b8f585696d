"""Time of the analytic α* of one (n, vocab) row at a large vocabulary.

The analytic columns of `safe_fraction` run the estimator and its refinement on closed forms
(modelcollapse.study.analytic): every criterion of one row, over the default grid's probes. Printed:
the time inside one process (median of --repeat runs, imports excluded) and the time of a whole
`python` process that imports the library and computes it once.

Usage: .venv/bin/python benchmarks/analytic.py [--n 3000] [--vocab 100000] [--repeat 5]
"""

import argparse
import statistics
import subprocess
import sys
import time

from machine import machine

CODE = """
import yaml
from modelcollapse.core import initial
from modelcollapse.study.analytic import analytic_safe_fractions
from modelcollapse.study.safe import Row
cfg = yaml.safe_load(open("config/config.yaml"))
row = Row("mixed", "budget", {n}, {vocab})
grid = list(row.grid(cfg["grid"]["synthetic_fraction"], log_real_shares=True))
thresholds = {{c: cfg["safe"][c] for c in ("drift", "excess_error", "diversity", "collapse")}}
p0 = initial.zipf({vocab}, 1.1)
def once():
    return analytic_safe_fractions(row, p0, cfg["generations"], thresholds, grid, cfg["safe"]["resolution"])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--vocab", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    namespace: dict = {}
    exec(CODE.format(n=args.n, vocab=args.vocab), namespace)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        rows = namespace["once"]()
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CODE.format(n=args.n, vocab=args.vocab) + "once()"], check=True)
    process = time.perf_counter() - start
    print(machine())
    print(f"analytic alpha* of row n = {args.n}, vocab = {args.vocab} (zipf 1.1, default grid and thresholds):")
    print(f"  in process  {statistics.median(times):.3f} s (median of {args.repeat}; min {min(times):.3f} s)")
    print(f"  whole process (python start, imports, one row) {process:.3f} s")
    for r in rows:
        print(f"  {r['criterion']:<13} analytic alpha* = {r['analytic_safe_fraction']:.4g} (valid: {r['analytic_valid']})")


if __name__ == "__main__":
    main()
