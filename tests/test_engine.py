"""The simulation engines (docs/model.md, docs/random-streams.md, docs/design.md): the compiled
engine against NumPy itself and the plain-NumPy reference engine, reproducibility, absorbing
states, bad input, and cheap invariants of the scenarios that have no closed form in the paper."""

import functools

import numpy as np
import pytest
from conftest import ROOT, Z_LIMIT, max_abs_z, metric, z_score

from modelcollapse.core import _kernels, initial, theory
from modelcollapse.core.simulate import (
    INTEGER_METRICS,
    METRICS,
    SCENARIOS,
    Cell,
    replicate_stream,
    sample_sizes,
    simulate_cell,
    simulate_reference,
)

# --- draw_multinomial is numpy's Generator.multinomial ---------------------------------------


def _multinomial_cases():
    cases = [
        (0, [0.2, 0.3, 0.5]),
        (0, [1.0]),
        (5, [1.0]),
        (7, [0.0, 1.0, 0.0]),
        (1, [0.5, 0.5]),
        (10, [0.1] * 10),  # Σ of the first nine rounds above 0.9: q > 1 by rounding at the last step
        (10**6, [0.1] * 10),
        (100, [0.3, 0.0, 0.0, 0.7]),
        (100, [0.0, 0.0, 0.25, 0.25, 0.5]),
        (1000, [1e-12, 1 - 2e-12, 1e-12]),
        (1000, [1 - 1e-9, 1e-9]),
        (10**7, [0.6, 0.3, 0.1]),  # BTPE branch (n·p > 30)
        (10**7, list(initial.zipf(1000, 1.1))),
        (31, [0.5, 0.5]),
        (60, [0.5, 0.5]),
    ]
    rng = np.random.default_rng(12345)
    for i in range(120):
        k = int(rng.integers(1, 40))
        p = rng.dirichlet(np.full(k, [0.05, 0.5, 5.0][i % 3]))
        if i % 4 == 0:
            p[rng.random(k) < 0.5] = 0.0
            if p.sum() == 0:
                p[int(rng.integers(k))] = 1.0
            p /= p.sum()
        m = int([0, 1, 3, 10, 57, 1000, 123_456, 10**8][i % 8])
        cases.append((m, list(p)))
    return cases


@pytest.mark.parametrize("m,p", _multinomial_cases())
def test_draw_multinomial_equals_numpy(m, p):
    p = np.asarray(p, dtype=float)
    idx = np.flatnonzero(p > 0)
    ours = np.random.Generator(np.random.PCG64(987))
    numpys = np.random.Generator(np.random.PCG64(987))
    out = np.arange(p.size, dtype=np.int64) * 1000  # draw_multinomial adds to `out`
    before = out.copy()
    _kernels.draw_multinomial(ours, m, p, idx, out)
    expected = np.zeros(p.size, np.int64)
    expected[idx] = numpys.multinomial(m, p[idx])
    np.testing.assert_array_equal(out - before, expected)
    assert (out - before).sum() == m
    assert np.all(out[p == 0] == before[p == 0])  # a zero-probability token is never drawn
    # the same stream was consumed: both generators go on identically
    assert ours.bit_generator.state == numpys.bit_generator.state
    assert ours.random() == numpys.random()


# --- compiled engine == reference engine, every scenario --------------------------------------

P0 = {
    50: initial.zipf(50, 1.1, support=20),  # zeros past the support
    3: np.array([0.8, 0.15, 0.05]),
    2: np.array([0.3, 0.7]),
    600: initial.target(600, 52, 0.1),
}

