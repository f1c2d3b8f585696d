"""The safe-fraction estimator on hand-made statistics, its refinement, its interval, and the
baselines of its criteria (docs/safe-fraction.md)."""

import numpy as np
import pytest
from conftest import ROOT, Z_LIMIT, mean_and_se, z_score

from modelcollapse.core import initial
from modelcollapse.core.stats import clopper_pearson_upper
from modelcollapse.core.simulate import METRICS, Cell, simulate_cell
from modelcollapse.study.safe import (
    CRITERIA,
    Row,
    boundary,
    criterion_values,
    degenerate,
    estimate,
    expected_l1_error,
    refine,
    safe_mask,
)

THRESHOLDS = {"drift": 0.1, "excess_error": 1.1, "diversity": 0.9, "collapse": 0.05}


# --- the rule "every smaller probed share is safe" -------------------------------------------


@pytest.mark.parametrize(
    "safe, expected",
    [
        ([True, True, True, False, False], 2),  # monotone
        ([True, True, False, True, True], 1),  # non-monotone: a later safe probe does not count
        ([True, True, True, True], 3),  # all safe
        ([False, True, True], -1),  # none safe: the first probe already fails
        ([False, False], -1),
        ([True], 0),
    ],
)
def test_boundary(safe, expected):
    assert boundary(safe) == expected


def test_boundary_along_the_last_axis():
    np.testing.assert_array_equal(boundary([[True, False], [True, True], [False, True]]), [0, 1, -1])


def constant_probes(stat_by_count, seeds=10, criterion="drift"):
    """Probes whose every seed has the same value: the mean is the given statistic."""
    return {k: {c: np.full(seeds, v if c == criterion else 0.0) for c in CRITERIA} for k, v in stat_by_count.items()}


def test_ties_are_safe_and_nan_is_not():
    row = Row("mixed", "budget", 10, 5)
    rows = estimate(row, constant_probes({0: 0.0, 5: 0.1, 10: np.nan}), THRESHOLDS, 0.95, 50, ROOT)
    drift = rows[0]
    assert drift["safe_fraction"] == 0.5 and drift["bracket_high"] == 1.0 and drift["max_synthetic"] == 5


def test_rounding_plateaus_are_one_probe():
    """Requested fractions that give the same counts are one probe, kept under the smallest."""
    row = Row("mixed", "budget", 10, 5)
    assert row.grid([0.0, 0.15, 0.2, 0.25, 1.0]) == {0: 0.0, 1: 0.15, 2: 0.2, 10: 1.0}
    assert row.grid([0.05]) == {0: 0.0}  # 9.5 real samples round up to 10: no synthetic sample


def test_log_real_shares_reach_one_real_sample():
    row = Row("mixed", "budget", 1000, 5)
    shares = [1 - a for a in row.grid(log_real_shares=True).values()]
    assert shares == pytest.approx([1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001])
    assert degenerate(row, 999) and not degenerate(row, 998) and not degenerate(row, 1000)


def test_estimate_on_a_non_monotone_statistic():
    """Safe, safe, unsafe, safe: α* stops before the unsafe probe, with its bracket."""
    row = Row("mixed", "budget", 100, 5)
    probes = constant_probes({0: 0.0, 50: 0.05, 90: 0.2, 100: 0.05})
    drift = estimate(row, probes, THRESHOLDS, 0.95, 50, ROOT)[0]
    assert (drift["safe_fraction"], drift["bracket_low"], drift["bracket_high"]) == (0.5, 0.5, 0.9)
    assert drift["ci_low"] == drift["ci_high"] == 0.5  # no seed-to-seed variation


def test_degenerate_probe_is_never_safe():
    """n_real = 1 makes p(1) a point mass: drift is exactly 0 there, yet it is not safe."""
    row = Row("mixed", "budget", 10, 5)
    drift = estimate(row, constant_probes({0: 0.0, 5: 0.01, 9: 0.0, 10: 0.01}), THRESHOLDS, 0.95, 50, ROOT)[0]
    assert drift["safe_fraction"] == 0.5 and drift["bracket_high"] == 0.9
    assert "point mass" in drift["note"]


def test_none_safe_is_nan_with_a_note():
    row = Row("mixed", "budget", 10, 5)
    drift = estimate(row, constant_probes({0: 0.5, 10: 0.5}), THRESHOLDS, 0.95, 50, ROOT)[0]
    assert np.isnan(drift["safe_fraction"]) and drift["max_synthetic"] == -1
    assert "no safe fraction" in drift["note"]


