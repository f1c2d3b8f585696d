"""The maximum safe synthetic fraction α* of one row of a study (docs/safe-fraction.md).

A *row* fixes everything but the amount of synthetic data: the scenario, the vocabulary and
either the training-set size n (budget frame: n_real + n_synthetic = n) or the real sample size
N (real-data frame, the paper's Theorem 3: N real samples kept, n_synthetic added). A *probe* is
one synthetic count of the row; its effective fraction is n_synthetic / (n_real + n_synthetic).

Each criterion turns a probe's replicates into one per-seed value at the last generation G whose
mean is the criterion's statistic; every baseline is fixed within the row, so it never moves with
the synthetic count. α* is the largest probed fraction such that every smaller probed fraction is
safe. `refine` adds probes by bisection on the integer count until the bracket around α* is at
most `resolution` wide or two adjacent counts; `estimate` gives α*, its bootstrap interval over
seeds (the same estimator applied to resampled seeds) and the conservative α*.

This module knows nothing of how probes are simulated: `refine` calls back for the values of a
new probe, so the workflow, the command line and the analytic predictions share it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ..core.simulate import SCENARIOS, Cell, sample_sizes
from ..core.stats import clopper_pearson_upper
from ..core.theory import binomial_mean_abs_deviation

CRITERIA = ("drift", "excess_error", "diversity", "collapse")
STATISTIC = {
    "drift": "E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁",
    "excess_error": "E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ / E‖p̂ − p⁽⁰⁾‖₁ (p̂: the all-real model, fixed in the row)",
    "diversity": "E[1 − σ_G] / (1 − S₀)",
    "collapse": "P(T ≤ G)",
}
LARGER_IS_WORSE = {"drift": True, "excess_error": True, "diversity": False, "collapse": True}
FRAMES = ("budget", "real_data")
# The default study's thresholds and grid (workflow/schemas/config.schema.yaml has the same; a test
# checks), used by `modelcollapse safe-fraction` and `modelcollapse.safe_fraction`.
DEFAULT_THRESHOLDS = {"drift": 0.1, "excess_error": 1.1, "diversity": 0.9, "collapse": 0.05}
DEFAULT_FRACTIONS = tuple(k / 20 for k in range(21))  # 0, 0.05, …, 1
DEFAULT_N_SYNTHETIC = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)
BOOTSTRAP_DOMAIN = 2  # SeedSequence spawn_key domain (simulate.REPLICATE_DOMAIN is 0)


@dataclass(frozen=True)
class Row:
    """One row of a study: α* is a property of a row and a criterion.

    frame 'budget': `size` is n, the training-set size; probes are n_synthetic = 0 … n.
    frame 'real_data': `size` is N, the real samples kept; probes are n_synthetic = 0, 1, 2, …
    """

    scenario: str
    frame: str
    size: int
    vocab: int
    window: int | None = None

    def __post_init__(self):
        if self.frame not in FRAMES:
            raise ValueError(f"frame must be one of {', '.join(FRAMES)}, got {self.frame!r}")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {self.scenario!r}")

    def cell(self, n_synthetic: int, requested: float | None = None) -> Cell:
        """The grid cell of a probe; `requested` is the synthetic fraction a config asked for."""
        n_synthetic = int(n_synthetic)
        n_real = self.size - n_synthetic if self.frame == "budget" else self.size
        return Cell.from_counts(self.scenario, self.vocab, n_real, n_synthetic, self.window, requested)

    def fraction(self, n_synthetic) -> np.ndarray:
        """Effective synthetic fraction(s) n_synthetic / n of probes."""
        k = np.asarray(n_synthetic, dtype=float)
        return k / self.size if self.frame == "budget" else k / (self.size + k)

    def first_size(self, n_synthetic: int) -> int:
        """Samples p⁽¹⁾ is trained on: the real share, or all of n when there is none (α = 1)."""
        return self.cell(n_synthetic).first_size

    def grid(self, fractions=(), counts=(), log_real_shares: bool = False) -> dict:
        """The row's grid probes as {n_synthetic: requested fraction}, sorted by count.

        Budget frame: the requested `fractions` (several giving the same count are one probe,
        kept under the smallest), plus with `log_real_shares` the real shares 1 − α = 0.5, 0.2,
        0.1, 0.05, … down to 1/n (one real sample), where the boundaries of large n lie. Real-data frame: the
        synthetic `counts`. No synthetic data (count 0) is always probed: α* needs every
        smaller fraction safe, from the start."""
        probes = {0: 0.0}
        if self.frame == "real_data":
            for k in counts:
                probes.setdefault(int(k), None)
            return dict(sorted(probes.items()))
        requested = list(fractions)
        if log_real_shares:
            step = 0
            while (share := Decimal((5, 2, 1)[step % 3]) / Decimal(10) ** (step // 3 + 1)) * self.size > 1:
                requested.append(float(1 - share))
                step += 1
            requested.append(float(1 - Decimal(1) / self.size))  # one real sample: p(1) a point mass
        for a in sorted(requested):
            probes.setdefault(sample_sizes(self.size, a)[1], a)
        return dict(sorted(probes.items()))

    @property
    def identity(self) -> dict:
        """The row's key columns in the safe-fraction table (`n` or `n_real` by frame, None the other)."""
        return {"scenario": self.scenario, "frame": self.frame, "vocab": self.vocab,
                "n": self.size if self.frame == "budget" else None,
                "n_real": self.size if self.frame == "real_data" else None}

    @property
    def baseline_size(self) -> int:
        """Sample size of the all-real model the excess error is measured against: the same
        training-set size n (budget frame), or the N real samples p⁽¹⁾ is trained on."""
        return self.size


