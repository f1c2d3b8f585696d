"""Closed forms of Seddik et al. 2024, with the sign correction of eq 9 (docs/theory.md).

Notation: p⁽⁰⁾ the truth, S₀ = Σp⁽⁰⁾², s̃ its support size. Fully synthetic: n samples per
generation. Fixed-real ("partially synthetic", eq 17): N real samples drawn once and kept, n
synthetic samples per generation, α = n/(N+n). Generation m = 1 is the first trained model.
"""

import functools
import math

import numpy as np

C0 = math.e**3 / (2 * math.pi)  # Lemma 1 / Theorem 3 constant, ≈ 3.197
C1 = 6 * math.e / math.pi**1.5  # ≈ 2.93


# --- Fully synthetic (Theorem 1, Proposition 1) -------------------------------------------


def simpson_fully_synthetic(m, n, s0):
    """Eq 6: S_m = E Σ(p⁽ᵐ⁾)² = 1 − (1 − 1/n)^m (1 − S₀)."""
    return 1.0 - (1.0 - 1.0 / n) ** np.asarray(m, dtype=float) * (1.0 - s0)


def collapse_probability_bounds(m, n, s0, support):
    """Eq 7: bounds on ρ_m = P(‖p⁽ᵐ⁾‖∞ = 1); the lower bound is clipped at 0."""
    decay = (1.0 - 1.0 / n) ** np.asarray(m, dtype=float)
    lower = np.maximum(0.0, 1.0 - n * (1.0 - s0) * decay)
    upper = 1.0 - (1.0 - s0) / (1.0 - 1.0 / support) * decay
    return lower, upper


def collapse_time_bounds(n, s0, support):
    """Eq 8: 1 + (1−S₀)(n−1)/(1 − 1/s̃) ≤ E[T] ≤ 1 + (1−S₀) n (n−1)."""
    lower = 1.0 + (1.0 - s0) / (1.0 - 1.0 / support) * (n - 1)
    upper = 1.0 + (1.0 - s0) * n * (n - 1)
    return lower, upper


def collapse_time_wright_fisher(n, p0):
    """Diffusion approximation of E[T] for the neutral Wright–Fisher chain (docs/theory.md, this
    project's extension):
    E[T] ≈ −2n Σ_i (1 − x_i) ln(1 − x_i), plus the first generation. Not from the paper."""
    x = np.asarray(p0, dtype=float)
    x = x[(x > 0) & (x < 1)]
    return 1.0 - 2.0 * n * float(np.sum((1 - x) * np.log1p(-x)))


def fixation_probabilities(p0):
    """Proposition 1: P(lim p⁽ᵐ⁾ = δ_i) = p_i."""
    return np.asarray(p0, dtype=float).copy()


# --- Fixed real data (Theorem 2) ----------------------------------------------------------


def _alpha_beta_d(N, n):
    alpha = n / (N + n)
    beta = alpha * ((1 + 1 / N) * alpha - 1 / N)
    return alpha, beta, 1 + (1 + 1 / N) * alpha


def simpson_first(N, s0):
    """E Σ(p⁽¹⁾)² for p⁽¹⁾ the empirical law of N samples: S_1 = 1/N + (1 − 1/N) S₀."""
    return 1 / N + (1 - 1 / N) * s0


def collapse_probability_fixed_real(p0, N) -> float:
    """P(p⁽¹⁾ is a Dirac mass) = Σᵢ pᵢ^N: with N real samples kept (scenario mixed), the only way
    to total collapse, at every generation (docs/safe-fraction.md)."""
    return float(np.sum(np.asarray(p0, dtype=float) ** N))


def simpson_partial(m, N, n, s0):
    """Theorem 2, eq 9 with the corrected ("plus") sign: S_m for m ≥ 1, fixed N real + n synthetic.

    S_{m+1} = S∞ − (1 − 1/N) α β^m (1 − S₀) / (N D)  (docs/theory.md, Theorem 2); S_1 = 1/N + (1 − 1/N) S₀.
    """
    alpha, beta, D = _alpha_beta_d(N, n)
    k = np.asarray(m, dtype=float) - 1.0
    return simpson_stationary(N, n, s0) - (1 - 1 / N) * alpha * beta**k * (1 - s0) / (N * D)


