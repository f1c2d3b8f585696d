"""The sampler of the synthetic draws (docs/samplers.md): its specs, its transform T, the compiled
engine against the reference engine for every kind, its streams, and its large-n closed form
(`theory.sampler_fixed_point`, `theory.sampler_floors`) against simulation."""

import functools

import numpy as np
import pytest
from conftest import ROOT, Z_LIMIT, metric, z_score

from modelcollapse.core import _kernels, initial, theory
from modelcollapse.core.sampler import canonical, engine_arguments, parse, ranking, stream_key, transform
from modelcollapse.core.simulate import SCENARIOS, Cell, replicate_stream, sims_table, simulate_cell, simulate_reference

# --- specs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("exact", "exact"),
        (" exact ", "exact"),
        ("temperature:0.70", "temperature:0.7"),
        ("temperature:2.0", "temperature:2"),
        ("temperature:1", "exact"),  # the identity is exact, with exact's streams
        ("top_p:1", "exact"),
        ("top_p:1.0,temperature:1.0", "exact"),
        ("top_k:50", "top_k:50"),
        ("top_p:0.9, temperature:0.7", "temperature:0.7,top_p:0.9"),  # always applied in one order
        ("top_p:0.9,top_k:5,temperature:1.5", "temperature:1.5,top_k:5,top_p:0.9"),
    ],
)
def test_canonical_spec(spec, expected):
    assert canonical(spec) == expected
    assert canonical(expected) == expected
    assert parse(spec) == parse(expected)


@pytest.mark.parametrize(
    "spec,match",
    [
        ("", "allowed: exact, or comma-separated"),
        ("greedy", "unknown part 'greedy'"),
        ("Exact", "unknown part"),
        ("temperature", "unknown part 'temperature'"),
        ("temperature:0", "temperature must be a finite number > 0"),
        ("temperature:-1", "temperature must be a finite number > 0"),
        ("temperature:nan", "temperature must be a finite number > 0"),
        ("temperature:inf", "temperature must be a finite number > 0"),
        ("top_k:0", "top_k must be an integer >= 1"),
        ("top_k:2.5", "top_k must be an integer >= 1"),
        ("top_p:0", r"top_p must be a number in \(0, 1\]"),
        ("top_p:1.1", r"top_p must be a number in \(0, 1\]"),
        ("top_k:5,top_k:6", "top_k given twice"),
        ("top_k:5,", "unknown part ''"),
    ],
)
def test_bad_spec_names_what_is_allowed(spec, match):
    with pytest.raises(ValueError, match=match):
        parse(spec)
    with pytest.raises(ValueError, match=match):
        Cell("mixed", 10, 5, 0.5, sampler=spec)


# --- T ----------------------------------------------------------------------------------------


def test_ranking_breaks_ties_by_lower_index():
    p = np.array([0.1, 0.3, 0.0, 0.3, 0.1, 0.2])
    np.testing.assert_array_equal(ranking(p), [1, 3, 5, 0, 4])


def test_top_k_ties_keep_the_lower_index():
    p = np.array([0.2, 0.3, 0.0, 0.3, 0.2])
    np.testing.assert_array_equal(transform(p, "top_k:1"), [0, 1, 0, 0, 0])
    np.testing.assert_allclose(transform(p, "top_k:3"), [0.25, 0.375, 0, 0.375, 0], rtol=0, atol=1e-15)


