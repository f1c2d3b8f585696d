"""Fixed real data (scenario mixed, 0 < α < 1): corrected Theorem 2 (eq 9) and the stationary drift
E‖p⁽ᵐ⁾ − p⁽¹⁾‖₂² of theory.drift_l2sq against the simulator.

Theorem 2's expectation is over the real data too: every replicate draws its own N real samples
(its own p⁽¹⁾) from its own stream, so the mean over replicates estimates S_m.

Every statistical test has "broken simulator" twins computing the same statistic with the same
helper that must reach |z| > 4: (a) fresh instead of fixed real data (scenario "fresh" is exactly
that), (b) n − 1 samples per generation (one real sample fewer; compare with the theory at n),
(c) generations shifted by one (compare row m with the theory at m ± 1).
"""

import functools
import math

import numpy as np
import pytest
from conftest import ROOT, Z_LIMIT, max_abs_z, metric

from modelcollapse.core import initial, theory
from modelcollapse.core.simulate import METRICS, Cell, replicate_stream, simulate_cell, simulate_reference

T600 = initial.target(600, 52, 0.1)
P0 = {
    "target600": T600,
    "dirichlet20": initial.dirichlet(20, 0.5, root_seed=3),
    "uniform3": initial.uniform(3),
}

# name: (p0 key, n, α, replicates)
CASES = {
    "target600_n20_a0.5": ("target600", 20, 0.5, 4000),
    "target600_n100_a0.9": ("target600", 100, 0.9, 2000),
    "target600_n10_a0.5": ("target600", 10, 0.5, 4000),
    "dirichlet20_n50_a0.2": ("dirichlet20", 50, 0.2, 4000),
    "uniform3_n10_a0.7": ("uniform3", 10, 0.7, 4000),
}
EARLY = (2, 3, 5)  # generations where the drift is still growing


def drift_generations(n_synthetic, alpha, negligible=1e-12):
    """G with (α²(1 − 1/n))^(G−1) < `negligible`: generation G is stationary (drift_variance)."""
    a = alpha**2 * (1 - 1 / n_synthetic)
    return max(30, 1 + math.ceil(math.log(negligible) / math.log(a)))


def s0_of(p0):
    return float((p0**2).sum())


def run(name, scenario="mixed", n_offset=0):
    return _run(name, scenario, n_offset)  # one cache entry per (name, scenario, n_offset)


@functools.cache
def _run(name, scenario, n_offset):
    """Simulation of case `name` (optionally with a broken scenario or n − 1) and every
    replicate's own p⁽¹⁾ (on the support of p⁽⁰⁾), re-derived from its stream: the first draw of
    replicate `seed` is its N real samples (docs/random-streams.md)."""
    key, n, alpha, R = CASES[name]
    p0 = P0[key]
    theory_cell = Cell("mixed", n, p0.size, alpha)
    cell = Cell.from_counts(scenario, p0.size, theory_cell.n_real + n_offset, theory_cell.n_synthetic)
    G = drift_generations(theory_cell.n_synthetic, theory_cell.n_synthetic / n)
    seeds = range(R)
    result = simulate_cell(p0, cell, seeds, G, ROOT)
    # p⁽¹⁾ on supp(p⁽⁰⁾) only (it is 0 elsewhere, and so are those tokens' drift terms)
    nz = np.flatnonzero(p0 > 0)
    first = np.zeros((R, nz.size))
    for i, seed in enumerate(seeds):
        gen = np.random.Generator(np.random.PCG64(replicate_stream(ROOT, cell, seed)))
        first[i] = gen.multinomial(cell.n_real, p0[nz]) / cell.n_real
    # the re-derivation is exact: same σ₁ as the simulator's generation-1 row
    np.testing.assert_allclose((first**2).sum(axis=1), metric(result, "simpson")[:, 1], rtol=0, atol=1e-15)
    return result, first, theory_cell


# --- Theorem 2: E σ_m -----------------------------------------------------------------------


