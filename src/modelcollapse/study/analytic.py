"""Analytic α*: the safe-fraction estimator of `safe` run on closed forms instead of simulations
(docs/safe-fraction.md, "Analytic columns"). Fixed real data (scenario mixed) and the exact
sampler only: the closed forms describe eq 17 of the paper. Beside them, the n → ∞ ceiling on α*
of a biased sampler (`sampler_ceiling`, docs/samplers.md)."""

import functools

import numpy as np

from ..core import theory
from ..core.theory import expected_l1_error
from .safe import CRITERIA, Row, degenerate, is_safe, last_safe, refine, threshold_pairs

ANALYTIC_METHOD = {
    "drift": "approximate: token drift given p(1) with its exact variance and a binomial shape, exact over the real draw",
    "excess_error": "approximate: that drift added to the exact binomial error of p(1), over the exact baseline",
    "diversity": "exact: Theorem 2 (corrected eq 9), eq 6 without real data",
    "collapse": "exact: sum p_i^n_real with real data; eq 7 upper bound without",
}
# Gaussian approximations are trusted where the analytic statistic was checked against simulation
# (tests/test_analytic.py, and the default study's analytic-agreement table in docs/safe-fraction.md):
# enough real samples that p(1) is not dominated by a handful of tokens.
MIN_REAL_FOR_GAUSSIAN = 10
# The approximations sum exactly over the real draw: O(√n) counts a token group, ~50 ns a term on
# a 2-core AMD EPYC, and a row evaluates them some 70 times. Beyond this many terms an evaluation
# (~0.2 s there) they are not computed and the columns say so, rather than keep a user waiting.
ANALYTIC_TERMS = 2**22
EXACT = ("diversity", "collapse")  # criteria whose analytic α* is exact at every count


NOT_EVALUATED = {
    "analytic_safe_fraction": np.nan,
    "analytic_method": f"none: the exact sums over the real draw would exceed {ANALYTIC_TERMS} terms at this n",
    "analytic_valid": False,
}


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
        if criterion == "drift":
            return theory.drift_l1_expected(G, p0, N, k)
        if criterion == "excess_error":
            return theory.error_l1_expected(G, p0, N, k) / (baseline or expected_l1_error(p0, row.baseline_size))
        return float(exact_statistic(row, p0, G, criterion, k))

    return _OnDemand(compute)


def exact_statistic(row: Row, p0, generations: int, criterion: str, counts) -> np.ndarray:
    """An exact criterion's statistic at G at one count or many: diversity by the corrected
    Theorem 2 (eq 9; eq 6 without real data), collapse by Σᵢ pᵢ^n_real (eq 7's upper bound
    without real data)."""
    counts = np.asarray(counts, dtype=float)
    real = row.size - counts if row.frame == "budget" else np.full_like(counts, row.size)
    s0 = float(p0 @ p0)
    if criterion == "collapse":
        no_real = theory.collapse_probability_bounds(generations, row.size, s0, int((p0 > 0).sum()))[1]
        return np.vectorize(lambda N: theory.collapse_probability_fixed_real(p0, N) if N > 0 else no_real, otypes=[float])(real)
    with np.errstate(divide="ignore", invalid="ignore"):
        partial = theory.simpson_partial(generations, real, counts, s0)
    S = np.where(real == 0, theory.simpson_fully_synthetic(generations, row.size, s0), partial)
    return (1 - S) / (1 - s0)


def exact_safe_count(row: Row, p0, generations: int, criterion: str, threshold: float, top: int) -> int:
    """The largest count k ≤ `top` that is safe with every smaller one under an exact criterion,
    −1 if none: a root search on the integer count, exact because both statistics are monotone
    in the count below the first degenerate count (collapse: Σᵢ pᵢ^N falls as N grows;
    diversity: checked against every count in tests/test_analytic.py)."""
    candidates = (0, row.size - 1) if row.frame == "budget" else (0,)
    top = min([top] + [k - 1 for k in candidates if k >= 0 and degenerate(row, k)])

    def safe(k):
        return bool(is_safe(criterion, exact_statistic(row, p0, generations, criterion, k), threshold))

    if top < 0 or not safe(0):
        return -1
    if safe(top):
        return top
    low, high = 0, top  # safe(low), not safe(high)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if safe(mid) else (low, mid)
    return low


