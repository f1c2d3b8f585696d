"""How often does α*'s 95 % interval cover the true α*, and how biased is α* itself?

The product at its default settings (`modelcollapse.safe_fraction`: the default grid with its log
real shares, G = 100, the default thresholds, confidence 0.95, no resolution) on a panel of rows
whose α* is known exactly: `diversity` (corrected Theorem 2) and `collapse` (Σᵢ pᵢ^n_real)
under fixed real data, evaluated at every count (`study.analytic.exact_safe_count`). Each row
is repeated with independent root seeds; each time the reported [ci_low, ci_high] is checked
against the truth (a NaN end is open: the interval reaches "no safe fraction"). Prints per row:
coverage ± its binomial standard error, the median width, the median bias of α* in synthetic
counts, and the refined probes. Only the row's criterion is refined (`criteria`), as
`modelcollapse safe-fraction --criteria` does.

Usage: .venv/bin/python benchmarks/interval_coverage.py [--repeats 100] [--jobs 2] [--rows 0,1,...]
"""

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from machine import machine

from modelcollapse.core import initial
from modelcollapse.core.stats import proportion_se
from modelcollapse.study.analytic import exact_safe_count
from modelcollapse.study.answers import safe_fraction
from modelcollapse.study.safe import DEFAULT_THRESHOLDS, Row

GENERATIONS = 100  # the default study's G
# (criterion, n, vocab, seeds): n from 50 to 5000, 10 to 100 seeds, both exact criteria
PANEL = [
    ("diversity", 50, 10, 10),
    ("diversity", 300, 10, 30),
    ("diversity", 1000, 100, 100),
    ("diversity", 5000, 100, 30),
    ("collapse", 100, 10, 100),
    ("collapse", 1000, 10, 100),
    ("collapse", 300, 10, 30),
]


def truth(criterion: str, n: int, vocab: int) -> int:
    """The true largest safe synthetic count of the row (every smaller count safe)."""
    return exact_safe_count(
        Row("mixed", "budget", n, vocab), initial.zipf(vocab, 1.1), GENERATIONS, criterion, DEFAULT_THRESHOLDS[criterion], n
    )


def one_study(job) -> tuple:
    """(ci_low, ci_high, α*) in counts (NaN: none) and the probes of one repeat."""
    criterion, n, vocab, seeds, root_seed = job
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():  # few seeds for collapse are the point of some rows
            warnings.simplefilter("ignore", UserWarning)
            r = safe_fraction(vocab, n, seeds=seeds, root_seed=root_seed, generations=GENERATIONS, criteria=[criterion]).iloc[0]
    return r["ci_low"] * n, r["ci_high"] * n, r["safe_fraction"] * n, r["probes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2, help="processes (repeats are independent)")
    parser.add_argument("--rows", help="indices into the panel, comma-separated (default: all)")
    args = parser.parse_args()
    panel = [PANEL[int(i)] for i in args.rows.split(",")] if args.rows else PANEL
    print(machine())
    print(
        f"alpha* and its {0.95:.0%} interval at default settings (G = {GENERATIONS}, zipf 1.1, scenario mixed), "
        f"{args.repeats} root seeds per row; counts are synthetic samples"
    )
    print(
        f"{'criterion':10} {'n':>5} {'vocab':>5} {'seeds':>5} {'true k*':>7} {'coverage':>14} "
        f"{'median width':>12} {'median bias':>11} {'probes':>6} {'seconds':>7}"
    )
    with ProcessPoolExecutor(args.jobs) as pool:
        for criterion, n, vocab, seeds in panel:
            start = time.perf_counter()
            k_true = truth(criterion, n, vocab)
            jobs = [(criterion, n, vocab, seeds, 10_000 + r) for r in range(args.repeats)]
            low, high, point, probes = np.array(list(pool.map(one_study, jobs))).T
            covered = np.where(np.isnan(low), -1, np.rint(low)) <= k_true
            covered &= ~np.isnan(high) & (np.rint(high) >= k_true)
            rate = covered.mean()
            width = np.rint(high) - np.where(np.isnan(low), 0, np.rint(low))
            bias = np.rint(point) - k_true  # NaN α* (none safe) counts as −1 − k*
            bias = np.where(np.isnan(point), -1 - k_true, bias)
            print(
                f"{criterion:10} {n:5d} {vocab:5d} {seeds:5d} {k_true:7d} "
                f"{rate:7.1%} ± {proportion_se(rate, args.repeats):4.1%} {np.nanmedian(width):12.0f} "
                f"{np.median(bias):+11.1f} {np.median(probes):6.0f} {time.perf_counter() - start:7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
