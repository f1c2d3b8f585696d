"""Monte-Carlo statistics, in one place: the mean over replicates and its standard error, a
difference in standard-error units (z-score), and Pearson's chi-square goodness of fit with its
one rule for pooling small expected counts.

The study (summary and criterion tables), the paper (theorem table, claims, verification plots)
and the tests (tests/conftest.py) all call these, so "mean ± SE", "|z| < 4" and "chi-square p"
mean the same thing everywhere. NumPy only; SciPy's chi-square survival function is imported when
a chi-square test runs (not scipy.stats, which is slow to import).
"""

import numpy as np

EXACT_TOLERANCE = 1e-12  # a difference this small over a zero standard error counts as none


def mean_and_se(values, axis=0):
    """Mean over `axis` (independent replicates) and its standard error: the sample standard
    deviation (ddof = 1) over √count. NaN standard error with fewer than two replicates."""
    values = np.asarray(values, dtype=float)
    count = values.shape[axis]
    mean = values.mean(axis=axis)
    if count < 2:
        return mean, np.full_like(mean, np.nan)
    return mean, values.std(axis=axis, ddof=1) / np.sqrt(count)


def proportion_se(probability, count):
    """Standard error of an observed frequency over `count` independent trials of known
    probability: √(p (1 − p) / count)."""
    probability = np.asarray(probability, dtype=float)
    return np.sqrt(probability * (1 - probability) / count)


def in_se_units(difference, se):
    """difference / se, elementwise. An exact result (se = 0, or no standard error) counts as 0
    when the difference is nil (below EXACT_TOLERANCE) and as ±inf otherwise (a deterministic
    mismatch)."""
    difference, se = np.asarray(difference, dtype=float), np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(np.abs(difference) < EXACT_TOLERANCE, 0.0, np.inf * np.sign(difference))
        z = np.where(se > 0, difference / np.where(se > 0, se, 1.0), exact)
    return z[()] if z.ndim == 0 else z


def z_score(values, expected):
    """z of mean(values − expected) over axis 0 (replicates), one per remaining column.

    `expected` broadcasts against `values`: one theory value per column, or one per replicate
    (a conditional expectation, e.g. given that replicate's own p⁽¹⁾). The standard error is
    that of the differences (`mean_and_se`); a zero one is handled by `in_se_units`."""
    difference = np.asarray(values, dtype=float) - np.asarray(expected, dtype=float)
    return in_se_units(*mean_and_se(difference, axis=0))


def max_abs_z(values, expected) -> float:
    """The statistic of a per-generation comparison: max |z| over the columns of `z_score`."""
    return float(np.max(np.abs(z_score(values, expected))))


def chi_square(observed, probs, min_expected: float = 5.0) -> tuple[float, int, float]:
    """Pearson's chi-square goodness of fit of `observed` counts to `probs` (normalised here):
    (statistic, degrees of freedom, p-value).

    Pooling rule: categories are taken in order of decreasing expected count, and those expecting
    fewer than `min_expected` are pooled into one bin; if that bin still expects fewer than
    `min_expected`, it joins the smallest kept bin. Fewer than two bins left: (0, 0, 1)."""
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
        return 0.0, 0, 1.0
    from scipy.special import chdtrc  # the chi-square survival function

    statistic = float(((obs - exp) ** 2 / exp).sum())
    dof = len(exp) - 1
    return statistic, dof, float(chdtrc(dof, statistic))


def clopper_pearson_lower(k, n: int, confidence):
    """One-sided lower confidence bound of a binomial proportion k / n (Clopper–Pearson, exact):
    the p at which P(Bin(n, p) ≥ k) = 1 − confidence, i.e. the 1 − `confidence` quantile of
    Beta(k, n − k + 1); 0 when k = 0."""
    from scipy.special import betaincinv

    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        bound = betaincinv(np.maximum(k, 1), n - k + 1, 1 - confidence)
    return np.where(k <= 0, 0.0, bound)


def clopper_pearson_upper(k, n: int, confidence):
    """One-sided upper confidence bound of a binomial proportion k / n (Clopper–Pearson, exact):
    the p at which P(Bin(n, p) ≤ k) = 1 − confidence, i.e. the `confidence` quantile of
    Beta(k + 1, n − k); 1 when k = n."""
    from scipy.special import betaincinv

    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        bound = betaincinv(k + 1, np.maximum(n - k, 1), confidence)
    return np.where(k >= n, 1.0, bound)