def simpson_statistic(result, cell, s0, shift=0):
    """max over m = 1 … G of |z| of mean σ_m against corrected eq 9 at generation m + shift."""
    m = np.arange(1, result.generations + 1)
    keep = m + shift >= 1  # eq 9 is for m ≥ 1
    expected = theory.simpson_partial(m + shift, cell.n_real, cell.n_synthetic, s0)
    return max_abs_z(metric(result, "simpson")[:, 1:][:, keep], expected[keep])


@pytest.mark.parametrize("N,n_syn", [(100, 10), (10, 100), (1, 1), (7, 3), (40, 10), (1000, 1000), (3, 9)])
@pytest.mark.parametrize("key", P0)
def test_theorem2_closed_form_equals_nu_recursion(key, N, n_syn):
    """The corrected ("plus") eq 9 is the sum of the proof's per-token ν recursion, S₁ is
    1/N + (1 − 1/N)S₀, S_m rises to S∞ and stays below Theorem 2's bound 1 − γ."""
    p0 = P0[key]
    s0 = s0_of(p0)
    m = np.arange(1, 61)
    closed = theory.simpson_partial(m, N, n_syn, s0)
    np.testing.assert_allclose(closed, theory.simpson_partial_nu(p0, N, n_syn, 60), rtol=1e-12, atol=1e-15)
    assert closed[0] == pytest.approx(1 / N + (1 - 1 / N) * s0, rel=1e-12)
    assert np.all(np.diff(closed) >= -1e-15)
    stationary = theory.simpson_stationary(N, n_syn, s0)
    assert closed[-1] <= stationary + 1e-15
    assert np.all(closed < theory.diversity_floor(N, n_syn, s0) + 1e-15)


def test_theorem2_at_alpha_zero_is_first_generation():
    s0 = s0_of(T600)
    np.testing.assert_allclose(theory.simpson_partial(np.arange(1, 20), 50, 0, s0), 1 / 50 + (1 - 1 / 50) * s0)


@pytest.mark.parametrize("name", CASES)
def test_mean_simpson_matches_theorem2(name):
    result, _, cell = run(name)
    assert simpson_statistic(result, cell, s0_of(P0[CASES[name][0]])) < Z_LIMIT


def run_broken(name, broken):
    """A deliberately broken simulator: "fresh" real data instead of fixed, "n-1" samples per
    generation, or theory compared at the wrong generation ("m+1", "m-1": the returned shift)."""
    result, first, cell = run(name, scenario="fresh" if broken == "fresh" else "mixed", n_offset=-1 if broken == "n-1" else 0)
    return result, first, cell, {"m+1": 1, "m-1": -1}.get(broken, 0)


@pytest.mark.parametrize(
    "name,broken",
    [
        ("target600_n20_a0.5", "fresh"),
        ("dirichlet20_n50_a0.2", "fresh"),
        ("uniform3_n10_a0.7", "fresh"),
        ("target600_n10_a0.5", "n-1"),
        ("target600_n20_a0.5", "m+1"),
        ("target600_n20_a0.5", "m-1"),
        ("uniform3_n10_a0.7", "m+1"),
        ("target600_n10_a0.5", "m-1"),
    ],
)
def test_mean_simpson_detects_broken_simulator(name, broken):
    result, _, cell, shift = run_broken(name, broken)
    assert simpson_statistic(result, cell, s0_of(P0[CASES[name][0]]), shift) > Z_LIMIT


# --- Drift from the first model: E‖p⁽ᵐ⁾ − p⁽¹⁾‖₂² given p⁽¹⁾ ------------------------------


def drift_statistic(result, first, cell, shift=0):
    """max |z| of mean l2sq_from_first at generations 2, 3, 5 and G against theory.drift_l2sq
    computed per replicate from that replicate's own p⁽¹⁾ (a conditional expectation, so the
    per-replicate differences have mean 0 exactly); at G the stationary value (m = ∞)."""
    G = result.generations
    alpha = cell.n_synthetic / cell.n
    ms = [*EARLY, G]
    expected = np.stack([theory.drift_l2sq(np.inf if m == G else m + shift, first, cell.n_synthetic, alpha) for m in ms], axis=1)
    return max_abs_z(metric(result, "l2sq_from_first")[:, ms], expected)