# --- refinement -----------------------------------------------------------------------------


@pytest.mark.parametrize("size, boundary_count", [(1000, 637), (1000, 1), (97, 50), (10, 3)])
def test_refinement_finds_a_known_integer_boundary(size, boundary_count):
    """A statistic that is safe up to a known count: bisection finds it to two adjacent counts
    when the resolution is finer than 1/n, and never probes a count twice."""
    row = Row("mixed", "budget", size, 5)
    calls = []

    def evaluate(k):
        calls.append(k)
        return constant_probes({k: 0.0 if k <= boundary_count else 1.0})[k]

    probes = refine(row, {k: evaluate(k) for k in (0, size)}, evaluate, THRESHOLDS, resolution=1e-9)
    drift = estimate(row, probes, THRESHOLDS, 0.95, 20, ROOT)[0]
    assert drift["max_synthetic"] == boundary_count
    assert drift["bracket_high"] * size == boundary_count + 1
    assert len(calls) == len(set(calls)) <= np.ceil(np.log2(size)) + 2


def test_refinement_stops_at_the_resolution():
    row = Row("mixed", "budget", 1000, 5)
    probes = refine(row, constant_probes({0: 0.0, 500: 0.0, 1000: 1.0}),
                    lambda k: constant_probes({k: 0.0 if k <= 800 else 1.0})[k], THRESHOLDS, resolution=0.05)
    drift = estimate(row, probes, THRESHOLDS, 0.95, 20, ROOT)[0]
    assert drift["bracket_high"] - drift["bracket_low"] <= 0.05
    assert drift["bracket_low"] <= 0.8 < drift["bracket_high"]


def test_refinement_in_the_real_data_frame():
    """N real samples kept: probes are synthetic counts 0, 1, 2, …; α = k / (N + k)."""
    row = Row("mixed", "real_data", 100, 5)
    probes = refine(row, constant_probes({0: 0.0, 100: 1.0}),
                    lambda k: constant_probes({k: 0.0 if k <= 37 else 1.0})[k], THRESHOLDS, resolution=1e-9)
    drift = estimate(row, probes, THRESHOLDS, 0.95, 20, ROOT)[0]
    assert drift["max_synthetic"] == 37 and drift["safe_fraction"] == 37 / 137


# --- the interval belongs to the estimate ---------------------------------------------------------


def noisy_probes(rng, means, seeds=40, sd=0.03):
    return {k: {c: rng.normal(m, sd, seeds) for c in CRITERIA} for k, m in means.items()}


@pytest.mark.parametrize("seed", range(20))
def test_interval_contains_the_point_estimate(seed):
    rng = np.random.default_rng(seed)
    row = Row("mixed", "budget", 100, 5)
    means = {k: 0.02 + 0.1 * k / 60 for k in range(0, 101, 5)}  # crosses 0.1 near k = 48
    for r in estimate(row, noisy_probes(rng, means), THRESHOLDS, 0.95, 200, ROOT):
        if not np.isnan(r["safe_fraction"]) and not np.isnan(r["ci_low"]):
            assert r["ci_low"] <= r["safe_fraction"] <= r["ci_high"], r
            assert "widened" not in r["note"]  # the percentile interval holds it by itself
        assert r["safe_fraction_conservative"] <= r["safe_fraction"] or np.isnan(r["safe_fraction_conservative"])


def test_interval_is_the_bootstrap_of_the_same_estimator():
    """Resampling seeds and applying the estimator gives the reported interval's quantiles."""
    from modelcollapse.study.safe import bootstrap_weights

    rng = np.random.default_rng(7)
    row = Row("mixed", "budget", 100, 5)
    probes = noisy_probes(rng, {k: 0.02 + 0.1 * k / 60 for k in range(0, 101, 5)})
    drift = estimate(row, probes, THRESHOLDS, 0.9, 300, ROOT)[0]
    counts = sorted(probes)
    values = np.stack([probes[k]["drift"] for k in counts])
    weights = bootstrap_weights(row, values.shape[1], 300, ROOT)
    alphas = []
    for w in weights:
        k = boundary(w @ values.T <= 0.1)
        alphas.append(counts[k] / 100)
    assert (drift["ci_low"], drift["ci_high"]) == tuple(np.quantile(alphas, [0.05, 0.95]))


