"""Figures of the `paper` target (Seddik et al. 2024, Figures 1–4 and 6; docs/outputs.md): each
function returns a Figure.

Colours follow the paper: individual runs faint yellow, their mean red, closed forms blue dashed.
Every figure prints, under the plot, the parameters the paper does not state and this project
chose (config/paper.yaml). Figures are built without pyplot, so nothing global is left open.
"""

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..core import stats, theory
from ..core.initial import target_exponent
from ..style import figure_style
from . import experiments

RUN_COLOR = "#E8B22A"  # one replicate (the paper's yellow)
MEAN_COLOR = "#C0392B"  # mean over replicates (the paper's red)
THEORY_COLOR = "#1F5FA8"  # closed form (the paper's blue dashed)
BOUND_COLOR = "#D62728"  # eq 8 lower bound (the paper's red dashed)
SIMPSON_LABEL = r"$\sigma_m = \sum_i (p_i^{(m)})^2$"
DRIFT_LABEL = r"$\|p^{(m)} - p^{(1)}\|_1$"


def _figure(width, height, footnote_lines: int) -> Figure:
    """A constrained-layout figure with room at the bottom for the project-choice footnote."""
    fig = Figure(figsize=(width, height), layout="constrained")
    bottom = (0.2 + 0.17 * footnote_lines) / height  # inches → figure fraction
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    return fig


def _footnote(fig: Figure, lines: list[str]) -> None:
    fig.text(0.01, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=8, color="0.25")


def _initial_note(cfg: dict, supports_and_s0) -> list[str]:
    """Footnote lines saying how p⁽⁰⁾ was built (the paper does not say; docs/model.md, "The
    initial distribution p⁽⁰⁾")."""
    exponents = ", ".join(f"a = {target_exponent(int(k), float(s0)):.3g} (s̃ = {k}, S₀ = {s0:g})" for k, s0 in supports_and_s0)
    return [
        f"p⁽⁰⁾ = power law pᵢ ∝ i⁻ᵃ on the first s̃ of s = {cfg['vocab']} tokens, a tuned so that Σp² = S₀ "
        "(a reconstruction: the paper does not say how its p⁽⁰⁾ was made):",
        f"{exponents}; root_seed = {cfg['root_seed']}.",
    ]


def _runs(ax, frame: pd.DataFrame, metric: str) -> np.ndarray:
    """Each run faint (one LineCollection, so 100 runs draw fast), the mean over runs bold red."""
    wide = frame.pivot(index="seed", columns="generation", values=metric)
    wide = wide.loc[:, wide.notna().all()]  # the drift is undefined at generation 0
    x = wide.columns.to_numpy(dtype=float)
    ax.add_collection(LineCollection([np.column_stack([x, y]) for y in wide.to_numpy()], colors=RUN_COLOR, alpha=0.3, linewidths=0.7))
    ax.plot(x, wide.mean().to_numpy(), color=MEAN_COLOR, lw=2, label=f"mean of {len(wide)} runs")
    ax.autoscale_view()
    return x


def _initial_panel(ax, p0, title):
    tokens = np.flatnonzero(p0 > 0)
    ax.plot(tokens + 1, p0[tokens], ".", ms=3, color=THEORY_COLOR)
    ax.set_yscale("log")
    ax.set_xlim(0, p0.size + 1)
    ax.set_xlabel("token i")
    ax.set_title(title)


# --- Figure 1 ----------------------------------------------------------------------------------


VERTICES = np.array([[0.5, np.sqrt(3) / 2], [0.0, 0.0], [1.0, 0.0]])  # tokens 1, 2, 3 (top, left, right)


def _simplex_axes(ax) -> None:
    """Plain-matplotlib 2-simplex: outline, grid at 0.2 steps of each coordinate, vertex labels."""
    for level in np.arange(0.2, 1.0, 0.2):
        for k in range(3):
            # the segment where token k has probability `level`
            a, b = [j for j in range(3) if j != k]
            ends = level * VERTICES[k] + (1 - level) * VERTICES[[a, b]]
            ax.plot(ends[:, 0], ends[:, 1], color="0.88", lw=0.6, zorder=0)
    outline = VERTICES[[0, 1, 2, 0]]
    ax.plot(outline[:, 0], outline[:, 1], color="0.4", lw=0.8, zorder=1)
    for k, (dx, dy, ha, va) in enumerate([(0, 0.05, "center", "bottom"), (0, -0.05, "center", "top"), (0, -0.05, "center", "top")]):
        ax.text(VERTICES[k, 0] + dx, VERTICES[k, 1] + dy, f"token {k + 1}", ha=ha, va=va, fontsize=9)
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.2, 1.05)
    ax.set_aspect("equal")
    ax.axis("off")


