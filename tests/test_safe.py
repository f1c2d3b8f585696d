"""The safe-fraction estimator on hand-made statistics, its refinement, its interval, and the
baselines of its criteria (docs/safe-fraction.md)."""

import numpy as np
import pytest
from conftest import ROOT, Z_LIMIT, mean_and_se, z_score

from modelcollapse.core import initial
from modelcollapse.core.simulate import METRICS, Cell, simulate_cell
from modelcollapse.core.stats import clopper_pearson_upper
from modelcollapse.core.theory import expected_l1_error
from modelcollapse.study.safe import (
    BRACKET_SHARE,
    CRITERIA,
    Row,
    boundary,
    brackets,
    criterion_values,
    degenerate,
    estimate,
    is_safe,
    judge,
    refine,
    sections,
    wanted_probes,
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
    rows = estimate(row, constant_probes({0: 0.0, 5: 0.1, 10: np.nan}), THRESHOLDS, 0.95)
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
    drift = estimate(row, probes, THRESHOLDS, 0.95)[0]
    assert (drift["safe_fraction"], drift["bracket_low"], drift["bracket_high"]) == (0.5, 0.5, 0.9)
    # no seed-to-seed variation: the truth lies in [50, 89] counts, and a safe probe beyond does not count
    assert (drift["ci_low"], drift["ci_high"]) == (0.5, 0.89)


def test_degenerate_probe_is_never_safe():
    """n_real = 1 makes p(1) a point mass: drift is exactly 0 there, yet it is not safe."""
    row = Row("mixed", "budget", 10, 5)
    drift = estimate(row, constant_probes({0: 0.0, 5: 0.01, 9: 0.0, 10: 0.01}), THRESHOLDS, 0.95)[0]
    assert drift["safe_fraction"] == 0.5 and drift["bracket_high"] == 0.9
    assert drift["ci_high"] == 0.8  # nothing from the degenerate count on can be α*
    assert "point mass" in drift["note"]


def test_none_safe_is_nan_with_a_note():
    row = Row("mixed", "budget", 10, 5)
    drift = estimate(row, constant_probes({0: 0.5, 10: 0.5}), THRESHOLDS, 0.95)[0]
    assert np.isnan(drift["safe_fraction"]) and drift["max_synthetic"] == -1
    assert np.isnan(drift["ci_low"]) and np.isnan(drift["ci_high"])
    assert "no safe fraction" in drift["note"]


# --- refinement -----------------------------------------------------------------------------


def refine_drift(row, start, evaluate, resolution=None, confidence=0.95):
    """`refine` as the study runs it, for the drift criterion alone."""
    return refine(start, evaluate, lambda p: wanted_probes(row, p, THRESHOLDS, confidence, resolution, ["drift"]))


@pytest.mark.parametrize("size, boundary_count", [(1000, 637), (1000, 1), (97, 50), (10, 3)])
def test_refinement_finds_a_known_integer_boundary(size, boundary_count):
    """A statistic that is safe up to a known count, without noise: refinement brackets α* and
    both ends of the interval by adjacent counts, and never probes a count twice."""
    row = Row("mixed", "budget", size, 5)
    calls = []

    def evaluate(k):
        calls.append(k)
        return constant_probes({k: 0.0 if k <= boundary_count else 1.0})[k]

    probes = refine_drift(row, {k: evaluate(k) for k in (0, size)}, evaluate)
    drift = estimate(row, probes, THRESHOLDS, 0.95)[0]
    assert drift["max_synthetic"] == boundary_count
    assert drift["bracket_high"] * size == boundary_count + 1
    assert round(drift["ci_low"] * size) == round(drift["ci_high"] * size) == boundary_count
    assert len(calls) == len(set(calls)) <= np.ceil(np.log2(size)) + 2


@pytest.mark.parametrize("per_bracket", [1, 2, 3, 7])
def test_k_section_finds_the_boundary_in_fewer_rounds(per_bracket):
    """k counts a bracket per round: a gap of B counts is down to adjacent counts in about
    log_(k+1) B rounds, at the same boundary, whatever k."""
    row, size, boundary_count = Row("mixed", "budget", 1000, 5), 1000, 637
    rounds = []

    def wanted(p):
        counts = wanted_probes(row, p, THRESHOLDS, 0.95, None, ["drift"], per_bracket)
        rounds.append(len(counts))
        return counts

    evaluate = lambda k: constant_probes({k: 0.0 if k <= boundary_count else 1.0})[k]  # noqa: E731
    probes = refine({k: evaluate(k) for k in (0, size)}, evaluate, wanted)
    assert estimate(row, probes, THRESHOLDS, 0.95)[0]["max_synthetic"] == boundary_count
    assert len(rounds) - 1 <= np.ceil(np.log(size) / np.log(per_bracket + 1)) + 1
    assert max(rounds) <= 3 * per_bracket  # three brackets (α* and the interval's ends), k counts each


def test_sections_cut_a_bracket_evenly_inside_it():
    assert sections(0, 100) == {50} and sections(3, 8) == {5}  # bisection: (a + b) // 2
    assert sections(0, 100, 3) == {25, 50, 75}
    assert sections(10, 13, 3) == {11, 12}  # never an end, never twice
    assert sections(4, 5, 3) == set()


def test_refinement_stops_at_the_resolution():
    row = Row("mixed", "budget", 1000, 5)
    probes = refine_drift(
        row, constant_probes({0: 0.0, 500: 0.0, 1000: 1.0}), lambda k: constant_probes({k: 0.0 if k <= 800 else 1.0})[k], resolution=0.05
    )
    drift = estimate(row, probes, THRESHOLDS, 0.95)[0]
    assert drift["bracket_high"] - drift["bracket_low"] <= 0.05
    assert drift["bracket_low"] <= 0.8 < drift["bracket_high"]


def test_refinement_in_the_real_data_frame():
    """N real samples kept: probes are synthetic counts 0, 1, 2, …; α = k / (N + k)."""
    row = Row("mixed", "real_data", 100, 5)
    probes = refine_drift(row, constant_probes({0: 0.0, 100: 1.0}), lambda k: constant_probes({k: 0.0 if k <= 37 else 1.0})[k])
    drift = estimate(row, probes, THRESHOLDS, 0.95)[0]
    assert drift["max_synthetic"] == 37 and drift["safe_fraction"] == 37 / 137


def test_refinement_stops_at_a_tenth_of_the_interval():
    """With noise the interval is wide, and a bracket narrower than a tenth of it is not refined:
    a probe there could not change what the answer means."""
    row, (probes, _) = Row("mixed", "budget", 1000, 5), linear_study(0, sd=0.2)
    j = judge(row, "drift", probes, 0.1, 0.95)
    width = j.high(row) - j.count(j.low)
    every = np.array(sorted(probes))
    for a, b in brackets(j, every):
        assert b - a == 1 or b - a <= BRACKET_SHARE * width
    assert not wanted_probes(row, probes, THRESHOLDS, 0.95, None, ["drift"])


def test_refinement_for_a_list_of_thresholds_brackets_each():
    """A drift that grows linearly in the count, thresholds [0.2, 0.5, 0.8]: refinement finds each
    crossing to the count, and `estimate` gives a line per threshold."""
    row = Row("mixed", "budget", 1000, 5)

    def evaluate(k):
        return constant_probes({k: k / 1000})[k]

    thresholds = {**THRESHOLDS, "drift": [0.2, 0.5, 0.8]}
    probes = refine({k: evaluate(k) for k in (0, 1000)}, evaluate, lambda p: wanted_probes(row, p, thresholds, 0.95, None, ["drift"]))
    lines = estimate(row, probes, thresholds, 0.95, ["drift"])
    assert [(r["threshold"], r["max_synthetic"], r["bracket_high"]) for r in lines] == [
        (0.2, 200, 0.201),
        (0.5, 500, 0.501),
        (0.8, 800, 0.801),
    ]
    for line in lines:  # each line is the estimate at that threshold alone, on the same probes
        assert line == estimate(row, probes, {**THRESHOLDS, "drift": line["threshold"]}, 0.95, ["drift"])[0]


# --- the interval and the point estimate: coverage and bias on a known truth -----------------------


def noisy_probes(rng, means, seeds=40, sd=0.03):
    return {k: {c: rng.normal(m, sd, seeds) for c in CRITERIA} for k, m in means.items()}


@pytest.mark.parametrize("seed", range(20))
def test_interval_contains_the_point_estimate(seed):
    rng = np.random.default_rng(seed)
    row = Row("mixed", "budget", 100, 5)
    means = {k: 0.02 + 0.1 * k / 60 for k in range(0, 101, 5)}  # crosses 0.1 near k = 48
    for r in estimate(row, noisy_probes(rng, means), THRESHOLDS, 0.95):
        if not np.isnan(r["safe_fraction"]) and not np.isnan(r["ci_low"]):
            assert r["ci_low"] <= r["safe_fraction"] <= r["ci_high"], r
        assert r["safe_fraction_conservative"] <= r["safe_fraction"] or np.isnan(r["safe_fraction_conservative"])
        assert r["ci_low"] <= r["safe_fraction_conservative"] or np.isnan(r["ci_low"])  # (1 + c)/2 is stricter


def test_interval_ends_are_the_stepwise_tests():
    """The lower end is the last of the run of probes from 0 whose upper t bound at (1 + c)/2 is
    within the threshold; the upper end is the count before the first probe of the top run whose
    lower t bound is beyond it; the conservative α* is the lower end at the one-sided level c."""
    from scipy.stats import t as student

    rng = np.random.default_rng(3)
    row = Row("mixed", "budget", 100, 5)
    probes = noisy_probes(rng, {k: 0.02 + 0.1 * k / 60 for k in range(0, 101, 5)}, seeds=12, sd=0.05)
    drift = estimate(row, probes, THRESHOLDS, 0.9)[0]
    counts = np.array(sorted(probes))
    values = np.stack([probes[k]["drift"] for k in counts])
    mean, se = values.mean(axis=1), values.std(axis=1, ddof=1) / np.sqrt(12)
    upper, lower = mean + student.ppf(0.95, 11) * se, mean - student.ppf(0.95, 11) * se
    low = counts[np.argmin(upper <= 0.1) - 1]
    top_run = np.flatnonzero(lower <= 0.1)[-1] + 1  # the first index of the run of unsafe probes at the top
    assert drift["ci_low"] == low / 100 and drift["ci_high"] == (counts[top_run] - 1) / 100
    conservative = counts[np.argmin(mean + student.ppf(0.9, 11) * se <= 0.1) - 1]
    assert drift["safe_fraction_conservative"] == conservative / 100


KSTAR, SIZE = 620, 1000  # the true α* of `linear_study`: counts 0 … 620 are safe, between grid probes


def linear_study(rep, sd, seeds=30, slope=0.001, resolution=None):
    """A row whose drift statistic rises linearly through the threshold between counts KSTAR and
    KSTAR + 1 (per-seed values normal with SD `sd`), from the default grid, refined as the study does:
    (probes, the estimate)."""
    row = Row("mixed", "budget", SIZE, 5)

    def evaluate(k):
        rng = np.random.default_rng([rep, k])
        return {"drift": rng.normal(0.1 + slope * (k - KSTAR - 0.5), sd, seeds)}

    grid = row.grid([k / 20 for k in range(21)], log_real_shares=True)
    probes = refine_drift(row, {k: evaluate(k) for k in grid}, evaluate, resolution)
    return probes, estimate(row, probes, THRESHOLDS, 0.95, ["drift"])[0]


def coverage(ends) -> tuple[float, float]:
    """(share of (low, high) count pairs that hold KSTAR, its binomial standard error)."""
    hits = np.mean([low <= KSTAR <= high for low, high in ends])
    return hits, np.sqrt(hits * (1 - hits) / len(ends))


def test_the_interval_covers_the_truth_and_ends_at_counts_not_probes():
    """Coverage ≥ 95 % within its standard error, with the grid's probes only (a resolution no
    bracket reaches, so nothing is refined) and with the default refinement. An interval whose
    upper end is a probe (the last before the first significantly unsafe one) misses the truth,
    which lies between the grid probes 600 and 650."""
    for resolution in (0.5, None):
        ends, probe_ends = [], []
        for rep in range(100):
            probes, drift = linear_study(rep, sd=0.02, resolution=resolution)
            ends.append((round(drift["ci_low"] * SIZE), round(drift["ci_high"] * SIZE)))
            j = judge(Row("mixed", "budget", SIZE, 5), "drift", probes, 0.1, 0.95)
            probe_ends.append((j.count(j.low), int(j.counts[j.unsafe - 1])))
        rate, se = coverage(ends)
        assert rate + 2 * se >= 0.95, (resolution, rate)
        if resolution:
            assert coverage(probe_ends)[0] < 0.5  # the broken variant


def test_alpha_star_has_no_first_crossing_bias():
    """With every count probed around the boundary and the statistic flat against its noise
    (per-probe SE ≈ 9 counts of its slope), the first probe whose noisy mean crosses the
    threshold is biased low by many counts: one of the many probes near the threshold crosses
    early. The crossing of the isotonic fit is median-unbiased to within one count."""
    row = Row("mixed", "budget", SIZE, 5)
    grid = row.grid([k / 20 for k in range(21)], log_real_shares=True)
    bias, first, widths = [], [], []
    for rep in range(200):
        rng = np.random.default_rng(rep)
        counts = sorted(set(grid) | set(range(KSTAR - 60, KSTAR + 61)))
        probes = {k: {"drift": rng.normal(0.1 + 0.001 * (k - KSTAR - 0.5), 0.05, 30)} for k in counts}
        drift = estimate(row, probes, THRESHOLDS, 0.95, ["drift"])[0]
        bias.append(drift["max_synthetic"] - KSTAR)
        widths.append((drift["ci_high"] - drift["ci_low"]) * SIZE)
        first.append(counts[int(boundary(np.array([probes[k]["drift"].mean() for k in counts]) <= 0.1))] - KSTAR)
    assert abs(np.median(bias)) <= 1, np.median(bias)
    # the broken variant: biased by more than a tenth of the interval's width
    assert np.median(first) < -1 - np.median(widths) / 10, (np.median(first), np.median(widths))


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
    safe = {**THRESHOLDS, "confidence": 0.95, "resolution": None}
    config = {"generations": 30, "root_seed": ROOT, "safe": safe}
    grid = row.grid([i / 20 for i in range(21)], log_real_shares=True)
    tables = simulate_row(row, p0, grid, config, seeds=100)
    fixed = tables["safe"].set_index("criterion").loc["excess_error", "safe_fraction"]
    summary = tables["summary"]
    last, first = (summary[summary["generation"] == g].set_index("n_synthetic") for g in (30, 1))
    moving = last["l1_from_truth_mean"] / first["l1_from_truth_mean"]  # the former, moving baseline
    counts = moving.index.to_numpy()
    usable = np.array([not degenerate(row, k) for k in counts])  # one real sample: never safe
    k_moving = boundary(is_safe("excess_error", moving.to_numpy(), 1.1) & usable)
    assert fixed < 0.5 < counts[k_moving] / row.size
