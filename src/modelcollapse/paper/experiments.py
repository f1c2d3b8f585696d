"""Regenerate the paper's statistical results (Seddik et al. 2024; closed forms in docs/theory.md,
outputs in docs/outputs.md).

Each `simulate_*` function runs the experiment behind one figure (or behind the theorem table)
from the `paper` config (config/paper.yaml) and returns pandas DataFrames; `theorem_table` and
`claims_table` set every closed form and every qualitative claim of the paper beside its
simulated value with a PASS/FAIL verdict. Plotting lives in `paper.figures`.

Scenario semantics (docs/model.md, "The scenarios"): fully synthetic = scenario `mixed` at
synthetic_fraction 1; fixed real data ("partially synthetic", eq 17) = `mixed` with N = n_real
real samples kept and n = n_synthetic fresh synthetic samples per generation; `window` and `pool`
are §4.2's Most Recent Models and Randomly Sampled Data. Generation 0 is p⁽⁰⁾, generation 1 the first model.
"""

import html
import math

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core import initial, stats, theory
from ..core.io import write_parquet
from ..core.seeding import INITIAL_DOMAIN
from ..core.simulate import METRICS, Cell, CellResult, reference_path, simulate_cell
from ..report_html import html_table

SIMPSON, COLLAPSED, L1_FROM_FIRST, TOP_TOKEN = (METRICS.index(name) for name in ("simpson", "collapsed", "l1_from_first", "top_token"))
# The per-generation summaries of the theorem runs: mean and SE of these metrics, named as in the
# study's summary.parquet ({metric}_mean, {metric}_se; l1_from_first is the drift ‖p⁽ᵐ⁾ − p⁽¹⁾‖₁).
SUMMARY_METRICS = ("simpson", "collapsed", "l1_from_first")


# --- cells, initial distributions, helpers ---------------------------------------------------


def fully_synthetic_cell(n: int, vocab: int) -> Cell:
    """Fully synthetic chain (paper §2.1): n samples from the previous model every generation."""
    return Cell("mixed", n, vocab, 1.0)


def fixed_real_cell(n_real: int, n_synthetic: int, vocab: int) -> Cell:
    """Fixed real data (paper eq 17): N = n_real real samples kept, n_synthetic fresh ones."""
    total = n_real + n_synthetic
    cell = Cell("mixed", total, vocab, n_synthetic / total)
    # Cell derives (n_real, n_synthetic) by rounding (1 − α)·n; it must give back exactly (N, n).
    if (cell.n_real, cell.n_synthetic) != (n_real, n_synthetic):
        raise ValueError(f"sample sizes ({n_real}, {n_synthetic}) do not survive rounding: {cell}")
    return cell


def target_initial(vocab: int, spec: dict) -> np.ndarray:
    """The paper's reconstructed p⁽⁰⁾: a power law on spec['support'] tokens with Σp² = spec['s0']."""
    return initial.target(vocab, spec["support"], spec["s0"])


def simulate_until_collapsed(
    p0, cell: Cell, seeds, generations: int, root_seed: int, keep: int | None = None
) -> tuple[CellResult, np.ndarray]:
    """Run every replicate until it is absorbed in a Dirac mass (Thm 1: a.s. in finite time).

    Replicates still alive at G are re-run with G doubled: a replicate's stream depends on its
    seed only, so the re-run repeats its path and extends it. No survivorship bias in E[T].
    Returns the result truncated to generations 0 … keep (default G; absorbed rows repeat) and
    each replicate's absorbing token (the Dirac mass it fixed on, for Proposition 1).
    """
    seeds = np.asarray(list(seeds), dtype=np.int64)
    keep = generations if keep is None else keep
    metrics = np.empty((seeds.size, keep + 1, len(METRICS)))
    collapse_time = np.full(seeds.size, -1, np.int64)
    fixed_token = np.full(seeds.size, -1, np.int64)
    pending, G = np.arange(seeds.size), generations
    for _ in range(40):  # 2^40 × G generations: unreachable for any absorbing chain
        res = simulate_cell(p0, cell, seeds[pending], max(G, keep), root_seed)
        done = res.collapse_time >= 0
        rows = pending[done]
        metrics[rows] = res.metrics[done, : keep + 1]
        collapse_time[rows] = res.collapse_time[done]
        fixed_token[rows] = res.metrics[done, -1, TOP_TOKEN]
        pending, G = pending[~done], 2 * G
        if pending.size == 0:
            return CellResult(cell, seeds, metrics, collapse_time), fixed_token
    raise RuntimeError(f"{pending.size} replicates of {cell} never collapsed")