def figure1(table: pd.DataFrame, cfg: dict) -> Figure:
    """Ternary scatter of the c per-context distributions at the panel generations (paper Fig 1)."""
    fig1, n = cfg["fig1"], experiments.samples_per_context(cfg)
    probs = [f"prob_{k}" for k in range(fig1["vocab"])]
    start = table[table["generation"] == 0].sort_values("context")
    colors = start[probs].to_numpy()  # each context keeps the colour of its p⁽⁰⁾ (RGB = probabilities)
    s0_mean = start["simpson"].mean()
    panels = fig1["panels"]
    with figure_style("paper"):
        fig = Figure(figsize=(3.3 * len(panels), 4.3))
        # placed by hand: constrained layout misplaces multi-line titles over equal-aspect axes
        fig.subplots_adjust(left=0.01, right=0.99, top=0.8, bottom=0.17, wspace=0.05)
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, m in zip(axes, panels):
            _simplex_axes(ax)
            p = table[table["generation"] == m].sort_values("context")[probs].to_numpy()
            xy = p @ VERTICES
            ax.scatter(xy[:, 0], xy[:, 1], c=colors, s=24, edgecolors="k", linewidths=0.3, zorder=2, clip_on=False)
            at_vertex = [int(((p.max(axis=1) == 1) & (p.argmax(axis=1) == k)).sum()) for k in range(3)]
            for k, (dx, dy, ha) in enumerate([(0.06, 0.0, "left"), (-0.03, 0.07, "right"), (0.03, 0.07, "left")]):
                if at_vertex[k]:  # contexts on one vertex overlap: say how many
                    ax.text(VERTICES[k, 0] + dx, VERTICES[k, 1] + dy, f"×{at_vertex[k]}", fontsize=8.5, ha=ha, color=MEAN_COLOR)
            expected = float(theory.simpson_fully_synthetic(m, n, s0_mean))
            ax.set_title(
                f"generation m = {m}\nmean σ = {(p**2).sum(axis=1).mean():.2f}  (eq 6: {expected:.2f})\n"
                f"collapsed (at a vertex): {sum(at_vertex)}/{len(p)}",
                fontsize=9,
            )
        fig.suptitle(
            f"Figure 1 — fully synthetic training, s = {fig1['vocab']} tokens, c = {fig1['contexts']} contexts: "
            "each context's next-token distribution drifts to a vertex (total collapse)"
        )
        _footnote(
            fig,
            [
                f"Project choices (not stated in the paper): the paper's n = {fig1['total_samples']} is read as the total "
                f"over the c = {fig1['contexts']} contexts, so each context is trained on ⌊n/c⌋ = {n} samples per generation "
                "(n per context would barely move by m = 40).",
                f"p⁽⁰⁾ of each context ~ Dirichlet({fig1['concentration']:g}·1), seeded by root_seed = {cfg['root_seed']}; "
                "each context is its own fully synthetic chain (contexts decouple, paper eq 2).",
                "A point keeps the colour of its p⁽⁰⁾ (RGB = its three probabilities) across panels; "
                "eq 6 value = 1 − (1 − 1/n)^m (1 − mean S₀).",
            ],
        )
    return fig


# --- Figure 2 ----------------------------------------------------------------------------------


