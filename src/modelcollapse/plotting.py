"""Phase diagrams of the safe synthetic fraction (docs/safe-fraction.md), seaborn/matplotlib."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from .safe import LARGER_IS_WORSE, STATISTIC  # noqa: E402

# Criteria whose statistic spans decades are coloured on a log scale (floor: threshold / 100).
LOG_COLOUR = {"drift", "excess_error"}
ALPHA_TICKS = (0, 0.25, 0.5, 0.75, 0.9, 0.99, 1)


def _stretch(alpha):
    """x position of a synthetic fraction: linear, plus log10 of the real share, so that
    0.9, 0.99 and 0.999, where the boundaries of large n lie, get room of their own."""
    a = np.asarray(alpha, dtype=float)
    return 2 * a - np.log10(1 - np.clip(a, 0, 1) + 1e-3)


_DENSE = np.linspace(0, 1, 200_001)


def _unstretch(x):
    return np.interp(x, _stretch(_DENSE), _DENSE)


def _edges(values, log=False):
    """Cell edges around sorted centres (geometric midpoints on a log axis)."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if v.size == 1:
        mid = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        inner = (v[1:] + v[:-1]) / 2
        mid = np.concatenate([[2 * v[0] - inner[0]], inner, [2 * v[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def phase_diagram(criteria, safe, criterion: str, threshold: float, title: str = ""):
    """Heatmap of one criterion's statistic over (effective synthetic fraction × n), one panel
    per vocab, coloured so that the threshold is white (blue safe, red unsafe). Tiles the
    estimator does not judge by colour are hatched: p⁽¹⁾ a point mass (one real sample), or a
    statistic decided by the real sample alone. On top: the empirical α* with exactly its
    bootstrap interval, and the analytic α* (dashed) where it is valid."""
    sns.set_theme(style="white", context="notebook")
    data = criteria[criteria["criterion"] == criterion]
    bounds = safe[safe["criterion"] == criterion]
    size_key = "n" if (data["frame"] == "budget").all() else "n_real"
    vocabs = sorted(data["vocab"].unique())
    fig, axes = plt.subplots(1, len(vocabs), figsize=(5.2 * len(vocabs) + 1.2, 4.6), sharey=True, squeeze=False)
    log = criterion in LOG_COLOUR and threshold > 0

    def colour_value(v):
        return np.log10(np.clip(v, threshold / 100, None)) if log else np.asarray(v, dtype=float)

    values = colour_value(data["value"].to_numpy())
    centre = colour_value(threshold)
    lo, hi = np.nanmin(values), np.nanmax(values)
    cmap = plt.get_cmap("RdBu_r" if LARGER_IS_WORSE[criterion] else "RdBu")  # blue safe, red unsafe
    norm = TwoSlopeNorm(vcenter=centre, vmin=min(lo, centre - 1e-9), vmax=max(hi, centre + 1e-9))
    sizes = np.sort(data[size_key].unique())
    y_edges = _edges(sizes, log=True)
    for ax, vocab in zip(axes[0], vocabs):
        ax.set_xscale("function", functions=(_stretch, _unstretch))
        ax.set_yscale("log")
        for j, size in enumerate(sizes):
            tiles = data[(data["vocab"] == vocab) & (data[size_key] == size)].sort_values("effective_fraction")
            if tiles.empty:
                continue
            x_edges = np.clip(_edges(tiles["effective_fraction"].to_numpy()), 0, 1)  # nearest probe
            ax.pcolormesh(x_edges, y_edges[j : j + 2], colour_value(tiles["value"].to_numpy())[None, :], cmap=cmap, norm=norm)
            special = (tiles["degenerate"] | tiles["real_sample_decides"]).to_numpy()
            for k in np.flatnonzero(special):
                ax.add_patch(Rectangle((x_edges[k], y_edges[j]), x_edges[k + 1] - x_edges[k], y_edges[j + 1] - y_edges[j],
                                       facecolor="0.85", edgecolor="0.45", hatch="///", lw=0.0))
        b = bounds[bounds["vocab"] == vocab].sort_values(size_key)
        # NaN ci_low: some resamples find nothing safe; the bar then reaches 0
        err = np.vstack([b["safe_fraction"] - b["ci_low"].fillna(0.0), b["ci_high"] - b["safe_fraction"]])
        ax.errorbar(b["safe_fraction"], b[size_key].astype(float), xerr=err, fmt="o-", color="black", ms=4, lw=1.2,
                    capsize=2, label="empirical α* (bootstrap interval)")
        valid = b[b["analytic_valid"]]
        if not valid.empty:
            ax.plot(valid["analytic_safe_fraction"], valid[size_key].astype(float), "--", color="0.25", marker="s", ms=3,
                    mfc="white", label="analytic α* (where valid)")
        ax.set_xlim(0, 1)
        ax.set_xticks(ALPHA_TICKS, [f"{t:g}" for t in ALPHA_TICKS])
        ax.set_title(f"vocab = {vocab}")
    fig.supxlabel("effective synthetic fraction α = n_synthetic / n (axis stretched towards 1)", y=-0.03)
    axes[0, 0].set_ylabel(f"{'training-set size n' if size_key == 'n' else 'real samples N'} (log scale)")
    axes[0, 0].set_yticks(sizes, [str(v) for v in sizes])
    axes[0, 0].minorticks_off()
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles.append(Patch(facecolor="0.85", edgecolor="0.45", hatch="///", label="not judged by colour"))
    labels.append("hatched: p(1) a point mass, or decided by the real sample alone")
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.45, -0.2))
    direction = ">" if LARGER_IS_WORSE[criterion] else "<"
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(mappable, ax=axes[0].tolist(), shrink=0.9, pad=0.02)
    cbar.set_label(f"{STATISTIC[criterion].split(' (p̂')[0]}  (unsafe if {direction} {threshold:g})")
    if log:
        ticks = [t for t in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30) if lo <= np.log10(t) <= hi]
        cbar.set_ticks(np.log10(ticks), labels=[f"{t:g}" for t in ticks])
    fig.suptitle(title or f"Maximum safe synthetic fraction — criterion '{criterion}'", y=0.995)
    return fig