# name: (cell, seeds, generations)
ENGINE_CASES = {
    "mixed_a0": (Cell("mixed", 10, 50, 0.0), 40, 30),
    "mixed_a0.5": (Cell("mixed", 10, 50, 0.5), 40, 60),
    "mixed_a1": (Cell("mixed", 10, 50, 1.0), 40, 60),
    "mixed_N1": (Cell("mixed", 4, 3, 0.75), 40, 40),  # one real sample: a Dirac real set absorbs
    "mixed_a0.5_n1000": (Cell("mixed", 1000, 600, 0.5), 8, 15),  # large counts: BTPE binomials
    "fresh_a0.5": (Cell("fresh", 10, 50, 0.5), 40, 60),
    "fresh_a1": (Cell("fresh", 10, 50, 1.0), 40, 60),
    "fresh_a0": (Cell("fresh", 10, 50, 0.0), 20, 20),
    "accumulate": (Cell("accumulate", 10, 50, 1.0), 40, 60),
    "accumulate_n2": (Cell("accumulate", 2, 3, 1.0), 40, 30),  # a Dirac first model absorbs
    "window_K3": (Cell("window", 10, 50, 1.0, 3), 40, 80),
    "window_K1": (Cell("window", 10, 50, 1.0, 1), 40, 60),
    "window_K10": (Cell("window", 10, 3, 1.0, 10), 40, 80),  # one sample per source
    "pool": (Cell("pool", 10, 50, 1.0), 40, 60),
    "pool_vocab2": (Cell("pool", 5, 2, 1.0), 40, 60),
}


@functools.cache
def engine_pair(name):
    cell, R, G = ENGINE_CASES[name]
    p0 = P0[cell.vocab]
    return simulate_cell(p0, cell, range(R), G, ROOT), simulate_reference(p0, cell, range(R), G, ROOT)


def _split(metrics):
    exact = [METRICS.index(k) for k in (*INTEGER_METRICS, "collapsed", "max_prob")]
    floats = [k for k in range(len(METRICS)) if k not in exact]
    return metrics[..., exact], metrics[..., floats]


@pytest.mark.parametrize("name", ENGINE_CASES)
def test_compiled_engine_equals_reference(name):
    """Integer-derived metrics (support, top_token, collapsed, max_prob = max count / total)
    identical, float metrics within 1e-12 (the engines sum in different orders), collapse times
    identical."""
    compiled, reference = engine_pair(name)
    assert compiled.metrics.shape == reference.metrics.shape
    c_exact, c_float = _split(compiled.metrics)
    r_exact, r_float = _split(reference.metrics)
    np.testing.assert_array_equal(c_exact, r_exact)
    np.testing.assert_allclose(c_float, r_float, rtol=0, atol=1e-12)  # NaN where NaN
    np.testing.assert_array_equal(compiled.collapse_time, reference.collapse_time)
    np.testing.assert_array_equal(compiled.seeds, reference.seeds)


def test_engine_cases_cover_every_scenario_and_exercise_collapse():
    assert {case[0].scenario for case in ENGINE_CASES.values()} == set(SCENARIOS)
    for name in ("mixed_a1", "mixed_N1", "accumulate_n2", "window_K1", "window_K3", "fresh_a1"):
        assert (engine_pair(name)[0].collapse_time > 0).any(), name


@pytest.mark.parametrize("name", ENGINE_CASES)
def test_collapse_time_is_first_collapsed_generation(name):
    result, _ = engine_pair(name)
    col = metric(result, "collapsed") == 1.0
    col[:, 0] = False  # T ≥ 1
    first = np.where(col.any(axis=1), col.argmax(axis=1), -1)
    np.testing.assert_array_equal(result.collapse_time, first)
    dirac = metric(result, "max_prob") == 1.0
    np.testing.assert_array_equal(col[:, 1:], dirac[:, 1:])
    assert np.all(metric(result, "support")[dirac] == 1)
    assert np.all(metric(result, "simpson")[dirac] == 1.0)
    assert np.all(metric(result, "entropy")[dirac] == 0.0)


@pytest.mark.parametrize("name", ["mixed_a1", "mixed_N1", "accumulate_n2", "fresh_a1", "window_K1"])
def test_dirac_mass_is_absorbing_when_every_source_is_the_last_model(name):
    result, _ = engine_pair(name)
    for r in np.flatnonzero(result.collapse_time > 0):
        rows = result.metrics[r, result.collapse_time[r] :]
        np.testing.assert_array_equal(rows, np.broadcast_to(rows[0], rows.shape))