def degenerate(row: Row, n_synthetic: int) -> bool:
    """p⁽¹⁾ trained on one sample is a point mass: the model has collapsed before any synthetic
    data is used. Such probes are never counted safe, under any criterion."""
    return row.first_size(n_synthetic) <= 1


def real_sample_decides(row: Row, criterion: str, n_synthetic: int) -> bool:
    """With fixed real data (scenario mixed, n_real ≥ 1) total collapse needs p⁽¹⁾ itself to be
    a point mass, so P(T ≤ G) = Σᵢ (p⁽⁰⁾ᵢ)^n_real for every G: the real sample alone decides."""
    return criterion == "collapse" and row.scenario == "mixed" and row.cell(n_synthetic).n_real >= 1


# --- per-seed values ---------------------------------------------------------------------------


def expected_l1_error(p0, size: int) -> float:
    """E‖p̂ − p⁽⁰⁾‖₁ for the empirical distribution p̂ of `size` samples, exactly: each count
    is Binomial(size, pᵢ), whose mean absolute deviation has de Moivre's closed form."""
    return float(binomial_mean_abs_deviation(size, np.asarray(p0, dtype=float)).sum() / size)


def criterion_values(metrics_at_G: dict, collapse_time, generations: int, s0: float, baseline: float) -> dict:
    """Per criterion, the per-seed values at G whose mean is the criterion's statistic.

    `metrics_at_G` maps 'l1_from_first', 'l1_from_truth', 'simpson' to per-seed arrays;
    `collapse_time` is per seed (NaN or < 0: not collapsed by G); `baseline` = E‖p̂ − p⁽⁰⁾‖₁ of
    the row's all-real model (`expected_l1_error`)."""
    T = np.asarray(collapse_time, dtype=float)
    return {
        "drift": np.asarray(metrics_at_G["l1_from_first"], dtype=float),
        "excess_error": np.asarray(metrics_at_G["l1_from_truth"], dtype=float) / baseline,
        "diversity": (1 - np.asarray(metrics_at_G["simpson"], dtype=float)) / (1 - s0),
        "collapse": ((T >= 1) & (T <= generations)).astype(float),
    }


# --- the estimator ------------------------------------------------------------------------------


