"""How often does the 95 % bootstrap interval of α* cover the true α*?

The diversity criterion's statistic is exact under fixed real data (Theorem 2, corrected eq 9),
so its true α* is known: the largest synthetic count whose exact E[1 − σ_G] / (1 − S₀) is at
least the threshold, every smaller count too. A small study — one (n, vocab) row, the grid of
config/config.yaml, refinement to adjacent counts — is repeated with independent root seeds, and
each time the reported [ci_low, ci_high] is checked against that truth.

Usage: .venv/bin/python benchmarks/interval_coverage.py [--repeats 200] [--n 100] [--vocab 10] [--seeds 100]
"""

import argparse
import time

import numpy as np
import yaml

from modelcollapse.core import initial
from modelcollapse.core.stats import proportion_se
from modelcollapse.study import analytic
from modelcollapse.study.aggregate import simulate_row
from modelcollapse.study.safe import Row, boundary, safe_mask

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--vocab", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--generations", type=int, default=20)
    args = parser.parse_args()
    defaults = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    safe = {**defaults["safe"], "resolution": 1e-9, "bootstrap": 500}
    row = Row("mixed", "budget", args.n, args.vocab)
    p0 = initial.zipf(args.vocab, 1.1)
    grid = row.grid(defaults["grid"]["synthetic_fraction"], log_real_shares=True)

    counts = np.arange(args.n + 1)
    exact = np.array([analytic.statistic(row, p0, args.generations, k)["diversity"][0] for k in counts])
    k_true = int(boundary(safe_mask(row, "diversity", counts, exact, safe["diversity"])))
    truth = k_true / args.n
    print(f"row n = {args.n}, vocab = {args.vocab} (zipf 1.1), G = {args.generations}, {args.seeds} seeds, "
          f"threshold diversity >= {safe['diversity']}: true alpha* = {truth:.4g} ({k_true} synthetic samples)")

    covered, exact_hits, widths, start = 0, 0, [], time.perf_counter()
    for repeat in range(args.repeats):
        config = {"generations": args.generations, "root_seed": 10_000 + repeat, "safe": safe}
        table = simulate_row(row, p0, grid, config, args.seeds)["safe"].set_index("criterion").loc["diversity"]
        low = table["ci_low"] if not np.isnan(table["ci_low"]) else -np.inf
        covered += low <= truth <= table["ci_high"]
        exact_hits += table["safe_fraction"] == truth
        widths.append(table["ci_high"] - max(low, 0))
    rate = covered / args.repeats
    se = proportion_se(rate, args.repeats)
    print(f"{args.repeats} repeats in {time.perf_counter() - start:.0f} s: the {safe['confidence']:.0%} interval "
          f"covers the true alpha* in {covered} ({rate:.1%} ± {se:.1%}); the point estimate equals it in "
          f"{exact_hits}; median interval width {np.median(widths):.3g}")


if __name__ == "__main__":
    main()
