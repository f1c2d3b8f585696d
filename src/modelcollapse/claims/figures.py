"""One figure per claim of the atlas, drawn from the table its simulation wrote (docs/claims.md).

Simulated means carry ± z_max standard-error bars; closed forms are dashed; the thresholds that
decide a verdict are dotted grey lines.
"""

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core import theory
from ..style import figure_style

THEORY = {"color": "0.2", "linestyle": "--", "linewidth": 1}
LIMIT = {"color": "0.5", "linestyle": ":", "linewidth": 1.2}


def _errorbar(ax, x, frame, mean, se, z_max, **style):
    ax.errorbar(x, frame[mean], yerr=z_max * frame[se], marker="o", markersize=3.5, capsize=2, **style)


def seddik_eq11(table: pd.DataFrame, cfg: dict) -> Figure:
    own, z_max = cfg["seddik_eq11"], cfg["z_max"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    for k, (N, frame) in enumerate(table.groupby("n_real")):
        color = f"C{k}"
        _errorbar(ax, frame["n_synthetic"], frame, "drift", "drift_se", z_max, color=color, label=f"N = {N} real kept")
        ax.plot(frame["n_synthetic"], frame["drift_gaussian"], color=color, linestyle="--", linewidth=1)
        eq11 = float(frame["eq11_max_synthetic"].iloc[0])
        if eq11 >= 1:
            ax.axvline(eq11, color=color, linestyle="-.", linewidth=1)
    ax.axhline(own["epsilon"], label=f"ε = {own['epsilon']}", **LIMIT)
    ax.set(xscale="log", yscale="log", xlabel="synthetic samples n per generation", ylabel=r"drift $E\|p^{(G)} - p^{(1)}\|_1$")
    ax.set_title(f"Seddik eq 11 against the simulated drift (vocab {own['vocab']}, G = {own['generations']})")
    ax.legend(title="dashed: Gaussian form (eq B5)", fontsize=8, title_fontsize=8)
    return fig


def seddik_gpt(table: pd.DataFrame, cfg: dict) -> Figure:
    own, z_max = cfg["seddik_gpt"], cfg["z_max"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    for alpha, frame in table.groupby("synthetic_fraction"):
        label = "fully synthetic" if alpha == 1 else f"synthetic {alpha:.0%}, real {1 - alpha:.0%}"
        _errorbar(ax, frame["generation"], frame, "drift", "drift_se", z_max, label=label)
    ax.set(xlabel="generation m", ylabel=r"drift $E\|p^{(m)} - p^{(1)}\|_1$")
    ax.set_title(f"Seddik §4.1 on the statistical model (n = {own['n']}, vocab {own['vocab']})")
    ax.legend(fontsize=9)
    return fig


def dohmatob(table: pd.DataFrame, cfg: dict) -> Figure:
    own, z_max = cfg["dohmatob"], cfg["z_max"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    sampler = table["sampler"].iloc[0]
    _errorbar(
        ax, table["n"], table, "error", "error_se", z_max, color="C0", label=f"{own['synthetic_fraction']:.0%} synthetic, sampler {sampler}"
    )
    ax.plot(table["n"], table["all_real_error"], label="all-real model (de Moivre, exact)", **THEORY)
    floor = float(table["floor"].iloc[0])
    if floor > 0:
        ax.axhline(floor, label=f"sampler floor (eq F1) {floor:.3g}", **LIMIT)
    ax.set(xscale="log", yscale="log", xlabel="training-set size n", ylabel=r"error $E\|p^{(G)} - p^{(0)}\|_1$")
    ax.set_title(f"Dohmatob et al.'s 1 % on the statistical model (vocab {own['vocab']}, G = {own['generations']})")
    ax.legend(fontsize=9)
    return fig


def shumailov(table: pd.DataFrame, cfg: dict) -> Figure:
    own, z_max = cfg["shumailov"], cfg["z_max"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    for arm, frame in table.groupby("arm", sort=False):
        _errorbar(ax, frame["generation"], frame, "excess_error", "excess_error_se", z_max, label=arm)
    ax.axhline(own["minor"], label=f"minor: ≤ {own['minor']:g}", **LIMIT)
    ax.set(xlabel="generation m", ylabel=r"excess error $E\|p^{(m)} - p^{(0)}\|_1 / E\|\hat p_n - p^{(0)}\|_1$", ylim=(0, None))
    ax.set_title(f"Shumailov et al.: {own['real_share']:.0%} real data each generation (n = {own['n']}, vocab {own['vocab']})")
    ax.legend(fontsize=9)
    return fig


def gerstgrasser(table: pd.DataFrame, cfg: dict) -> Figure:
    own, z_max = cfg["gerstgrasser"], cfg["z_max"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    for arm, frame in table.groupby("arm", sort=False):
        _errorbar(ax, frame["generation"], frame, "error_ratio", "error_ratio_se", z_max, label=arm)
        ax.plot(frame["generation"], frame["theory"], **THEORY)
    ax.axhline(math.pi**2 / 6, label="π²/6", **LIMIT)
    ax.set(xscale="log", yscale="log", xlabel="generation m", ylabel=r"$E\|p^{(m)} - p^{(0)}\|_2^2$ / all-real")
    ax.set_title(f"Gerstgrasser et al.: accumulate against replace (n = {own['n']}, vocab {own['vocab']}; dashed: eq C2, C5)")
    ax.legend(fontsize=9)
    return fig


def golden_ratio(table: pd.DataFrame, cfg: dict) -> Figure:
    z_max = cfg["z_max"]
    sizes = sorted(table["n_real"].unique())
    fig = Figure(figsize=(4 * len(sizes), 3.8), layout="constrained")
    for ax, n in zip(np.atleast_1d(fig.subplots(1, len(sizes))), sizes):
        frame = table[table["n_real"] == n].sort_values("real_weight")
        centre = float(frame.loc[frame["weight"] == "w*", "l1_error"].iloc[0])
        ax.errorbar(
            frame["real_weight"],
            frame["l1_error"] / centre,
            yerr=z_max * frame["excess_over_centre_se"] / centre,
            marker="o",
            markersize=3.5,
            capsize=2,
            linestyle="none",
            color="C0",
            label="simulated (paired SE)",
        )
        m, best = int(frame["n_synthetic"].iloc[0]), theory.golden_weight(n, n)
        w = np.linspace(frame["real_weight"].min(), frame["real_weight"].max(), 200)
        ratio = theory.weighted_fresh_variance(np.inf, n, m, w) / theory.weighted_fresh_variance(np.inf, n, m, best)
        ax.plot(w, np.sqrt(ratio), label="√(F(w)/F(w*)) (eq A2)", **THEORY)
        ax.axvline(best, label=f"w* = {best:.4f}", **LIMIT)
        ax.set(xlabel="real-data weight w", title=f"n = m = {n}")
        ax.legend(fontsize=8)
    fig.axes[0].set_ylabel("stationary L1 error / its value at w*")
    fig.suptitle("He, Xu & Cheng: the golden-ratio weight in the fresh-data scenario", fontsize=10)
    return fig


def borkar(table: pd.DataFrame, cfg: dict) -> Figure:
    own = cfg["borkar"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    for k, (arm, frame) in enumerate(table.groupby("arm", sort=False)):
        ax.plot(frame["generation"], frame["dirac"], color=f"C{k}", label=f"{arm}: P(Dirac at m)")
        ax.plot(frame["generation"], frame["collapsed_by"], color=f"C{k}", linestyle=":", label=f"{arm}: P(T ≤ m)")
    ax.set(xscale="log", xlabel="generation m", ylabel="probability", ylim=(-0.02, 1.02))
    ax.set_title(f"Borkar: fresh real data, howsoever minor (n = {own['n']}, vocab {own['vocab']})")
    ax.legend(fontsize=7)
    return fig


def suresh(table: pd.DataFrame, cfg: dict) -> Figure:
    own = cfg["suresh"]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    lost = table[(table["count"] > 0) & table["forget_time"].notna()]
    quartiles = lost.groupby("count")["forget_time"].quantile([0.25, 0.5, 0.75]).unstack()
    quartiles = quartiles[lost.groupby("count").size() >= 50]  # counts seen often enough for quartiles
    ax.plot(quartiles.index, quartiles[0.5], "o", markersize=3, color="C0", label="median T₀ (lost words)")
    ax.fill_between(quartiles.index, quartiles[0.25], quartiles[0.75], color="C0", alpha=0.2, label="quartiles")
    c = np.array([quartiles.index.min(), quartiles.index.max()], dtype=float)
    ax.plot(c, [theory.forgetting_median(x) for x in c], label="2c/ln 2 (eq D4)", **THEORY)
    ax.set(xscale="log", yscale="log", xlabel="the word's count c in the real sample", ylabel="synthetic generations T₀ until lost")
    ax.set_title(f"Suresh et al.: time to forget a word, fully synthetic (n = {own['n']})")
    ax.legend(fontsize=9)
    return fig


FIGURES = {
    "seddik_eq11": seddik_eq11,
    "seddik_gpt": seddik_gpt,
    "dohmatob_exact": dohmatob,
    "dohmatob_truncating": dohmatob,
    "shumailov": shumailov,
    "gerstgrasser": gerstgrasser,
    "golden_ratio": golden_ratio,
    "borkar": borkar,
    "suresh": suresh,
}


def draw(claim: str, table: pd.DataFrame, cfg: dict) -> Figure:
    """The figure of `claim`, in the paper figures' style."""
    with figure_style("paper"):
        return FIGURES[claim](table, cfg)
