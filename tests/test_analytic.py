"""The analytic statistics behind `analytic_safe_fraction`, against simulation (|z| < 4).

`diversity` and `collapse` are exact closed forms. `drift` and `excess_error` are this project's
approximations (docs/theory.md); they are tested at cells like those where the default study's
α* lies and where `analytic_valid` trusts them (at least 10 real samples), with 400 replicates,
the size of a study's cell: within about 1 % there, they are not exact, and far from the
boundary (α ≈ 0.5 at vocab ≥ 100) the drift approximation is up to 7 % high. Each has a broken
twin that must fail: the drift with the constant the first version had (variance factor 3/4),
and the excess error equal to its baseline (the all-real model of the same size).
"""

import numpy as np
import pytest
from conftest import ROOT, Z_LIMIT, proportion_se, z_score

from modelcollapse.core import initial, theory
from modelcollapse.core.simulate import METRICS, simulate_cell
from modelcollapse.core.theory import expected_l1_error
from modelcollapse.study import analytic
from modelcollapse.study.safe import Row

G = 100
SEEDS = 400


def simulated(n, vocab, n_synthetic, exponent=1.1):
    p0 = initial.zipf(vocab, exponent)
    row = Row("mixed", "budget", n, vocab)
    result = simulate_cell(p0, row.cell(n_synthetic), range(SEEDS), G, ROOT)
    return p0, row, result


def at_G(result, metric):
    return result.metrics[:, G, METRICS.index(metric)]


# (n, vocab, n_synthetic): near the default study's drift boundaries (drift ≈ 0.1)
DRIFT_CELLS = [(100, 100, 8), (300, 100, 35), (300, 1000, 24), (1000, 1000, 118), (3000, 10, 2760), (300, 10, 151)]


@pytest.mark.parametrize("n, vocab, k", DRIFT_CELLS)
def test_drift_approximation(n, vocab, k):
    p0, row, result = simulated(n, vocab, k)
    cell = row.cell(k)
    expected = theory.drift_l1_expected(G, p0, cell.n_real, k)
    assert abs(z_score(at_G(result, "l1_from_first"), expected)) < Z_LIMIT
    # the wrong constant of the first version (variance × 3/4) is caught
    assert abs(z_score(at_G(result, "l1_from_first"), expected * np.sqrt(0.75))) > Z_LIMIT


# near the default study's excess-error boundaries (ratio ≈ 1.1)
EXCESS_CELLS = [(100, 100, 15), (300, 1000, 65), (1000, 100, 112), (3000, 10, 300), (30, 1000, 10)]


@pytest.mark.parametrize("n, vocab, k", EXCESS_CELLS)
def test_excess_error_approximation(n, vocab, k):
    p0, row, result = simulated(n, vocab, k)
    cell = row.cell(k)
    expected = theory.error_l1_expected(G, p0, cell.n_real, k)
    assert abs(z_score(at_G(result, "l1_from_truth"), expected)) < Z_LIMIT
    # the error of the all-real model of the same size (a ratio stuck at 1) is caught
    assert abs(z_score(at_G(result, "l1_from_truth"), expected_l1_error(p0, n))) > Z_LIMIT


@pytest.mark.parametrize("n, vocab, k", [(100, 10, 85), (30, 100, 16), (300, 1000, 285), (30, 10, 30)])
def test_diversity_is_exact(n, vocab, k):
    p0, row, result = simulated(n, vocab, k)
    expected = analytic.statistic(row, p0, G, k)["diversity"][0]
    assert abs(z_score((1 - at_G(result, "simpson")) / (1 - p0 @ p0), expected)) < Z_LIMIT


@pytest.mark.parametrize("n, vocab, k", [(10, 10, 7), (30, 10, 27), (100, 100, 97)])
def test_collapse_with_real_data_is_decided_by_the_real_sample(n, vocab, k):
    """P(T ≤ G) = Σ pᵢ^n_real, and it is already reached at generation 1."""
    p0, row, result = simulated(n, vocab, k, exponent=2.0)
    expected = analytic.statistic(row, p0, G, k)["collapse"][0]
    collapsed = (result.collapse_time >= 1).astype(float)
    assert (result.collapse_time[result.collapse_time >= 1] == 1).all()
    assert abs(collapsed.mean() - expected) < Z_LIMIT * proportion_se(expected, SEEDS)


def test_analytic_alpha_star_at_vocab_1e5_is_finite_and_valid():
    """The closed forms scale to a large vocabulary (the benchmark times it)."""
    row = Row("mixed", "budget", 3000, 100_000)
    p0 = initial.zipf(100_000, 1.1)
    thresholds = {"drift": 0.1, "excess_error": 1.1, "diversity": 0.9, "collapse": 0.05}
    rows = analytic.analytic_safe_fractions(row, p0, G, thresholds, list(row.grid([0.0, 0.5, 1.0], log_real_shares=True)))
    assert all(0 <= r["analytic_safe_fraction"] <= 1 for r in rows)
    assert all(r["analytic_valid"] for r in rows)


def test_other_scenarios_report_nothing_with_the_reason():
    row = Row("fresh", "budget", 100, 10)
    rows = analytic.analytic_safe_fractions(row, initial.zipf(10, 1.1), G, {**SWEEP, "drift": 0.1}, [0, 100])
    assert len(rows) == 1 + 3 * len(SWEEP["drift"])  # a line per criterion and threshold
    assert all(np.isnan(r["analytic_safe_fraction"]) and not r["analytic_valid"] for r in rows)
    assert all("scenario mixed" in r["analytic_method"] for r in rows)


