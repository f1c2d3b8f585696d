"""Analytic α*: the safe-fraction estimator of `safe` run on closed forms instead of simulations
(docs/safe-fraction.md, "Analytic columns"). Fixed real data (scenario mixed) only: the closed
forms describe eq 17 of the paper."""

import numpy as np

from ..core import theory
from .safe import CRITERIA, Row, expected_l1_error, last_safe, refine

ANALYTIC_METHOD = {
    "drift": "approximate: token drift given p(1) with its exact variance and a binomial shape, exact over the real draw",
    "excess_error": "approximate: that drift added to the exact binomial error of p(1), over the exact baseline",
    "diversity": "exact: Theorem 2 (corrected eq 9), eq 6 without real data",
    "collapse": "exact: sum p_i^n_real with real data; eq 7 upper bound without",
}
# Gaussian approximations are trusted where the analytic statistic was checked against simulation
# (tests/test_analytic.py and the default study, README): enough real samples that p(1) is not
# dominated by a handful of tokens.
MIN_REAL_FOR_GAUSSIAN = 10


class _OnDemand(dict):
    """criterion → one-element array, computed the first time it is asked for: the estimator
    reads probes only up to the first unsafe one, so most approximations are never evaluated."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, criterion):
        self[criterion] = value = np.array([self.compute(criterion)])
        return value


def statistic(row: Row, p0, generations: int, n_synthetic: int, baseline: float | None = None) -> dict:
    """Every criterion's closed-form (or approximate) statistic at G for one probe, each as a
    one-element array (computed on demand), the shape `safe.refine` takes for per-seed values.
    `baseline` is the row's `expected_l1_error` (computed here when not given)."""
    cell = row.cell(n_synthetic)
    N, k, G = cell.n_real, cell.n_synthetic, generations

    def compute(criterion):
        s0 = float(p0 @ p0)
        if criterion == "drift":
            return theory.drift_l1_expected(G, p0, N, k)
        if criterion == "excess_error":
            return theory.error_l1_expected(G, p0, N, k) / (baseline or expected_l1_error(p0, row.baseline_size))
        if criterion == "diversity":
            if N == 0:
                S_G = theory.simpson_fully_synthetic(G, cell.n, s0)
            else:
                S_G = theory.simpson_partial(G, N, k, s0) if k > 0 else 1 / N + (1 - 1 / N) * s0
            return float((1 - S_G) / (1 - s0))
        if N > 0:  # collapse
            return float(np.sum(p0**N))
        return float(theory.collapse_probability_bounds(G, cell.n, s0, int((p0 > 0).sum()))[1])

    return _OnDemand(compute)


def analytic_safe_fractions(row: Row, p0, generations: int, thresholds: dict, resolution: float, grid_counts) -> list[dict]:
    """Per criterion: the analytic α*, by the same probes and bisection as the empirical one
    (`grid_counts` are the row's probed synthetic counts), where it is trusted, and Theorem 3's
    eq (11) beside it. NaN with the reason for scenarios other than mixed."""
    if row.scenario != "mixed":
        return [
            {"criterion": c, "analytic_safe_fraction": np.nan, "analytic_method": "none: closed forms describe scenario mixed",
             "analytic_valid": False, "thm3_safe_fraction": np.nan}
            for c in CRITERIA
        ]
    p0 = np.asarray(p0, dtype=float)
    baseline = expected_l1_error(p0, row.baseline_size)

    def evaluate(k):
        return statistic(row, p0, generations, int(k), baseline)

    probes = {int(k): evaluate(k) for k in grid_counts}
    refine(row, probes, evaluate, thresholds, resolution)
    out = []
    for criterion in CRITERIA:
        counts, k = last_safe(row, criterion, probes, thresholds[criterion])
        alpha = float(row.fraction(counts[k])) if k >= 0 else np.nan
        valid = criterion in ("diversity", "collapse") or (
            k + 1 < counts.size and row.cell(counts[k + 1]).n_real >= MIN_REAL_FOR_GAUSSIAN
        )
        out.append(
            {
                "criterion": criterion,
                "analytic_safe_fraction": alpha,
                "analytic_method": ANALYTIC_METHOD[criterion],
                "analytic_valid": bool(valid and not np.isnan(alpha)),
                "thm3_safe_fraction": thm3_safe_fraction(row, thresholds["drift"]),
            }
        )
    return out


def thm3_safe_fraction(row: Row, eps: float) -> float:
    """Largest effective fraction whose synthetic count satisfies Theorem 3's eq (11) with
    N = n_real (0 when only no synthetic data does; vacuous on usual grids)."""
    if row.frame == "real_data":
        k = max(0, int(np.floor(theory.max_synthetic_size(row.size, row.vocab, eps))))
        return float(row.fraction(k))
    k = np.arange(row.size)  # n_real = n − k ≥ 1
    ok = k <= theory.max_synthetic_size(row.size - k, row.vocab, eps)
    return float(row.fraction(k[ok].max())) if ok.any() else np.nan