def trajectory_frame(result: CellResult, **labels) -> pd.DataFrame:
    """Long table (seed, generation, σ_m, ‖p⁽ᵐ⁾ − p⁽¹⁾‖₁, collapsed, T) with constant label columns."""
    R, G1, _ = result.metrics.shape
    frame = pd.DataFrame(
        {
            "seed": np.repeat(result.seeds, G1),
            "generation": np.tile(np.arange(G1), R),
            "simpson": result.metrics[:, :, SIMPSON].ravel(),
            "l1_from_first": result.metrics[:, :, L1_FROM_FIRST].ravel(),
            "collapsed": result.metrics[:, :, COLLAPSED].ravel() == 1.0,
            "collapse_time": np.repeat(result.collapse_time, G1),
        }
    )
    for position, (key, value) in enumerate(labels.items()):
        frame.insert(position, key, value)
    return frame


def write_table(frame: pd.DataFrame, path) -> None:
    """Parquet (pyarrow), written atomically."""
    write_parquet(pa.Table.from_pandas(frame, preserve_index=False), path)


# --- Figure 1: simplex evolution, fully synthetic, vocab 3 -----------------------------------


def samples_per_context(cfg: dict) -> int:
    """Reading of the paper's "n = 1000": the total over all contexts, ⌊n/c⌋ each (a project
    choice, printed on Figure 1)."""
    return cfg["fig1"]["total_samples"] // cfg["fig1"]["contexts"]


def figure1_initials(cfg: dict) -> np.ndarray:
    """p⁽⁰⁾ of each context: i.i.d. Dirichlet(concentration·1) draws, seeded by root_seed.

    The paper says only "some random distribution"; uniform on the simplex is this project's choice.
    """
    fig1 = cfg["fig1"]
    key = (INITIAL_DOMAIN, fig1["vocab"], fig1["contexts"])  # apart from initial.dirichlet's key
    rng = np.random.default_rng(np.random.SeedSequence(cfg["root_seed"], spawn_key=key))
    return rng.dirichlet(np.full(fig1["vocab"], fig1["concentration"]), size=fig1["contexts"])


def fully_synthetic_path(p0, n: int, generations: int, root_seed: int, seed: int) -> np.ndarray:
    """The distributions p⁽⁰⁾ … p⁽ᴳ⁾ of one fully synthetic replicate, shape (G+1, s): a ternary
    plot needs every coordinate, `simulate_cell` reports only metrics, and `reference_path` is
    the same chain on the same stream."""
    p = np.asarray(p0, dtype=float)
    return reference_path(p, fully_synthetic_cell(n, p.size), seed, generations, root_seed)