def first_crossing_wanted(row: Row, probes: dict, thresholds: dict, resolution, criteria) -> set:
    """For exact statistics: the midpoint of each criterion's bracket around its first crossing
    (`last_safe`) at each of its thresholds while it is wider than two adjacent counts (and
    `resolution`, when given)."""
    wanted = set()
    for criterion, threshold in threshold_pairs(thresholds, criteria):
        counts, k = last_safe(row, criterion, probes, threshold)
        if 0 <= k < counts.size - 1:
            lo, hi = int(counts[k]), int(counts[k + 1])
            if hi - lo > 1 and (resolution is None or float(row.fraction(hi) - row.fraction(lo)) > resolution):
                wanted.add((lo + hi) // 2)
    return wanted


def analytic_safe_fractions(
    row: Row, p0, generations: int, thresholds: dict, grid_counts, resolution=None, criteria=CRITERIA
) -> list[dict]:
    """Per criterion and threshold (`threshold_pairs`): the analytic α*, where it is trusted, and
    Theorem 3's eq (11) beside it with ε the drift threshold (the record's own for `drift`; NaN
    for another criterion when drift has several). Exact criteria: the root of the closed form
    over every count up to the row's largest grid count (`exact_safe_count`); approximations:
    the first crossing over the grid counts, refined by bisection to adjacent counts, every
    threshold on the same closed-form values. NaN with the reason for scenarios other than mixed
    and samplers other than exact. Every record ends with `sampler_ceiling` (`sampler_ceiling`)."""
    pairs = threshold_pairs(thresholds, criteria)
    p0 = np.asarray(p0, dtype=float)
    ceiling = {(c, t): {"sampler_ceiling": sampler_ceiling(row, p0, c, t)} for c, t in pairs}
    if row.scenario != "mixed" or row.sampler != "exact":
        reason = "scenario mixed" if row.scenario != "mixed" else "the exact sampler (see sampler_ceiling)"
        return [
            {
                "criterion": c,
                "threshold": t,
                "analytic_safe_fraction": np.nan,
                "analytic_method": f"none: closed forms describe {reason}",
                "analytic_valid": False,
                "thm3_safe_fraction": np.nan,
                **ceiling[(c, t)],
            }
            for c, t in pairs
        ]
    baseline = expected_l1_error(p0, row.baseline_size)
    too_large = theory.binomial_terms(p0, row.size) > ANALYTIC_TERMS
    approximate = [] if too_large else [c for c in criteria if c not in EXACT]

    def evaluate(k):
        return statistic(row, p0, generations, int(k), baseline)

    probes = {int(k): evaluate(k) for k in grid_counts}
    refine(probes, evaluate, lambda p: first_crossing_wanted(row, p, thresholds, resolution, approximate))
    drift = np.atleast_1d(thresholds.get("drift", np.nan))
    out = []
    for criterion, threshold in pairs:
        eps = threshold if criterion == "drift" else (float(drift[0]) if drift.size == 1 else np.nan)
        thm3 = {"thm3_safe_fraction": thm3_safe_fraction(row, eps) if eps == eps else np.nan}
        if criterion in EXACT:
            safe_count = exact_safe_count(row, p0, generations, criterion, threshold, max(grid_counts))
            valid = True
        elif too_large:
            out.append({"criterion": criterion, "threshold": threshold, **NOT_EVALUATED, **thm3, **ceiling[(criterion, threshold)]})
            continue
        else:
            counts, k = last_safe(row, criterion, probes, threshold)
            safe_count = int(counts[k]) if k >= 0 else -1
            valid = k + 1 < counts.size and row.cell(counts[k + 1]).n_real >= MIN_REAL_FOR_GAUSSIAN
        alpha = float(row.fraction(safe_count)) if safe_count >= 0 else np.nan
        out.append(
            {
                "criterion": criterion,
                "threshold": threshold,
                "analytic_safe_fraction": alpha,
                "analytic_method": ANALYTIC_METHOD[criterion],
                "analytic_valid": bool(valid and not np.isnan(alpha)),
                **thm3,
                **ceiling[(criterion, threshold)],
            }
        )
    return out


def sampler_ceiling(row: Row, p0, criterion: str, threshold: float) -> float:
    """The n → ∞ limit of α* of a row whose synthetic draws come from a sampler other than exact
    (`theory.sampler_alpha_ceiling`, docs/samplers.md, "The ceiling on α*"): for `drift`, the
    share beyond which the fixed point of eq 17 with T drifts past the threshold whatever n is;
    0 for `excess_error` (a biased sampler's floor against an all-real error that shrinks with n).
    NaN for exact (no ceiling: α* grows with n), for `diversity` and `collapse`, and for scenarios
    other than mixed, whose chains the limit does not describe."""
    if row.sampler == "exact" or row.scenario != "mixed":
        return np.nan
    return _ceiling(np.asarray(p0, dtype=float).tobytes(), row.sampler, float(threshold), criterion)


@functools.lru_cache(maxsize=256)
def _ceiling(p0_bytes: bytes, sampler: str, threshold: float, criterion: str) -> float:
    """`theory.sampler_alpha_ceiling` once per p⁽⁰⁾, sampler, threshold and criterion (up to a
    second at vocab 1000): a study's rows of several n share it."""
    return theory.sampler_alpha_ceiling(np.frombuffer(p0_bytes), sampler, threshold, criterion)


def thm3_safe_fraction(row: Row, eps: float) -> float:
    """Largest effective fraction whose synthetic count satisfies Theorem 3's eq (11) with
    N = n_real (0 when only no synthetic data does; vacuous on usual grids)."""
    if row.frame == "real_data":
        k = max(0, int(np.floor(theory.max_synthetic_size(row.size, row.vocab, eps))))
        return float(row.fraction(k))
    # n_real = n − k ≥ 1; eq 11 allows at most 2π e⁻² (s − 2) synthetic samples, so no k beyond is tried
    k = np.arange(min(row.size, int(theory.max_synthetic_size(np.inf, row.vocab, eps)) + 1))
    ok = k <= theory.max_synthetic_size(row.size - k, row.vocab, eps)
    return float(row.fraction(k[ok].max())) if ok.any() else np.nan