def simpson_partial_as_printed(m, N, n, s0):
    """Eq 9 exactly as printed in the paper, with the '−' sign that docs/theory.md (Theorem 2, "The
    correction") shows to be a misprint; drawn only to show that the correction matters
    (verification plot)."""
    alpha = n / (N + n)
    beta = alpha * ((1 + 1 / N) * alpha - 1 / N)
    D = 1 + (1 + 1 / N) * alpha
    b = beta ** (np.asarray(m, dtype=float) - 1)  # S_{k+1} with k = m − 1
    return (1 + 2 * alpha - (1 - 1 / N) * alpha * b) / (N * D) + (1 - 1 / N) * s0 * (1 + alpha - alpha / N * b) / D


def simpson_stationary(N, n, s0):
    """Theorem 2: S∞ = [(1+2α)/N + (1 − 1/N)(1+α) S₀] / D."""
    alpha, _, D = _alpha_beta_d(N, n)
    return ((1 + 2 * alpha) / N + (1 - 1 / N) * (1 + alpha) * s0) / D


def simpson_partial_nu(p0, N, n, generations):
    """Theorem 2 by the per-token ν recursion of its proof (B.3); returns S_1 … S_G.

    ν⁽¹⁾ = p/N + (1 − 1/N)p²;  ν⁽ᵐ⁾ = (1−α)(1+2α)/N · p + (1 − 1/N)(1 − α²) p² + β ν⁽ᵐ⁻¹⁾.
    """
    p = np.asarray(p0, dtype=float)
    alpha, beta, _ = _alpha_beta_d(N, n)
    nu = p / N + (1 - 1 / N) * p**2
    out = [nu.sum()]
    for _ in range(2, generations + 1):
        nu = (1 - alpha) * (1 + 2 * alpha) / N * p + (1 - 1 / N) * (1 - alpha**2) * p**2 + beta * nu
        out.append(nu.sum())
    return np.array(out)


def diversity_floor(N, n, s0):
    """Theorem 2's bound S_m < 1 − γ, γ = (1 − 1/N)(1+α)(1 − S₀)/(1 + (1+1/N)α); returns 1 − γ."""
    alpha, _, D = _alpha_beta_d(N, n)
    return 1.0 - (1 - 1 / N) * (1 + alpha) * (1 - s0) / D


# --- Drift from the first model under fixed real data (this project's derivation) ----------


def drift_variance(m, first, n_synthetic, alpha):
    """Per-token E[(p_i⁽ᵐ⁾ − p_i⁽¹⁾)²] given the fixed real data (p⁽¹⁾ = `first`).

    From eq 17, d_m = p⁽ᵐ⁾ − p⁽¹⁾ obeys d_{m+1} = α(p̂ − p⁽ᵐ⁾) + α d_m with p̂ the empirical law of
    n = n_synthetic draws from p⁽ᵐ⁾, so E[d_{m+1,i}²] = α²(1 − 1/n) E[d_{m,i}²] + α² f_i(1 − f_i)/n,
    d_1 = 0:  E[d_{m,i}²] = V_i (1 − (α²(1 − 1/n))^{m−1}),  V_i = α² f_i(1 − f_i) / (n − α²(n − 1)).
    The expectation is over the synthetic draws only. `first` may be (..., vocab).
    """
    f = np.asarray(first, dtype=float)
    if n_synthetic == 0:
        return np.zeros_like(f)
    a2 = alpha**2
    stationary = a2 * f * (1 - f) / (n_synthetic - a2 * (n_synthetic - 1))
    return stationary * (1.0 - (a2 * (1 - 1 / n_synthetic)) ** (np.asarray(m, dtype=float) - 1))


def drift_l2sq(m, first, n_synthetic, alpha):
    """E‖p⁽ᵐ⁾ − p⁽¹⁾‖₂² given p⁽¹⁾; m = np.inf gives the stationary value
    α²(1 − Σf²) / (n − α²(n − 1)) with n = n_synthetic."""
    return drift_variance(m, first, n_synthetic, alpha).sum(axis=-1)


