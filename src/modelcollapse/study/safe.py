"""The maximum safe synthetic fraction α* of one row of a study (docs/safe-fraction.md).

A *row* fixes everything but the amount of synthetic data: the scenario, the vocabulary and
either the training-set size n (budget frame: n_real + n_synthetic = n) or the real sample size
N (real-data frame, the paper's Theorem 3: N real samples kept, n_synthetic added). A *probe* is
one synthetic count of the row; its effective fraction is n_synthetic / (n_real + n_synthetic).

Each criterion turns a probe's replicates into one per-seed value at the last generation G whose
mean is the criterion's statistic; every baseline is fixed within the row, so it never moves with
the synthetic count. α* is the largest count such that it and every smaller count are safe: its
point estimate is the threshold crossing of an isotonic fit over the probes, its interval comes
from one-sided tests at every probe, stepwise (`judge`), and `refine` adds probes until the point
and both interval ends are bracketed by adjacent counts or a tenth of the interval's width.

This module knows nothing of how probes are simulated: `refine` calls back for the values of a
new probe, so the workflow, the command line and the analytic predictions share it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ..config import DEFAULTS, allowed_values, default_counts, for_entry, schema, schema_errors, strict_errors
from ..core.sampler import EXACT, canonical
from ..core.simulate import SCENARIOS, SOURCE_SCENARIOS, Cell, sample_sizes
from ..core.stats import clopper_pearson_lower, clopper_pearson_upper, mean_and_se

CRITERIA = ("drift", "excess_error", "diversity", "collapse")
STATISTIC = {
    "drift": "E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁",
    "excess_error": "E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ / E‖p̂ − p⁽⁰⁾‖₁ (p̂: the all-real model, fixed in the row)",
    "diversity": "E[1 − σ_G] / (1 − S₀)",
    "collapse": "P(T ≤ G)",
}
LARGER_IS_WORSE = {"drift": True, "excess_error": True, "diversity": False, "collapse": True}
FRAMES = ("budget", "real_data")
# The defaults of `modelcollapse safe-fraction` and `modelcollapse.safe_fraction`: the schema's
DEFAULT_THRESHOLDS = {c: DEFAULTS["safe"][c] for c in CRITERIA}
DEFAULT_FRACTIONS = tuple(DEFAULTS["grid"]["synthetic_fraction"])
DEFAULT_N_SYNTHETIC = tuple(default_counts())


@dataclass(frozen=True)
class Row:
    """One row of a study: α* is a property of a row and a criterion.

    frame 'budget': `size` is n, the training-set size; probes are n_synthetic = 0 … n.
    frame 'real_data': `size` is N, the real samples kept; probes are n_synthetic = 0, 1, 2, …
    `sampler`: how every probe's synthetic samples are drawn (core/sampler.py), kept canonical.
    """

    scenario: str
    frame: str
    size: int
    vocab: int
    window: int | None = None
    sampler: str = EXACT

    def __post_init__(self):
        if self.frame not in FRAMES:
            raise ValueError(f"frame must be one of {', '.join(FRAMES)}, got {self.frame!r}")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {self.scenario!r}")
        object.__setattr__(self, "sampler", canonical(self.sampler))

    def cell(self, n_synthetic: int, requested: float | None = None) -> Cell:
        """The grid cell of a probe; `requested` is the synthetic fraction a config asked for."""
        n_synthetic = int(n_synthetic)
        n_real = self.size - n_synthetic if self.frame == "budget" else self.size
        return Cell.from_counts(self.scenario, self.vocab, n_real, n_synthetic, self.window, requested, self.sampler)

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

    def probes(self, grid: dict) -> dict:
        """The row's grid probes from a config's `grid` section (`grid`, with its
        `synthetic_fraction` or `n_synthetic` and `log_real_shares`); scenarios that set their own
        sources have one probe, at α = 1. What the workflow, the command line and the Python API
        simulate first."""
        if self.scenario in SOURCE_SCENARIOS:
            return {self.size: 1.0}
        return self.grid(grid.get("synthetic_fraction", ()), grid.get("n_synthetic", ()), grid.get("log_real_shares", False))

    @property
    def identity(self) -> dict:
        """The row's key columns in the safe-fraction table (`n` or `n_real` by frame, None the other)."""
        return {
            "scenario": self.scenario,
            "frame": self.frame,
            "vocab": self.vocab,
            "n": self.size if self.frame == "budget" else None,
            "n_real": self.size if self.frame == "real_data" else None,
            "sampler": self.sampler,
        }

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


