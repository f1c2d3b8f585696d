"""Phase diagrams of the safe synthetic fraction (DESIGN.md §5), seaborn/matplotlib."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from .aggregate import CRITERIA, LARGER_IS_WORSE  # noqa: E402

# Criteria whose statistic spans decades are coloured on a log scale (floor: threshold / 100).
LOG_COLOUR = {"drift"}


def _edges(values, log=False):
    """Cell edges around sorted centres (geometric midpoints on a log axis)."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if v.size == 1:
        mid = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        inner = (v[1:] + v[:-1]) / 2
        mid = np.concatenate([[2 * v[0] - inner[0]], inner, [2 * v[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def phase_diagram(stats, safe, criterion: str, threshold: float, title: str = ""):
    """Heatmap of one criterion's statistic over (synthetic_fraction × n), one panel per vocab,
    coloured so that the threshold is white (blue safe, red unsafe), with the empirical maximum
    safe fraction (dots, bootstrap interval) and the analytic one (dashed) drawn on top."""
    sns.set_theme(style="white", context="notebook")
    data = stats[stats["criterion"] == criterion]
    bounds = safe[safe["criterion"] == criterion]
    vocabs = sorted(data["vocab"].unique())
    fig, axes = plt.subplots(1, len(vocabs), figsize=(4.6 * len(vocabs) + 1.2, 4.4), sharey=True, squeeze=False)
    log = criterion in LOG_COLOUR and threshold > 0

    def colour_value(v):
        return np.log10(np.clip(v, threshold / 100, None)) if log else v

    values = colour_value(data["value"].to_numpy())
    centre = colour_value(threshold)
    lo, hi = np.nanmin(values), np.nanmax(values)
    cmap = "RdBu_r" if LARGER_IS_WORSE[criterion] else "RdBu"  # blue safe, red unsafe
    norm = TwoSlopeNorm(vcenter=centre, vmin=min(lo, centre - 1e-9), vmax=max(hi, centre + 1e-9))
    for ax, vocab in zip(axes[0], vocabs):
        grid = data[data["vocab"] == vocab].pivot(index="n", columns="synthetic_fraction", values="value")
        alphas, ns = grid.columns.to_numpy(), grid.index.to_numpy()
        mesh = ax.pcolormesh(_edges(alphas), _edges(ns, log=True), colour_value(grid.to_numpy()), cmap=cmap, norm=norm)
        ax.set_yscale("log")
        b = bounds[bounds["vocab"] == vocab].sort_values("n")
        err = np.vstack([b["safe_fraction"] - b["ci_low"], b["ci_high"] - b["safe_fraction"]]).clip(min=0)
        ax.errorbar(b["safe_fraction"], b["n"], xerr=err, fmt="o-", color="black", ms=4, lw=1.2,
                    capsize=2, label="empirical α* (95% CI)")
        if "analytic_safe_fraction" in b and b["analytic_safe_fraction"].notna().any():
            ax.plot(b["analytic_safe_fraction"], b["n"], "--", color="0.25", marker="s", ms=3, mfc="white",
                    label="analytic α*")
        ax.set_xlim(_edges(alphas)[[0, -1]])
        ax.set_title(f"vocab = {vocab}")
        ax.set_xlabel("synthetic fraction α")
    axes[0, 0].set_ylabel("training-set size n (log scale)")
    axes[0, 0].set_yticks(ns, [str(v) for v in ns])
    axes[0, 0].minorticks_off()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.45, -0.12))
    direction = ">" if LARGER_IS_WORSE[criterion] else "<"
    cbar = fig.colorbar(mesh, ax=axes[0].tolist(), shrink=0.9, pad=0.02)
    cbar.set_label(f"{CRITERIA[criterion]}  (unsafe if {direction} {threshold:g})")
    if log:
        ticks = [t for t in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3) if lo <= np.log10(t) <= hi]
        cbar.set_ticks(np.log10(ticks), labels=[f"{t:g}" for t in ticks])
        cbar.set_label(f"{CRITERIA[criterion]}, log scale  (unsafe if {direction} {threshold:g})")
    fig.suptitle(title or f"Maximum safe synthetic fraction — criterion '{criterion}'", y=0.995)
    return fig