def figure2(table: pd.DataFrame, cfg: dict) -> Figure:
    """Top: the initial distributions (log scale). Bottom: mean collapse time vs n with eq 8."""
    times = experiments.collapse_time_summary(table, cfg["vocab"])
    specs = cfg["fig2"]["initials"]
    with figure_style("paper"):
        fig = _figure(3.7 * len(specs), 7.8, footnote_lines=5)
        axes = fig.subplots(2, len(specs), squeeze=False)
        for ax in axes[0, 1:]:
            ax.sharey(axes[0, 0])
        for j, (spec, p0) in enumerate(zip(specs, experiments.figure2_initials(cfg))):
            _initial_panel(axes[0, j], p0, f"s̃ = {spec['support']}, S₀ = {spec['s0']:g}")
            group = times[times["initial"] == j]
            ax = axes[1, j]
            n_grid = np.linspace(group["n"].min(), group["n"].max(), 200)
            lower, upper = theory.collapse_time_bounds(n_grid, spec["s0"], spec["support"])
            approx = [theory.collapse_time_wright_fisher(n, p0) for n in n_grid]
            ax.plot(n_grid, approx, color=THEORY_COLOR, lw=1.2, label="Wright–Fisher approximation (extension)")
            ax.plot(n_grid, upper, ":", color="0.4", lw=1.5, label="eq 8 upper bound")
            ax.plot(n_grid, lower, "--", color=BOUND_COLOR, lw=1.5, label="eq 8 lower bound")
            ax.errorbar(
                group["n"],
                group["mean_T"],
                yerr=2 * group["se_T"],
                fmt="x",
                color="k",
                ms=7,
                capsize=2,
                label=f"mean T over {group['runs'].iloc[0]} runs (±2 SE)",
            )
            top = 1.15 * max((group["mean_T"] + 2 * group["se_T"]).max(), max(approx))
            ax.set_ylim(0, top)
            ax.text(
                0.97,
                0.03,
                f"eq 8 upper bound at n = {group['n'].max()}:\n{upper[-1]:.3g} (off scale)",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8,
            )
            ax.set_xlabel("samples per generation n")
        axes[0, 0].set_ylabel(r"$p^{(0)}_i$ (log scale)")
        axes[1, 0].set_ylabel("collapse time T")
        axes[1, 0].legend(loc="upper left", fontsize=7.5, framealpha=0.9)
        fig.suptitle(
            "Figure 2 — fully synthetic: the mean collapse time grows about linearly in n, "
            "close to eq 8's lower bound; the n² upper bound is loose"
        )
        _footnote(
            fig,
            [
                "Project choices (the paper gives these only inside its image): the initial distributions.",
                *_initial_note(cfg, [(spec["support"], spec["s0"]) for spec in specs]),
                f"Every run continues until it collapses (G starts at {cfg['fig2']['first_generations_per_n']:g} n and "
                "doubles for runs still alive), so the mean has no survivorship bias.",
                "Wright–Fisher curve E[T] ≈ 1 − 2n Σ(1 − pᵢ) ln(1 − pᵢ): a diffusion approximation, this project's "
                "extension (docs/theory.md), not in the paper.",
            ],
        )
    return fig


# --- Figures 3 and 4 -------------------------------------------------------------------------------


def _fixed_real_column(axes, frame, N, n, s0, vocab):
    """σ_m with corrected eq 9 (dashed) above the drift from p⁽¹⁾ (Theorem 3's quantity)."""
    x = _runs(axes[0], frame, "simpson")
    m = np.arange(1, int(x.max()) + 1)
    axes[0].plot(
        np.concatenate([[0], m]),
        np.concatenate([[s0], theory.simpson_partial(m, N, n, s0)]),
        "--",
        color=THEORY_COLOR,
        lw=1.8,
        label="eq 9 (corrected sign)",
    )
    _runs(axes[1], frame, "l1_from_first")
    bound = theory.deviation_bound(N, n, vocab)
    axes[1].text(
        0.03,
        0.97,
        f"Thm 3 bound: {bound:.2g}\n(vacuous, > 2)" if bound > 2 else f"Thm 3 bound: {bound:.2g}",
        transform=axes[1].transAxes,
        va="top",
        fontsize=8,
    )
    axes[1].set_xlabel("generation m")


def _share_y(axes_row):
    low = min(ax.get_ylim()[0] for ax in axes_row)
    high = max(ax.get_ylim()[1] for ax in axes_row)
    for ax in axes_row:
        ax.set_ylim(low, high)