def test_top_p_keeps_the_fewest_tokens_reaching_q():
    p = np.array([0.1, 0.4, 0.2, 0.3])
    np.testing.assert_allclose(transform(p, "top_p:0.7"), [0, 4 / 7, 0, 3 / 7], rtol=0, atol=1e-15)
    np.testing.assert_allclose(transform(p, "top_p:0.71"), [0, 4 / 9, 2 / 9, 3 / 9], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(transform(p, "top_p:0.4"), [0, 1, 0, 0])
    np.testing.assert_array_equal(transform(p, "top_p:0.01"), [0, 1, 0, 0])  # at least one token
    np.testing.assert_array_equal(transform(p, "top_p:1"), p)  # q = 1 is exact


def test_identities_equal_exact():
    p = initial.zipf(30, 1.1, support=20)
    for spec in ("exact", "temperature:1", "top_k:20", "top_k:1000", "top_p:1"):
        np.testing.assert_array_equal(transform(p, spec), p)  # k >= support: nothing removed


def test_temperature():
    p = np.array([0.5, 0.25, 0.25, 0.0])
    np.testing.assert_allclose(transform(p, "temperature:0.5"), [2 / 3, 1 / 6, 1 / 6, 0], rtol=1e-15)
    np.testing.assert_allclose(transform(p, "temperature:1e9"), [1 / 3, 1 / 3, 1 / 3, 0], rtol=1e-8)  # support kept
    np.testing.assert_array_equal(transform(p, "temperature:1e-4"), [1, 0, 0, 0])  # greedy, no underflow to 0/0


def test_combined_order_is_temperature_then_top_k_then_top_p():
    p = np.array([0.4, 0.3, 0.2, 0.1])
    # temperature 0.5: [16, 9, 4, 1]/30; top_p 0.8 keeps 16 + 9 = 25/30 >= 0.8
    np.testing.assert_allclose(transform(p, "temperature:0.5,top_p:0.8"), [16 / 25, 9 / 25, 0, 0], rtol=1e-15)
    # truncating first would keep 0.4 + 0.3 + 0.2 >= 0.8, then temper: [16, 9, 4]/29
    assert transform(p, "temperature:0.5,top_p:0.8")[2] == 0
    # top-p reads the mass left by top-k: of [0.4, 0.3]/0.7, 0.4/0.7 >= 0.5 keeps one token
    np.testing.assert_array_equal(transform(p, "top_k:2,top_p:0.5"), [1, 0, 0, 0])
    np.testing.assert_array_equal(transform(p, "top_p:0.5"), [0.4 / 0.7, 0.3 / 0.7, 0, 0])


def _count_vectors():
    rng = np.random.default_rng(7)
    for i in range(60):
        vocab = int(rng.integers(2, 400))
        p = rng.dirichlet(np.full(vocab, [0.05, 0.5, 3.0][i % 3]))
        total = int([1, 7, 100, 5000, 3_000_000][i % 5])  # 3·10⁶: counts beyond one radix pass
        counts = rng.multinomial(total, p)
        yield counts.astype(np.int64), total


@pytest.mark.parametrize(
    "spec", ["temperature:0.7", "temperature:3", "top_k:1", "top_k:4", "top_p:0.5", "top_p:0.95", "temperature:0.3,top_k:7,top_p:0.8"]
)
def test_compiled_transform_equals_numpy(spec):
    for counts, total in _count_vectors():
        p = counts / total
        ours = p.copy()
        _kernels.apply_sampler(engine_arguments(spec), counts, ours)
        np.testing.assert_array_equal(ours, transform(p, spec))


# --- engines and streams ----------------------------------------------------------------------

SAMPLERS = ["temperature:0.6", "temperature:1.7", "top_k:3", "top_p:0.8", "temperature:0.8,top_k:6,top_p:0.9"]
SCENARIO_CELLS = {
    "mixed": Cell("mixed", 10, 50, 0.5),
    "mixed_a1": Cell("mixed", 10, 50, 1.0),
    "mixed_n1000": Cell("mixed", 1000, 50, 0.3),
    "fresh": Cell("fresh", 10, 50, 0.5),
    "accumulate": Cell("accumulate", 10, 50, 1.0),
    "window": Cell("window", 10, 50, 1.0, 3),
    "pool": Cell("pool", 10, 50, 1.0),
}
P0 = initial.zipf(50, 1.1, support=20)


def with_sampler(cell, spec):
    return Cell.from_counts(cell.scenario, cell.vocab, cell.n_real, cell.n_synthetic, cell.window, cell.synthetic_fraction, spec)


@pytest.mark.parametrize("spec", SAMPLERS)
@pytest.mark.parametrize("name", SCENARIO_CELLS)
def test_compiled_engine_equals_reference_for_every_sampler(name, spec):
    """Bit for bit per replicate: counts (through every integer metric and collapse times) and
    every float metric from them."""
    cell = with_sampler(SCENARIO_CELLS[name], spec)
    compiled = simulate_cell(P0, cell, range(25), 30, ROOT)
    reference = simulate_reference(P0, cell, range(25), 30, ROOT)
    np.testing.assert_array_equal(compiled.collapse_time, reference.collapse_time)
    np.testing.assert_allclose(compiled.metrics, reference.metrics, rtol=0, atol=1e-12)  # float sums in other orders
    for key in ("support", "top_token", "max_prob", "collapsed"):
        np.testing.assert_array_equal(metric(compiled, key), metric(reference, key))


def test_cases_cover_every_scenario():
    assert {cell.scenario for cell in SCENARIO_CELLS.values()} == set(SCENARIOS)


def test_real_draws_are_never_transformed():
    """The real sample is the first draw of the stream, from p⁽⁰⁾ itself, whatever the sampler;
    in mixed every later model keeps those counts."""
    from modelcollapse.core.simulate import reference_path

    cell = Cell("mixed", 50, 50, 0.5)
    for spec in ("top_k:1", "temperature:0.3"):
        spec_cell = with_sampler(cell, spec)
        path = reference_path(P0, spec_cell, 0, 6, ROOT)
        gen = np.random.Generator(np.random.PCG64(replicate_stream(ROOT, spec_cell, 0)))
        real = gen.multinomial(cell.n_real, P0[P0 > 0])
        np.testing.assert_array_equal(np.round(path[1][P0 > 0] * cell.n_real), real)
        assert np.all(np.round(path[2:, P0 > 0] * cell.n) >= real)


def test_exact_keeps_its_streams_and_samplers_get_their_own():
    cell = Cell("mixed", 100, 50, 0.25)
    assert stream_key("exact") == ()
    base = replicate_stream(ROOT, cell, 3).generate_state(4)
    np.testing.assert_array_equal(base, np.random.SeedSequence(ROOT, spawn_key=(0, 0, 100, 50, 25, 3)).generate_state(4))
    keys = {tuple(replicate_stream(ROOT, with_sampler(cell, s), 3).generate_state(4)) for s in ["exact", *SAMPLERS, "temperature:0.61"]}
    assert len(keys) == len(SAMPLERS) + 2
    # equal samplers, one canonical spec, one stream
    a, b = with_sampler(cell, "top_p:0.9,temperature:0.7"), with_sampler(cell, "temperature:0.70,top_p:0.90")
    assert a == b and a.sampler == "temperature:0.7,top_p:0.9"
    np.testing.assert_array_equal(replicate_stream(ROOT, a, 3).generate_state(4), replicate_stream(ROOT, b, 3).generate_state(4))


def test_sims_table_has_the_sampler_column():
    cell = with_sampler(Cell("mixed", 10, 50, 0.5), "top_p:0.9")
    table = sims_table(simulate_cell(P0, cell, range(3), 4, ROOT))
    assert set(table["sampler"].to_pylist()) == {"top_p:0.9"}
    exact = sims_table(simulate_cell(P0, Cell("mixed", 10, 50, 0.5), range(3), 4, ROOT))
    assert set(exact["sampler"].to_pylist()) == {"exact"}


# --- the large-n limit: floors and the ceiling on α* --------------------------------------------

P0_LIMIT = initial.zipf(10, 1.1)
N_LIMIT, G_LIMIT, R_LIMIT = 10**6, 40, 200  # n large against the support; G past the fixed point
LIMIT_SAMPLERS = ["temperature:0.7", "temperature:1.5", "top_k:3", "top_p:0.8", "temperature:0.7,top_p:0.9"]


@functools.cache
def limit_run(spec, alpha):
    cell = Cell("mixed", N_LIMIT, P0_LIMIT.size, alpha, sampler=spec)
    result = simulate_cell(P0_LIMIT, cell, range(R_LIMIT), G_LIMIT, ROOT)
    return cell, metric(result, "l1_from_first")[:, -1], metric(result, "l1_from_truth")[:, -1]


@pytest.mark.parametrize("alpha", [0.3, 0.6])
@pytest.mark.parametrize("spec", LIMIT_SAMPLERS)
def test_floor_is_the_large_n_drift_and_error(spec, alpha):
    """At n = 10⁶ both E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ and E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ equal the fixed point's floor."""
    cell, drift, error = limit_run(spec, alpha)
    floor = theory.sampler_floor(P0_LIMIT, cell.effective_fraction, spec)
    assert floor > 0.05  # a floor far above the n = 10⁶ noise: the test can tell
    assert abs(z_score(drift, floor)) < Z_LIMIT
    assert abs(z_score(error, floor)) < Z_LIMIT
    assert theory.sampler_floor(P0_LIMIT, cell.effective_fraction, spec, G_LIMIT) == pytest.approx(floor, abs=1e-9)


def _truncated_then_tempered(p):
    return transform(transform(p, "top_p:0.9"), "temperature:0.7")


def _real_draws_tempered(spec, alpha):
    """The floor if the real draws went through T too (they never do)."""
    T = functools.partial(transform, spec=spec)
    return float(np.abs(theory.sampler_limit_path(T(P0_LIMIT), alpha, T, G_LIMIT)[-1] - P0_LIMIT).sum())


@pytest.mark.parametrize(
    "spec,broken",
    [
        ("temperature:0.7,top_p:0.9", lambda a: theory.sampler_floor(P0_LIMIT, a, _truncated_then_tempered)),
        ("temperature:0.7", lambda a: _real_draws_tempered("temperature:0.7", a)),
        ("top_k:3", lambda a: _real_draws_tempered("top_k:3", a)),
        ("top_p:0.8", lambda a: theory.sampler_floor(P0_LIMIT, a, "exact")),  # an unbiased model: no floor
        ("top_p:0.8", lambda a: theory.sampler_floor(P0_LIMIT, a, "top_p:0.8", 2)),  # one step, not the fixed point
    ],
)
def test_broken_limits_are_rejected(spec, broken):
    """The same statistic against a wrong limit: truncating before tempering, tempering the real
    draws, the exact sampler's limit, the second generation instead of the fixed point."""
    cell, drift, _ = limit_run(spec, 0.6)
    assert abs(z_score(drift, broken(cell.effective_fraction))) > Z_LIMIT


@pytest.mark.parametrize("spec", ["temperature:0.7", "top_k:3", "top_p:0.8"])
def test_drift_ceiling_is_where_the_floor_crosses_the_threshold(spec):
    ceiling = theory.sampler_alpha_ceiling(P0_LIMIT, spec, 0.1)
    assert 0.05 < ceiling < 0.5
    assert theory.sampler_floor(P0_LIMIT, ceiling, spec) <= 0.1 < theory.sampler_floor(P0_LIMIT, ceiling + 2e-4, spec)
    # simulated at n = 10⁶: the drift is significantly within 0.1 below the ceiling and beyond it above
    for alpha, side in ((ceiling - 0.04, -1), (ceiling + 0.04, 1)):
        _, drift, _ = limit_run(spec, round(alpha, 4))
        assert side * z_score(drift, 0.1) > Z_LIMIT


def test_ceiling_of_exact_and_of_excess_error():
    assert theory.sampler_alpha_ceiling(P0_LIMIT, "exact") == 1.0  # no floor: α* grows with n
    assert np.isnan(theory.sampler_alpha_ceiling(P0_LIMIT, "exact", 1.1, "excess_error"))
    assert theory.sampler_alpha_ceiling(P0_LIMIT, "top_p:0.8", 1.1, "excess_error") == 0.0
    assert np.isnan(theory.sampler_alpha_ceiling(P0_LIMIT, "top_p:0.8", 0.9, "diversity"))
    assert theory.sampler_floor(P0_LIMIT, 0.5, "exact") == 0.0
    assert np.isnan(theory.sampler_floor(P0_LIMIT, 1.0, "top_k:3"))  # no real anchor at α = 1
