"""The claims atlas: each published answer to "how much synthetic data is safe?" re-measured on
this project's engine (docs/claims.md).

Per claim, `simulate_<claim>(cfg)` runs the simulation its row needs (fixed seeds, one stream per
replicate via `simulate_cell`) and returns a table; `judge_<claim>(table, cfg)` reads that table
and returns the claim's row: our value with its interval (mean ± z_max standard errors), the
closed form where one exists with the z-score of the simulation against it, the mapping of the
claim's frame onto ours (`sources.SOURCES`) and a verdict decided by those numbers — "agrees",
"contradicts", "agrees only under …" or "undecided" when the interval does not settle it.
`cfg` is the `claims` section of the configuration (config/claims.yaml) with the shared keys
(`root_seed`, `exponent`, `z_max`) and the claim's own section.

Equation labels (A1 … F1) are those of docs/claims.md.
"""

import math

import numpy as np
import pandas as pd

from ..core import initial, stats, theory
from ..core.simulate import METRICS, Cell, simulate_cell
from .sources import SOURCES

METRIC = {name: k for k, name in enumerate(METRICS)}
AGREES, CONTRADICTS, UNDECIDED = "agrees", "contradicts", "undecided"
# Rows a batch of replicates may hold at once (seeds × generations): the engine's metric block
# stays a few hundred MB whatever the claim's seeds and horizon.
BATCH_ROWS = 2_000_000


def agrees_only_under(condition: str) -> str:
    return f"agrees only under {condition}"


def truth(vocab: int, cfg: dict) -> np.ndarray:
    """p⁽⁰⁾ of every row: Zipf(vocab, exponent), the project's default shape."""
    return initial.zipf(vocab, cfg["exponent"])


