"""The claims atlas: the weighted engine, each verdict's logic on a broken variant, closed forms
against simulation, and the `claims` target run alone for one claim (docs/claims.md)."""

import copy
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, ROOT, Z_LIMIT, metric, project_copy, snakemake, z_score

import modelcollapse.claims
from modelcollapse.claims import experiments
from modelcollapse.core import initial, theory
from modelcollapse.core.simulate import INTEGER_METRICS, METRICS, Cell, simulate_cell, simulate_reference, stream_key

SHIPPED = yaml.safe_load((REPO / "config" / "claims.yaml").read_text())["claims"]


def small(claim: str, **own) -> dict:
    """The shipped settings of `claim`, its own section overlaid with `own` (smaller runs)."""
    cfg = copy.deepcopy(modelcollapse.claims.settings(SHIPPED, claim))
    cfg[modelcollapse.claims.SECTIONS[claim]].update(own)
    return cfg


# --- the weighted MLE (Cell.real_weight) ------------------------------------------------------------


@pytest.mark.parametrize("w", [0.0, 0.3, 0.6073, 1.0])
def test_weighted_engine_equals_reference(w):
    """Integer metrics and collapse times identical, floats within 1e-12, weights 0 … 1."""
    p0 = initial.zipf(20, 1.1, support=12)
    cell = Cell.from_counts("fresh", 20, 7, 5, real_weight=w)
    compiled, reference = simulate_cell(p0, cell, range(30), 25, ROOT), simulate_reference(p0, cell, range(30), 25, ROOT)
    exact = [METRICS.index(k) for k in (*INTEGER_METRICS, "collapsed", "max_prob")]
    np.testing.assert_array_equal(compiled.metrics[..., exact], reference.metrics[..., exact])
    np.testing.assert_allclose(compiled.metrics, reference.metrics, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(compiled.collapse_time, reference.collapse_time)


def test_the_weight_keeps_streams_and_the_sample_share_is_the_pooled_mle():
    """No weight: today's cell and stream; w = n_real/n: the pooled MLE up to rounding (a tie may
    break another way, so top_token is left out)."""
    p0 = initial.zipf(30, 1.1)
    pooled, share = Cell.from_counts("fresh", 30, 8, 24), Cell.from_counts("fresh", 30, 8, 24, real_weight=8 / 32)
    assert pooled.real_weight is None and stream_key(pooled) == stream_key(share)
    a, b = simulate_cell(p0, pooled, range(20), 30, ROOT), simulate_cell(p0, share, range(20), 30, ROOT)
    floats = [k for k, name in enumerate(METRICS) if name != "top_token"]
    np.testing.assert_allclose(a.metrics[..., floats], b.metrics[..., floats], rtol=0, atol=1e-12)


@pytest.mark.parametrize("args", [("mixed", 10, 10), ("fresh", 0, 10), ("fresh", 10, 0)])
def test_a_weight_needs_fresh_real_and_synthetic_data(args):
    scenario, n_real, n_synthetic = args
    with pytest.raises(ValueError, match="real_weight"):
        Cell.from_counts(scenario, 10, n_real, n_synthetic, real_weight=0.5)
    with pytest.raises(ValueError, match="real_weight"):
        Cell.from_counts("fresh", 10, 5, 5, real_weight=1.5)


@pytest.mark.parametrize("w", [0.3, 0.6073, 0.9])
def test_weighted_error_matches_eq_A1(w):
    """E σ_m − S₀ = (1 − S₀)·v_m (eq A1) at every generation, by z-score."""
    p0 = initial.zipf(10, 1.1)
    s0 = float((p0**2).sum())
    result = simulate_cell(p0, Cell.from_counts("fresh", 10, 10, 10, real_weight=w), 4000, 30, ROOT)
    m = np.arange(1, 31)
    z = z_score(metric(result, "simpson")[:, 1:] - s0, (1 - s0) * theory.weighted_fresh_variance(m, 10, 10, w))
    assert np.abs(z).max() < Z_LIMIT


def test_golden_weight_solves_its_quadratic_and_tends_to_the_golden_ratio():
    for n, m in [(10, 10), (100, 100), (1000, 1000), (10, 20), (7, 1)]:
        w = theory.golden_weight(n, m)
        if m > 1:
            assert (m - 1) * w**2 + (n + 1) * w - n == pytest.approx(0, abs=1e-12)
        grid = np.linspace(0.01, 0.99, 9801)
        assert abs(grid[np.argmin(theory.weighted_fresh_variance(np.inf, n, m, grid))] - w) < 2e-4
    assert theory.golden_weight(10**6, 10**6) == pytest.approx((math.sqrt(5) - 1) / 2, abs=1e-6)


def test_accumulate_limit_is_below_and_tends_to_pi_squared_over_six():
    limits = [theory.accumulate_error_limit(n) for n in (10, 100, 10**4, 10**8)]
    assert all(a < b < math.pi**2 / 6 for a, b in zip(limits, limits[1:]))
    assert limits[-1] == pytest.approx(math.pi**2 / 6, abs=1e-6)
    assert theory.accumulate_error_ratio([10**6], 10**4)[0] == pytest.approx(limits[2], rel=1e-6)


# --- each verdict on its claim and on a broken variant --------------------------------------------


def verdict(claim, cfg, table=None):
    table = experiments.SIMULATIONS[claim](cfg) if table is None else table
    return experiments.JUDGES[claim](table, cfg)["verdict"]


def test_dohmatob_truncating_agrees_only_with_truncation():
    cfg = small("dohmatob_truncating", seeds=50, generations=10)
    assert verdict("dohmatob_truncating", cfg).startswith("agrees only under a biased sampler (top_k:50")
    cfg["dohmatob"]["truncating_sampler"] = "exact"  # a sampler without truncation
    assert verdict("dohmatob_truncating", cfg) == "contradicts"
    assert verdict("dohmatob_exact", small("dohmatob_exact", seeds=50, generations=10)) == "contradicts"


def test_gerstgrasser_contradicted_by_an_accumulate_that_replaces():
    cfg = small("gerstgrasser", seeds=1000, generations=30)
    assert verdict("gerstgrasser", cfg) == "agrees"
    replacing = experiments.simulate_gerstgrasser(cfg, accumulate="mixed")
    assert verdict("gerstgrasser", cfg, replacing) == "contradicts"


def test_golden_ratio_the_sample_share_is_not_optimal():
    cfg = small("golden_ratio", sizes=[10, 100], seeds=2000)
    assert verdict("golden_ratio", cfg) == "agrees"
    share_centred = experiments.simulate_golden_ratio(cfg, centre=lambda n, m: n / (n + m))
    assert verdict("golden_ratio", cfg, share_centred) == "contradicts"


def test_borkar_needs_the_external_source():
    cfg = small("borkar", seeds=400, generations=150)
    assert verdict("borkar", cfg).startswith("agrees")
    no_source = experiments.simulate_borkar(cfg, injected_real=0)
    assert verdict("borkar", cfg, no_source) == "contradicts"


def test_suresh_linear_and_a_constant_forgetting_time():
    cfg = small("suresh", seeds=3000, counts=[5, 20, 80], bootstrap=50)
    table = experiments.simulate_suresh(cfg)
    assert verdict("suresh", cfg, table) == "agrees"
    constant = table.assign(forget_time=np.where(table["forget_time"].notna(), 50.0, np.nan))
    assert verdict("suresh", cfg, constant) == "contradicts"


def test_seddik_eq11_contradicted_unless_the_drift_breaks_epsilon_at_once():
    cfg = small("seddik_eq11", real=[300, 3000], synthetic=[10, 100, 1000, 10000], seeds=100)
    table = experiments.simulate_seddik_eq11(cfg)
    assert verdict("seddik_eq11", cfg, table) == "contradicts"
    assert (np.abs(table["l2sq_drift_z"]) < Z_LIMIT).all()  # the exact drift L2² (eq B3)
    assert verdict("seddik_eq11", cfg, table.assign(drift=1.0)) == "agrees"


def test_seddik_gpt_and_shumailov_follow_their_thresholds():
    cfg = small("seddik_gpt", seeds=1000)
    table = experiments.simulate_seddik_gpt(cfg)
    assert verdict("seddik_gpt", cfg, table) == "agrees"
    strict = small("seddik_gpt", stable_growth_max=-0.5)  # nothing is stable: every mix "diverges"
    assert verdict("seddik_gpt", strict, table) == "contradicts"
    cfg = small("shumailov", seeds=300)
    table = experiments.simulate_shumailov(cfg)
    fresh = table[table["arm"] == "fresh real data"]
    assert (np.abs(fresh["l2sq_error_z"]) < Z_LIMIT).all()  # eq A1 at every generation
    assert verdict("shumailov", cfg, table) == "contradicts"
    assert verdict("shumailov", small("shumailov", minor=10.0), table) == "agrees"


# --- the workflow -----------------------------------------------------------------------------------


def test_claims_target_alone_for_one_claim(tmp_path):
    """`snakemake claims --config 'claims={only: gerstgrasser}'`: that claim's table, figure and row."""
    work = project_copy(tmp_path / "project")
    snakemake(work, "claims", "--config", "claims={only: gerstgrasser}")
    out = work / "results" / "claims"
    rows = pd.read_csv(out / "claims.csv")
    assert list(rows["claim"]) == ["gerstgrasser"] and rows["verdict"].iloc[0] == "agrees"
    assert (out / "figures" / "gerstgrasser.png").stat().st_size > 0
    assert "gerstgrasser" in (out / "report" / "claims.html").read_text()
    assert sorted(p.name for p in out.glob("*.parquet")) == ["gerstgrasser.parquet"]
