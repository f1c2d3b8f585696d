"""From per-replicate tables to per-cell summaries and the maximum safe synthetic fraction
(DESIGN.md §4–5). Pure functions on pandas / NumPy; no Snakemake."""

import numpy as np
import pandas as pd
import pyarrow as pa

from . import theory
from .io import INITIAL_SCHEMA, SIMS_SCHEMA, open_checked, read_checked
from .simulate import METRICS, sample_sizes

CELL = ["scenario", "n", "vocab", "synthetic_fraction", "n_real", "n_synthetic"]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SUMMARY_METRICS = [m for m in METRICS if m != "top_token"]

# DESIGN.md §5: the statistic at the last generation G, and the direction that is unsafe.
CRITERIA = {
    "drift": "E‖p⁽ᴳ⁾ − p⁽¹⁾‖₁",
    "excess_error": "E‖p⁽ᴳ⁾ − p⁽⁰⁾‖₁ / E‖p⁽¹⁾ − p⁽⁰⁾‖₁",
    "diversity": "E[1 − σ_G] / (1 − S₀)",
    "collapse": "P(T ≤ G)",
}
LARGER_IS_WORSE = {"drift": True, "excess_error": True, "diversity": False, "collapse": True}
BOOTSTRAP_DOMAIN = 2  # SeedSequence spawn_key domain (see simulate.REPLICATE_DOMAIN)


# --- reading ----------------------------------------------------------------------------------


def read_sims(paths, generations: int, seeds: int) -> pd.DataFrame:
    """Concatenate simulation tables; refuse corrupt files and incomplete or duplicated cells."""
    df = pa.concat_tables([read_checked(p, SIMS_SCHEMA) for p in paths]).to_pandas()
    if df["scenario"].nunique() != 1:
        raise ValueError("a study has one scenario; the tables mix several")
    # lexsort on the numeric keys: far faster than sort_values on millions of rows
    order = np.lexsort([df[c].to_numpy() for c in ("generation", "seed", "synthetic_fraction", "vocab", "n")])
    df = df.iloc[order].reset_index(drop=True)
    cells = df.groupby(CELL, sort=False)
    expected_seeds = np.arange(seeds).repeat(generations + 1)
    for key, rows in cells.indices.items():
        if rows.size != expected_seeds.size or not np.array_equal(df["seed"].to_numpy()[rows], expected_seeds):
            raise ValueError(f"cell {key}: {rows.size} rows, expected seeds 0…{seeds - 1} × generations 0…{generations}")
    return df


def read_initial(paths) -> pd.DataFrame:
    """Initial distributions, one per (n, vocab, synthetic_fraction). Every seed block of a cell
    writes the same one: each is checked against the first and only that one is kept."""
    key = ["n", "vocab", "synthetic_fraction"]
    kept: dict = {}
    for path in paths:
        for cell, table in read_checked(path, INITIAL_SCHEMA).to_pandas().groupby(key, sort=False):
            if cell not in kept:
                kept[cell] = table
            elif not np.array_equal(kept[cell]["prob"].to_numpy(), table["prob"].to_numpy()):
                raise ValueError(f"{path}: cell {cell} has another initial distribution than its other seed blocks")
    return pd.concat(kept.values()).sort_values(key + ["token"], ignore_index=True)


def cell_arrays(df: pd.DataFrame, generations: int):
    """(cells, {metric: array[cell, seed, generation]}, collapse_time[cell, seed]) of a sorted table."""
    cells = df[CELL].drop_duplicates(ignore_index=True)
    shape = (len(cells), -1, generations + 1)
    arrays = {m: df[m].to_numpy(dtype=float).reshape(shape) for m in METRICS}
    collapse_time = df["collapse_time"].to_numpy(dtype=float, na_value=np.nan).reshape(shape)[:, :, 0]
    return cells, arrays, collapse_time


def initial_stats(cells: pd.DataFrame, initial: pd.DataFrame):
    """(p⁽⁰⁾ list, S₀, support s̃) per cell, in the order of `cells`."""
    groups = dict(tuple(initial.groupby(["n", "vocab", "synthetic_fraction"])))
    p0 = [groups[(c.n, c.vocab, c.synthetic_fraction)]["prob"].to_numpy() for c in cells.itertuples()]
    return p0, np.array([p @ p for p in p0]), np.array([(p > 0).sum() for p in p0])


# --- summary ----------------------------------------------------------------------------------