def drift_l2sq_expected(m, n_real, n_synthetic, s0):
    """E‖p⁽ᵐ⁾ − p⁽¹⁾‖₂² also averaged over the real draw: drift_l2sq is linear in Σf², and
    E Σf² = S_1 = 1/N + (1 − 1/N) S₀ (N = n_real, or n when there is no real share)."""
    first_size = n_real if n_real > 0 else n_synthetic
    if n_synthetic == 0:
        return np.zeros_like(np.asarray(m, dtype=float))
    alpha = n_synthetic / (n_real + n_synthetic)
    s1 = simpson_first(first_size, s0)
    a2 = alpha**2
    stationary = a2 * (1 - s1) / (n_synthetic - a2 * (n_synthetic - 1))
    return stationary * (1.0 - (a2 * (1 - 1 / n_synthetic)) ** (np.asarray(m, dtype=float) - 1))


# --- Theorem 3 --------------------------------------------------------------------------------


def G_n(n, s):
    """Eq 10: the three-regime G_n(s) of Theorem 3 / Lemma 1 (docs/theory.md, Theorem 3)."""
    if s >= C0 * n / math.e + 2:
        return C1 * s * math.exp(C0 * n / (2 * math.e))
    if s >= C0 * n / 4 + 2:
        return C1 * s * (C0 * n / s) ** (s / 2)
    return 2.0**s - 2.0


def deviation_bound(N, n, s):
    """Theorem 3: E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ < (1/N) √(πn/2) G_n(s) for m ≥ 2 (vacuous for most grids)."""
    return math.sqrt(math.pi * n / 2) * G_n(n, s) / N


def max_synthetic_size(N, s, eps):
    """Eq 11: n ≤ 2π e⁻² · min{s − 2, log(√2 π N ε / (6 e s))} guarantees drift ≤ ε
    (in the regime C₀n/e + 2 ≤ s). Negative means no n ≥ 1 is guaranteed."""
    log_term = np.log(math.sqrt(2) * math.pi * np.asarray(N, dtype=float) * eps / (6 * math.e * s))
    return 2 * math.pi * math.exp(-2) * np.minimum(s - 2, log_term)


def _drift_factor(m, n_real, n_synthetic) -> float:
    """c_m with E[d_{m,i}² | p⁽¹⁾ = f] = c_m · f_i(1 − f_i) (drift_variance with f(1 − f) factored out)."""
    alpha = n_synthetic / (n_real + n_synthetic)
    return float(drift_variance(m, np.array(0.5), n_synthetic, alpha)) / 0.25


@functools.lru_cache(maxsize=8)
def _token_groups(raw: bytes):
    """(mean probability, tokens) of the groups of positive probabilities within 0.1 % of each
    other; cached, since a row evaluates one p⁽⁰⁾ at many synthetic counts."""
    p = np.frombuffer(raw)
    p = p[p > 0]
    key = np.round(np.log(p) / np.log1p(1e-3)).astype(np.int64)
    _, inverse, tokens = np.unique(key, return_inverse=True, return_counts=True)
    return np.bincount(inverse, weights=p) / tokens, tokens


BINOMIAL_SPAN = 8  # counts summed: up to mean + 8 √mean + 8, and from mean − 8 √mean − 8 when that is > 0
BINOMIAL_CHUNK = 2**20  # (token group, count) terms evaluated at once: ~8 MiB an array