def simulate_figure1(cfg: dict) -> pd.DataFrame:
    """Per (context, generation): the three token probabilities and σ_m. Context j is seed j."""
    fig1, n = cfg["fig1"], samples_per_context(cfg)
    frames = []
    for context, p0 in enumerate(figure1_initials(cfg)):
        path = fully_synthetic_path(p0, n, fig1["generations"], cfg["root_seed"], context)
        frame = pd.DataFrame(path, columns=[f"prob_{k}" for k in range(path.shape[1])])
        frame.insert(0, "generation", np.arange(path.shape[0]))
        frame.insert(0, "context", context)
        frame["simpson"] = (path**2).sum(axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --- Figure 2: collapse time vs n, fully synthetic ------------------------------------------


def figure2_initials(cfg: dict) -> list[np.ndarray]:
    return [target_initial(cfg["vocab"], spec) for spec in cfg["fig2"]["initials"]]


def simulate_figure2(cfg: dict) -> pd.DataFrame:
    """Per (initial, n, seed): collapse time T and the token it fixed on; every run collapses."""
    fig2, frames = cfg["fig2"], []
    for index, (spec, p0) in enumerate(zip(fig2["initials"], figure2_initials(cfg))):
        for n in fig2["n"]:
            cell = fully_synthetic_cell(n, cfg["vocab"])
            first_G = math.ceil(fig2["first_generations_per_n"] * n)
            res, fixed = simulate_until_collapsed(p0, cell, range(fig2["seeds"]), first_G, cfg["root_seed"], keep=1)
            frames.append(
                pd.DataFrame(
                    {
                        "initial": index,
                        "support": spec["support"],
                        "s0": spec["s0"],
                        "n": n,
                        "seed": res.seeds,
                        "collapse_time": res.collapse_time,
                        "fixed_token": fixed,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def collapse_time_summary(fig2: pd.DataFrame, vocab: int) -> pd.DataFrame:
    """Per (initial, n): mean T ± SE beside eq 8's bounds and the Wright–Fisher approximation."""
    rows = []
    for (index, support, s0, n), runs in fig2.groupby(["initial", "support", "s0", "n"]):
        mean, se = stats.mean_and_se(runs["collapse_time"])
        lower, upper = theory.collapse_time_bounds(n, s0, support)
        p0 = initial.target(vocab, int(support), s0)
        rows.append(
            {
                "initial": index,
                "support": support,
                "s0": s0,
                "n": n,
                "runs": len(runs),
                "mean_T": mean,
                "se_T": se,
                "max_T": runs["collapse_time"].max(),
                "lower": lower,
                "upper": upper,
                "wright_fisher": theory.collapse_time_wright_fisher(n, p0),
            }
        )
    return pd.DataFrame(rows)


# --- Figures 3, 4, 6: trajectories -------------------------------------------------------------


def simulate_figure3(cfg: dict) -> pd.DataFrame:
    """Fixed real data, N real samples, several synthetic sizes n (one panel each)."""
    fig3 = cfg["fig3"]
    p0 = target_initial(cfg["vocab"], cfg["reference_initial"])
    frames = []
    for n_synthetic in fig3["synthetic"]:
        cell = fixed_real_cell(fig3["real"], n_synthetic, cfg["vocab"])
        res = simulate_cell(p0, cell, range(fig3["seeds"]), fig3["generations"], cfg["root_seed"])
        frames.append(trajectory_frame(res, n_real=fig3["real"], n_synthetic=n_synthetic))
    return pd.concat(frames, ignore_index=True)


def figure4_initials(cfg: dict) -> list[np.ndarray]:
    support = cfg["reference_initial"]["support"]
    return [target_initial(cfg["vocab"], {"support": support, "s0": s0}) for s0 in cfg["fig4"]["s0"]]


def simulate_figure4(cfg: dict) -> pd.DataFrame:
    """Fixed real data, n synthetic, one panel per initial distribution (increasing S₀)."""
    fig4 = cfg["fig4"]
    cell = fixed_real_cell(fig4["real"], fig4["synthetic"], cfg["vocab"])
    frames = []
    for s0, p0 in zip(fig4["s0"], figure4_initials(cfg)):
        res = simulate_cell(p0, cell, range(fig4["seeds"]), fig4["generations"], cfg["root_seed"])
        frames.append(trajectory_frame(res, s0=s0))
    return pd.concat(frames, ignore_index=True)


def figure6_panels(cfg: dict) -> list[tuple[str, Cell]]:
    """(label, cell) of each column: fully synthetic (= window K = 1), windows K, random pool."""
    n, vocab = cfg["fig6"]["n"], cfg["vocab"]
    return [
        ("fully synthetic (K = 1)", fully_synthetic_cell(n, vocab)),
        *[(f"most recent K = {K}", Cell("window", n, vocab, 1.0, window=K)) for K in cfg["fig6"]["windows"]],
        ("randomly sampled pool", Cell("pool", n, vocab, 1.0)),
    ]


def simulate_figure6(cfg: dict) -> pd.DataFrame:
    fig6 = cfg["fig6"]
    p0 = target_initial(cfg["vocab"], cfg["reference_initial"])
    frames = []
    for order, (label, cell) in enumerate(figure6_panels(cfg)):
        res = simulate_cell(p0, cell, range(fig6["seeds"]), fig6["generations"], cfg["root_seed"])
        frames.append(trajectory_frame(res, panel=order, label=label, scenario=cell.scenario, window=cell.window or 1))
    return pd.concat(frames, ignore_index=True)


# --- Theorem simulations -----------------------------------------------------------------------


def generation_summary(result: CellResult, **labels) -> pd.DataFrame:
    """Per generation: mean and SE over replicates of σ_m, of 1{collapsed} and of the drift
    ‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ (columns `{metric}_mean`, `{metric}_se` of SUMMARY_METRICS)."""
    frame = pd.DataFrame({"generation": np.arange(result.metrics.shape[1])})
    for name in SUMMARY_METRICS:
        frame[f"{name}_mean"], frame[f"{name}_se"] = stats.mean_and_se(result.metrics[:, :, METRICS.index(name)])
    frame.insert(0, "runs", result.seeds.size)
    for position, (key, value) in enumerate(labels.items()):
        frame.insert(position, key, value)
    return frame


def fully_synthetic_horizon(n: int, cfg: dict) -> int:
    """Generations 0 … ⌈c·n⌉ are kept for eq 6–7 (c = theorems.generations_per_n)."""
    return math.ceil(cfg["theorems"]["generations_per_n"] * n)


def simulate_fully_synthetic_theorems(cfg: dict) -> dict[str, pd.DataFrame]:
    """Runs behind Theorem 1 (eq 6–8) and Proposition 1, on the reference p⁽⁰⁾, until all collapse.

    Returns "generations" (per n and generation: mean/SE of σ_m and of 1{collapsed}) and
    "replicates" (per n and seed: T and the token the chain fixed on).
    """
    th, vocab, root_seed = cfg["theorems"], cfg["vocab"], cfg["root_seed"]
    p0 = target_initial(vocab, cfg["reference_initial"])
    summaries, replicates = [], []
    for n in th["fully_synthetic_n"]:
        keep = fully_synthetic_horizon(n, cfg)
        cell = fully_synthetic_cell(n, vocab)
        res, fixed = simulate_until_collapsed(p0, cell, range(th["seeds"]), keep, root_seed, keep)
        summaries.append(generation_summary(res, n_real=0, n_synthetic=n))
        replicates.append(pd.DataFrame({"n": n, "seed": res.seeds, "collapse_time": res.collapse_time, "fixed_token": fixed}))
    return {"generations": pd.concat(summaries, ignore_index=True), "replicates": pd.concat(replicates, ignore_index=True)}


def simulate_fixed_real_theorems(cfg: dict) -> dict[str, pd.DataFrame]:
    """Runs behind Theorems 2 and 3: per (N, n, generation) mean/SE of σ_m and of the drift."""
    th, vocab = cfg["theorems"], cfg["vocab"]
    p0 = target_initial(vocab, cfg["reference_initial"])
    summaries = []
    for n_real in th["fixed_real"]["real"]:
        for n_synthetic in th["fixed_real"]["synthetic"]:
            cell = fixed_real_cell(n_real, n_synthetic, vocab)
            res = simulate_cell(p0, cell, range(th["seeds"]), th["fixed_real"]["generations"], cfg["root_seed"])
            summaries.append(generation_summary(res, n_real=n_real, n_synthetic=n_synthetic))
    return {"generations": pd.concat(summaries, ignore_index=True)}


FIGURE_SIMULATIONS = {
    "fig1": simulate_figure1,
    "fig2": simulate_figure2,
    "fig3": simulate_figure3,
    "fig4": simulate_figure4,
    "fig6": simulate_figure6,
}
THEOREM_SIMULATIONS = {
    "theorems_fully_synthetic": simulate_fully_synthetic_theorems,
    "theorems_fixed_real": simulate_fixed_real_theorems,
}  # name -> function(cfg) returning {output name: table}; the workflow writes each as Parquet


# --- Theorem table ---------------------------------------------------------------------------

TABLE_COLUMNS = (
    "kind",
    "check",
    "statement",
    "parameters",
    "generation",
    "theory",
    "lower",
    "upper",
    "simulated",
    "std_error",
    "z",
    "p_value",
    "criterion",
    "result",
)


def _row(**values) -> dict:
    row = dict.fromkeys(TABLE_COLUMNS, np.nan)
    row.update(values)
    row["result"] = "PASS" if values["result"] else "FAIL"
    return row


def equality_row(check, statement, parameters, generation, theory_value, simulated, se, z_max) -> dict:
    """A closed form that the simulation mean must match: PASS when |z| < z_max."""
    z = float(stats.in_se_units(simulated - theory_value, se))
    return _row(
        kind="theorem",
        check=check,
        statement=statement,
        parameters=parameters,
        generation=generation,
        theory=theory_value,
        simulated=simulated,
        std_error=se,
        z=z,
        criterion=f"|z| < {z_max:g}",
        result=abs(z) < z_max,
    )


def bound_row(check, statement, parameters, generation, lower, upper, simulated, se, z_max) -> dict:
    """A bound: PASS when lower − z_max·SE ≤ simulated ≤ upper + z_max·SE.

    z is the smaller margin to either bound in SE units (negative = outside the bound).
    """
    z = float(min(stats.in_se_units(simulated - lower, se), stats.in_se_units(upper - simulated, se)))
    return _row(
        kind="theorem",
        check=check,
        statement=statement,
        parameters=parameters,
        generation=generation,
        lower=lower,
        upper=upper,
        simulated=simulated,
        std_error=se,
        z=z,
        criterion=f"inside the bound(s) within {z_max:g} SE",
        result=z > -z_max,
    )


def chi_square_fixation(fixed_token, p0, min_expected: float = 5.0):
    """Proposition 1 as a goodness-of-fit test: absorbing-token counts vs R·p_i over the tokens
    of p⁽⁰⁾'s support, small expected counts pooled by the rule of `stats.chi_square`.
    Returns (statistic, dof, p-value).
    """
    p = np.asarray(p0, dtype=float)
    tokens = np.flatnonzero(p > 0)
    return stats.chi_square(np.bincount(fixed_token, minlength=p.size)[tokens], p[tokens], min_expected)


def checked_generations(n: int, cfg: dict) -> list[int]:
    """m = 1 and m = round(c·n) for each c in theorems.checked_generations_per_n."""
    multiples = cfg["theorems"]["checked_generations_per_n"]
    return sorted({1, *(max(1, round(c * n)) for c in multiples)} & set(range(1, fully_synthetic_horizon(n, cfg) + 1)))


def theorem_table(fully_synthetic: pd.DataFrame, replicates: pd.DataFrame, fixed_real: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Every closed form of paper §3 beside its simulated value (Thm 1 eq 6–8, Prop 1, Thm 2
    corrected eq 9 and S∞, Thm 2's bound, Thm 3's bound), with SE, z-score and PASS/FAIL."""
    th, vocab = cfg["theorems"], cfg["vocab"]
    z_max, p_min = th["z_max"], th["chi_square_p_min"]
    support, s0 = cfg["reference_initial"]["support"], cfg["reference_initial"]["s0"]
    p0 = target_initial(vocab, cfg["reference_initial"])
    base = f"s={vocab}, s̃={support}, S₀={s0:g}, R={th['seeds']}"
    rows = []
    for n in th["fully_synthetic_n"]:
        at = fully_synthetic[fully_synthetic["n_synthetic"] == n].set_index("generation")
        where = f"fully synthetic n={n}, {base}"
        for m in checked_generations(n, cfg):
            rows.append(
                equality_row(
                    "eq 6",
                    "S_m = E σ_m = 1 − (1 − 1/n)^m (1 − S₀)",
                    where,
                    m,
                    float(theory.simpson_fully_synthetic(m, n, s0)),
                    at.at[m, "simpson_mean"],
                    at.at[m, "simpson_se"],
                    z_max,
                )
            )
        for m in checked_generations(n, cfg):
            lower, upper = theory.collapse_probability_bounds(m, n, s0, support)
            rows.append(
                bound_row(
                    "eq 7",
                    "bounds on ρ_m = P(‖p⁽ᵐ⁾‖∞ = 1)",
                    where,
                    m,
                    float(lower),
                    float(upper),
                    at.at[m, "collapsed_mean"],
                    at.at[m, "collapsed_se"],
                    z_max,
                )
            )
        runs = replicates[replicates["n"] == n]
        mean_T, se_T = stats.mean_and_se(runs["collapse_time"])
        lower, upper = theory.collapse_time_bounds(n, s0, support)
        rows.append(bound_row("eq 8", "bounds on E[T]", where, np.nan, lower, upper, mean_T, se_T, z_max))
        approx = theory.collapse_time_wright_fisher(n, p0)
        tolerance = th["wright_fisher_rel_tol"]
        if n >= th["wright_fisher_min_n"]:  # a diffusion (large-n) approximation
            rows.append(
                _row(
                    kind="theorem",
                    check="Wright–Fisher (extension)",
                    statement="E[T] ≈ 1 − 2n Σ(1−pᵢ)ln(1−pᵢ) (diffusion approximation, not in the paper)",
                    parameters=where,
                    theory=approx,
                    simulated=mean_T,
                    std_error=se_T,
                    z=float(stats.in_se_units(mean_T - approx, se_T)),
                    criterion=f"|E[T]/approx − 1| < {tolerance:g}",
                    result=abs(mean_T / approx - 1) < tolerance,
                )
            )
        statistic, dof, p_value = chi_square_fixation(runs["fixed_token"].to_numpy(), p0)
        rows.append(
            _row(
                kind="theorem",
                check="Prop 1",
                statement="P(p⁽ᵐ⁾ → δᵢ) = pᵢ: chi-square of absorbing tokens",
                parameters=f"{where}, {dof} dof",
                simulated=statistic,
                p_value=p_value,
                criterion=f"chi-square p > {p_min:g}",
                result=p_value > p_min,
            )
        )
    for (N, n), group in fixed_real.groupby(["n_real", "n_synthetic"], sort=False):
        at = group.set_index("generation")
        G = int(at.index.max())
        alpha = n / (N + n)
        where = f"fixed real N={N}, n={n} (α={alpha:.3g}), {base}"
        for m in th["fixed_real"]["checked_generations"]:
            rows.append(
                equality_row(
                    "Thm 2 (eq 9, corrected)",
                    "S_m with fixed real data, eq 9 with the '+' sign",
                    where,
                    m,
                    float(theory.simpson_partial(m, N, n, s0)),
                    at.at[m, "simpson_mean"],
                    at.at[m, "simpson_se"],
                    z_max,
                )
            )
        stationary = float(theory.simpson_stationary(N, n, s0))
        gap = stationary - float(theory.simpson_partial(G, N, n, s0))
        rows.append(
            equality_row(
                "Thm 2 S∞",
                "lim S_m = S∞, checked at m = G",
                f"{where}; S∞ − S_G = {gap:.1e}",
                G,
                stationary,
                at.at[G, "simpson_mean"],
                at.at[G, "simpson_se"],
                z_max,
            )
        )
        rows.append(
            bound_row(
                "Thm 2 bound",
                "S_m < 1 − γ (= S∞: no total collapse on average)",
                where,
                G,
                -np.inf,
                float(theory.diversity_floor(N, n, s0)),
                at.at[G, "simpson_mean"],
                at.at[G, "simpson_se"],
                z_max,
            )
        )
        bound = theory.deviation_bound(N, n, vocab)
        vacuous = " — vacuous: above 2 = max ‖·‖₁" if bound > 2 else ""
        rows.append(
            bound_row(
                "Thm 3",
                f"E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ < √(πn/2) G_n(s)/N{vacuous}",
                where,
                G,
                0.0,
                bound,
                at.at[G, "l1_from_first_mean"],
                at.at[G, "l1_from_first_se"],
                z_max,
            )
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


# --- Qualitative claims, each checked by a number ------------------------------------------------


def _claim(check, statement, parameters, simulated, criterion, passed, **extra) -> dict:
    return _row(
        kind="claim",
        check=check,
        statement=statement,
        parameters=parameters,
        simulated=simulated,
        criterion=criterion,
        result=bool(passed),
        **extra,
    )


def final_generation(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mean and SE over runs of σ_G and of the drift at the last generation G, per panel `by`
    (columns simpson_mean, simpson_se, l1_from_first_mean, l1_from_first_se)."""
    last = frame[frame["generation"] == frame["generation"].max()]
    rows = {}
    for panel, runs in last.groupby(by, sort=False):
        rows[panel] = {}
        for name in ("simpson", "l1_from_first"):
            rows[panel][f"{name}_mean"], rows[panel][f"{name}_se"] = stats.mean_and_se(runs[name])
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def smallest_step_z(means, ses, direction: int) -> float:
    """min over consecutive panels of direction·(mean_{i+1} − mean_i)/√(SE_i² + SE_{i+1}²)."""
    means, ses = np.asarray(means, dtype=float), np.asarray(ses, dtype=float)
    steps = stats.in_se_units(direction * np.diff(means), np.hypot(ses[1:], ses[:-1]))
    return float(steps.min())


def restricted_mean_collapse_time(frame: pd.DataFrame, generations: int) -> tuple[float, float]:
    """Mean and SE of min(T, G) over runs (runs not collapsed by G count as G): a collapse-time
    average free of survivorship bias when some runs survive the horizon."""
    per_run = frame.groupby("seed")["collapse_time"].first()
    return stats.mean_and_se(np.where(per_run < 0, generations, per_run))


def claims_table(fig2, fig3, fig4, fig6, cfg) -> pd.DataFrame:
    """The paper's qualitative statements about Figures 2, 3, 4 and 6, each as a number with a
    stated pass criterion (thresholds: `claims` in config/paper.yaml)."""
    cl, z_max = cfg["claims"], cfg["theorems"]["z_max"]
    rows = []

    times = collapse_time_summary(fig2, cfg["vocab"])
    for (_index, support, s0), group in times.groupby(["initial", "support", "s0"]):
        where = f"Fig 2 fully synthetic, s̃={support}, S₀={s0:g}, n={group['n'].min()}…{group['n'].max()}"
        slope = float(np.polyfit(np.log(group["n"]), np.log(group["mean_T"]), 1)[0])
        low, high = cl["linear_slope"]
        rows.append(
            _claim(
                "Fig 2 linear",
                "E[T] grows about linearly in n (log-log slope; n² upper bound would give 2)",
                where,
                slope,
                f"{low:g} ≤ slope ≤ {high:g}",
                low <= slope <= high,
            )
        )
        last = group.loc[group["n"].idxmax()]
        ratio_lower, ratio_upper = last["mean_T"] / last["lower"], last["upper"] / last["mean_T"]
        rows.append(
            _claim(
                "Fig 2 near lower bound",
                f"E[T] close to eq 8's lower bound, far below its upper bound (upper/E[T] = {ratio_upper:.3g})",
                f"{where}; at n={int(last['n'])}",
                ratio_lower,
                f"E[T]/lower ≤ {cl['lower_bound_ratio_max']:g} and upper/E[T] ≥ {cl['upper_bound_ratio_min']:g}",
                ratio_lower <= cl["lower_bound_ratio_max"] and ratio_upper >= cl["upper_bound_ratio_min"],
            )
        )

    last3 = final_generation(fig3, "n_synthetic")
    where = f"Fig 3 fixed real N={cfg['fig3']['real']}, n ∈ {list(last3.index)}, m={cfg['fig3']['generations']}"
    spread = float(np.ptp(last3["simpson_mean"]) / last3["simpson_mean"].mean())
    rows.append(
        _claim(
            "Fig 3 σ flat",
            "σ_m stays roughly constant as n grows: relative range of mean σ_G over n",
            where,
            spread,
            f"< {cl['flat_relative_range']:g}",
            spread < cl["flat_relative_range"],
        )
    )
    step = smallest_step_z(last3["l1_from_first_mean"], last3["l1_from_first_se"], +1)
    rows.append(
        _claim(
            "Fig 3 drift grows",
            "‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ grows with n: smallest step up between consecutive n, in SE",
            where + ", drift means " + ", ".join(f"{v:.3g}" for v in last3["l1_from_first_mean"]),
            step,
            f"every step up by > {z_max:g} SE",
            step > z_max,
            z=step,
        )
    )

    last4 = final_generation(fig4, "s0")
    where = f"Fig 4 fixed real N={cfg['fig4']['real']}, n={cfg['fig4']['synthetic']}, S₀ ∈ {list(last4.index)}"
    step = smallest_step_z(last4["l1_from_first_mean"], last4["l1_from_first_se"], -1)
    rows.append(
        _claim(
            "Fig 4 drift falls",
            "‖p⁽ᴳ⁾ − p⁽¹⁾‖₁ falls as S₀ rises: smallest step down between consecutive S₀, in SE",
            where + ", drift means " + ", ".join(f"{v:.3g}" for v in last4["l1_from_first_mean"]),
            step,
            f"every step down by > {z_max:g} SE",
            step > z_max,
            z=step,
        )
    )
    step = smallest_step_z(last4["simpson_mean"], last4["simpson_se"], +1)
    rows.append(
        _claim(
            "Fig 4 σ rises",
            "σ_G rises with S₀: smallest step up between consecutive S₀, in SE",
            where,
            step,
            f"every step up by > {z_max:g} SE",
            step > z_max,
            z=step,
        )
    )

    G6 = cfg["fig6"]["generations"]
    panels = {label: runs for (_, label), runs in fig6.groupby(["panel", "label"])}  # in column order
    windows = [label for label in panels if not label.startswith("randomly")]
    rmst = [restricted_mean_collapse_time(panels[label], G6) for label in windows]
    step = smallest_step_z([m for m, _ in rmst], [s for _, s in rmst], +1)
    rows.append(
        _claim(
            "Fig 6 larger K delays collapse",
            "mean min(T, G) rises with the window K: smallest step up between consecutive K, in SE",
            f"Fig 6 n={cfg['fig6']['n']}, G={G6}; " + ", ".join(f"{w}: {m:.1f}" for w, (m, _) in zip(windows, rmst)),
            step,
            f"every step up by > {z_max:g} SE",
            step > z_max,
            z=step,
        )
    )
    for label in windows:
        collapsed = float((panels[label].groupby("seed")["collapse_time"].first() >= 0).mean())
        rows.append(
            _claim(
                "Fig 6 windows still collapse",
                f"{label}: fraction of runs collapsed by G",
                f"Fig 6 n={cfg['fig6']['n']}, G={G6}",
                collapsed,
                f"≥ {cl['window_collapsed_min']:g}",
                collapsed >= cl["window_collapsed_min"],
            )
        )
    pool = [label for label in panels if label.startswith("randomly")][0]
    collapsed = float((panels[pool].groupby("seed")["collapse_time"].first() >= 0).mean())
    rows.append(
        _claim(
            "Fig 6 pool rarely collapses",
            "randomly sampled pool: fraction of runs collapsed by G (paper: 1 of 100)",
            f"Fig 6 n={cfg['fig6']['n']}, G={G6}",
            collapsed,
            f"≤ {cl['pool_collapsed_max']:g}",
            collapsed <= cl["pool_collapsed_max"],
        )
    )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def results_markdown(table: pd.DataFrame) -> str:
    """theorems.md: one small table per closed form (statement and criterion in its heading), then
    the claims, with the PASS count on top."""
    passed = (table["result"] == "PASS").sum()
    lines = [
        "# The paper's statistical results beside simulation",
        "",
        f"**{passed} of {len(table)} checks PASS.** z = (simulated − theory)/SE for equalities; for bounds, z is the"
        " smaller margin to a bound in SE (negative = outside). SE = Monte-Carlo standard error over replicates.",
        "",
        "## Closed forms",
        "",
    ]
    theorems = table[table["kind"] == "theorem"]
    for check in theorems["check"].unique():
        part = theorems[theorems["check"] == check]
        first = part.iloc[0]
        columns = part.drop(columns=["kind", "check", "statement", "criterion"]).dropna(axis=1, how="all")
        lines += [
            f"### {check}: {first['statement']}",
            "",
            f"Criterion: {first['criterion']}.",
            "",
            columns.to_markdown(index=False, floatfmt=".4g"),
            "",
        ]
    claims = table[table["kind"] == "claim"].drop(columns="kind").dropna(axis=1, how="all")
    lines += ["## Qualitative claims", "", claims.to_markdown(index=False, floatfmt=".4g"), ""]
    return "\n".join(lines)


def theorem_table_html(table: pd.DataFrame) -> str:
    """theorems.csv as an HTML table for the report: one row per check, FAIL in red, the PASS
    count on top."""
    table = table.dropna(axis=1, how="all")
    passed = (table["result"] == "PASS").sum()

    def cell(column, value):
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.4g}"
        if column == "result" and value != "PASS":
            return html.escape(str(value)), "fail"
        return value

    rows = [[cell(c, v) for c, v in zip(table.columns, values)] for values in table.itertuples(index=False)]
    caption = f"{passed} of {len(table)} checks PASS (theorems.csv; theorems.md is the same table for reading)"
    return html_table(list(table.columns), rows, caption)
