"""Closed forms of Seddik et al. 2024 (paper.md §4), with the corrections paper.md flags.

Notation: p⁽⁰⁾ the truth, S₀ = Σp⁽⁰⁾², s̃ its support size. Fully synthetic: n samples per
generation. Fixed-real ("partially synthetic", eq 17): N real samples drawn once and kept, n
synthetic samples per generation, α = n/(N+n). Generation m = 1 is the first trained model.
"""

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
    """Diffusion approximation of E[T] for the neutral Wright–Fisher chain (paper.md §8 [R]):
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


def simpson_partial(m, N, n, s0):
    """Theorem 2, eq 9 with the corrected ("plus") sign: S_m for m ≥ 1, fixed N real + n synthetic.

    S_{m+1} = S∞ − (1 − 1/N) α β^m (1 − S₀) / (N D)  (paper.md §4.3); S_1 = 1/N + (1 − 1/N) S₀.
    """
    alpha, beta, D = _alpha_beta_d(N, n)
    k = np.asarray(m, dtype=float) - 1.0
    return simpson_stationary(N, n, s0) - (1 - 1 / N) * alpha * beta**k * (1 - s0) / (N * D)


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
    s1 = 1 / first_size + (1 - 1 / first_size) * s0
    a2 = alpha**2
    stationary = a2 * (1 - s1) / (n_synthetic - a2 * (n_synthetic - 1))
    return stationary * (1.0 - (a2 * (1 - 1 / n_synthetic)) ** (np.asarray(m, dtype=float) - 1))


def drift_l1_gaussian(m, first, n_synthetic, alpha):
    """E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ ≈ Σ_i √(2/π · E d_i²): a Gaussian approximation per token (accurate when
    the synthetic counts per token are large; an overestimate for tokens with few counts)."""
    return np.sqrt(2 / np.pi * drift_variance(m, first, n_synthetic, alpha)).sum(axis=-1)


# --- Theorem 3 --------------------------------------------------------------------------------


def G_n(n, s):
    """Eq 10: the three-regime G_n(s) of Theorem 3 / Lemma 1 (paper.md §4.4)."""
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
    log_term = math.log(math.sqrt(2) * math.pi * N * eps / (6 * math.e * s))
    return 2 * math.pi * math.exp(-2) * min(s - 2, log_term)


def drift_l1_expected(m, p0, n_real, n_synthetic):
    """Approximate E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ averaged over the real draw (this project's approximation).

    Given p⁽¹⁾ = f, each token's drift is taken as Gaussian with the variance of drift_variance,
    E|d_i| ≈ √(2/π · c_m · f_i(1 − f_i)); the mean over f_i ~ Bin(N₁, p_i)/N₁ is summed exactly.
    Tokens absent from the real data never move, which the Gaussian-in-f form would miss.
    """
    from scipy.stats import binom

    if n_synthetic == 0:
        return 0.0
    first_size = n_real if n_real > 0 else n_synthetic
    alpha = n_synthetic / (n_real + n_synthetic)
    c_m = float(drift_variance(m, np.array(0.25), n_synthetic, alpha)) / 0.25  # f(1−f) factored out
    p = np.asarray(p0, dtype=float)
    p = p[p > 0]
    # Tokens expected 30+ times: E√(f(1−f)) ≈ √(E f(1−f)) (Jensen gap below 1 %).
    many = first_size * p >= 30
    total = np.sqrt(p[many] * (1 - p[many]) * (1 - 1 / first_size)).sum()
    few = p[~many]
    if few.size:
        k = np.arange(min(first_size, 100) + 1)  # P(k > 100) is negligible when N·p < 30
        root = np.sqrt(k / first_size * (1 - k / first_size))
        total += (binom.pmf(k[None, :], first_size, few[:, None]) @ root).sum()
    return float(np.sqrt(2 / np.pi * c_m) * total)