@pytest.mark.parametrize("name", CASES)
def test_mean_drift_matches_stationary_theory(name):
    result, first, cell = run(name)
    alpha = cell.n_synthetic / cell.n
    G = result.generations
    assert (alpha**2 * (1 - 1 / cell.n_synthetic)) ** (G - 1) < 1e-12  # G is stationary
    # the stationary value is α²(1 − σ₁)/(n − α²(n − 1)) with σ₁ the replicate's own simpson
    sigma1 = metric(result, "simpson")[:, 1]
    n = cell.n_synthetic
    np.testing.assert_allclose(theory.drift_l2sq(np.inf, first, n, alpha), alpha**2 * (1 - sigma1) / (n - alpha**2 * (n - 1)), rtol=1e-12)
    assert drift_statistic(result, first, cell) < Z_LIMIT


@pytest.mark.parametrize(
    "name,broken",
    [
        ("target600_n20_a0.5", "fresh"),
        ("target600_n100_a0.9", "fresh"),
        ("uniform3_n10_a0.7", "fresh"),
        ("target600_n10_a0.5", "n-1"),
        ("target600_n20_a0.5", "m+1"),
        ("target600_n100_a0.9", "m+1"),
        ("uniform3_n10_a0.7", "m-1"),
        ("dirichlet20_n50_a0.2", "m-1"),
    ],
)
def test_mean_drift_detects_broken_simulator(name, broken):
    result, first, cell, shift = run_broken(name, broken)
    assert drift_statistic(result, first, cell, shift) > Z_LIMIT


# --- exact invariants of the fixed-real chain --------------------------------------------------


@pytest.mark.parametrize("engine", [simulate_cell, simulate_reference])
def test_alpha_zero_keeps_first_model(engine):
    """α = 0: p⁽ᵐ⁾ = p⁽¹⁾ for every m ≥ 1, so every metric equals the generation-1 row."""
    cell = Cell("mixed", 30, 600, 0.0)
    result = engine(T600, cell, range(50), 20, ROOT)
    rows = result.metrics[:, 1:]
    np.testing.assert_array_equal(rows, np.broadcast_to(result.metrics[:, 1:2], rows.shape))
    assert np.all(metric(result, "l1_from_first")[:, 1:] == 0)
    assert np.all(metric(result, "l2sq_from_first")[:, 1:] == 0)
    assert cell.n_real == 30 and cell.n_synthetic == 0


def test_first_generation_and_truth_rows():
    """l1/l2 from the first model: NaN at generation 0, exactly 0 at generation 1; generation 0
    is p⁽⁰⁾; generation 1 is the empirical law of the N real samples."""
    result, first, cell = run("target600_n20_a0.5")
    for name in ("l1_from_first", "l2sq_from_first"):
        assert np.all(np.isnan(metric(result, name)[:, 0]))
        assert np.all(metric(result, name)[:, 1] == 0.0)
        assert not np.isnan(metric(result, name)[:, 2:]).any()
    assert np.all(metric(result, "l1_from_truth")[:, 0] == 0.0)
    nz = T600 > 0
    np.testing.assert_allclose(metric(result, "l1_from_truth")[:, 1], np.abs(first - T600[nz]).sum(axis=1), atol=1e-12)
    # each replicate has its own real data: p⁽¹⁾ varies across replicates
    assert len(np.unique(first, axis=0)) > 0.9 * len(first)
    # probabilities at generation m are multiples of 1/n (gen 1: of 1/N)
    n = cell.n
    sq = metric(result, "simpson")[:, 2:] * n * n
    np.testing.assert_allclose(sq, np.round(sq), atol=1e-8)
    sq1 = metric(result, "simpson")[:, 1] * cell.n_real**2
    np.testing.assert_allclose(sq1, np.round(sq1), atol=1e-8)


def test_metric_names_are_the_design_columns():
    assert METRICS == (
        "simpson",
        "max_prob",
        "l1_from_first",
        "l1_from_truth",
        "l2sq_from_first",
        "support",
        "entropy",
        "collapsed",
        "top_token",
    )