def threshold_pairs(thresholds: dict, criteria=CRITERIA) -> list[tuple[str, float]]:
    """(criterion, threshold) for every threshold of every criterion of `criteria`, in order. A
    criterion's threshold is a number or a list of numbers (α* as a function of the tolerance,
    docs/safe-fraction.md, "α* against the tolerance"); a repeated one counts once."""
    return [(c, t) for c in criteria for t in dict.fromkeys(float(t) for t in np.atleast_1d(thresholds[c]))]


def threshold_problem(criterion: str, value, entry: str) -> str | None:
    """What is wrong with a criterion's threshold — a number or a non-empty list of numbers, each
    what the schema's `safe.{criterion}` allows — in the words of the configuration's check,
    under the name `entry` ('api' or 'cli') gives it (`config.for_entry`); None if nothing."""
    key = f"safe.{criterion}"
    node = schema()["properties"]["safe"]["properties"][criterion]
    items = list(value) if isinstance(value, list | tuple | np.ndarray) else [value]
    if not items:
        return for_entry(f"config key '{key}': an empty list; allowed: a {allowed_values(node)}, or a list of them", entry)
    for item in items:
        if problems := [*schema_errors(item, node, key), *strict_errors(item, node, key)]:
            return for_entry(problems[0], entry)
    return None


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


def last_safe(row: Row, criterion: str, probes: dict, threshold: float) -> tuple[np.ndarray, int]:
    """(sorted counts, index of the last probe that is safe with every smaller one) for exact
    statistics (the analytic columns): read in order and stopped at the first unsafe probe, so
    probes beyond it are never looked at (values computed on demand stay uncomputed)."""
    counts = np.array(sorted(probes))
    for i, count in enumerate(counts):
        if degenerate(row, count) or not is_safe(criterion, np.mean(probes[count][criterion]), threshold):
            return counts, i - 1
    return counts, counts.size - 1


def statistic_bounds(criterion: str, values, level: float) -> tuple[np.ndarray, np.ndarray]:
    """One-sided `level` confidence bounds (lower, upper) on each probe's statistic, from its
    per-seed `values` (probe, seed): exact Clopper–Pearson bounds for `collapse` (a binomial
    proportion), Student-t bounds mean ∓ t·SE for the means. One seed bounds nothing (±inf)."""
    values = np.asarray(values, dtype=float)
    seeds = values.shape[-1]
    if criterion == "collapse":
        collapsed = values.sum(axis=-1)
        return clopper_pearson_lower(collapsed, seeds, level), clopper_pearson_upper(collapsed, seeds, level)
    mean, se = mean_and_se(values, axis=-1)
    if seeds < 2:
        return np.full_like(mean, -np.inf), np.full_like(mean, np.inf)
    from scipy.special import stdtrit  # Student's t quantile

    half = stdtrit(seeds - 1, level) * se
    return mean - half, mean + half