def test_window_dirac_is_absorbing_only_after_K_identical_generations():
    """In window K a Dirac model can regain mass from older models (docs/model.md; paper Fig. 6); once K
    consecutive models are the same Dirac mass every later one is."""
    result, _ = engine_pair("window_K3")
    K = 3
    col, top = metric(result, "collapsed"), metric(result, "top_token")
    revived = 0
    for r in range(col.shape[0]):
        for m in range(K, col.shape[1]):
            window = slice(m - K + 1, m + 1)
            if np.all(col[r, window] == 1) and np.all(top[r, window] == top[r, m]):
                rows = result.metrics[r, m:]
                np.testing.assert_array_equal(rows, np.broadcast_to(rows[0], rows.shape))
                break
        revived += np.any((col[r, 1:-1] == 1) & (col[r, 2:] == 0))
    assert revived > 0  # the case does exercise a revival


# --- reproducibility: seeds, blocks, order ----------------------------------------------------

BLOCK_CELLS = ["mixed_a0.5", "mixed_a1", "fresh_a0.5", "accumulate", "window_K3", "pool"]


@pytest.mark.parametrize("name", BLOCK_CELLS)
def test_block_size_invariance(name):
    """Seeds 0 … 99 in one call equal the same seeds in blocks of 7 (docs/random-streams.md)."""
    cell, _, G = ENGINE_CASES[name]
    p0 = P0[cell.vocab]
    whole = simulate_cell(p0, cell, range(100), G, ROOT)
    blocks = [simulate_cell(p0, cell, range(a, min(a + 7, 100)), G, ROOT) for a in range(0, 100, 7)]
    np.testing.assert_array_equal(whole.metrics, np.concatenate([b.metrics for b in blocks]))
    np.testing.assert_array_equal(whole.collapse_time, np.concatenate([b.collapse_time for b in blocks]))
    np.testing.assert_array_equal(whole.seeds, np.arange(100))
    # any order and any subset: a replicate's result depends on its seed only
    order = np.random.default_rng(5).permutation(100)[:30]
    picked = simulate_cell(p0, cell, order, G, ROOT)
    np.testing.assert_array_equal(picked.metrics, whole.metrics[order])
    np.testing.assert_array_equal(picked.collapse_time, whole.collapse_time[order])


def test_reproducible_and_keyed_by_root_seed():
    cell, R, G = ENGINE_CASES["mixed_a0.5"]
    p0 = P0[cell.vocab]
    a = simulate_cell(p0, cell, range(R), G, ROOT)
    b = simulate_cell(p0, cell, range(R), G, ROOT)
    np.testing.assert_array_equal(a.metrics, b.metrics)
    c = simulate_cell(p0, cell, range(R), G, ROOT + 1)
    assert not np.array_equal(a.metrics, c.metrics)
    # more generations do not change the earlier ones
    longer = simulate_cell(p0, cell, range(R), G + 20, ROOT)
    np.testing.assert_array_equal(longer.metrics[:, : G + 1], a.metrics)
    # distinct seeds give distinct replicates
    assert len({tuple(np.nan_to_num(row).ravel()) for row in a.metrics[:, :5]}) == R


def test_replicate_stream_depends_on_every_key():
    cell = Cell("mixed", 100, 50, 0.25)
    base = replicate_stream(ROOT, cell, 3).generate_state(4)
    variants = [
        replicate_stream(ROOT + 1, cell, 3),
        replicate_stream(ROOT, cell, 4),
        replicate_stream(ROOT, Cell("fresh", 100, 50, 0.25), 3),
        replicate_stream(ROOT, Cell("mixed", 101, 50, 0.25), 3),
        replicate_stream(ROOT, Cell("mixed", 100, 51, 0.25), 3),
        replicate_stream(ROOT, Cell("mixed", 100, 50, 0.26), 3),
    ]
    states = [tuple(v.generate_state(4)) for v in variants]
    assert tuple(base) not in states and len(set(states)) == len(states)
    # a fresh SeedSequence from the same key gives the same stream
    np.testing.assert_array_equal(base, replicate_stream(ROOT, cell, 3).generate_state(4))