def figure3(table: pd.DataFrame, cfg: dict) -> Figure:
    """Fixed real data, one column per synthetic size n: σ_m (top) and drift (bottom)."""
    fig3, ref = cfg["fig3"], cfg["reference_initial"]
    N = fig3["real"]
    with figure_style("paper"):
        fig = _figure(3.6 * len(fig3["synthetic"]), 6.8, footnote_lines=3)
        axes = fig.subplots(2, len(fig3["synthetic"]), squeeze=False)
        for j, n in enumerate(fig3["synthetic"]):
            _fixed_real_column(axes[:, j], table[table["n_synthetic"] == n], N, n, ref["s0"], cfg["vocab"])
            axes[0, j].set_title(f"n = {n} synthetic, α = {n / (N + n):.3g}")
        for row in axes:
            _share_y(row)
        axes[0, 0].set_ylabel(SIMPSON_LABEL)
        axes[1, 0].set_ylabel(DRIFT_LABEL)
        axes[0, 0].legend(loc="upper right", fontsize=8)
        fig.suptitle(
            f"Figure 3 — fixed real data (N = {N} real samples kept), s = {cfg['vocab']}, s̃ = {ref['support']}, "
            f"S₀ = {ref['s0']:g}, {fig3['seeds']} runs: as n grows σₘ stays flat while the drift grows"
        )
        _footnote(
            fig,
            [
                f"Project choices: synthetic sizes n ∈ {fig3['synthetic']}. Eq 9 is drawn with the corrected '+' sign "
                "(the printed '−' is a misprint; see docs/theory.md, Theorem 2).",
                *_initial_note(cfg, [(ref["support"], ref["s0"])]),
            ],
        )
    return fig


def figure4(table: pd.DataFrame, cfg: dict) -> Figure:
    """Fixed real data, one column per initial distribution (increasing S₀)."""
    fig4, support = cfg["fig4"], cfg["reference_initial"]["support"]
    N, n = fig4["real"], fig4["synthetic"]
    with figure_style("paper"):
        fig = _figure(3.6 * len(fig4["s0"]), 9.6, footnote_lines=3)
        axes = fig.subplots(3, len(fig4["s0"]), squeeze=False)
        for ax in axes[0, 1:]:
            ax.sharey(axes[0, 0])
        for j, (s0, p0) in enumerate(zip(fig4["s0"], experiments.figure4_initials(cfg))):
            _initial_panel(axes[0, j], p0, f"S₀ = {s0:g}  (s̃ = {support})")
            _fixed_real_column(axes[1:, j], table[table["s0"] == s0], N, n, s0, cfg["vocab"])
        for row in axes[1:]:
            _share_y(row)
        axes[0, 0].set_ylabel(r"$p^{(0)}_i$ (log scale)")
        axes[1, 0].set_ylabel(SIMPSON_LABEL)
        axes[2, 0].set_ylabel(DRIFT_LABEL)
        axes[1, 0].legend(loc="upper right", fontsize=8)
        fig.suptitle(
            f"Figure 4 — fixed real data, N = {N} real + n = {n} synthetic, {fig4['seeds']} runs: as S₀ rises σₘ rises and the drift falls"
        )
        _footnote(
            fig,
            [
                f"Project choices: S₀ ∈ {fig4['s0']} on s̃ = {support} tokens. Eq 9 with the corrected '+' sign.",
                *_initial_note(cfg, [(support, s0) for s0 in fig4["s0"]]),
            ],
        )
    return fig


# --- Figure 6 ----------------------------------------------------------------------------------