def isotonic(values) -> np.ndarray:
    """The non-decreasing least-squares fit to `values` (equal weights: every probe has the same
    seeds), by pooling adjacent violators (Barlow et al. 1972, Statistical Inference under Order
    Restrictions, §1.2)."""
    blocks = []  # [mean, size] of pooled runs
    for v in np.asarray(values, dtype=float):
        blocks.append([v, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m1, w1), (m2, w2) = blocks.pop(-2), blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    return np.concatenate([np.full(w, m) for m, w in blocks]) if blocks else np.zeros(0)


@dataclass(frozen=True)
class Judgement:
    """What the probes say of one (row, criterion) (docs/safe-fraction.md, "The point estimate"
    and "The interval").

    `counts`: the probed counts below `cap`, the first degenerate probe (no count from it on is
    safe; None without one). Indices into `counts`, −1 for "none":
    `point`: α*, the last probe whose isotonic fit of the statistic is safe;
    `low`: the interval's lower end, the last of the run of probes from count 0 on whose
    pessimistic bound is safe (ascending fixed sequence);
    `unsafe`: the first of the run of significantly unsafe probes (optimistic bound unsafe) that
    ends at the first probe unsafe at the Bonferroni level (descending fixed sequence from there;
    `counts.size` when there is none and the top probe is not significantly unsafe);
    `conservative`: as `low`, at the one-sided level `confidence`.
    """

    counts: np.ndarray
    cap: int | None
    point: int
    low: int
    unsafe: int
    conservative: int

    def count(self, index: int) -> int:
        """The count of probe `index`; −1 for index −1 (no safe count)."""
        return int(self.counts[index]) if index >= 0 else -1

    def high(self, row: Row) -> int | None:
        """The interval's upper end as a count: the count before the first significantly unsafe
        probe of the top run, else before the first degenerate probe, else the row's largest
        count (None in the real-data frame: open); −1 when even count 0 is significantly unsafe."""
        if self.unsafe < self.counts.size:
            return int(self.counts[self.unsafe]) - 1
        if self.cap is not None:
            return self.cap - 1
        return row.size if row.frame == "budget" else None


def judge(row: Row, criterion: str, probes: dict, threshold: float, confidence: float) -> Judgement:
    """The point estimate, the interval and the conservative α* of one criterion from the probes
    {count: {criterion: per-seed values}}, every probe with the same seeds.

    The interval inverts one-sided tests at level (1 + confidence)/2 each, stepwise without
    multiplicity adjustment (Hsu & Berger 1999): the truth lies above the lower end unless the
    first truly unsafe probe looked significantly safe, and below the upper end unless the last
    truly safe probe looked significantly unsafe, each at most (1 − confidence)/2 where the
    statistic is monotone in the count between its probes. The descending walk starts below the
    first probe that is unsafe at the Bonferroni level over all probes (a statistic need not be
    monotone near α = 1), which can add at most (1 − confidence)/2 more where many truly safe
    probes sit at the threshold itself."""
    every = np.array(sorted(probes))
    bad = np.array([degenerate(row, k) for k in every], dtype=bool)
    cap = int(every[bad][0]) if bad.any() else None
    counts = every[: np.argmax(bad)] if bad.any() else every
    if not counts.size:  # degenerate from count 0 on: nothing can be safe
        return Judgement(counts, cap, -1, -1, 0, -1)
    values = np.stack([np.asarray(probes[k][criterion], dtype=float) for k in counts])
    worse = LARGER_IS_WORSE[criterion]

    def certified(level):  # pessimistic bound safe: the upper bound for larger-is-worse
        lower, upper = statistic_bounds(criterion, values, level)
        return is_safe(criterion, upper if worse else lower, threshold), is_safe(criterion, lower if worse else upper, threshold)

    two_sided = (1 + confidence) / 2
    sure_safe, maybe_safe = certified(two_sided)
    low = int(boundary(sure_safe))
    # the descending walk starts at the first probe that is unsafe even at the Bonferroni level
    # over all probes, so that a safe stretch beyond the boundary does not stop it there
    unsafe = int(boundary(certified(1 - (1 - two_sided) / counts.size)[1])) + 1
    while unsafe > 0 and not maybe_safe[unsafe - 1]:
        unsafe -= 1
    badness = values.mean(axis=1)[: unsafe + 1] * (1 if worse else -1)
    fit = isotonic(np.where(np.isnan(badness), np.inf, badness))  # NaN is never safe
    point = int(boundary(is_safe(criterion, fit if worse else -fit, threshold)))
    return Judgement(counts, cap, point, low, unsafe, int(boundary(certified(confidence)[0])))


def brackets(judgement: Judgement, every: np.ndarray) -> list[tuple[int, int]]:
    """The gaps between probed counts (sorted `every`) that hold the point estimate, the lower end
    and the upper end of the interval: after its count and before the next probe, or (upper end)
    before the first significantly unsafe probe of the top run."""

    def after(count):
        later = every[every > count]
        return (count, int(later[0])) if later.size else None

    out = [after(judgement.count(i)) for i in (judgement.point, judgement.low) if i >= 0]
    if 0 < judgement.unsafe < judgement.counts.size:
        top = int(judgement.counts[judgement.unsafe])
        out.append((int(every[every < top][-1]), top))
    return [b for b in out if b is not None]


BRACKET_SHARE = 0.1  # refine a bracket until it is at most this share of the interval's width


def wide_brackets(row: Row, probes: dict, criterion: str, threshold: float, confidence: float, resolution=None) -> list:
    """The brackets (`brackets`) of one criterion at one threshold that refinement would still
    split: wider than two adjacent counts and than `BRACKET_SHARE` of the interval's width (in
    counts), and, when `resolution` is given, than that in effective fraction. None left: the
    probes pin the answer down as finely as refinement does."""
    every = np.array(sorted(probes))
    j = judge(row, criterion, probes, threshold, confidence)
    high = j.high(row)
    width = (high if high is not None else int(every[-1])) - max(j.count(j.low), 0)
    return [
        (a, b)
        for a, b in brackets(j, every)
        if b - a > 1 and b - a > BRACKET_SHARE * width and (resolution is None or float(row.fraction(b) - row.fraction(a)) > resolution)
    ]


def sections(a: int, b: int, per_bracket: int = 1) -> set:
    """The counts that cut the bracket (a, b) into `per_bracket` + 1 nearly equal parts (k-section,
    k = per_bracket), each strictly inside it: a bracket of B counts is then down to adjacent counts
    after ⌈log_{k+1} B⌉ rounds. k = 1 is bisection, the midpoint (a + b) // 2."""
    return {a + (b - a) * i // (per_bracket + 1) for i in range(1, per_bracket + 1)} - {a, b}


def wanted_probes(
    row: Row, probes: dict, thresholds: dict, confidence: float, resolution=None, criteria=CRITERIA, per_bracket: int = 1
) -> set:
    """The counts refinement probes next: the `sections` of every `wide_brackets` of every
    criterion and each of its thresholds, so the point estimate and both interval ends are refined
    in the same round. Empty when no probe would change what the answer means."""
    return {
        k
        for c, t in threshold_pairs(thresholds, criteria)
        for a, b in wide_brackets(row, probes, c, t, confidence, resolution)
        for k in sections(a, b, per_bracket)
    }


def refine(probes: dict, evaluate: Callable[[int], dict], wanted: Callable[[dict], set]) -> dict:
    """Rounds of refinement: each round probes every count `wanted(probes)` asks for, in order,
    `evaluate(count)` returning {criterion: per-seed values}; until it asks for none. The
    workflow runs the same rounds as jobs when a probe is more than one job (study.rounds)."""
    while counts := sorted(wanted(probes)):
        for k in counts:
            probes[k] = evaluate(k)
    return probes


def seeds_to_certify(threshold: float, level: float) -> int:
    """The fewest seeds whose one-sided `level` Clopper–Pearson bound on 0 collapses is within a
    collapse threshold: 1 − (1 − level)^(1/R) ≤ threshold. Fewer, and no count is certified."""
    return int(np.ceil(np.log(1 - level) / np.log1p(-threshold))) if threshold > 0 else np.iinfo(np.int64).max


def _alpha_at(row: Row, count) -> float:
    """Effective fraction of a count (NaN for −1: nothing is safe; 1 for None: open above)."""
    if count is None:
        return 1.0
    return float(row.fraction(count)) if count >= 0 else np.nan


def estimate(row: Row, probes: dict, thresholds: dict, confidence: float, criteria=CRITERIA) -> list[dict]:
    """α* per criterion and threshold (`threshold_pairs`) with its bracket, interval and
    conservative value (`judge`).

    Every probe must carry the same seeds (per-seed values aligned by seed)."""
    every = np.array(sorted(probes))
    seeds = len(probes[every[0]][CRITERIA[0]])
    rows = []
    for criterion, threshold in threshold_pairs(thresholds, criteria):
        j = judge(row, criterion, probes, threshold, confidence)
        point = j.count(j.point)
        following = every[every > point]
        notes = interval_notes(row, criterion, j, threshold, confidence, seeds) + row_notes(row, criterion, j)
        rows.append(
            {
                "criterion": criterion,
                "statistic": STATISTIC[criterion],
                "threshold": threshold,
                "safe_fraction": _alpha_at(row, point),
                "ci_low": _alpha_at(row, j.count(j.low)),
                "ci_high": _alpha_at(row, j.high(row)),
                "safe_fraction_conservative": _alpha_at(row, j.count(j.conservative)),
                "max_synthetic": point,  # −1: none is safe
                "bracket_low": _alpha_at(row, point),
                "bracket_high": float(row.fraction(following[0])) if point >= 0 and following.size else np.nan,
                "probes": int(every.size),
                "confidence": confidence,
                "seeds": seeds,
                "note": "; ".join(notes),
            }
        )
    return rows


def seed_shortfall(criterion: str, seeds: int, threshold: float, confidence: float) -> str | None:
    """Why `seeds` replicates cannot certify any count safe under `criterion`, or None: what a
    study or command says before it runs, and the table's note says after."""
    if seeds < 2:
        return "one seed bounds no statistic: no count is certified safe (ci_low open) or significantly unsafe (ci_high the largest count the row allows)"
    if criterion == "collapse" and seeds < (needed := seeds_to_certify(threshold, (1 + confidence) / 2)):
        return (
            f"{seeds} seeds cannot certify P(collapse) <= {threshold:g} at {(1 + confidence) / 2:.1%} "
            f"(needs >= {needed}; >= {seeds_to_certify(threshold, confidence)} for the conservative alpha*): "
            "ci_low is open"
        )
    return None


def seed_shortfalls(seeds: int, thresholds: dict, confidence: float) -> list[str]:
    """`seed_shortfall` of every criterion and threshold, each once, as 'criterion: message' lines."""
    found = (f"{c}: {m}" for c, t in threshold_pairs(thresholds) if (m := seed_shortfall(c, seeds, t, confidence)))
    return list(dict.fromkeys(found))


def interval_notes(row: Row, criterion: str, j: Judgement, threshold: float, confidence: float, seeds: int) -> list[str]:
    """What the interval's open ends mean: nothing certified safe (ci_low NaN), or even no
    synthetic data significantly unsafe (ci_high NaN too), and why when the seeds are too few."""
    notes = [m for m in [seed_shortfall(criterion, seeds, threshold, confidence)] if m]
    if j.unsafe == 0:
        notes.append("significantly unsafe without synthetic data: the interval holds only 'no safe fraction'")
    elif j.low < 0 and not notes:
        notes.append("no count is certified safe: the interval reaches 'no safe fraction' (ci_low NaN)")
    return notes


def row_notes(row: Row, criterion: str, j: Judgement) -> list[str]:
    """What a reader of this (row, criterion) must know: degenerate probes, statistics decided by
    the real sample alone, boundaries at the ends of the probed range."""
    notes = []
    if j.point < 0:
        notes.append("unsafe at the smallest probed synthetic count: no safe fraction")
    elif j.point + 1 == j.counts.size:
        if j.cap is not None:
            notes.append(f"the boundary is the first probe whose p(1) is a point mass (one real sample), alpha = {row.fraction(j.cap):.4g}")
        else:
            top = "alpha = 1" if row.frame == "budget" and j.counts[-1] == row.size else f"n_synthetic = {j.counts[-1]}"
            notes.append(f"safe at every probed count, up to {top}: the boundary is not reached")
    if any(real_sample_decides(row, criterion, c) for c in j.counts):
        notes.append("decided by the real sample alone where n_real >= 1: P(T <= G) = sum p_i^n_real for any G")
    return notes