@pytest.mark.parametrize("criterion", ["diversity", "collapse"])
@pytest.mark.parametrize("n, vocab, generations", [(10, 10, 100), (50, 10, 2), (300, 100, 100), (3000, 1000, 100), (5000, 10, 1000)])
def test_exact_alpha_star_is_the_first_crossing_over_every_count(criterion, n, vocab, generations):
    """The exact analytic α* (a root search) equals the first crossing found by evaluating the
    closed form at every count below the first degenerate one; the root search relies on the
    statistic being monotone there, which this checks too. A search that stops at the grid probes
    (the former analytic α*) misses the truth between them."""
    row, p0 = Row("mixed", "budget", n, vocab), initial.zipf(vocab, 1.1)
    threshold = {"diversity": 0.9, "collapse": 0.05}[criterion]
    counts = np.arange(n - 1)  # count n − 1 is degenerate (one real sample)
    values = analytic.exact_statistic(row, p0, generations, criterion, counts)
    worse = values if criterion == "collapse" else -values
    assert (np.diff(worse) >= -1e-15).all()  # monotone: more synthetic data is never better
    safe = analytic.is_safe(criterion, values, threshold)
    every_count = int(np.argmin(safe)) - 1 if not safe.all() else n - 2
    assert analytic.exact_safe_count(row, p0, generations, criterion, threshold, n) == every_count
    grid = np.array(sorted(row.grid([k / 20 for k in range(21)], log_real_shares=True)))
    grid = grid[grid < n - 1]
    on_grid = grid[analytic.is_safe(criterion, analytic.exact_statistic(row, p0, generations, criterion, grid), threshold)]
    if every_count not in grid and every_count >= 0:  # the broken variant: the grid's last safe probe
        assert on_grid.max() != every_count


def test_binomial_sum_over_its_windows_equals_the_sum_over_every_count():
    """The windows (mean ± 8√mean + 8) and chunks change nothing but the last bits: the full sum
    over counts 0 … n of a Zipf p⁽⁰⁾ with common and rare tokens, computed directly, agrees."""
    from scipy.stats import binom

    size, p0 = 100_000, initial.zipf(30, 1.1)
    groups, tokens = theory._token_groups(p0.tobytes())
    k = np.arange(size + 1)
    full = sum(t * (binom.pmf(k, size, q) * np.abs(k / size - q)).sum() for q, t in zip(groups, tokens))
    assert theory._binomial_sum(p0, size, lambda f, q: np.abs(f - q)) == pytest.approx(full, rel=1e-12)
    assert any(start > 0 for start, _ in theory.binomial_windows(groups, size))  # common tokens start past 0
    assert theory.binomial_terms(p0, size) < groups.size * size / 10


@pytest.mark.parametrize("size, vocab", [(100, 5), (5000, 5), (10**6, 20)])
def test_thm3_column_searches_only_the_counts_eq11_can_allow(size, vocab):
    """Eq 11 allows at most 2π e⁻² (s − 2) synthetic samples: the column equals the search over
    every count, and n = 10¹⁵ needs no array of n."""
    row, k = Row("mixed", "budget", size, vocab), np.arange(size)
    ok = k <= theory.max_synthetic_size(size - k, vocab, 0.1)
    expected = float(row.fraction(k[ok].max())) if ok.any() else np.nan
    assert analytic.thm3_safe_fraction(row, 0.1) == pytest.approx(expected, nan_ok=True)
    assert np.isfinite(analytic.thm3_safe_fraction(Row("mixed", "budget", 10**15, vocab), 0.1))


SWEEP = {
    "drift": [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0],
    "excess_error": [1.0, 1.02, 1.05, 1.1, 1.2, 1.5, 2.0, 3.0],
    "diversity": [0.99, 0.98, 0.95, 0.9, 0.8, 0.5, 0.2, 0.0],  # from strict to lax, as the others
    "collapse": [0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0],
}


@pytest.mark.parametrize("frame, size, vocab", [("budget", 30, 10), ("budget", 1000, 1000), ("budget", 3000, 100), ("real_data", 100, 100)])
def test_analytic_alpha_star_never_falls_as_the_threshold_lets_more_through(frame, size, vocab):
    """Every criterion's analytic α* over a sweep of thresholds, from strict to lax, in one call
    (the closed forms evaluated once for all): never falling, and at each threshold what a call
    with that threshold alone gives."""
    row, p0 = Row("mixed", frame, size, vocab), initial.zipf(vocab, 1.1)
    grid = list(
        row.probes(
            {"synthetic_fraction": [k / 20 for k in range(21)], "n_synthetic": [0, 1, 3, 10, 30, 100, 300, 1000], "log_real_shares": True}
        )
    )
    lines = analytic.analytic_safe_fractions(row, p0, G, SWEEP, grid)
    assert [(r["criterion"], r["threshold"]) for r in lines] == [(c, t) for c in SWEEP for t in SWEEP[c]]
    for criterion, thresholds in SWEEP.items():
        alpha = np.array([r["analytic_safe_fraction"] for r in lines if r["criterion"] == criterion])
        assert (np.diff(np.nan_to_num(alpha, nan=-1.0)) >= 0).all(), (criterion, alpha)
        for t, a in zip(thresholds[::3], alpha[::3]):
            (alone,) = [
                r for r in analytic.analytic_safe_fractions(row, p0, G, {**SWEEP, criterion: t}, grid) if r["criterion"] == criterion
            ]
            assert alone["analytic_safe_fraction"] == a or (np.isnan(a) and np.isnan(alone["analytic_safe_fraction"]))