def figure6(table: pd.DataFrame, cfg: dict) -> Figure:
    """Fully synthetic, two windows K and the random pool: σ_m, drift, histogram of T."""
    fig6, ref = cfg["fig6"], cfg["reference_initial"]
    G = fig6["generations"]
    labels = table.drop_duplicates("panel").sort_values("panel")["label"].tolist()
    with figure_style("paper"):
        fig = _figure(3.7 * len(labels), 9.4, footnote_lines=4)
        axes = fig.subplots(3, len(labels), squeeze=False)
        for j, label in enumerate(labels):
            frame = table[table["label"] == label]
            _runs(axes[0, j], frame, "simpson")
            if j == 0:  # eq 6 holds for the fully synthetic chain only
                m = np.arange(G + 1)
                axes[0, j].plot(m, theory.simpson_fully_synthetic(m, fig6["n"], ref["s0"]), "--", color=THEORY_COLOR, lw=1.8, label="eq 6")
                axes[0, j].legend(loc="lower right", fontsize=8)
            _runs(axes[1, j], frame, "l1_from_first")
            axes[1, j].set_xlabel("generation m")
            axes[0, j].set_title(label)
            T = frame.groupby("seed")["collapse_time"].first().to_numpy()
            collapsed = T[T >= 0]
            ax = axes[2, j]
            few = collapsed.size < 10  # e.g. the pool: show where the rare collapses fall within 0 … G
            bins = np.linspace(0, G, 26) if few else min(30, max(5, np.unique(collapsed).size))
            ax.hist(collapsed, bins=bins, color=RUN_COLOR, edgecolor="0.3", linewidth=0.4)
            if collapsed.size:
                ax.axvline(collapsed.mean(), color=MEAN_COLOR, lw=2)
            ax.set_ylim(0, 1.4 * ax.get_ylim()[1])  # room for the text box
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.text(
                0.97,
                0.95,
                f"collapsed by G = {G}: {collapsed.size}/{T.size}\n"
                + (f"mean T (collapsed runs) = {collapsed.mean():.1f}" if collapsed.size else ""),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            )
            ax.set_xlabel("collapse time T")
        for row in axes[:2]:
            _share_y(row)
        axes[0, 0].set_ylabel(SIMPSON_LABEL)
        axes[1, 0].set_ylabel(DRIFT_LABEL)
        axes[2, 0].set_ylabel("runs")
        fig.suptitle(
            f"Figure 6 — n = {fig6['n']}, {fig6['seeds']} runs × {G} generations: a longer window delays collapse "
            "but does not prevent it; the random pool rarely collapses"
        )
        _footnote(
            fig,
            [
                f"Project choices: window sizes K ∈ {fig6['windows']} (⌊n/K⌋ samples from each of the K most recent "
                "generations, generation 0 = fresh draws from p⁽⁰⁾); pool samples draw fresh from p⁽⁰⁾ when their "
                "source is generation 0.",
                "T = first m with ‖p⁽ᵐ⁾‖∞ = 1 (red line: mean over the collapsed runs).",
                *_initial_note(cfg, [(ref["support"], ref["s0"])]),
            ],
        )
    return fig


FIGURES = {"fig1": figure1, "fig2": figure2, "fig3": figure3, "fig4": figure4, "fig6": figure6}


# --- Verification plots: simulation against closed form across parameters (msprime style) ----------


def _palette(count):
    return colormaps["viridis"](np.linspace(0.15, 0.8, count))


def _z_panel(ax, z_max):
    ax.axhspan(-z_max, z_max, color="0.9", zorder=0)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_ylabel("z = (simulated − theory) / SE")


def verify_eq6(fully_synthetic: pd.DataFrame, cfg: dict) -> Figure:
    """Eq 6 for every n: S_m against m/n, and the z-score of each generation."""
    s0, z_max = cfg["reference_initial"]["s0"], cfg["theorems"]["z_max"]
    ns = sorted(fully_synthetic["n_synthetic"].unique())
    with figure_style("paper"):
        fig = _figure(11, 4.6, footnote_lines=1)
        left, right = fig.subplots(1, 2)
        for color, n in zip(_palette(len(ns)), ns):
            g = fully_synthetic[(fully_synthetic["n_synthetic"] == n) & (fully_synthetic["generation"] >= 1)]
            m = g["generation"].to_numpy()
            expected = theory.simpson_fully_synthetic(m, n, s0)
            left.fill_between(
                m / n, g["simpson_mean"] - 2 * g["simpson_se"], g["simpson_mean"] + 2 * g["simpson_se"], color=color, alpha=0.35, lw=0
            )
            left.plot(m / n, expected, "--", color=color, lw=1.2, label=f"n = {n}")
            inside = g["simpson_se"] > 0
            z = stats.in_se_units(g["simpson_mean"] - expected, g["simpson_se"])
            right.plot(m[inside] / n, z[inside.to_numpy()], ".", ms=2.5, color=color)
        left.set_xlabel("generation m / n")
        left.set_ylabel("S_m = E σ_m")
        left.set_title("eq 6: band = simulated mean ± 2 SE, dashed = closed form")
        left.legend(fontsize=8)
        _z_panel(right, z_max)
        right.set_xlabel("generation m / n")
        right.set_title(f"z-scores (grey band: |z| < {z_max:g})")
        fig.suptitle("Verification — Theorem 1, eq 6: S_m = 1 − (1 − 1/n)^m (1 − S₀), fully synthetic")
        _footnote(
            fig,
            [
                f"{cfg['theorems']['seeds']} replicates per n on the reference p⁽⁰⁾ (s̃ = {cfg['reference_initial']['support']}, S₀ = {s0:g})."
            ],
        )
    return fig