def test_global_numpy_state_is_not_used():
    cell, R, G = ENGINE_CASES["pool"]
    np.random.seed(1)
    a = simulate_cell(P0[cell.vocab], cell, range(5), G, ROOT)
    after = np.random.random()
    np.random.seed(2)
    b = simulate_cell(P0[cell.vocab], cell, range(5), G, ROOT)
    np.testing.assert_array_equal(a.metrics, b.metrics)
    np.random.seed(1)
    assert np.random.random() == after  # and it was not advanced


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,match",
    [
        (("bogus", 10, 5, 0.5), "scenario must be one of"),
        (("Mixed", 10, 5, 0.5), "scenario must be one of"),
        (("mixed", 0, 5, 0.5), "n must be an integer >= 1"),
        (("mixed", -3, 5, 0.5), "n must be an integer >= 1"),
        (("mixed", 2.5, 5, 0.5), "n must be an integer >= 1"),
        (("mixed", 10, 1, 0.5), "vocab must be an integer >= 2"),
        (("mixed", 10, 0, 0.5), "vocab must be an integer >= 2"),
        (("mixed", 10, 5.5, 0.5), "vocab must be an integer >= 2"),
        (("mixed", 10, 5, -0.1), r"synthetic_fraction must be in \[0, 1\]"),
        (("mixed", 10, 5, 1.1), r"synthetic_fraction must be in \[0, 1\]"),
        (("mixed", 10, 5, float("nan")), r"synthetic_fraction must be in \[0, 1\]"),
        (("accumulate", 10, 5, 0.5), "synthetic_fraction must be 1.0 for scenario 'accumulate'"),
        (("pool", 10, 5, 0.0), "synthetic_fraction must be 1.0 for scenario 'pool'"),
        (("window", 10, 5, 0.5, 2), "synthetic_fraction must be 1.0 for scenario 'window'"),
        (("window", 10, 5, 1.0), r"window must be an integer in \[1, n=10\]"),
        (("window", 10, 5, 1.0, 0), r"window must be an integer in \[1, n=10\]"),
        (("window", 10, 5, 1.0, 11), r"window must be an integer in \[1, n=10\]"),
        pytest.param(
            ("window", 10, 5, 1.0, 2.5),
            r"window must be an integer",
        ),
    ],
)
def test_invalid_cell_raises(args, match):
    with pytest.raises(ValueError, match=match):
        Cell(*args)


GOOD_CELL = Cell("mixed", 10, 5, 0.5)
GOOD_P0 = np.full(5, 0.2)


@pytest.mark.parametrize(
    "p0,seeds,generations,match",
    [
        (GOOD_P0, [], 5, "seeds: .*allowed: a count >= 1, or a non-empty list of integers in"),
        (GOOD_P0, [-1, 2], 5, "seeds: .*allowed: a count >= 1, or a non-empty list of integers in"),
        (GOOD_P0, [[0, 1]], 5, "seeds: .*allowed: a count >= 1, or a non-empty list of integers in"),
        pytest.param(
            GOOD_P0,
            [0.5, 1.7],
            5,
            "seeds: ",
        ),
        (GOOD_P0, range(3), 0, "generations: "),
        (GOOD_P0, range(3), -2, "generations: "),
        (GOOD_P0, range(3), 2.5, "generations: "),
        (np.full(4, 0.25), range(3), 5, "p0: has 4 tokens, vocab is 5"),
        (np.array([0.5, 0.5, 0.2, -0.2, 0.0]), range(3), 5, "p0: has negative values"),
        (np.full(5, 0.3), range(3), 5, "sums to 1.5"),
        (np.array([1.0, 0, 0, 0, 0]), range(3), 5, "Dirac"),
        pytest.param(
            np.array([np.nan, 0.5, 0.5, 0.0, 0.0]),
            range(3),
            5,
            "p0: has values that are not finite",
        ),
    ],
)
@pytest.mark.parametrize("engine", [simulate_cell, simulate_reference])
def test_invalid_run_raises(engine, p0, seeds, generations, match):
    with pytest.raises(ValueError, match=match):
        engine(p0, GOOD_CELL, seeds, generations, ROOT)