def summarize(cells, arrays, collapse_time, initial: pd.DataFrame, generations: int) -> pd.DataFrame:
    """Per (cell, generation): mean, standard error and quantiles of each metric, the collapse
    probability P(T ≤ m), and the closed forms where one exists (DESIGN.md §4).
    The first three arguments are what `cell_arrays` returns."""
    _, s0, support = initial_stats(cells, initial)
    gen = np.arange(generations + 1)
    R = collapse_time.shape[1]
    out = {c: np.repeat(cells[c].to_numpy(), gen.size) for c in CELL}
    out["generation"] = np.tile(gen, len(cells))
    out["seeds"] = np.full(len(cells) * gen.size, R)
    for m in SUMMARY_METRICS:
        a = arrays[m]  # the distances to p⁽¹⁾ are NaN at generation 0 for every seed: kept NaN
        out[f"{m}_mean"] = a.mean(axis=1).ravel()
        out[f"{m}_se"] = (a.std(axis=1, ddof=1) / np.sqrt(R)).ravel()
        for q, v in zip(QUANTILES, np.quantile(a, QUANTILES, axis=1)):
            out[f"{m}_q{round(q * 100):02d}"] = v.ravel()
    collapsed_by = (collapse_time[:, :, None] <= gen[None, None, :]).mean(axis=1)
    out["collapse_probability"] = collapsed_by.ravel()
    for name, values in theory_columns(cells, s0, support, gen).items():
        out[name] = values.ravel()
    return pd.DataFrame(out)


def theory_columns(cells: pd.DataFrame, s0, support, gen) -> dict:
    """Closed forms per (cell, generation), NaN where none applies (other scenarios, m = 0)."""
    shape = (len(cells), gen.size)
    names = ("simpson_theory", "l2sq_from_first_theory", "collapse_probability_lower", "collapse_probability_upper")
    cols = {name: np.full(shape, np.nan) for name in names}
    m = gen[1:]
    for i, c in enumerate(cells.itertuples(index=False)):
        if c.scenario != "mixed":
            continue
        if c.n_real == 0:  # fully synthetic: eq 6, eq 7
            cols["simpson_theory"][i, 1:] = theory.simpson_fully_synthetic(m, c.n, s0[i])
            low, high = theory.collapse_probability_bounds(m, c.n, s0[i], support[i])
            cols["collapse_probability_lower"][i, 1:], cols["collapse_probability_upper"][i, 1:] = low, high
        else:  # fixed real data: Theorem 2
            cols["simpson_theory"][i, 1:] = theory.simpson_partial(m, c.n_real, c.n_synthetic, s0[i])
        cols["l2sq_from_first_theory"][i, 1:] = theory.drift_l2sq_expected(m, c.n_real, c.n_synthetic, s0[i])
    return cols


# --- maximum safe synthetic fraction ----------------------------------------------------------


def criterion_samples(arrays, collapse_time, s0, generations: int) -> dict:
    """Per criterion, per-seed ingredients at G: (numerator, denominator) so that the statistic
    of a set of seeds is mean(numerator) / mean(denominator)."""
    G = generations
    ones = np.ones_like(arrays["simpson"][:, :, G])
    return {
        "drift": (arrays["l1_from_first"][:, :, G], ones),
        "excess_error": (arrays["l1_from_truth"][:, :, G], arrays["l1_from_truth"][:, :, 1]),
        "diversity": ((1 - arrays["simpson"][:, :, G]) / (1 - s0[:, None]), ones),
        "collapse": ((collapse_time <= G).astype(float), ones),
    }


def max_safe_fraction(alphas, statistic, threshold: float, larger_is_worse: bool) -> float:
    """Largest α with every grid α' ≤ α safe, refined by linear interpolation of the statistic
    between the last safe and the first unsafe grid point (DESIGN.md §5). 0 if none is safe."""
    alphas = np.asarray(alphas, dtype=float)
    stat = np.asarray(statistic, dtype=float)
    unsafe = stat > threshold if larger_is_worse else stat < threshold
    if not unsafe.any():
        return float(alphas[-1])
    j = int(np.argmax(unsafe))
    if j == 0:
        return 0.0
    a0, a1, s0, s1 = alphas[j - 1], alphas[j], stat[j - 1], stat[j]
    return float(a0 + (threshold - s0) / (s1 - s0) * (a1 - a0))