def run(p0, cell: Cell, seeds: int, generations: int, root_seed: int, keep=None) -> tuple[np.ndarray, np.ndarray]:
    """Replicates 0 … seeds − 1 of `cell` (`simulate_cell`, each on its own stream), run in
    batches of seeds: (metrics at the generations `keep` (all when None), shape (seeds, len(keep),
    metrics); collapse times, −1 where none by G). Batching changes no draw."""
    keep = np.arange(generations + 1) if keep is None else np.asarray(keep)
    batch = max(1, BATCH_ROWS // (generations + 1))
    metrics, times = [], []
    for start in range(0, seeds, batch):
        result = simulate_cell(p0, cell, list(range(start, min(seeds, start + batch))), generations, root_seed)
        metrics.append(result.metrics[:, keep, :])
        times.append(result.collapse_time)
    return np.concatenate(metrics), np.concatenate(times)


def interval(mean: float, se: float, z_max: float) -> tuple[float, float]:
    return mean - z_max * se, mean + z_max * se


def make_row(claim: str, cfg: dict, *, measured, value, low, high, closed_form, closed_form_name, z, verdict, detail) -> dict:
    """One row of claims.csv: the source, the mapping, our numbers and the verdict."""
    source = SOURCES[claim]
    return {
        "claim": claim,
        "paper": source.paper,
        "arxiv": source.arxiv,
        "section": source.section,
        "statement": source.statement,
        "quote": source.status,
        "their_criterion": source.their_criterion,
        "mapping": source.mapping,
        "measured": measured,
        "value": float(value),
        "low": float(low),
        "high": float(high),
        "closed_form": float(closed_form),
        "closed_form_name": closed_form_name,
        "z": float(z),
        "z_max": float(cfg["z_max"]),
        "verdict": verdict,
        "detail": detail,
    }


# --- Seddik eq 11: "exponentially smaller" against the exact real-data-frame scaling ---------------


def simulate_seddik_eq11(cfg: dict) -> pd.DataFrame:
    """Scenario mixed in the real-data frame: N real samples kept, n synthetic added, for every
    (N, n) of the grid; the drift E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ and E‖p⁽ᴳ⁾ − p⁽¹⁾‖₂² at G with their closed forms
    (exact eq B3 for L2, Gaussian eq B5 for L1), eq 11's n and the Gaussian threshold eq B7."""
    own = cfg["seddik_eq11"]
    vocab, G, eps = own["vocab"], own["generations"], own["epsilon"]
    p0 = truth(vocab, cfg)
    s0 = float((p0**2).sum())
    rows = []
    for N in own["real"]:
        for n in own["synthetic"]:
            metrics, _ = run(p0, Cell.from_counts("mixed", vocab, N, n), own["seeds"], G, cfg["root_seed"], keep=[G])
            drift, drift_se = stats.mean_and_se(metrics[:, 0, METRIC["l1_from_first"]])
            l2 = metrics[:, 0, METRIC["l2sq_from_first"]]
            l2_theory = float(theory.drift_l2sq_expected(G, N, n, s0))
            rows.append(
                {
                    "n_real": N,
                    "n_synthetic": n,
                    "alpha": n / (N + n),
                    "drift": drift,
                    "drift_se": drift_se,
                    "drift_gaussian": theory.drift_l1_gaussian(G, p0, N, n),
                    "l2sq_drift": l2.mean(),
                    "l2sq_drift_theory": l2_theory,
                    "l2sq_drift_z": stats.z_score(l2, l2_theory),
                    "eq11_max_synthetic": float(theory.max_synthetic_size(N, vocab, eps)),
                    "gaussian_max_synthetic": theory.drift_threshold_gaussian(p0, N, eps),
                }
            )
    return pd.DataFrame(rows)


def largest_safe_count(frame: pd.DataFrame, limit: float, z_max: float) -> tuple[int, float]:
    """(largest probed n such that it and every smaller probe have drift + z_max SE ≤ limit, 0
    if none; the next probe, ∞ if every probe passed): the interval the true threshold lies in."""
    frame = frame.sort_values("n_synthetic")
    safe = (frame["drift"] + z_max * frame["drift_se"] <= limit).to_numpy()
    counts = frame["n_synthetic"].to_numpy()
    last = int(np.flatnonzero(~safe)[0]) - 1 if (~safe).any() else len(counts) - 1
    return (int(counts[last]) if last >= 0 else 0), (float(counts[last + 1]) if last + 1 < len(counts) else math.inf)


def judge_seddik_eq11(table: pd.DataFrame, cfg: dict) -> dict:
    """Contradicts when at every N the simulated drift stays within ε at more synthetic samples
    than eq 11 allows and the safe count grows at least linearly in N (not logarithmically);
    agrees when at every N no probe above eq 11's n is safe."""
    own, z_max = cfg["seddik_eq11"], cfg["z_max"]
    by_real = {N: frame for N, frame in table.groupby("n_real")}
    safe = {N: largest_safe_count(frame, own["epsilon"], z_max) for N, frame in by_real.items()}
    eq11 = {N: max(0.0, float(frame["eq11_max_synthetic"].iloc[0])) for N, frame in by_real.items()}
    reals = sorted(safe)
    beyond = all(safe[N][0] > eq11[N] for N in reals)
    at_most = all(safe[N][0] <= eq11[N] for N in reals)
    small, large = reals[0], reals[-1]
    grows = safe[small][0] > 0 and safe[large][0] / safe[small][0] >= large / small
    verdict = CONTRADICTS if beyond and grows else AGREES if at_most else UNDECIDED
    gaussian = float(by_real[large]["gaussian_max_synthetic"].iloc[0])
    low, high = safe[large]
    detail = "; ".join(
        f"N = {N}: safe n in [{safe[N][0]}, {safe[N][1]:g}), eq 11 allows {eq11[N]:.3g}, "
        f"Gaussian threshold (eq B7) {float(by_real[N]['gaussian_max_synthetic'].iloc[0]):.4g}"
        for N in reals
    )
    return make_row(
        "seddik_eq11",
        cfg,
        measured=f"largest synthetic n with drift ≤ {own['epsilon']} at G = {own['generations']}, N = {large} (vocab {own['vocab']})",
        value=low,
        low=low,
        high=high,
        closed_form=gaussian,
        closed_form_name="eq B7 Gaussian threshold (∞: no n breaks ε); z: exact drift L2² (eq B3), largest |z| over the grid",
        z=float(table["l2sq_drift_z"].abs().max()),
        verdict=verdict,
        detail=detail,
    )


# --- Seddik §4.1: "mixing with real data ensures stability" ---------------------------------------


def simulate_seddik_gpt(cfg: dict) -> pd.DataFrame:
    """Scenario mixed, budget frame, the synthetic fractions of Figure 5's legend and fully
    synthetic: the drift ‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ at every generation, and per fraction the relative growth
    of the drift from generation ⌈G/2⌉ to G (paired per seed) with its standard error."""
    own = cfg["seddik_gpt"]
    vocab, n, G = own["vocab"], own["n"], own["generations"]
    p0 = truth(vocab, cfg)
    s0 = float((p0**2).sum())
    middle = math.ceil(G / 2)
    rows = []
    for alpha in own["synthetic_fractions"]:
        cell = Cell("mixed", n, vocab, alpha)
        metrics, _ = run(p0, cell, own["seeds"], G, cfg["root_seed"])
        drift = metrics[:, :, METRIC["l1_from_first"]]
        growth, growth_se = stats.mean_and_se(drift[:, G] - drift[:, middle])
        l2 = metrics[:, G, METRIC["l2sq_from_first"]]
        l2_theory = float(theory.drift_l2sq_expected(G, cell.n_real, cell.n_synthetic, s0)) if cell.n_real > 0 else math.nan
        for m in range(1, G + 1):
            mean, se = stats.mean_and_se(drift[:, m])
            rows.append(
                {
                    "synthetic_fraction": alpha,
                    "n_real": cell.n_real,
                    "n_synthetic": cell.n_synthetic,
                    "generation": m,
                    "drift": mean,
                    "drift_se": se,
                    "relative_growth": growth / drift[:, middle].mean(),
                    "relative_growth_se": growth_se / drift[:, middle].mean(),
                    "l2sq_drift_z": stats.z_score(l2, l2_theory) if cell.n_real > 0 else math.nan,
                    "l2sq_drift_theory": l2_theory,
                }
            )
    return pd.DataFrame(rows)


def judge_seddik_gpt(table: pd.DataFrame, cfg: dict) -> dict:
    """Stable: relative growth of the drift over the second half of the run below
    `stable_growth_max` by more than z_max SE; diverging: above it by more. Agrees when every mix
    with real data is stable and fully synthetic diverges; contradicts when a mix diverges or
    fully synthetic is stable."""
    own, z_max = cfg["seddik_gpt"], cfg["z_max"]
    limit = own["stable_growth_max"]
    last = table[table["generation"] == table["generation"].max()].set_index("synthetic_fraction")
    lows = last["relative_growth"] - z_max * last["relative_growth_se"]
    highs = last["relative_growth"] + z_max * last["relative_growth_se"]
    mixes = [a for a in last.index if a < 1]
    stable = {a: highs[a] < limit for a in last.index}
    diverges = {a: lows[a] > limit for a in last.index}
    full_diverges = all(diverges[a] for a in last.index if a == 1)
    if all(stable[a] for a in mixes) and full_diverges:
        verdict = AGREES
    elif any(diverges[a] for a in mixes) or any(stable[a] for a in last.index if a == 1):
        verdict = CONTRADICTS
    else:
        verdict = UNDECIDED
    shown = max(mixes)
    detail = "; ".join(
        f"α = {a:g}: drift at G {last.loc[a, 'drift']:.4f}, growth over the second half {last.loc[a, 'relative_growth']:+.3f} "
        f"± {z_max * last.loc[a, 'relative_growth_se']:.3f}"
        for a in last.index
    )
    return make_row(
        "seddik_gpt",
        cfg,
        measured=f"relative growth of the drift from generation {math.ceil(own['generations'] / 2)} to {own['generations']} "
        f"at α = {shown:g} (n = {own['n']}, vocab {own['vocab']}); stable below {limit:g}",
        value=last.loc[shown, "relative_growth"],
        low=lows[shown],
        high=highs[shown],
        closed_form=last.loc[shown, "l2sq_drift_theory"],
        closed_form_name=f"exact drift L2² at G (eq B3), α = {shown:g}",
        z=last.loc[shown, "l2sq_drift_z"],
        verdict=verdict,
        detail=detail,
    )


# --- Dohmatob et al.: 1 % synthetic, the error against n -------------------------------------------


def simulate_dohmatob(cfg: dict, sampler: str) -> pd.DataFrame:
    """Scenario mixed, budget frame, synthetic fraction α (1 %) of n, synthetic draws by `sampler`:
    the error E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ at every n, beside the all-real error (de Moivre, exact) and the
    sampler's floor (eq F1, `theory.sampler_floor`; 0 for exact)."""
    own = cfg["dohmatob"]
    vocab, G, alpha = own["vocab"], own["generations"], own["synthetic_fraction"]
    p0 = truth(vocab, cfg)
    floor = theory.sampler_floor(p0, alpha, sampler)
    floor = floor if floor > stats.EXACT_TOLERANCE else 0.0  # exact: T(p) = p up to rounding
    rows = []
    for n in own["n"]:
        cell = Cell("mixed", int(n), vocab, alpha, sampler=sampler)
        metrics, _ = run(p0, cell, own["seeds"], G, cfg["root_seed"], keep=[G])
        error, error_se = stats.mean_and_se(metrics[:, 0, METRIC["l1_from_truth"]])
        rows.append(
            {
                "sampler": cell.sampler,
                "n": int(n),
                "n_synthetic": cell.n_synthetic,
                "error": error,
                "error_se": error_se,
                "all_real_error": theory.expected_l1_error(p0, int(n)),
                "floor": floor,
            }
        )
    return pd.DataFrame(rows)


def last_decade_slope(table: pd.DataFrame) -> tuple[float, float]:
    """Slope of log E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ against log n between the two largest n, and its standard
    error by the delta method (independent cells: var log mean = (SE/mean)²)."""
    last = table.sort_values("n").tail(2)
    error, se, n = last["error"].to_numpy(), last["error_se"].to_numpy(), last["n"].to_numpy(dtype=float)
    run_ = math.log(n[1] / n[0])
    return math.log(error[1] / error[0]) / run_, math.hypot(se[0] / error[0], se[1] / error[1]) / run_


def floor_size(p0, floor: float) -> float:
    """The n at which the all-real error E‖p̂ₙ − p⁽⁰⁾‖₁ falls to `floor`: beyond it a biased
    sampler's floor dominates the error (bisection on log n; ∞ for a floor of 0)."""
    if floor <= 0:
        return math.inf
    low, high = 1.0, 1e15
    while high / low > 1.01:
        middle = math.sqrt(low * high)
        low, high = (middle, high) if theory.expected_l1_error(p0, int(middle)) > floor else (low, middle)
    return high


def judge_dohmatob(table: pd.DataFrame, cfg: dict, claim: str) -> dict:
    """ "Larger training sets do not enhance performance": the error's log-log slope over the last
    decade of n against `plateau_slope` (half way between a plateau, 0, and the all-real rate,
    −½). Above it by more than z_max SE: the error has levelled off — "agrees" with an unbiased
    sampler, "agrees only under" the sampler and sizes that set the floor otherwise; below it by
    more: the error keeps falling, "contradicts"."""
    own, z_max = cfg["dohmatob"], cfg["z_max"]
    slope, slope_se = last_decade_slope(table)
    low, high = interval(slope, slope_se, z_max)
    floor = float(table["floor"].iloc[0])
    sampler = table["sampler"].iloc[0]
    largest = table.sort_values("n").iloc[-1]
    if low > own["plateau_slope"]:
        reach = floor_size(truth(own["vocab"], cfg), floor)
        verdict = AGREES if floor == 0 else agrees_only_under(f"a biased sampler ({sampler}: floor {floor:.3g}) and n ≳ {reach:.2g}")
    elif high < own["plateau_slope"]:
        verdict = CONTRADICTS
    else:
        verdict = UNDECIDED
    detail = (
        f"sampler {sampler}, α = {own['synthetic_fraction']:g}, vocab {own['vocab']}; error at n = {int(largest['n']):.2g}: "
        f"{largest['error']:.4g} ± {largest['error_se']:.2g} (all-real {largest['all_real_error']:.4g}, floor {floor:.4g}); "
        f"slope {slope:+.3f} ± {slope_se:.3f} (all-real rate −0.5, plateau 0, threshold {own['plateau_slope']:g})"
    )
    # the error at the largest n against its n → ∞ value: the floor, or the all-real error without one
    reference = floor if floor > 0 else largest["all_real_error"]
    return make_row(
        claim,
        cfg,
        measured=f"log-log slope of E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ against n over the last decade (n up to {int(largest['n']):.2g})",
        value=slope,
        low=low,
        high=high,
        closed_form=reference,
        closed_form_name="the sampler's floor (eq F1, fixed point), or the all-real error (de Moivre) without one; "
        "z: the error at the largest n against it",
        z=float(stats.in_se_units(largest["error"] - reference, largest["error_se"])),
        verdict=verdict,
        detail=detail,
    )


def simulate_dohmatob_exact(cfg: dict) -> pd.DataFrame:
    return simulate_dohmatob(cfg, "exact")


def simulate_dohmatob_truncating(cfg: dict) -> pd.DataFrame:
    return simulate_dohmatob(cfg, cfg["dohmatob"]["truncating_sampler"])


def judge_dohmatob_exact(table: pd.DataFrame, cfg: dict) -> dict:
    return judge_dohmatob(table, cfg, "dohmatob_exact")


def judge_dohmatob_truncating(table: pd.DataFrame, cfg: dict) -> dict:
    return judge_dohmatob(table, cfg, "dohmatob_truncating")


# --- Shumailov et al.: 10 % of the original data kept ---------------------------------------------


def simulate_shumailov(cfg: dict) -> pd.DataFrame:
    """Budget frame, a real share of n every generation: fresh real samples (scenario fresh, the
    claim's fresh 10 % each generation), the same real samples kept (mixed), and none (fully
    synthetic); per generation the excess error E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₁ / E‖p̂ₙ − p⁽⁰⁾‖₁ and the L2² error
    E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₂² = E σ_m − S₀ (every model is unbiased) with its exact form for fresh (eq A1)."""
    own = cfg["shumailov"]
    vocab, n, G = own["vocab"], own["n"], own["generations"]
    p0 = truth(vocab, cfg)
    s0 = float((p0**2).sum())
    baseline = theory.expected_l1_error(p0, n)
    alpha = 1 - own["real_share"]
    rows = []
    for scenario, fraction in (("fresh", alpha), ("mixed", alpha), ("mixed", 1.0)):
        cell = Cell(scenario, n, vocab, fraction)
        metrics, _ = run(p0, cell, own["seeds"], G, cfg["root_seed"])
        arm = "fully synthetic" if fraction == 1.0 else f"{scenario} real data"
        for m in range(1, G + 1):
            ratio, ratio_se = stats.mean_and_se(metrics[:, m, METRIC["l1_from_truth"]] / baseline)
            l2 = metrics[:, m, METRIC["simpson"]] - s0
            exact = (
                float(theory.weighted_fresh_variance(m, cell.n_real, cell.n_synthetic, cell.n_real / n)) * (1 - s0)
                if scenario == "fresh"
                else math.nan
            )
            rows.append(
                {
                    "arm": arm,
                    "scenario": scenario,
                    "synthetic_fraction": fraction,
                    "generation": m,
                    "excess_error": ratio,
                    "excess_error_se": ratio_se,
                    "l2sq_error": l2.mean(),
                    "l2sq_error_theory": exact,
                    "l2sq_error_z": stats.z_score(l2, exact) if scenario == "fresh" else math.nan,
                }
            )
    return pd.DataFrame(rows)


def judge_shumailov(table: pd.DataFrame, cfg: dict) -> dict:
    """ "Only minor degradation" read as the study's excess-error tolerance (`minor`): agrees when
    the fresh arm's excess error at G is below it by more than z_max SE, contradicts when above."""
    own, z_max = cfg["shumailov"], cfg["z_max"]
    last = table[table["generation"] == table["generation"].max()].set_index("arm")
    fresh = last.loc["fresh real data"]
    low, high = interval(fresh["excess_error"], fresh["excess_error_se"], z_max)
    verdict = AGREES if high <= own["minor"] else CONTRADICTS if low > own["minor"] else UNDECIDED
    detail = "; ".join(f"{arm}: {row['excess_error']:.3f} ± {z_max * row['excess_error_se']:.3f}" for arm, row in last.iterrows())
    return make_row(
        "shumailov",
        cfg,
        measured=f"excess error at G = {own['generations']}, {own['real_share']:.0%} fresh real data (n = {own['n']}, "
        f"vocab {own['vocab']}); minor ≤ {own['minor']:g}",
        value=fresh["excess_error"],
        low=low,
        high=high,
        closed_form=fresh["l2sq_error_theory"],
        closed_form_name="exact L2² error of the fresh arm at G (eq A1)",
        z=fresh["l2sq_error_z"],
        verdict=verdict,
        detail=f"{detail} (excess error ≤ {own['minor']:g} is minor)",
    )


# --- Gerstgrasser et al.: accumulate against replace -------------------------------------------


def simulate_gerstgrasser(cfg: dict, accumulate: str = "accumulate") -> pd.DataFrame:
    """Scenario `accumulate` (every generation's data kept) against fully synthetic replacement
    (mixed, α = 1), n samples per generation: per generation the ratio E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₂² /
    E‖p⁽¹⁾ − p⁽⁰⁾‖₂², estimated as (σ_m − S₀)·n/(1 − S₀) (models are unbiased; the first model's
    error (1 − S₀)/n is exact), with its closed forms eq C2 and eq C5. `accumulate` names the
    scenario run as the accumulating arm (a test swaps in a replacing one)."""
    own = cfg["gerstgrasser"]
    vocab, n, G = own["vocab"], own["n"], own["generations"]
    p0 = truth(vocab, cfg)
    s0 = float((p0**2).sum())
    generations = np.arange(1, G + 1)
    closed = {"accumulate": theory.accumulate_error_ratio(generations, n), "replace": theory.replace_error_ratio(generations, n)}
    rows = []
    for arm, cell in (("accumulate", Cell(accumulate, n, vocab, 1.0)), ("replace", Cell("mixed", n, vocab, 1.0))):
        metrics, _ = run(p0, cell, own["seeds"], G, cfg["root_seed"])
        ratios = (metrics[:, 1:, METRIC["simpson"]] - s0) * n / (1 - s0)
        mean, se = stats.mean_and_se(ratios)
        z = stats.z_score(ratios, closed[arm])
        rows += [
            {
                "arm": arm,
                "generation": m,
                "error_ratio": mean[m - 1],
                "error_ratio_se": se[m - 1],
                "theory": closed[arm][m - 1],
                "z": z[m - 1],
            }
            for m in generations
        ]
    table = pd.DataFrame(rows)
    table["limit"] = theory.accumulate_error_limit(n)
    return table


def judge_gerstgrasser(table: pd.DataFrame, cfg: dict) -> dict:
    """Agrees when the accumulating arm's ratio at G stays within π²/6 (its lower end, mean −
    z_max SE) and matches eq C2 (|z| < z_max), while replacement's exceeds π²/6 by more than
    z_max SE; contradicts when the accumulating arm itself exceeds π²/6."""
    own, z_max = cfg["gerstgrasser"], cfg["z_max"]
    bound = math.pi**2 / 6
    last = table[table["generation"] == table["generation"].max()].set_index("arm")
    acc, rep = last.loc["accumulate"], last.loc["replace"]
    acc_low, acc_high = interval(acc["error_ratio"], acc["error_ratio_se"], z_max)
    rep_low = rep["error_ratio"] - z_max * rep["error_ratio_se"]
    bounded = acc_low <= bound and abs(acc["z"]) < z_max
    if bounded and rep_low > bound:
        verdict = AGREES
    elif acc_low > bound:
        verdict = CONTRADICTS
    else:
        verdict = UNDECIDED
    detail = (
        f"n = {own['n']}, vocab {own['vocab']}, G = {own['generations']}: accumulate {acc['error_ratio']:.3f} ± "
        f"{z_max * acc['error_ratio_se']:.3f} (eq C2 {acc['theory']:.3f}, limit {acc['limit']:.4f} < π²/6 = {bound:.4f}); "
        f"replace {rep['error_ratio']:.2f} ± {z_max * rep['error_ratio_se']:.2f} (eq C5 {rep['theory']:.2f}, z = {rep['z']:+.2f})"
    )
    return make_row(
        "gerstgrasser",
        cfg,
        measured=f"accumulate: E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₂² over the all-real model's, G = {own['generations']}",
        value=acc["error_ratio"],
        low=acc_low,
        high=acc_high,
        closed_form=acc["theory"],
        closed_form_name="eq C2 (exact; limit n[1 − sin(π/√n)/(π/√n)] → π²/6)",
        z=acc["z"],
        verdict=verdict,
        detail=detail,
    )


# --- He, Xu & Cheng: the golden-ratio weight of real data -------------------------------------------


def simulate_golden_ratio(cfg: dict, centre=None) -> pd.DataFrame:
    """Scenario fresh with n real and m = n synthetic samples per generation and the weighted MLE
    (`Cell.real_weight`) at w* (eq A4; `centre(n, m)` instead when given, e.g. by a test), w* ± offset
    and the sample share n/(n + m) (the pooled MLE's weight). Per seed, averaged over the stationary
    generations G/2 … G: the L2² error σ_m − S₀ (unbiased for E‖p⁽ᵐ⁾ − p⁽⁰⁾‖₂², every model being
    unbiased; checked against eq A2) and the L1 error ‖p⁽ᵐ⁾ − p⁽⁰⁾‖₁, whose mean is ∝ √F(w) where
    every token is frequent, so w* minimises it too, and whose per-seed noise does not grow with n
    as that of σ_m − S₀ does: the comparison between weights uses it."""
    own = cfg["golden_ratio"]
    vocab, G = own["vocab"], own["generations"]
    p0 = truth(vocab, cfg)
    s0 = float((p0**2).sum())
    stationary = np.arange(G // 2, G + 1)
    rows = []
    for n in own["sizes"]:
        best = theory.golden_weight(n, n) if centre is None else centre(n, n)
        weights = {"w*": best, "w* − offset": best - own["offset"], "w* + offset": best + own["offset"], "sample share": 0.5}
        errors, l1 = {}, {}
        for name, w in weights.items():
            metrics, _ = run(p0, Cell.from_counts("fresh", vocab, n, n, real_weight=w), own["seeds"], G, cfg["root_seed"], keep=stationary)
            errors[name] = (metrics[:, :, METRIC["simpson"]] - s0).mean(axis=1)
            l1[name] = metrics[:, :, METRIC["l1_from_truth"]].mean(axis=1)
        for name, w in weights.items():
            theory_value = float(theory.weighted_fresh_variance(stationary, n, n, w).mean()) * (1 - s0)
            mean, se = stats.mean_and_se(errors[name])
            excess, excess_se = stats.mean_and_se(l1[name] - l1["w*"])
            rows.append(
                {
                    "n_real": n,
                    "n_synthetic": n,
                    "weight": name,
                    "real_weight": w,
                    "golden_weight": theory.golden_weight(n, n),
                    "error": mean,
                    "error_se": se,
                    "error_theory": theory_value,
                    "error_z": stats.z_score(errors[name], theory_value),
                    "relative_error": mean / errors["w*"].mean(),
                    "relative_error_se": se / errors["w*"].mean(),
                    "l1_error": l1[name].mean(),
                    "excess_over_centre": excess,  # L1, over the centre weight's (paired per seed)
                    "excess_over_centre_se": excess_se,
                }
            )
    return pd.DataFrame(rows)


def stationary_factor(row, w: float) -> float:
    """F(w) of eq A2 for a table row's sizes."""
    return float(theory.weighted_fresh_variance(np.inf, int(row["n_real"]), int(row["n_synthetic"]), w))


def judge_golden_ratio(table: pd.DataFrame, cfg: dict) -> dict:
    """Agrees when, at every size, the simulated stationary L1 error at the centre weight is below
    that at w* ± offset and at the sample share by more than z_max SE, and the simulated L2² errors
    match eq A2 (|z| < z_max); contradicts when another weight beats the centre by more than
    z_max SE."""
    own, z_max = cfg["golden_ratio"], cfg["z_max"]
    others = table[table["weight"] != "w*"]
    margin = stats.in_se_units(others["excess_over_centre"], others["excess_over_centre_se"])  # 0: the centre itself
    closed_ok = bool((table["error_z"].abs() < z_max).all())
    if bool((margin > z_max).all()) and closed_ok:
        verdict = AGREES
    elif bool((margin < -z_max).any()):
        verdict = CONTRADICTS
    else:
        verdict = UNDECIDED
    largest = table[(table["n_real"] == table["n_real"].max())].set_index("weight")
    share = largest.loc["sample share"]
    ratio = share["l1_error"] / largest.loc["w*", "l1_error"]
    ratio_se = share["excess_over_centre_se"] / largest.loc["w*", "l1_error"]
    detail = "; ".join(
        f"n = m = {n}: w* = {frame['golden_weight'].iloc[0]:.4f}, centre {frame.set_index('weight').loc['w*', 'real_weight']:.4f}, "
        + ", ".join(
            f"{row.weight} {float(stats.in_se_units(row.excess_over_centre, row.excess_over_centre_se)):+.1f} SE"
            for row in frame[frame["weight"] != "w*"].itertuples()
        )
        for n, frame in table.groupby("n_real")
    )
    golden = float(largest["golden_weight"].iloc[0])
    return make_row(
        "golden_ratio",
        cfg,
        measured=f"stationary L1 error at the sample share w = 1/2 over that at w* (n = m = {int(table['n_real'].max())}, vocab {own['vocab']})",
        value=ratio,
        low=ratio - z_max * ratio_se,
        high=ratio + z_max * ratio_se,
        closed_form=math.sqrt(stationary_factor(share, 0.5) / stationary_factor(share, golden)),
        closed_form_name=f"√(F(1/2)/F(w*)) (eq A2, A4, Gaussian regime; w* = {golden:.4f}, 1/φ = {2 / (1 + math.sqrt(5)):.4f}); "
        "z: largest |z| of the L2² error against eq A2 over every weight",
        z=float(table["error_z"].iloc[np.argmax(table["error_z"].abs().to_numpy())]),
        verdict=verdict,
        detail=f"excess error over the centre in paired SE: {detail}",
    )


# --- Borkar: an external source, howsoever minor ---------------------------------------------------


def simulate_borkar(cfg: dict, injected_real: int | None = None) -> pd.DataFrame:
    """Fully synthetic (mixed, α = 1) against fresh real data at a vanishing share (scenario fresh,
    `injected_real` real samples of n each generation; the config's by default) and kept real data
    (mixed, N real samples, with few and with many synthetic ones): per generation P(Dirac at m)
    and P(T ≤ m), and for the kept arms the exact P(T ≤ G) = Σᵢ pᵢᴺ."""
    own = cfg["borkar"]
    vocab, n, G = own["vocab"], own["n"], own["generations"]
    p0 = truth(vocab, cfg)
    injected = own["injected_real"] if injected_real is None else injected_real
    arms = {
        "fully synthetic": Cell("mixed", n, vocab, 1.0),
        "fresh real data": Cell.from_counts("fresh", vocab, injected, n - injected),
        **{
            f"kept real data, {k} synthetic": Cell.from_counts("mixed", vocab, own["kept_real"], k)
            for k in (n - own["kept_real"], own["many_synthetic"])
        },
    }
    rows = []
    for arm, cell in arms.items():
        metrics, times = run(p0, cell, own["seeds"], G, cfg["root_seed"])
        dirac = metrics[:, :, METRIC["collapsed"]]
        kept = arm.startswith("kept")
        for m in range(1, G + 1):
            rows.append(
                {
                    "arm": arm,
                    "scenario": cell.scenario,
                    "n_real": cell.n_real,
                    "n_synthetic": cell.n_synthetic,
                    "generation": m,
                    "dirac": dirac[:, m].mean(),
                    "collapsed_by": ((times >= 1) & (times <= m)).mean(),
                    "seeds": own["seeds"],
                    "theory": theory.collapse_probability_fixed_real(p0, cell.n_real) if kept else math.nan,
                }
            )
    return pd.DataFrame(rows)


def judge_borkar(table: pd.DataFrame, cfg: dict) -> dict:
    """Two behaviours: agrees when P(Dirac at G) of the fully synthetic chain exceeds that of the
    chain with fresh real data by more than z_max SE and the kept arms' P(T ≤ G) equals Σᵢ pᵢᴺ
    whatever the synthetic count; contradicts otherwise. The agreement is "only under" the
    absorbing notion (Dirac at G) when our collapse criterion P(T ≤ G) of the fresh arm exceeds
    the study's collapse threshold by more than z_max SE (transient Dirac states count there)."""
    own, z_max = cfg["borkar"], cfg["z_max"]
    last = table[table["generation"] == table["generation"].max()].set_index("arm")
    R = own["seeds"]
    full, fresh = last.loc["fully synthetic"], last.loc["fresh real data"]
    gap = full["dirac"] - fresh["dirac"]
    gap_se = math.sqrt(stats.proportion_se(full["dirac"], R) ** 2 + stats.proportion_se(fresh["dirac"], R) ** 2)
    kept = last[last.index.str.startswith("kept")]
    kept_z = stats.in_se_units(kept["collapsed_by"] - kept["theory"], stats.proportion_se(kept["theory"], R))
    two_behaviours = gap - z_max * gap_se > 0 and bool((np.abs(kept_z) < z_max).all())
    ever = fresh["collapsed_by"]
    transient = ever - z_max * stats.proportion_se(ever, R) > own["collapse_threshold"]
    if not two_behaviours:
        verdict = CONTRADICTS
    elif transient:
        verdict = agrees_only_under(f"the absorbing notion (Dirac at G): P(T ≤ G) = {ever:.3f} with fresh real data")
    else:
        verdict = AGREES
    detail = "; ".join(f"{arm}: P(Dirac at G) {row['dirac']:.3f}, P(T ≤ G) {row['collapsed_by']:.3f}" for arm, row in last.iterrows())
    detail += f"; kept arms' Σpᵢᴺ {float(kept['theory'].iloc[0]):.4f} (collapse threshold {own['collapse_threshold']:g})"
    return make_row(
        "borkar",
        cfg,
        measured=f"P(Dirac at G) fully synthetic − with {own['injected_real']} fresh real sample(s) of n = {own['n']} (G = {own['generations']})",
        value=gap,
        low=gap - z_max * gap_se,
        high=gap + z_max * gap_se,
        closed_form=float(kept["theory"].iloc[0]),
        closed_form_name=f"Σᵢ pᵢᴺ, P(T ≤ G) with N = {own['kept_real']} real samples kept; z: largest over the kept arms",
        z=float(kept_z[np.argmax(np.abs(kept_z))]),
        verdict=verdict,
        detail=detail,
    )


# --- Suresh et al.: time to forget a word ----------------------------------------------------------


def simulate_suresh(cfg: dict) -> pd.DataFrame:
    """Fully synthetic chains (mixed, α = 1, n samples) on two tokens, a word of probability c/n
    and the rest, for each target count c: per replicate the word's count in the real sample
    (generation 1) and the synthetic generations until it is lost, T₀ = T − 1 (NaN if it is not
    lost by G: fixed, or still present). One token's count is the same Wright–Fisher chain in any
    vocabulary, so two tokens suffice."""
    own = cfg["suresh"]
    n, G = own["n"], own["generations"]
    frames = []
    for c in own["counts"]:
        p0 = np.array([c / n, 1 - c / n])
        metrics, times = run(p0, Cell("mixed", n, 2, 1.0), own["seeds"], G, cfg["root_seed"], keep=[1, G])
        first_top, first_max = metrics[:, 0, METRIC["top_token"]], metrics[:, 0, METRIC["max_prob"]]
        count = np.rint(n * np.where(first_top == 0, first_max, 1 - first_max)).astype(np.int64)
        lost = (times >= 1) & (metrics[:, 1, METRIC["top_token"]] == 1) & (count > 0)
        frames.append(pd.DataFrame({"target_count": c, "count": count, "forget_time": np.where(lost, times - 1, np.nan)}))
    return pd.concat(frames, ignore_index=True)


def forgetting_slope(table: pd.DataFrame) -> float:
    """Slope of log(median T₀/c) against log c over the target counts, plus 1: the exponent b of
    median T₀ ∝ c^b (b = 1: linear). T₀/c pools replicates whose real counts differ (a Poisson
    spread around the target); its law is the same for every count in the branching limit (eq D4).
    Over the replicates whose word is lost by G (`median_ratios`)."""
    medians = median_ratios(table)
    return float(np.polyfit(np.log(medians.index.to_numpy(dtype=float)), np.log(medians.to_numpy()), 1)[0]) + 1


def median_ratios(table: pd.DataFrame) -> pd.Series:
    """Median of T₀/c per target count over the replicates whose word is lost by G."""
    lost = table[(table["count"] > 0) & table["forget_time"].notna()]
    return (lost["forget_time"] / lost["count"]).groupby(lost["target_count"]).median()


def judge_suresh(table: pd.DataFrame, cfg: dict) -> dict:
    """Agrees when the exponent b of median T₀ ∝ c^b, ± z_max bootstrap SE (replicates resampled
    within each count, a seeded generator), lies inside `linear_slope`; contradicts when it lies
    outside; undecided when it straddles an end."""
    own, z_max = cfg["suresh"], cfg["z_max"]
    slope, medians = forgetting_slope(table), median_ratios(table)
    rng = np.random.default_rng(cfg["root_seed"])
    groups = [frame for _, frame in table.groupby("target_count")]
    boot = []
    for _ in range(own["bootstrap"]):
        sample = pd.concat([g.iloc[rng.integers(0, len(g), len(g))] for g in groups])
        boot.append((forgetting_slope(sample), median_ratios(sample).iloc[-1]))
    slope_se, median_se = np.std(np.array(boot), axis=0, ddof=1)
    low, high = interval(slope, slope_se, z_max)
    first, last = own["linear_slope"]
    verdict = AGREES if first <= low and high <= last else CONTRADICTS if high < first or low > last else UNDECIDED
    lost = table[table["count"] > 0].groupby("target_count")["forget_time"].mean()
    detail = "; ".join(
        f"c = {c}: median T₀/c {medians[c]:.2f}, mean T₀ given lost {lost[c]:.1f} (eq D2 {2 * c * math.log(own['n'] / c):.1f})"
        for c in medians.index
    )
    return make_row(
        "suresh",
        cfg,
        measured=f"exponent b of median T₀ ∝ c^b, fully synthetic, n = {own['n']}; linear: b in [{first:g}, {last:g}]",
        value=slope,
        low=low,
        high=high,
        closed_form=theory.forgetting_median(1.0),
        closed_form_name="median T₀/c = 2/ln 2 (eq D4, branching limit); z: median T₀/c at the largest count against it",
        z=float(stats.in_se_units(medians.iloc[-1] - theory.forgetting_median(1.0), median_se)),
        verdict=verdict,
        detail=detail,
    )


# --- the atlas -------------------------------------------------------------------------------------

SIMULATIONS = {
    "seddik_eq11": simulate_seddik_eq11,
    "seddik_gpt": simulate_seddik_gpt,
    "dohmatob_exact": simulate_dohmatob_exact,
    "dohmatob_truncating": simulate_dohmatob_truncating,
    "shumailov": simulate_shumailov,
    "gerstgrasser": simulate_gerstgrasser,
    "golden_ratio": simulate_golden_ratio,
    "borkar": simulate_borkar,
    "suresh": simulate_suresh,
}
JUDGES = {
    "seddik_eq11": judge_seddik_eq11,
    "seddik_gpt": judge_seddik_gpt,
    "dohmatob_exact": judge_dohmatob_exact,
    "dohmatob_truncating": judge_dohmatob_truncating,
    "shumailov": judge_shumailov,
    "gerstgrasser": judge_gerstgrasser,
    "golden_ratio": judge_golden_ratio,
    "borkar": judge_borkar,
    "suresh": judge_suresh,
}


def claims_table(tables: dict, cfgs: dict) -> pd.DataFrame:
    """claims.csv: one row per claim, each judged from its own table ({claim: table}) with its
    own settings ({claim: `claims.settings(…)`})."""
    return pd.DataFrame([JUDGES[claim](table, cfgs[claim]) for claim, table in tables.items()])


def claims_table_html(table: pd.DataFrame) -> str:
    """claims.csv as an HTML table for the report: the source, our value with its interval, the
    closed form and the verdict (contradictions in red)."""
    import html

    from ..report_html import html_table

    def number(value):
        return "" if isinstance(value, float) and math.isnan(value) else f"{value:.4g}"

    rows = [
        [
            row.claim,
            f"{row.paper}, arXiv {row.arxiv}, {row.section} ({row.quote})",
            f"“{row.statement}”",
            row.mapping,
            row.measured,
            f"{number(row.value)} [{number(row.low)}, {number(row.high)}]",
            f"{number(row.closed_form)} ({row.closed_form_name}); z = {number(row.z)}",
            (html.escape(row.verdict), "fail") if row.verdict == CONTRADICTS else row.verdict,
            row.detail,
        ]
        for row in table.itertuples(index=False)
    ]
    header = ["claim", "source", "statement", "mapping onto our frame", "measured", "ours [± z_max SE]", "closed form", "verdict", "detail"]
    counts = table["verdict"].str.split(" ").str[0].value_counts()
    caption = "; ".join(f"{count} {verdict}" for verdict, count in counts.items()) + " (claims.csv)"
    return html_table(header, rows, caption)