def verify_eq7(fully_synthetic: pd.DataFrame, cfg: dict) -> Figure:
    """Eq 7: the simulated collapse probability ρ_m between its two bounds, one panel per n."""
    ref = cfg["reference_initial"]
    ns = sorted(fully_synthetic["n_synthetic"].unique())
    with figure_style("paper"):
        fig = _figure(3.3 * len(ns), 3.9, footnote_lines=1)
        axes = fig.subplots(1, len(ns), squeeze=False)[0]
        for ax, n in zip(axes, ns):
            g = fully_synthetic[fully_synthetic["n_synthetic"] == n]
            m = g["generation"].to_numpy()
            lower, upper = theory.collapse_probability_bounds(m, n, ref["s0"], ref["support"])
            ax.fill_between(m, lower, upper, color=THEORY_COLOR, alpha=0.2, lw=0, label="eq 7 bounds")
            ax.plot(m, g["collapsed_mean"], color=MEAN_COLOR, lw=1.5, label="simulated ρ_m")
            ax.set_title(f"n = {n}")
            ax.set_xlabel("generation m")
        axes[0].set_ylabel("ρ_m = P(‖p⁽ᵐ⁾‖∞ = 1)")
        axes[0].legend(fontsize=8, loc="lower right")
        fig.suptitle("Verification — Theorem 1, eq 7: the collapse probability lies between its bounds")
        _footnote(fig, [f"{cfg['theorems']['seeds']} replicates per n, reference p⁽⁰⁾ (s̃ = {ref['support']}, S₀ = {ref['s0']:g})."])
    return fig


def verify_eq8(replicates: pd.DataFrame, fig2: pd.DataFrame, cfg: dict) -> Figure:
    """Eq 8 and the Wright–Fisher approximation against E[T], log-log, for every initial used."""
    ref, vocab = cfg["reference_initial"], cfg["vocab"]
    reference = replicates.assign(initial=-1, support=ref["support"], s0=ref["s0"])
    times = experiments.collapse_time_summary(pd.concat([reference, fig2], ignore_index=True), vocab)
    groups = list(times.groupby(["initial", "support", "s0"]))
    with figure_style("paper"):
        fig = _figure(11, 5.0, footnote_lines=1)
        axes = fig.subplots(1, 2)
        for color, ((index, support, s0), g) in zip(_palette(len(groups)), groups):
            ax = axes[0] if index < 0 else axes[1]
            n = np.geomspace(g["n"].min(), g["n"].max(), 100)
            lower, upper = theory.collapse_time_bounds(n, s0, support)
            p0 = experiments.target_initial(vocab, {"support": int(support), "s0": s0})
            label = f"s̃ = {support}, S₀ = {s0:g}"
            ax.errorbar(g["n"], g["mean_T"], yerr=2 * g["se_T"], fmt="o", ms=4, color=color, label=label)
            ax.plot(n, lower, "--", color=color, lw=1)
            ax.plot(n, upper, ":", color=color, lw=1)
            ax.plot(n, [theory.collapse_time_wright_fisher(k, p0) for k in n], "-", color=color, lw=0.8, alpha=0.7)
        for ax, title in zip(
            axes, [f"reference p⁽⁰⁾, {cfg['theorems']['seeds']} runs per n", f"Figure 2's p⁽⁰⁾, {cfg['fig2']['seeds']} runs per n"]
        ):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("samples per generation n")
            ax.set_title(title)
            ax.legend(fontsize=8, loc="upper left")
        axes[0].set_ylabel("E[T]")
        fig.suptitle("Verification — Theorem 1, eq 8: mean collapse time (points ± 2 SE) between its bounds")
        _footnote(
            fig,
            [
                "Dashed: eq 8 lower bound; dotted: eq 8 upper bound; thin solid: Wright–Fisher diffusion approximation (extension, accurate for n ≳ 20)."
            ],
        )
    return fig


