"""Shared statistics for the Monte-Carlo tests.

Every statistical test compares a simulated mean with a closed form through `z_score` (or a
distribution through `chi_square_pvalue`) and asserts |z| < Z_LIMIT (p > P_LIMIT); its "broken
simulator" twin computes the *same* statistic with the same helper and asserts |z| > Z_LIMIT.
Tolerances therefore come only from Monte-Carlo standard errors, never from hand-tuned slack.
"""

import numpy as np
from scipy import stats

from modelcollapse.simulate import METRICS

Z_LIMIT = 4.0
# The chi-square level matching |z| < 4 two-sided, so both kinds of test have one error rate.
P_LIMIT = float(2 * stats.norm.sf(Z_LIMIT))  # ≈ 6.3e-5
ROOT = 2024  # root seed of every simulation in the tests (the project's default)


def z_score(values, expected):
    """z of mean(values − expected) over axis 0 (replicates), one per remaining column.

    `expected` broadcasts against `values`: one theory value per column, or one per replicate
    (a conditional expectation, e.g. given that replicate's own p⁽¹⁾). The standard error is the
    sample standard deviation of the differences over √R. A zero standard error gives 0 for a
    zero mean difference and ±inf otherwise (a deterministic mismatch).
    """
    d = np.asarray(values, dtype=float) - np.asarray(expected, dtype=float)
    mean = d.mean(axis=0)
    se = d.std(axis=0, ddof=1) / np.sqrt(d.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, mean / np.where(se > 0, se, 1.0), np.where(mean == 0, 0.0, np.inf * np.sign(mean)))
    return z


def max_abs_z(values, expected) -> float:
    """The test statistic of a per-generation comparison: max |z| over the columns."""
    return float(np.max(np.abs(z_score(values, expected))))


def chi_square_pvalue(observed, probs, min_expected=5.0) -> float:
    """Pearson chi-square goodness of fit of `observed` counts to `probs`.

    Categories are taken in order of decreasing expected count and the smallest ones are pooled
    into one bin until every bin expects at least `min_expected` counts.
    """
    observed = np.asarray(observed, dtype=float)
    probs = np.asarray(probs, dtype=float)
    expected = observed.sum() * probs / probs.sum()
    order = np.argsort(-expected, kind="stable")
    obs, exp = observed[order], expected[order]
    keep = int(np.sum(exp >= min_expected))  # bins kept as they are; the rest are pooled
    if keep < len(exp) and exp[keep:].sum() < min_expected:
        keep -= 1  # the pooled tail is too small: pool it with the smallest kept bin
    keep = max(keep, 0)
    if keep < len(exp):
        obs = np.append(obs[:keep], obs[keep:].sum())
        exp = np.append(exp[:keep], exp[keep:].sum())
    if len(exp) < 2:
        return 1.0
    return float(stats.chisquare(obs, exp).pvalue)


def metric(result, name):
    """result.metrics[..., k] for metric `name` (replicates × generations)."""
    return result.metrics[..., METRICS.index(name)]