def test_sample_sizes_round_half_up_without_float_noise():
    assert sample_sizes(10, 0.5) == (5, 5)
    assert sample_sizes(10, 0.0) == (10, 0)
    assert sample_sizes(10, 1.0) == (0, 10)
    assert sample_sizes(3, 0.5) == (2, 1)  # 1.5 real rounds up
    assert sample_sizes(1, 0.5) == (1, 0)  # 0.5 real rounds up (half to even would give 0)
    assert sample_sizes(10, 0.15) == (9, 1)  # 8.5 real as written, though (1 − 0.15)·10 = 8.4999… in floats
    assert sample_sizes(10, 0.25) == (8, 2)  # 7.5 rounds up
    for n in (1, 7, 100, 10**12):
        for k in range(0, 21):
            a = k / 20
            real, syn = sample_sizes(n, a)
            exact = (20 - k) * n  # 20 (1 − α) n, an integer
            assert real + syn == n and real == (2 * exact + 20) // 40 and 0 <= real <= n
    cell = Cell("mixed", 7, 5, 0.3)
    assert (cell.n_real, cell.n_synthetic) == sample_sizes(7, 0.3)


def test_cells_with_the_same_counts_share_their_streams():
    p0 = initial.zipf(5, 1.1)
    a, b = Cell("mixed", 10, 5, 0.2), Cell("mixed", 10, 5, 0.25)  # both 2 synthetic samples
    assert a.n_synthetic == b.n_synthetic == 2
    np.testing.assert_array_equal(simulate_cell(p0, a, range(5), 6, ROOT).metrics, simulate_cell(p0, b, range(5), 6, ROOT).metrics)
    c = Cell.from_counts("mixed", 5, 8, 2)
    assert (c.n, c.effective_fraction, c.synthetic_fraction) == (10, 0.2, 0.2)
    np.testing.assert_array_equal(simulate_cell(p0, a, range(5), 6, ROOT).metrics, simulate_cell(p0, c, range(5), 6, ROOT).metrics)
    with pytest.raises(ValueError, match="does not give 3"):
        Cell.from_counts("mixed", 5, 7, 3, requested=0.2)


# --- cheap invariants of each scenario ----------------------------------------------------------


