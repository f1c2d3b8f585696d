"""Initial distributions p⁽⁰⁾ (docs/model.md, "The initial distribution p⁽⁰⁾"); p⁽⁰⁾ read from a file is tests/test_initial_file.py."""

import numpy as np
import pytest
from conftest import Z_LIMIT, z_score

from modelcollapse.core import initial
from modelcollapse.core.initial import initial_distribution


def test_target_hits_paper_distribution():
    """The paper's s = 600, s̃ = 52, S₀ = 0.1 (Figures 3, 4, 6)."""
    p = initial.target(600, 52, 0.1)
    assert p.shape == (600,)
    assert abs((p**2).sum() - 0.1) < 1e-9
    assert np.count_nonzero(p) == 52
    assert np.all(p[:52] > 0) and np.all(p[52:] == 0)  # on the first s̃ tokens
    assert np.all(np.diff(p[:52]) < 0)  # a decaying power law
    assert abs(p.sum() - 1.0) < 1e-12
    # docs/model.md, kind `target`: the truncated power law needs a ≈ 1.101 (smallest p ≈ 3.4e-3)
    a = initial.target_exponent(52, 0.1)
    assert a == pytest.approx(1.101, abs=1e-3)
    assert p[51] == pytest.approx(3.4e-3, abs=1e-4)
    np.testing.assert_allclose(p[:52], initial.zipf(52, a), rtol=1e-12)


@pytest.mark.parametrize("vocab,support,s0", [(600, 52, 0.1), (10, 10, 0.1), (100, 20, 0.5), (5, 2, 0.9), (50, 50, 0.02)])
def test_target_simpson_and_support(vocab, support, s0):
    p = initial.target(vocab, support, s0)
    assert abs((p**2).sum() - s0) < 1e-9
    assert np.count_nonzero(p) == support
    assert abs(p.sum() - 1.0) < 1e-12


def test_target_at_the_uniform_end():
    """S₀ = 1/s̃ is the uniform law (exponent 0)."""
    assert initial.target_exponent(4, 0.25) == 0.0
    np.testing.assert_allclose(initial.target(6, 4, 0.25), [0.25] * 4 + [0, 0])


@pytest.mark.parametrize("vocab,exponent,support", [(1000, 1.1, None), (10, 0.0, None), (600, 2.0, 52), (3, 0.5, 2)])
def test_zipf_shape(vocab, exponent, support):
    p = initial.zipf(vocab, exponent, support)
    k = vocab if support is None else support
    assert p.shape == (vocab,)
    assert abs(p.sum() - 1.0) < 1e-12
    assert np.count_nonzero(p) == k and np.all(p[:k] > 0)
    ranks = np.arange(1, k + 1)
    # p_i ∝ i^(−a): p_i · i^a is constant on the support
    np.testing.assert_allclose(p[:k] * ranks**exponent, p[0], rtol=1e-12)


@pytest.mark.parametrize("vocab,support", [(2, None), (7, None), (10, 3)])
def test_uniform_shape(vocab, support):
    p = initial.uniform(vocab, support)
    k = vocab if support is None else support
    assert p.shape == (vocab,)
    np.testing.assert_array_equal(p[:k], np.full(k, 1.0 / k))
    assert np.all(p[k:] == 0)
    assert abs(p.sum() - 1.0) < 1e-12


def test_dirichlet_shape_and_determinism():
    p = initial.dirichlet(50, 0.5, root_seed=3)
    assert p.shape == (50,) and np.all(p > 0) and abs(p.sum() - 1.0) < 1e-12
    # deterministic in (root_seed, vocab): same call, same draw, bit for bit
    np.testing.assert_array_equal(p, initial.dirichlet(50, 0.5, root_seed=3))
    np.testing.assert_array_equal(p, initial_distribution("dirichlet", 50, concentration=0.5, root_seed=3))
    # and it does depend on both
    assert not np.array_equal(p, initial.dirichlet(50, 0.5, root_seed=4))
    assert not np.array_equal(p[:40], initial.dirichlet(40, 0.5, root_seed=3)[:40])
    # the global NumPy state is neither used nor touched
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    initial.dirichlet(50, 0.5, root_seed=3)
    assert np.random.random() == before


