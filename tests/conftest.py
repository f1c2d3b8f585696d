"""Shared statistics for the Monte-Carlo tests.

Every statistical test compares a simulated mean with a closed form through `z_score` (or a
distribution through `chi_square_pvalue`) and asserts |z| < Z_LIMIT (p > P_LIMIT); its "broken
simulator" twin computes the *same* statistic with the same helper and asserts |z| > Z_LIMIT.
Tolerances therefore come only from Monte-Carlo standard errors, never from hand-tuned slack.
The statistics are the library's own (`modelcollapse.core.stats`), those of the study and the
paper's theorem table.
"""

from scipy import stats as scipy_stats

from modelcollapse.core.simulate import METRICS
from modelcollapse.core.stats import chi_square, max_abs_z, mean_and_se, proportion_se, z_score  # noqa: F401 (used by the tests)

Z_LIMIT = 4.0
# The chi-square level matching |z| < 4 two-sided, so both kinds of test have one error rate.
P_LIMIT = float(2 * scipy_stats.norm.sf(Z_LIMIT))  # ≈ 6.3e-5
ROOT = 2024  # root seed of every simulation in the tests (the project's default)


def chi_square_pvalue(observed, probs, min_expected=5.0) -> float:
    """p-value of Pearson's chi-square goodness of fit of `observed` counts to `probs`, small
    expected counts pooled by the library's one rule (`stats.chi_square`)."""
    return chi_square(observed, probs, min_expected)[2]


def metric(result, name):
    """result.metrics[..., k] for metric `name` (replicates × generations)."""
    return result.metrics[..., METRICS.index(name)]