def verify_prop1(replicates: pd.DataFrame, cfg: dict) -> Figure:
    """Proposition 1: the frequency of absorbing in δ_i against p_i, one panel per n."""
    p0 = experiments.target_initial(cfg["vocab"], cfg["reference_initial"])
    tokens = np.flatnonzero(p0 > 0)
    ns = sorted(replicates["n"].unique())
    with figure_style("paper"):
        fig = _figure(3.3 * len(ns), 4.0, footnote_lines=1)
        axes = fig.subplots(1, len(ns), squeeze=False)[0]
        for ax, n in zip(axes, ns):
            fixed = replicates.loc[replicates["n"] == n, "fixed_token"].to_numpy()
            frequency = np.bincount(fixed, minlength=p0.size)[tokens] / fixed.size
            se = stats.proportion_se(p0[tokens], fixed.size)
            ax.errorbar(p0[tokens], frequency, yerr=2 * se, fmt="o", ms=3, color=MEAN_COLOR, elinewidth=0.6)
            ax.plot([p0[tokens].min(), p0.max()], [p0[tokens].min(), p0.max()], "--", color=THEORY_COLOR)
            statistic, dof, p_value = experiments.chi_square_fixation(fixed, p0)
            ax.set_title(f"n = {n}: χ² = {statistic:.1f}, {dof} dof, p = {p_value:.2g}", fontsize=9)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("pᵢ")
        axes[0].set_ylabel("fraction of runs absorbed in δᵢ")
        fig.suptitle("Verification — Proposition 1: P(p⁽ᵐ⁾ → δᵢ) = pᵢ (dashed: identity; bars ± 2 SE)")
        _footnote(
            fig, [f"{cfg['theorems']['seeds']} runs per n, each run until collapse; tokens never absorbed are not drawn on the log axes."]
        )
    return fig


def verify_thm2(fixed_real: pd.DataFrame, cfg: dict) -> Figure:
    """Theorem 2: S_m for every (N, n), corrected and printed eq 9, and the z-scores."""
    s0, z_max = cfg["reference_initial"]["s0"], cfg["theorems"]["z_max"]
    reals = sorted(fixed_real["n_real"].unique())
    with figure_style("paper"):
        fig = _figure(4.6 * (len(reals) + 1), 4.8, footnote_lines=1)
        axes = fig.subplots(1, len(reals) + 1)
        for ax, N in zip(axes, reals):
            group = fixed_real[fixed_real["n_real"] == N]
            synthetic = sorted(group["n_synthetic"].unique())
            for color, n in zip(_palette(len(synthetic)), synthetic):
                g = group[(group["n_synthetic"] == n) & (group["generation"] >= 1)]
                m = g["generation"].to_numpy()
                ax.fill_between(
                    m, g["simpson_mean"] - 2 * g["simpson_se"], g["simpson_mean"] + 2 * g["simpson_se"], color=color, alpha=0.3, lw=0
                )
                ax.plot(m, theory.simpson_partial(m, N, n, s0), "--", color=color, lw=1.3, label=f"n = {n}")
                ax.plot(m, theory.simpson_partial_as_printed(m, N, n, s0), ":", color=color, lw=1.3)
                z = stats.in_se_units(g["simpson_mean"] - theory.simpson_partial(m, N, n, s0), g["simpson_se"])
                axes[-1].plot(m, z, ".", ms=2, color=color)
            ax.set_xscale("log")
            ax.set_xlabel("generation m")
            ax.set_title(f"N = {N} real samples")
            ax.legend(fontsize=8, title="synthetic", title_fontsize=8)
        axes[0].set_ylabel("S_m = E σ_m")
        _z_panel(axes[-1], z_max)
        axes[-1].set_xscale("log")
        axes[-1].set_xlabel("generation m")
        axes[-1].set_title("z-scores against corrected eq 9")
        fig.suptitle(
            "Verification — Theorem 2: band = simulated mean ± 2 SE; dashed = eq 9 corrected ('+'); dotted = eq 9 as printed ('−')"
        )
        _footnote(
            fig,
            [
                f"{cfg['theorems']['seeds']} runs per (N, n), reference p⁽⁰⁾ (S₀ = {s0:g}); the printed sign misses the simulation where α is large and N small."
            ],
        )
    return fig