@pytest.mark.parametrize("seeds", [1, 2, 30, 100, 1000, 10_000])
def test_clopper_pearson_bound_is_where_the_binomial_cdf_falls_to_one_minus_confidence(seeds):
    """The conservative bound of `collapse` is the p at which P(Bin(n, p) ≤ k) = 1 − confidence
    (its definition, checked with the binomial CDF), for every k from 0 to n − 1; 1 at k = n."""
    from scipy.stats import binom

    k = np.unique(np.r_[0, 1, 2, 5, seeds // 3, seeds // 2, seeds - 2, seeds - 1].clip(0, seeds - 1))
    for confidence in (0.8, 0.95, 0.99):
        bound = clopper_pearson_upper(k, seeds, confidence)
        np.testing.assert_allclose(binom.cdf(k, seeds, bound), 1 - confidence, rtol=1e-9)
    assert clopper_pearson_upper(seeds, seeds, 0.95) == 1.0
    # a bound at the two-sided level (1 + 0.95) / 2 is another number: the comparison can fail
    assert not np.allclose(clopper_pearson_upper(k, seeds, 0.975), clopper_pearson_upper(k, seeds, 0.95))


# --- baselines that do not move with α ------------------------------------------------------------


@pytest.mark.parametrize("vocab, size", [(10, 10), (100, 30), (1000, 300), (5, 1)])
def test_expected_l1_error_is_exact(vocab, size):
    """E‖p̂ − p⁽⁰⁾‖₁ by de Moivre's formula against the simulated all-real model (|z| < 4)."""
    p0 = initial.zipf(vocab, 1.1)
    result = simulate_cell(p0, Cell("mixed", size, vocab, 0.0), range(4000), 1, ROOT)
    error = result.metrics[:, 1, METRICS.index("l1_from_truth")]
    assert abs(z_score(error, expected_l1_error(p0, size))) < Z_LIMIT


def test_expected_l1_error_detects_a_wrong_sample_size():
    p0 = initial.zipf(100, 1.1)
    error = simulate_cell(p0, Cell("mixed", 30, 100, 0.0), range(4000), 1, ROOT).metrics[:, 1, METRICS.index("l1_from_truth")]
    assert abs(z_score(error, expected_l1_error(p0, 29))) > Z_LIMIT


def test_excess_error_baseline_is_the_all_real_model_of_the_same_size():
    """At α = 0 the excess error of `mixed` is 1 in expectation, and a cell with one real sample
    (total collapse at generation 1) is far above it, not 'exactly 1' as with a moving baseline."""
    p0 = initial.zipf(10, 1.1)
    baseline = expected_l1_error(p0, 10)
    G = 20
    for fraction, expect_unsafe in ((0.0, False), (0.9, True)):
        res = simulate_cell(p0, Cell("mixed", 10, 10, fraction), range(400), G, ROOT)
        at_G = {m: res.metrics[:, G, METRICS.index(m)] for m in ("l1_from_first", "l1_from_truth", "simpson")}
        values = criterion_values(at_G, res.collapse_time, G, float(p0 @ p0), baseline)
        mean, se = mean_and_se(values["excess_error"])
        if expect_unsafe:
            assert mean > 1.1 + Z_LIMIT * se
        else:
            assert abs(mean - 1) < Z_LIMIT * se


def test_excess_error_alpha_star_falls_when_real_data_gets_scarce():
    """With the baseline fixed in the row, α* of `excess_error` stops where the shrinking real
    share makes the model worse than the all-real one; the former baseline, E‖p⁽¹⁾ − p⁽⁰⁾‖₁ of the
    same cell, grew with α and let nearly every fraction pass."""
    from modelcollapse.study.aggregate import simulate_row

    row = Row("mixed", "budget", 300, 100)
    p0 = initial.zipf(100, 1.1)
    safe = {**THRESHOLDS, "confidence": 0.95, "bootstrap": 100, "resolution": 0.01}
    config = {"generations": 30, "root_seed": ROOT, "safe": safe}
    grid = row.grid([i / 20 for i in range(21)], log_real_shares=True)
    tables = simulate_row(row, p0, grid, config, seeds=100)
    fixed = tables["safe"].set_index("criterion").loc["excess_error", "safe_fraction"]
    summary = tables["summary"]
    last, first = (summary[summary["generation"] == g].set_index("n_synthetic") for g in (30, 1))
    moving = last["l1_from_truth_mean"] / first["l1_from_truth_mean"]  # the former, moving baseline
    counts = moving.index.to_numpy()
    k_moving = boundary(safe_mask(row, "excess_error", counts, moving.to_numpy(), 1.1))
    assert fixed < 0.5 < counts[k_moving] / row.size