def test_dirichlet_support():
    p = initial.dirichlet(30, 2.0, root_seed=1, support=10)
    assert np.count_nonzero(p) == 10 and np.all(p[:10] > 0) and np.all(p[10:] == 0)
    assert abs(p.sum() - 1.0) < 1e-12


@pytest.mark.parametrize("concentration,k", [(0.1, 50), (1.0, 50), (20.0, 50), (0.5, 2)])
def test_dirichlet_mean_simpson(concentration, k):
    """E Σp² = (a + 1)/(k a + 1) for Dirichlet(a·1_k): z-test over 400 root seeds (same z
    helper and limit as the theory tests); a wrong concentration is rejected."""
    sims = np.array([(initial.dirichlet(k, concentration, root_seed=s) ** 2).sum() for s in range(400)])

    def expected(a):
        return (a + 1) / (k * a + 1)

    assert abs(z_score(sims, expected(concentration))) < Z_LIMIT
    assert abs(z_score(sims, expected(1.5 * concentration))) > Z_LIMIT


def test_dispatch_matches_kinds():
    np.testing.assert_array_equal(initial_distribution("zipf", 20, exponent=1.3), initial.zipf(20, 1.3))
    np.testing.assert_array_equal(initial_distribution("uniform", 20, support=5), initial.uniform(20, 5))
    np.testing.assert_array_equal(initial_distribution("target", 600, support=52, s0=0.1), initial.target(600, 52, 0.1))
    # target without support spreads over the whole vocabulary
    assert np.count_nonzero(initial_distribution("target", 30, s0=0.1)) == 30


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(kind="gaussian", vocab=10), "initial kind must be one of"),
        (dict(kind="zipf", vocab=10, support=11), "support must be an integer between"),
        (dict(kind="uniform", vocab=10, support=11), "support must be an integer between"),
        (dict(kind="dirichlet", vocab=10, support=11), "support must be an integer between"),
        (dict(kind="target", vocab=10, support=11, s0=0.5), "support must be an integer between"),
        (dict(kind="zipf", vocab=10, support=0), "support must be an integer between"),
        (dict(kind="target", vocab=10, s0=1.0), "s0 must be in"),
        (dict(kind="target", vocab=10, s0=1.5), "s0 must be in"),
        (dict(kind="target", vocab=10, s0=0.05), "s0 must be in"),  # below 1/support = 0.1
        (dict(kind="target", vocab=10, support=4, s0=0.2), "s0 must be in"),  # below 1/4
        (dict(kind="target", vocab=10, s0=-0.1), "s0 must be in"),
        (dict(kind="target", vocab=10), r"s0 \(the target"),
        (dict(kind="dirichlet", vocab=10, concentration=0.0), "concentration must be > 0"),
        (dict(kind="dirichlet", vocab=10, concentration=-1.0), "concentration must be > 0"),
        (dict(kind="zipf", vocab=10, exponent=-0.5), "exponent must be >= 0"),
        (dict(kind="zipf", vocab=1), "vocab must be >= 2"),
        (dict(kind="zipf", vocab=10, support=1), "support must be an integer between 2"),  # one token: total collapse at generation 0
        (dict(kind="uniform", vocab=10, support=1), "support must be an integer between 2"),
    ],
)
def test_invalid_initial_raises(kwargs, match):
    kind, vocab = kwargs.pop("kind"), kwargs.pop("vocab")
    with pytest.raises(ValueError, match=match):
        initial_distribution(kind, vocab, **kwargs)


def test_invalid_direct_calls_raise():
    with pytest.raises(ValueError, match="exponent"):
        initial.zipf(10, -1.0)
    with pytest.raises(ValueError, match="concentration"):
        initial.dirichlet(10, 0.0, root_seed=0)
    with pytest.raises(ValueError, match="support"):
        initial.uniform(10, 20)
    with pytest.raises(ValueError, match="s0"):
        initial.target(10, 10, 1.0)