def verify_stationary(fixed_real: pd.DataFrame, cfg: dict) -> Figure:
    """Theorem 2's S∞ = 1 − γ against the simulated σ at the last generation, across α."""
    s0 = cfg["reference_initial"]["s0"]
    last = fixed_real[fixed_real["generation"] == fixed_real["generation"].max()]
    reals = sorted(last["n_real"].unique())
    with figure_style("paper"):
        fig = _figure(8.5, 5.0, footnote_lines=1)
        ax = fig.subplots()
        for color, N in zip(_palette(len(reals)), reals):
            g = last[last["n_real"] == N]
            n = np.geomspace(g["n_synthetic"].min(), g["n_synthetic"].max(), 200)
            ax.plot(n / (N + n), theory.simpson_stationary(N, n, s0), "--", color=color, label=f"S∞, N = {N}")
            ax.errorbar(g["n_synthetic"] / (N + g["n_synthetic"]), g["simpson_mean"], yerr=2 * g["simpson_se"], fmt="o", color=color, ms=4)
        ax.set_xscale("logit")
        ax.set_xlabel("α = n / (N + n)")
        ax.set_ylabel(f"S at m = {int(last['generation'].iloc[0])}")
        ax.legend(fontsize=8)
        fig.suptitle("Verification — Theorem 2: S∞ = 1 − γ (dashed) vs simulation (± 2 SE)")
        _footnote(fig, [f"{cfg['theorems']['seeds']} runs per point, reference p⁽⁰⁾ (S₀ = {s0:g})."])
    return fig


def verify_thm3(fixed_real: pd.DataFrame, cfg: dict) -> Figure:
    """Theorem 3's bound on E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ against the simulated drift: true, and vacuous here."""
    vocab = cfg["vocab"]
    last = fixed_real[fixed_real["generation"] == fixed_real["generation"].max()]
    reals = sorted(last["n_real"].unique())
    ceiling = 1e4  # the bound reaches 1e180: drawn up to here, its values written above
    with figure_style("paper"):
        fig = _figure(8.5, 5.2, footnote_lines=2)
        ax = fig.subplots()
        for color, N in zip(_palette(len(reals)), reals):
            g = last[last["n_real"] == N]
            bound = np.array([theory.deviation_bound(N, n, vocab) for n in g["n_synthetic"]])
            ax.errorbar(
                g["n_synthetic"],
                g["l1_from_first_mean"],
                yerr=2 * g["l1_from_first_se"],
                fmt="o",
                color=color,
                ms=5,
                label=f"simulated, N = {N}",
            )
            ax.plot(g["n_synthetic"], np.minimum(bound, ceiling), "--", color=color, label=f"Thm 3 bound, N = {N}")
            for n, b in zip(g["n_synthetic"], bound):
                if b > ceiling:
                    ax.annotate(
                        f"{b:.1e}",
                        (n, ceiling),
                        xytext=(0, 4 + 10 * reals.index(N)),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7.5,
                        color=color,
                    )
        ax.axhline(2, color="0.3", lw=0.8)
        ax.annotate("2 = largest possible ‖·‖₁", (g["n_synthetic"].min(), 2), xytext=(2, 3), textcoords="offset points", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(top=ceiling * 30)
        ax.set_xlabel("synthetic samples n")
        ax.set_ylabel(f"E‖p⁽ᵐ⁾ − p⁽¹⁾‖₁ at m = {int(last['generation'].iloc[0])}")
        ax.legend(fontsize=8, loc="center right")
        fig.suptitle(f"Verification — Theorem 3: the bound holds but is vacuous at s = {vocab}")
        _footnote(
            fig,
            [
                f"{cfg['theorems']['seeds']} runs per point; bound = √(πn/2) G_n(s)/N with s = {vocab} (paper Theorem 3, eq 10);",
                f"bounds above {ceiling:g} are cut at {ceiling:g} and their values written above the line.",
            ],
        )
    return fig


def verification_figures(fully_synthetic, replicates, fixed_real, fig2, cfg) -> dict[str, Figure]:
    """Every verification plot, keyed by its file name (without extension)."""
    return {
        "eq6_simpson_fully_synthetic": verify_eq6(fully_synthetic, cfg),
        "eq7_collapse_probability": verify_eq7(fully_synthetic, cfg),
        "eq8_collapse_time": verify_eq8(replicates, fig2, cfg),
        "prop1_fixation": verify_prop1(replicates, cfg),
        "thm2_simpson_fixed_real": verify_thm2(fixed_real, cfg),
        "thm2_stationary": verify_stationary(fixed_real, cfg),
        "thm3_drift_bound": verify_thm3(fixed_real, cfg),
    }