def is_safe(criterion: str, statistic, threshold: float):
    """Within the threshold (ties are safe); NaN is never safe."""
    s = np.asarray(statistic, dtype=float)
    return s <= threshold if LARGER_IS_WORSE[criterion] else s >= threshold


def boundary(safe) -> int:
    """Index of the last probe such that it and every probe before it are safe (probes sorted by
    count); −1 when the first probe is unsafe. Works along the last axis."""
    safe = np.asarray(safe, dtype=bool)
    unsafe = ~safe
    first_unsafe = np.where(unsafe.any(axis=-1), unsafe.argmax(axis=-1), safe.shape[-1])
    return first_unsafe - 1


def safe_mask(row: Row, criterion: str, counts, statistic, threshold: float):
    """Probes that are safe: within the threshold and not degenerate (`statistic` may carry
    leading axes, e.g. bootstrap resamples, before the probe axis)."""
    ok = is_safe(criterion, statistic, threshold)
    bad = np.array([degenerate(row, k) for k in counts])
    return ok & ~bad


def last_safe(row: Row, criterion: str, probes: dict, threshold: float) -> tuple[np.ndarray, int]:
    """(sorted counts, index of the last probe that is safe with every smaller one): `boundary`
    on the mean statistics, read in order and stopped at the first unsafe probe, so probes
    beyond it are never looked at (values computed on demand stay uncomputed)."""
    counts = np.array(sorted(probes))
    for i, count in enumerate(counts):
        if degenerate(row, count) or not is_safe(criterion, np.mean(probes[count][criterion]), threshold):
            return counts, i - 1
    return counts, counts.size - 1


def _needs_probe(row: Row, counts: np.ndarray, k: int, resolution: float):
    """The midpoint count to probe next inside the bracket (counts[k], counts[k+1]), or None."""
    if k < 0 or k + 1 >= counts.size:
        return None
    lo, hi = int(counts[k]), int(counts[k + 1])
    if hi - lo <= 1 or float(row.fraction(hi) - row.fraction(lo)) <= resolution:
        return None
    return (lo + hi) // 2


def refine(
    row: Row,
    probes: dict,
    evaluate: Callable[[int], dict],
    thresholds: dict,
    resolution: float,
    criteria=CRITERIA,
) -> dict:
    """Bisection on the integer synthetic count, per criterion, over the union of all probes.

    `probes` maps n_synthetic → {criterion: per-seed values}; `evaluate(n_synthetic)` returns the
    same for a new probe. New probes are added to `probes` (and returned) until, for every
    criterion, the bracket between the last safe probe (all smaller ones safe) and the next probe
    is at most `resolution` wide in effective fraction or spans two adjacent counts."""
    for criterion in criteria:
        while True:
            counts, k = last_safe(row, criterion, probes, thresholds[criterion])
            mid = _needs_probe(row, counts, k, resolution)
            if mid is None:
                break
            probes[mid] = evaluate(mid)
    return probes


def bootstrap_weights(row: Row, seeds: int, bootstrap: int, root_seed: int) -> np.ndarray:
    """(bootstrap, seeds) resampling counts / seeds: weights @ values = resampled means. Keyed by
    the row, so a row's interval does not depend on which other rows a study has."""
    key = (BOOTSTRAP_DOMAIN, FRAMES.index(row.frame), SCENARIOS.index(row.scenario), row.size, row.vocab)
    rng = np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=key))
    idx = rng.integers(0, seeds, size=(bootstrap, seeds))
    weights = np.zeros((bootstrap, seeds))
    np.add.at(weights, (np.arange(bootstrap)[:, None], idx), 1.0)
    return weights / seeds


def _alpha_at(row: Row, counts: np.ndarray, k) -> np.ndarray:
    """Effective fraction of probe index k (NaN where k = −1: nothing is safe)."""
    k = np.asarray(k)
    return np.where(k >= 0, row.fraction(counts[np.maximum(k, 0)]), np.nan)