def clopper_pearson_upper(k, n, confidence):
    """One-sided upper confidence bound of a binomial proportion."""
    from scipy.stats import beta

    k = np.asarray(k, dtype=float)
    return np.where(k >= n, 1.0, beta.ppf(confidence, k + 1, n - k))


def safe_fraction_table(
    cells: pd.DataFrame,
    samples: dict,
    safe: dict,
    bootstrap: int,
    root_seed: int,
    analytic: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Empirical α* per (scenario, n, vocab, criterion) with a bootstrap interval over seeds.

    The cell statistic is taken at its pessimistic one-sided `confidence` bound (bootstrap
    percentile; Clopper–Pearson for the collapse probability). The interval is the bootstrap
    distribution of α* computed from the resampled mean statistic.
    """
    conf = safe["confidence"]
    rows = []
    for (scenario, n, vocab), group in cells.groupby(["scenario", "n", "vocab"], sort=True):
        order = group.sort_values("synthetic_fraction").index.to_numpy()
        alphas = cells.loc[order, "synthetic_fraction"].to_numpy()
        R = samples["drift"][0].shape[1]
        ss = np.random.SeedSequence(root_seed, spawn_key=(BOOTSTRAP_DOMAIN, int(n), int(vocab)))
        idx = np.random.default_rng(ss).integers(0, R, size=(bootstrap, R))
        for criterion, (num, den) in samples.items():
            num, den = num[order], den[order]
            point = num.mean(axis=1) / den.mean(axis=1)
            boot = num[:, idx].mean(axis=2) / den[:, idx].mean(axis=2)  # (alpha, bootstrap)
            worse = LARGER_IS_WORSE[criterion]
            if criterion == "collapse":
                bound = clopper_pearson_upper(num.sum(axis=1), R, conf)
            else:
                bound = np.quantile(boot, conf if worse else 1 - conf, axis=1)
            threshold = safe[criterion]
            boot_star = [max_safe_fraction(alphas, boot[:, b], threshold, worse) for b in range(bootstrap)]
            rows.append(
                {
                    "scenario": scenario,
                    "n": n,
                    "vocab": vocab,
                    "criterion": criterion,
                    "statistic": CRITERIA[criterion],
                    "threshold": threshold,
                    "safe_fraction": max_safe_fraction(alphas, bound, threshold, worse),
                    "safe_fraction_mean_statistic": max_safe_fraction(alphas, point, threshold, worse),
                    "ci_low": float(np.quantile(boot_star, (1 - conf) / 2)),
                    "ci_high": float(np.quantile(boot_star, (1 + conf) / 2)),
                    "confidence": conf,
                    "seeds": R,
                }
            )
    table = pd.DataFrame(rows)
    if analytic is not None:
        table = table.merge(analytic, on=["scenario", "n", "vocab", "criterion"], how="left")
    return table


def analytic_statistic(criterion: str, p0, n: int, alpha: float, generations: int) -> float:
    """Closed-form (or approximate) criterion statistic of a fixed-real `mixed` cell at G."""
    n_real, n_syn = sample_sizes(n, alpha)
    first = n_real if n_real > 0 else n
    s0 = float(p0 @ p0)
    G = generations
    if criterion == "diversity":  # exact: Theorem 2, or eq 6 without real data
        S_G = theory.simpson_partial(G, n_real, n_syn, s0) if n_real > 0 else theory.simpson_fully_synthetic(G, n, s0)
        return float((1 - S_G) / (1 - s0))
    if criterion == "collapse":  # exact with real data (p⁽¹⁾ Dirac); eq 7 upper bound without
        if n_real > 0:
            return float(np.sum(p0**n_real))
        return float(theory.collapse_probability_bounds(G, n, s0, int((p0 > 0).sum()))[1])
    if criterion == "drift":
        return theory.drift_l1_expected(G, p0, n_real, n_syn)
    # excess_error: Gaussian per token, first-generation error and drift independent
    var1 = p0 * (1 - p0) / first
    vard = theory.drift_variance(G, p0, n_syn, n_syn / n) * (1 - 1 / first)
    return float(np.sqrt(var1 + vard).sum() / np.sqrt(var1).sum())


def analytic_safe_fractions(p0_by_vocab: dict, ns, safe: dict, generations: int, scenario: str, points: int = 101):
    """Analytic α* per (n, vocab, criterion) on a fine α grid, plus Theorem 3's eq 11 bound."""
    rows = []
    alphas = np.linspace(0.0, 1.0, points)
    for vocab, p0 in p0_by_vocab.items():
        for n in ns:
            for criterion in CRITERIA:
                stat = [analytic_statistic(criterion, p0, n, a, generations) for a in alphas]
                rows.append(
                    {
                        "scenario": scenario,
                        "n": n,
                        "vocab": vocab,
                        "criterion": criterion,
                        "analytic_safe_fraction": max_safe_fraction(
                            alphas, stat, safe[criterion], LARGER_IS_WORSE[criterion]
                        ),
                        "analytic_method": ANALYTIC_METHOD[criterion],
                        "thm3_safe_fraction": thm3_safe_fraction(n, vocab, safe["drift"], alphas)
                        if criterion == "drift"
                        else np.nan,
                    }
                )
    return pd.DataFrame(rows)


ANALYTIC_METHOD = {
    "drift": "Gaussian approximation of the fixed-real drift recursion, exact over the real draw",
    "excess_error": "Gaussian approximation per token",
    "diversity": "exact: Theorem 2 (corrected eq 9), eq 6 at alpha = 1",
    "collapse": "exact sum p_i^N_real; eq 7 upper bound at alpha = 1",
}


def thm3_safe_fraction(n: int, vocab: int, eps: float, alphas) -> float:
    """Largest α whose synthetic size satisfies Theorem 3's eq 11 (N = n_real); 0 when none —
    the bound is vacuous on most grids (paper.md §4.4)."""
    best = 0.0
    for a in alphas:
        n_real, n_syn = sample_sizes(n, a)
        if n_real >= 1 and n_syn <= theory.max_synthetic_size(n_real, vocab, eps):
            best = max(best, float(a))
    return best


def paths_by_grid_row(paths) -> list[list]:
    """Group per-job tables by their (n, vocab), read from the files themselves (names are
    cosmetic). Every file is opened here, so a damaged one stops the aggregation at once."""
    groups: dict = {}
    for path in paths:
        first = open_checked(path).read_row_group(0, columns=["n", "vocab"]).slice(0, 1).to_pylist()[0]
        groups.setdefault((first["n"], first["vocab"]), []).append(path)
    return list(groups.values())


def aggregate_study(sims_paths, initial_paths, config: dict):
    """(summary, safe_fraction) tables of one study, from its per-job Parquet files.

    One (n, vocab) row of the grid at a time: the safe fraction is a property of such a row, and
    memory stays that of one row, not of the whole study."""
    G, seeds, safe = config["generations"], config["seeds"], config["safe"]
    initial = read_initial(initial_paths)
    summaries, tables = [], []
    for paths in paths_by_grid_row(sims_paths):
        cells, arrays, collapse_time = cell_arrays(read_sims(paths, G, seeds), G)
        summaries.append(summarize(cells, arrays, collapse_time, initial, G))
        p0, s0, _ = initial_stats(cells, initial)
        samples = criterion_samples(arrays, collapse_time, s0, G)
        analytic = None
        if config["scenario"] == "mixed":  # the closed forms describe fixed real data
            analytic = analytic_safe_fractions({cells["vocab"][0]: p0[0]}, [cells["n"][0]], safe, G, "mixed")
        tables.append(safe_fraction_table(cells, samples, safe, safe["bootstrap"], config["root_seed"], analytic))
    key = ["scenario", "n", "vocab"]
    summary = pd.concat(summaries, ignore_index=True).sort_values(key + ["synthetic_fraction", "generation"], ignore_index=True)
    safe_table = pd.concat(tables, ignore_index=True)
    order = safe_table["criterion"].map(list(CRITERIA).index)
    return summary, safe_table.assign(_order=order).sort_values(key + ["_order"]).drop(columns="_order").reset_index(drop=True)


def cell_statistics(summary: pd.DataFrame) -> pd.DataFrame:
    """Each criterion's mean statistic per cell at the last generation, from the summary table."""
    key = ["scenario", "n", "vocab", "synthetic_fraction"]
    by_gen = summary.set_index(key + ["generation"])
    G = summary["generation"].max()
    last, first, truth = (by_gen.xs(g, level="generation") for g in (G, 1, 0))
    stats = pd.DataFrame(
        {
            "drift": last["l1_from_first_mean"],
            "excess_error": last["l1_from_truth_mean"] / first["l1_from_truth_mean"],
            "diversity": (1 - last["simpson_mean"]) / (1 - truth["simpson_mean"]),
            "collapse": last["collapse_probability"],
        }
    )
    return stats.reset_index().melt(id_vars=key, var_name="criterion", value_name="value")