def binomial_windows(p, size: int) -> dict:
    """{(first, stop): token groups} of `_binomial_sum`: the counts first … stop − 1 summed for
    each group of probabilities `p`, which covers mean ± (8 √mean + 8) of Binomial(size, pᵢ) (the
    pmf beyond is below 10⁻¹⁵ of its peak). Windows are powers of two, aligned to their width,
    so groups share them: a rare token's window starts at 0, a common one's is O(√size) wide."""
    mean = size * p
    spread = BINOMIAL_SPAN * np.sqrt(mean) + BINOMIAL_SPAN  # √mean ≥ sd: a little wide, never short
    last = np.minimum(np.ceil(mean + spread), size).astype(np.int64)
    first = np.maximum(np.floor(mean - spread), 0).astype(np.int64)
    width = 2 ** np.ceil(np.log2(np.maximum(np.where(first > 0, last - first + 1, last), 1))).astype(np.int64)
    start = np.where(first > 0, first // width * width, 0)
    stop = np.minimum(np.where(first > 0, start + 2 * width, width + 1), size + 1)  # first > 0: [first, last] ⊂ [start, start + 2 width)
    windows = {}
    for group, window in enumerate(zip(start.tolist(), stop.tolist())):
        windows.setdefault(window, []).append(group)
    return windows


def binomial_terms(p, size: int) -> int:
    """How many (token group, count) terms one `_binomial_sum` over p⁽⁰⁾ = `p` evaluates."""
    groups = _token_groups(np.ascontiguousarray(p, dtype=float).tobytes())[0]
    return sum((stop - start) * len(rows) for (start, stop), rows in binomial_windows(groups, size).items())


def _binomial_sum(p, size: int, value) -> float:
    """Σ_i E[value(X_i / size, p_i)], X_i ~ Binomial(size, p_i), summed over the counts that
    matter (`binomial_windows`), at most BINOMIAL_CHUNK terms at a time. Tokens whose
    probabilities agree within 0.1 % are evaluated once at their mean probability (a
    second-order error, ~10⁻⁷ relative): a Zipf vocabulary of 10⁵ tokens costs a few thousand
    evaluations. `value(f, q)` takes f = count / size of shape (1, counts) and q of (groups, 1)."""
    from scipy.special import gammaln

    p, tokens = _token_groups(np.ascontiguousarray(p, dtype=float).tobytes())
    total = 0.0
    for (start, stop), groups in sorted(binomial_windows(p, size).items()):
        step = max(1, BINOMIAL_CHUNK // len(groups))
        for first in range(start, stop, step):
            k = np.arange(first, min(first + step, stop), dtype=float)
            for rows in np.array_split(groups, -(-len(groups) * k.size // BINOMIAL_CHUNK)):
                q = p[rows][:, None]
                log_pmf = gammaln(size + 1) - gammaln(k + 1) - gammaln(size - k + 1) + k * np.log(q) + (size - k) * np.log1p(-q)
                total += float(tokens[rows] @ (np.exp(log_pmf) * value(k / size, q)).sum(axis=1))
    return total


def binomial_mean_abs_deviation(size, p):
    """E|X − size·p| for X ~ Binomial(size, p), by de Moivre's closed form
    2 ν C(size, ν) p^ν (1 − p)^(size − ν + 1), ν = ⌊size·p⌋ + 1 (Diaconis & Zabell 1991),
    evaluated in logs; `size` may be fractional (an effective sample size). 0 at p ∈ {0, 1}."""
    from scipy.special import gammaln

    p = np.asarray(p, dtype=float)
    size = np.asarray(size, dtype=float)
    inner = (p > 0) & (p < 1)
    q = np.where(inner, p, 0.5)
    nu = np.floor(size * q) + 1
    log_mad = (
        np.log(2 * nu)
        + gammaln(size + 1)
        - gammaln(nu + 1)
        - gammaln(np.maximum(size - nu + 1, 1e-300))
        + nu * np.log(q)
        + (size - nu + 1) * np.log1p(-q)
    )
    return np.where(inner & (nu <= size), np.exp(log_mad), 0.0)


def expected_l1_error(p0, size: int) -> float:
    """E‖p̂ − p⁽⁰⁾‖₁ for the empirical distribution p̂ of `size` samples, exactly: each count
    is Binomial(size, pᵢ), whose mean absolute deviation has de Moivre's closed form (the
    baseline of the `excess_error` criterion, docs/safe-fraction.md)."""
    return float(binomial_mean_abs_deviation(size, np.asarray(p0, dtype=float)).sum() / size)


def _drift_model(m, n_real, n_synthetic):
    """(draws, c_m): this project's model of token drift given p⁽¹⁾ = f (docs/theory.md).

    d_i has the exact variance c_m f_i(1 − f_i) of the fixed-real recursion and the shape of a
    centred binomial of `draws` = n / (1 − α²(1 − 1/n)) trials (n = n_synthetic), the effective
    number of synthetic draws behind the drift, scaled to that variance: Gaussian for tokens
    drawn many times, discrete (and with a smaller mean absolute value than a Gaussian of the
    same variance) for tokens drawn a few times."""
    alpha = n_synthetic / (n_real + n_synthetic)
    return n_synthetic / (1 - alpha**2 * (1 - 1 / n_synthetic)), _drift_factor(m, n_real, n_synthetic)


def _drift_mean_abs(f, draws, c_m):
    """E|d| of `_drift_model`: √c_m · sd(f) · E|B − μ| / sd(B), B ~ Binomial(draws, f)."""
    return np.sqrt(c_m) * binomial_mean_abs_deviation(draws, f) / np.sqrt(draws)


def drift_l1_expected(m, p0, n_real, n_synthetic):
    """Approximate E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ averaged over the real draw (this project's approximation,
    docs/theory.md): Σ_i E|d_i| with d_i given p⁽¹⁾ = f as in `_drift_model`, the mean over
    f_i ~ Bin(N₁, p_i)/N₁ summed exactly; tokens absent from the real data never move."""
    if n_synthetic == 0:
        return 0.0
    first_size = n_real if n_real > 0 else n_synthetic
    draws, c_m = _drift_model(m, n_real, n_synthetic)
    return _binomial_sum(np.asarray(p0, dtype=float), first_size, lambda f, q: _drift_mean_abs(f, draws, c_m))


def _folded_normal_mean(mu, var):
    """E|μ + σZ| for Z standard normal (σ² = var); |μ| where var = 0."""
    from scipy.special import erf

    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        gauss = sd * np.sqrt(2 / np.pi) * np.exp(-(mu**2) / (2 * var)) + mu * erf(mu / np.sqrt(2 * var))
    return np.where(var > 0, gauss, np.abs(mu))


def _mean_abs_shifted_poisson(mu, lam, scale):
    """E|μ + scale_j·(X − λ_j)|, X ~ Poisson(λ_j), for μ of shape (tokens, j). The sum is
    piecewise linear in μ, so it is read off cumulative sums over X (up to λ + 8√λ + 8) with one
    search per μ; all columns j are searched at once in one array, each shifted past the last."""
    from scipy.special import gammaln

    x = np.arange(np.ceil(lam.max() + 8 * np.sqrt(lam.max()) + 8) + 1)
    w = np.exp(x * np.log(lam[:, None]) - lam[:, None] - gammaln(x + 1))  # (j, X)
    a = scale[:, None] * (x - lam[:, None])  # increasing along X
    zero = np.zeros((lam.size, 1))
    cw, cwa = np.hstack([zero, np.cumsum(w, axis=1)]), np.hstack([zero, np.cumsum(w * a, axis=1)])
    shift = np.arange(lam.size) * (np.ptp(a) + np.abs(mu).max() + 1.0)
    i = np.searchsorted((a + shift[:, None]).ravel(), (shift - mu).ravel()).reshape(mu.shape)
    i -= np.arange(lam.size) * x.size  # position within its own column
    cols = np.arange(lam.size)
    return mu * (cw[:, -1] - 2 * cw[cols, i]) + (cwa[:, -1] - 2 * cwa[cols, i])


def error_l1_expected(m, p0, n_real, n_synthetic):
    """Approximate E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₁ under fixed real data (this project's approximation,
    docs/theory.md). p⁽ᵐ⁾ − p⁽⁰⁾ = (f − p) + d with f = p⁽¹⁾ and d the drift of `_drift_model`:
    E|f_i − p_i + d_i| is summed over the drift's discrete shape where the token is expected
    fewer than 30 times among the draws (Poisson there), and is a folded normal mean of the
    drift's variance elsewhere; averaged exactly over f_i ~ Bin(N₁, p_i)/N₁. Exact at
    n_synthetic = 0."""
    first_size = n_real if n_real > 0 else n_synthetic
    p = np.asarray(p0, dtype=float)
    if n_synthetic == 0:
        return _binomial_sum(p, first_size, lambda f, q: np.abs(f - q))
    draws, c_m = _drift_model(m, n_real, n_synthetic)

    def mean_abs(f, q):
        mu = f - q  # (tokens, counts): f is the first model's value at each real count
        out = _folded_normal_mean(mu, c_m * f * (1 - f))
        j = np.flatnonzero((draws * f < 30) & (f > 0))
        if j.size:
            out[:, j] = _mean_abs_shifted_poisson(mu[:, j], draws * f[j], np.sqrt(c_m * (1 - f[j]) / draws))
        return out

    return _binomial_sum(p, first_size, mean_abs)


# --- A biased sampler of the synthetic draws: the large-n limit (this project's extension) --------


def _sampler_map(sampler):
    """p ↦ T(p) of a sampler spec (core/sampler.py), or the callable itself."""
    from .sampler import transform

    return sampler if callable(sampler) else functools.partial(transform, spec=sampler)


def sampler_limit_path(p_real, alpha, sampler, generations):
    """p⁽¹⁾ … p⁽ᴳ⁾ of the fixed-real chain (eq 17) in the limit n → ∞ at a fixed α, with synthetic
    draws from T(p) (docs/samplers.md, "The large-n limit"):

        p⁽¹⁾ = p_real,   p⁽ᵐ⁺¹⁾ = (1 − α)·p_real + α·T(p⁽ᵐ⁾).

    In eq 17 the synthetic part is the MLE of n_synthetic = αn draws from T(p⁽ᵐ⁾), which tends to
    T(p⁽ᵐ⁾) as n grows (its deviation is O(n^−½) per token), and p_real is the kept real sample's
    MLE (p⁽⁰⁾ itself as n → ∞). `sampler` is a spec or a callable T; shape (G, vocab)."""
    T = _sampler_map(sampler)
    p_real = np.asarray(p_real, dtype=float)
    path = [p_real]
    for _ in range(2, generations + 1):
        path.append((1 - alpha) * p_real + alpha * T(path[-1]))
    return np.array(path)


FIXED_POINT_TOL = 1e-13  # ‖p⁽ᵐ⁺¹⁾ − p⁽ᵐ⁾‖₁ at which the iteration has reached its fixed point
FIXED_POINT_ITERATIONS = 100_000


def sampler_fixed_point(p_real, alpha, sampler):
    """p* = (1 − α)·p_real + α·T(p*), the limit of `sampler_limit_path` as G → ∞ (docs/samplers.md).

    For α < 1 the iteration from p_real contracts wherever T is smooth (temperature), and for a
    truncating T once its kept tokens settle; p* ≠ p_real unless T(p*) = p*, so the model stays
    away from the real data by an amount n does not shrink. NaN (every entry) when the
    iteration has not settled within FIXED_POINT_ITERATIONS steps (a truncation that keeps
    switching tokens), and at α = 1, where no real data anchors the chain (it collapses, Theorem 1)."""
    T = _sampler_map(sampler)
    p_real = np.asarray(p_real, dtype=float)
    if not 0 <= alpha < 1:
        return np.full_like(p_real, np.nan)
    p = p_real
    for _ in range(FIXED_POINT_ITERATIONS):
        following = (1 - alpha) * p_real + alpha * T(p)
        if np.abs(following - p).sum() <= FIXED_POINT_TOL:
            return following
        p = following
    return np.full_like(p_real, np.nan)


def sampler_floor(p0, alpha, sampler, generations=None) -> float:
    """The floor of the drift E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ and of the error E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ in scenario mixed
    (eq 17) with synthetic draws from T, as n → ∞ at a fixed α: ‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ of
    `sampler_limit_path(p0, …)` (p⁽¹⁾ → p⁽⁰⁾, so both statistics tend to this one number), or of
    the fixed point p* when `generations` is None (G large enough for p⁽ᴳ⁾ = p*; NaN where the
    fixed point is not reached, see `sampler_fixed_point`). It is 0 for `exact` (T(p) = p).

    Where it holds (docs/samplers.md, "The real sample's fluctuation"): at a finite n the chain is
    p⁽ᴳ⁾ = Φ(p̂) + e, with p̂ the real sample's MLE (N = n_real draws), Φ the limit map above and e
    the synthetic draws' noise; both p̂ − p⁽⁰⁾ and e are O(n^−½) per token with mean 0 to first
    order. On a token whose limit deviation aᵢ = Φ(p⁽⁰⁾)ᵢ − p⁽⁰⁾ᵢ is large against that noise,
    E|aᵢ + εᵢ| = |aᵢ| + O(1/n): the real sample's fluctuation averages out to first order. A token
    with |aᵢ| within its noise (where aᵢ changes sign, and every token when T(p⁽⁰⁾) = p⁽⁰⁾) adds its
    mean absolute noise, O(n^−½), instead; and a truncating T must keep the same tokens at p̂
    as at p⁽⁰⁾, i.e. its cut must not lie within O(n^−½) of the fixed point's. So the floor is the
    n → ∞ value of both statistics, reached when n is large against the support and those
    margins, not a bound at small n."""
    p0 = np.asarray(p0, dtype=float)
    if generations is None:
        p = sampler_fixed_point(p0, alpha, sampler)
    else:
        p = sampler_limit_path(p0, alpha, sampler, generations)[-1]
    return float(np.abs(p - p0).sum())


CEILING_PROBES = 50  # shares probed for "every smaller share is safe" before the crossing is refined
CEILING_RESOLUTION = 1e-4


def sampler_alpha_ceiling(p0, sampler, threshold: float = 0.1, criterion: str = "drift") -> float:
    """The n → ∞ limit of α* under a biased sampler T (docs/samplers.md, "The ceiling on α*").

    - `drift` (E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ ≤ threshold): the largest α whose floor (`sampler_floor` at the
      fixed point) is ≤ threshold with every smaller α's floor too — the shares are probed
      CEILING_PROBES times on [0, 1), then the first crossing is bisected to CEILING_RESOLUTION.
      At a finite n the drift is at least about the floor, so α*(n) stops growing at this value,
      whatever n; 1 for `exact` (no floor: α*(n) → 1 as n grows).
    - `excess_error` (E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ ÷ E‖p̂ − p⁽⁰⁾‖₁ ≤ threshold, p̂ the all-real model of the
      same size n): the numerator tends to the floor, the denominator to 0 like n^−½, so every α
      with a positive floor ends unsafe: the limit is 0 for a sampler with T(p⁽⁰⁾) ≠ p⁽⁰⁾ (α* falls
      like n^−½, with no ceiling to read here), and NaN for `exact` or a T that leaves p⁽⁰⁾ as
      it is, whose α* is set by the fluctuations this limit leaves out.

    NaN for other criteria, and where a floor is NaN (no fixed point)."""
    p0 = np.asarray(p0, dtype=float)
    biased = not np.array_equal(_sampler_map(sampler)(p0), p0)
    if criterion == "excess_error":
        return 0.0 if biased else float("nan")
    if criterion != "drift":
        return float("nan")
    if not biased:
        return 1.0
    probes = np.arange(CEILING_PROBES) / CEILING_PROBES
    floors = [sampler_floor(p0, a, sampler) for a in probes]
    if np.isnan(floors).any():
        return float("nan")
    unsafe = np.flatnonzero(np.array(floors) > threshold)
    if unsafe.size == 0:
        low, high = probes[-1], 1.0
    else:
        low, high = probes[unsafe[0] - 1], probes[unsafe[0]]
    while high - low > CEILING_RESOLUTION:
        middle = (low + high) / 2
        floor = sampler_floor(p0, middle, sampler)
        if np.isnan(floor):
            return float("nan")
        low, high = (middle, high) if floor <= threshold else (low, middle)
    return float(low)


# --- Closed forms behind the claims atlas (docs/claims.md) -----------------------------------------


def drift_scale(p0, n_real: int) -> float:
    """A = E Σᵢ √(fᵢ(1 − fᵢ)), fᵢ ~ Bin(N, pᵢ)/N the kept real sample's frequencies, summed exactly
    over the counts (`_binomial_sum`): the scale of the drift's Gaussian approximation
    E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ ≈ A·√(2c_G/π) (docs/claims.md, eq B5)."""
    return _binomial_sum(np.asarray(p0, dtype=float), int(n_real), lambda f, q: np.sqrt(f * (1 - f)))


def drift_l1_gaussian(m, p0, n_real: int, n_synthetic: int) -> float:
    """Eq B5: E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ ≈ A·√(2c_m/π), each token's drift Gaussian with the exact variance
    c_m fᵢ(1 − fᵢ) of the fixed-real recursion (eq B1); accurate when every token is frequent in
    the real sample, too large when many are rare."""
    if n_synthetic == 0:
        return 0.0
    return drift_scale(p0, n_real) * math.sqrt(2 * _drift_factor(m, n_real, n_synthetic) / math.pi)


def drift_threshold_gaussian(p0, n_real: int, eps: float) -> float:
    """Eq B7: the largest synthetic count n with stationary Gaussian drift (eq B5 at m = ∞) ≤ ε,
    n = cN²/(1 − c(2N + 1)) with c = πε²/(2A²); ∞ when c(2N + 1) ≥ 1 (beyond N_sat, no amount of
    synthetic data moves the drift past ε). Its leading order for n ≪ N is (π/2)(εN/A)² (eq B6):
    quadratic in N, where eq 11 allows a logarithm."""
    c = math.pi * eps**2 / (2 * drift_scale(p0, n_real) ** 2)
    saturation = c * (2 * n_real + 1)
    return math.inf if saturation >= 1 else c * n_real**2 / (1 - saturation)


def weighted_fresh_variance(m, n_real: int, n_synthetic: int, real_weight: float):
    """Eq A1: E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₂² / (1 − S₀) in scenario fresh with the weighted MLE
    p⁽ᵐ⁾ = w·p̂_real + (1 − w)·p̂_synthetic (w = n_real / n is the pooled MLE), exactly:

        v₁ = 1/n_real,  v_m = w²/n_real + (1 − w)²/n_synthetic + (1 − w)²(1 − 1/n_synthetic)·v_{m−1}.

    Every p⁽ᵐ⁾ is unbiased and the three error terms are uncorrelated (docs/claims.md). `m` and
    `real_weight` broadcast; m = ∞ gives the stationary F(w) of eq A2."""
    w = np.asarray(real_weight, dtype=float)
    source = w**2 / n_real + (1 - w) ** 2 / n_synthetic
    r = (1 - w) ** 2 * (1 - 1 / n_synthetic)
    m = np.asarray(m, dtype=float)
    stationary = source / (1 - r)
    return stationary + (1 / n_real - stationary) * r ** (m - 1)


def golden_weight(n_real: int, n_synthetic: int) -> float:
    """Eq A4: the real-data weight w* minimising the stationary error of eq A2, the root in [0, 1]
    of (m − 1)w² + (n + 1)w − n = 0 (n = n_real, m = n_synthetic); n/(n + 1) at m = 1. As
    n = m → ∞ it tends to 1/φ = 0.618…, the golden ratio's reciprocal (eq A6)."""
    n, m = int(n_real), int(n_synthetic)
    if m == 1:
        return n / (n + 1)
    return (math.sqrt((n + 1) ** 2 + 4 * (m - 1) * n) - (n + 1)) / (2 * (m - 1))


def accumulate_error_ratio(m, n: int):
    """Eq C2: E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₂² in scenario accumulate over that of the first (all-real) model,
    n·[1 − Π_{k=1}^{m} (1 − 1/(n k²))], exactly (the errors are martingale increments)."""
    m = np.atleast_1d(np.asarray(m, dtype=np.int64))
    factors = np.cumprod(1 - 1 / (n * np.arange(1, m.max() + 1, dtype=float) ** 2))
    return n * (1 - factors[m - 1])


def accumulate_error_limit(n: int) -> float:
    """Eq C3–C4: the m → ∞ limit of `accumulate_error_ratio`, n·[1 − sin(π/√n)/(π/√n)] by Euler's
    product for the sine; it increases to π²/6 as n → ∞ (Dey & Donoho's constant)."""
    x = math.pi / math.sqrt(n)
    return n * (1 - math.sin(x) / x)


def replace_error_ratio(m, n: int):
    """Eq C5: the same ratio under fully synthetic replacement (eq 6), n·[1 − (1 − 1/n)^m]:
    about m while m ≪ n (linear growth), n at total collapse."""
    return n * (1 - (1 - 1 / n) ** np.asarray(m, dtype=float))


def forgetting_median(count: float) -> float:
    """Eq D4: the median number of synthetic generations before a token counted `count` times in
    the real sample is lost, 2c/ln 2, from P(T₀ ≤ t) ≈ exp(−2c/t) (Feller's branching limit of the
    Wright–Fisher chain, t ≪ n): linear in the count (approximate)."""
    return 2 * count / math.log(2)