def estimate(row: Row, probes: dict, thresholds: dict, confidence: float, bootstrap: int, root_seed: int) -> list[dict]:
    """α* per criterion with its bracket, bootstrap interval and conservative value.

    Every probe must carry the same seeds (per-seed values aligned by seed)."""
    counts = np.array(sorted(probes))
    seeds = len(probes[counts[0]][CRITERIA[0]])
    weights = bootstrap_weights(row, seeds, bootstrap, root_seed)
    bad = np.array([degenerate(row, k) for k in counts])  # for the notes
    rows = []
    for criterion in CRITERIA:
        values = np.stack([np.asarray(probes[c][criterion], dtype=float) for c in counts])  # (probe, seed)
        threshold = thresholds[criterion]
        worse = LARGER_IS_WORSE[criterion]
        mean = values.mean(axis=1)
        k = int(boundary(safe_mask(row, criterion, counts, mean, threshold)))
        boot = weights @ values.T  # (bootstrap, probe)
        k_boot = boundary(safe_mask(row, criterion, counts, boot, threshold))
        if criterion == "collapse":
            bound = clopper_pearson_upper(values.sum(axis=1), seeds, confidence)
        else:
            bound = np.quantile(boot, confidence if worse else 1 - confidence, axis=0)
        k_cons = int(boundary(safe_mask(row, criterion, counts, bound, threshold)))
        point = float(_alpha_at(row, counts, k))
        boot_alpha = _alpha_at(row, counts, k_boot)
        notes = []
        if np.isnan(boot_alpha).any():
            low = high = np.nan  # some resamples find nothing safe: the interval reaches "none"
            notes.append(f"{np.isnan(boot_alpha).mean():.1%} of bootstrap resamples find no safe fraction: ci_low is NaN")
            finite = boot_alpha[~np.isnan(boot_alpha)]
            if finite.size:
                high = float(np.quantile(finite, (1 + confidence) / 2))
        else:
            low, high = (float(q) for q in np.quantile(boot_alpha, [(1 - confidence) / 2, (1 + confidence) / 2]))
        if not np.isnan(point) and not (np.isnan(low) or low <= point <= high):
            notes.append(f"percentile interval [{low:.4g}, {high:.4g}] widened to contain the point estimate")
            low, high = min(low, point), max(high, point)
        notes += row_notes(row, criterion, counts, k, bad)
        rows.append(
            {
                "criterion": criterion,
                "statistic": STATISTIC[criterion],
                "threshold": threshold,
                "safe_fraction": point,
                "ci_low": low,
                "ci_high": high,
                "safe_fraction_conservative": float(_alpha_at(row, counts, k_cons)),
                "max_synthetic": int(counts[k]) if k >= 0 else -1,  # −1: none is safe
                "bracket_low": point,
                "bracket_high": float(row.fraction(counts[k + 1])) if k + 1 < counts.size else np.nan,
                "probes": int(counts.size),
                "confidence": confidence,
                "seeds": seeds,
                "note": "; ".join(notes),
            }
        )
    return rows


def row_notes(row: Row, criterion: str, counts: np.ndarray, k: int, bad: np.ndarray) -> list[str]:
    """What a reader of this (row, criterion) must know: degenerate probes, statistics decided by
    the real sample alone, boundaries at the ends of the probed range."""
    notes = []
    if k < 0:
        notes.append("unsafe at the smallest probed synthetic count: no safe fraction")
    elif k + 1 == counts.size:
        top = "alpha = 1" if row.frame == "budget" and counts[-1] == row.size else f"n_synthetic = {counts[-1]}"
        notes.append(f"safe at every probed count, up to {top}: the boundary is not reached")
    if bad.any():
        first = float(row.fraction(counts[bad][0]))
        if k + 1 < counts.size and bad[k + 1]:
            notes.append(f"the boundary is the first probe whose p(1) is a point mass (one real sample), alpha = {first:.4g}")
    if any(real_sample_decides(row, criterion, c) for c in counts):
        notes.append("decided by the real sample alone where n_real >= 1: P(T <= G) = sum p_i^n_real for any G")
    return notes