def _totals(cell, G):
    """Training-set size of generations 1 … G (docs/model.md, "The scenarios")."""
    n, m = cell.n, np.arange(1, G + 1)
    if cell.scenario in ("mixed", "fresh"):
        first = cell.n_real if cell.n_real > 0 else n
        return np.where(m == 1, first, n)
    if cell.scenario == "accumulate":
        return m * n
    if cell.scenario == "window":
        return np.where(m == 1, n, np.minimum(m, cell.window) * (n // cell.window))
    return np.full(G, n)


def _on_grid(result, totals):
    """Are σ·T² and max_prob·T integers (probabilities multiples of 1/T) in every row?"""
    sq = metric(result, "simpson")[:, 1:] * totals**2
    top = metric(result, "max_prob")[:, 1:] * totals
    return np.all(np.abs(sq - np.round(sq)) < 1e-7) and np.all(np.abs(top - np.round(top)) < 1e-9)


GRID_CASES = {
    "mixed_a0.3": Cell("mixed", 10, 600, 0.3),
    "fresh_a0.3": Cell("fresh", 10, 600, 0.3),
    "accumulate": Cell("accumulate", 7, 600, 1.0),
    "window_K3": Cell("window", 10, 600, 1.0, 3),  # ⌊10/3⌋ = 3 from each of min(m, 3) sources
    "window_K4": Cell("window", 11, 600, 1.0, 4),
    "pool": Cell("pool", 13, 600, 1.0),
}


@pytest.mark.parametrize("name", GRID_CASES)
def test_probabilities_live_on_the_scenarios_sample_grid(name):
    cell = GRID_CASES[name]
    G = 12
    result = simulate_cell(P0[600], cell, range(300), G, ROOT)
    totals = _totals(cell, G)
    assert _on_grid(result, totals)
    assert np.all(metric(result, "support")[:, 1:] <= totals)
    # the check discriminates: a wrong total (n every generation, or n + 1) is off the grid
    wrong = np.full(G, cell.n) if not np.all(totals == cell.n) else np.full(G, cell.n + 1)
    assert not _on_grid(result, wrong)


def _p_token0(result):
    """On two tokens p⁽ᵐ⁾ is recovered from (max_prob, top_token)."""
    return np.where(metric(result, "top_token") == 0, metric(result, "max_prob"), 1 - metric(result, "max_prob"))


UNBIASED_CELLS = [
    Cell("mixed", 10, 2, 0.5),
    Cell("mixed", 10, 2, 1.0),
    Cell("fresh", 10, 2, 0.5),
    Cell("accumulate", 10, 2, 1.0),
    Cell("window", 10, 2, 1.0, 3),
    Cell("pool", 10, 2, 1.0),
]


@pytest.mark.parametrize("cell", UNBIASED_CELLS, ids=lambda c: f"{c.scenario}-{c.synthetic_fraction}")
def test_every_model_is_unbiased(cell):
    """E p⁽ᵐ⁾ = p⁽⁰⁾ in every scenario (docs/theory.md, Proposition 1: collapse is variance only)."""
    result = simulate_cell(P0[2], cell, range(4000), 20, ROOT)
    gens = [1, 2, 5, 20]
    assert max_abs_z(_p_token0(result)[:, gens], P0[2][0]) < Z_LIMIT
    # broken twin: the same statistic against a slightly wrong p⁽⁰⁾ rejects
    assert max_abs_z(_p_token0(result)[:, gens[:1]], P0[2][0] + 0.03) > Z_LIMIT


S0_600 = float((P0[600] ** 2).sum())


def simpson_accumulate(m, n, s0):
    """Accumulate: p⁽ᵐ⁾ = ((m−1)p⁽ᵐ⁻¹⁾ + q_m)/m with q_m the law of n draws from p⁽ᵐ⁻¹⁾, so
    ν_m = ((m² − 1/n) ν_{m−1} + p/n)/m², i.e. 1 − S_m = (1 − S₀) Π_{k ≤ m} (1 − 1/(n k²)):
    it converges to a value below 1 — no collapse on average."""
    k = np.arange(1, int(np.max(m)) + 1)
    return 1 - (1 - s0) * np.cumprod(1 - 1 / (n * k**2))[np.asarray(m) - 1]


def simpson_fresh(G, N, n_syn, s0):
    """Fresh real data: S₁ = 1/N + (1 − 1/N)S₀ and, with n = N + n_syn,
    n² S_m = n + N(N − 1 + 2 n_syn) S₀ + n_syn(n_syn − 1) S_{m−1}."""
    n = N + n_syn
    S = [1 / N + (1 - 1 / N) * s0]
    for _ in range(2, G + 1):
        S.append((n + N * (N - 1 + 2 * n_syn) * s0 + n_syn * (n_syn - 1) * S[-1]) / n**2)
    return np.array(S)


@functools.cache
def scenario_run(cell, R=4000, G=20):
    return simulate_cell(P0[600], cell, range(R), G, ROOT)


def test_accumulate_simpson_recursion():
    n, G = 10, 20
    sim = metric(scenario_run(Cell("accumulate", n, 600, 1.0)), "simpson")[:, 1:]
    m = np.arange(1, G + 1)
    assert max_abs_z(sim, simpson_accumulate(m, n, S0_600)) < Z_LIMIT
    # broken twins: replacing instead of accumulating (eq 6), n − 1, generations shifted
    assert max_abs_z(sim, theory.simpson_fully_synthetic(m, n, S0_600)) > Z_LIMIT
    assert max_abs_z(sim, simpson_accumulate(m, n - 1, S0_600)) > Z_LIMIT
    assert max_abs_z(sim, simpson_accumulate(m + 1, n, S0_600)) > Z_LIMIT


@pytest.mark.parametrize("n,alpha", [(10, 0.5), (20, 0.8)])
def test_fresh_simpson_recursion(n, alpha):
    cell = Cell("fresh", n, 600, alpha)
    sim = metric(scenario_run(cell), "simpson")[:, 1:]
    expected = simpson_fresh(sim.shape[1], cell.n_real, cell.n_synthetic, S0_600)
    assert max_abs_z(sim, expected) < Z_LIMIT
    # broken twins: Theorem 2 (fixed real data) and a shift by one generation reject
    m = np.arange(1, sim.shape[1] + 1)
    assert max_abs_z(sim, theory.simpson_partial(m, cell.n_real, cell.n_synthetic, S0_600)) > Z_LIMIT
    assert max_abs_z(sim[:, :-1], expected[1:]) > Z_LIMIT


def test_pool_second_generation():
    """Pool at m = 2: n draws from the mixture (p⁽⁰⁾ + p⁽¹⁾)/2, so
    S₂ = 1/n + (1 − 1/n)(3S₀ + S₁)/4 with S₁ = 1/n + (1 − 1/n)S₀."""
    n = 10
    sigma2 = metric(scenario_run(Cell("pool", n, 600, 1.0), G=2), "simpson")[:, 2]
    S1 = 1 / n + (1 - 1 / n) * S0_600
    assert abs(z_score(sigma2, 1 / n + (1 - 1 / n) * (3 * S0_600 + S1) / 4)) < Z_LIMIT
    # broken twin: a pool that forgets generation 0 is fully synthetic
    assert abs(z_score(sigma2, theory.simpson_fully_synthetic(2, n, S0_600))) > Z_LIMIT


@pytest.mark.parametrize("K", [2, 3, 5])
def test_window_second_generation(K):
    """Window at m = 2 (K ≥ 2): k = ⌊n/K⌋ draws from p⁽⁰⁾ and k from p⁽¹⁾ (n real samples), so
    4k² S₂ = 2k + k(k − 1)S₀ + 2k²S₀ + k(k − 1)S₁."""
    n = 10
    sigma2 = metric(scenario_run(Cell("window", n, 600, 1.0, K), G=2), "simpson")[:, 2]
    S1 = 1 / n + (1 - 1 / n) * S0_600

    def s2(k):
        return (2 * k + k * (k - 1) * S0_600 + 2 * k * k * S0_600 + k * (k - 1) * S1) / (4 * k * k)

    assert abs(z_score(sigma2, s2(n // K))) < Z_LIMIT
    assert abs(z_score(sigma2, s2(n))) > Z_LIMIT  # broken twin: n (not ⌊n/K⌋) from each source


def test_window_K1_is_fully_synthetic():
    n, G = 10, 20
    sim = metric(scenario_run(Cell("window", n, 600, 1.0, 1), G=G), "simpson")[:, 1:]
    m = np.arange(1, G + 1)
    assert max_abs_z(sim, theory.simpson_fully_synthetic(m, n, S0_600)) < Z_LIMIT
    assert max_abs_z(sim, theory.simpson_fully_synthetic(m + 1, n, S0_600)) > Z_LIMIT


@pytest.mark.parametrize("name", ENGINE_CASES)
def test_first_and_truth_rows_every_scenario(name):
    result, _ = engine_pair(name)
    cell = ENGINE_CASES[name][0]
    p0 = P0[cell.vocab]
    for key in ("l1_from_first", "l2sq_from_first"):
        assert np.all(np.isnan(metric(result, key)[:, 0]))
        assert np.all(metric(result, key)[:, 1] == 0.0)
        assert not np.isnan(metric(result, key)[:, 1:]).any()
    gen0 = result.metrics[:, 0]
    assert np.all(gen0[:, METRICS.index("l1_from_truth")] == 0.0)
    assert np.all(gen0[:, METRICS.index("support")] == np.count_nonzero(p0))
    assert np.all(gen0[:, METRICS.index("top_token")] == p0.argmax())
    assert np.allclose(gen0[:, METRICS.index("simpson")], (p0**2).sum(), rtol=0, atol=1e-15)
    assert np.allclose(gen0[:, METRICS.index("max_prob")], p0.max(), rtol=0, atol=0)
    nz = p0[p0 > 0]
    assert np.allclose(gen0[:, METRICS.index("entropy")], -(nz * np.log(nz)).sum(), rtol=0, atol=1e-12)


def test_simpson_stays_exact_or_finite_beyond_int64_squares():
    """Σc² of a training set above 3·10⁹ samples would overflow int64 (it went negative in long
    `accumulate` runs): below the edge it is an exact integer ratio, above it a float."""
    metric_row = np.empty(len(METRICS))
    p0 = np.array([0.5, 0.3, 0.2])
    for total in (_kernels.EXACT_TOTAL - 3, _kernels.EXACT_TOTAL + 3, 10**15):
        counts = np.array([total // 2, total // 3, total - total // 2 - total // 3], dtype=np.int64)
        _kernels.metrics(counts, total, p0, counts, total, metric_row)
        expected = float(((counts / total) ** 2).sum())
        assert metric_row[METRICS.index("simpson")] == pytest.approx(expected, rel=1e-12)
        assert 0 < metric_row[METRICS.index("simpson")] < 1
