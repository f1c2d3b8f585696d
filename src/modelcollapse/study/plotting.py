"""Figures of the safe synthetic fraction (docs/safe-fraction.md), matplotlib: the phase
diagram of each criterion, the α*(n) figure and α* against the tolerance of a study (the
report's tables: `report`).

The tables come as pandas DataFrames or as Arrow tables, drawn from their columns as NumPy arrays
(`report.columns`): a figure job reads its rows' Arrow tables and does not import pandas, which
would cost it more CPU than some of its figures. Figures are built without pyplot and choose no
backend, so drawing one leaves the caller's matplotlib (backend, open figures) as it was."""

import numpy as np
from matplotlib import colormaps, rcParams
from matplotlib.cm import ScalarMappable
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import NullLocator

from ..style import COLORBLIND, figure_style
from .report import columns, row_size_key, sampler_title, samplers, strictest, threshold_label, thresholds
from .safe import CRITERIA, LARGER_IS_WORSE, STATISTIC

# Criteria whose statistic spans decades are coloured on a log scale (floor: threshold / 100).
LOG_COLOUR = {"drift", "excess_error"}
ALPHA_TICKS = (0, 0.25, 0.5, 0.75, 0.9, 0.99, 1)


def _stretch(alpha):
    """x position of a synthetic fraction: linear, plus log10 of the real share, so that
    0.9, 0.99 and 0.999, where the boundaries of large n lie, get room of their own."""
    a = np.asarray(alpha, dtype=float)
    return 2 * a - np.log10(1 - np.clip(a, 0, 1) + 1e-3)


_DENSE = np.linspace(0, 1, 200_001)
_STRETCHED = _stretch(_DENSE)  # once: matplotlib inverts the scale thousands of times a figure


def _unstretch(x):
    return np.interp(x, _STRETCHED, _DENSE)


def _edges(values, log=False):
    """Cell edges around sorted centres (geometric midpoints on a log axis)."""
    v = np.log(values) if log else np.asarray(values, dtype=float)
    if v.size == 1:
        mid = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        inner = (v[1:] + v[:-1]) / 2
        mid = np.concatenate([[2 * v[0] - inner[0]], inner, [2 * v[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def _size_label(size_key):
    return f"{'training-set size n' if size_key == 'n' else 'real samples N'} (log scale)"


PANEL_HEIGHT = 4.6  # inches: a figure with one row of panels


def _vocab_panels(vocabs, sharey, rows: int = 1):
    """A figure with one panel per vocabulary, side by side, and `rows` such rows of panels (one
    per sampler), sharing their x axis down each column. Its margins above and below the panels
    are those of one row in inches, so what sits there (`_margin`) keeps its place."""
    fig = Figure(figsize=(5.2 * len(vocabs) + 1.2, PANEL_HEIGHT + 3.9 * (rows - 1)))
    axes = fig.subplots(rows, len(vocabs), sharey=sharey, sharex="col" if rows > 1 else False, squeeze=False)
    if rows > 1:
        params = fig.subplotpars
        fig.subplots_adjust(bottom=_margin(fig, params.bottom), top=1 - _margin(fig, 1 - params.top), hspace=0.28)
    return fig, axes


def _margin(fig, y: float) -> float:
    """A height given as a share of a one-row figure (`PANEL_HEIGHT`), as a share of `fig`: where
    titles, axis labels and legends go above and below the panels of any number of rows."""
    return y * PANEL_HEIGHT / fig.get_figheight()


def _panel_title(vocab, sampler, every) -> str:
    """'vocab = 10', and its sampler when the study has one other than exact (`sampler_title`)."""
    return f"vocab = {vocab}{sampler_title(sampler, every)}"


def _ceiling(bounds) -> float:
    """The n → ∞ ceiling on α* of the lines `bounds` (one criterion, one vocab and one sampler):
    the same for every row size; NaN where there is none (exact, or no closed form)."""
    finite = bounds["sampler_ceiling"][~np.isnan(bounds["sampler_ceiling"].astype(float))]
    return float(finite[0]) if finite.size else np.nan


CEILING_STYLE = dict(ls="-.", lw=1.3, zorder=2)  # the n → ∞ ceiling on α* of a biased sampler


def _size_ticks(axis, sizes):
    """Ticks at exactly the study's sizes on a log axis (x or y of one panel)."""
    axis.set_ticks(sizes, [str(v) for v in sizes])
    axis.set_minor_locator(NullLocator())


def _select(col, mask, by=None):
    """The lines of `columns` where `mask` holds, sorted by column `by` if given."""
    lines = np.flatnonzero(mask)
    if by is not None:
        lines = lines[np.argsort(col[by][lines], kind="stable")]
    return {name: values[lines] for name, values in col.items()}


def _interval(bounds):
    """Lower and upper end of α*'s interval. NaN ci_low: nothing is certified safe, so the
    interval reaches 'no safe fraction' (drawn from 0)."""
    low = bounds["ci_low"].astype(float)
    return np.where(np.isnan(low), 0.0, low), bounds["ci_high"].astype(float)


def _analytic(bounds, size_key):
    """(size, analytic α*) where the analytic α* is valid, NaN elsewhere (a gap in its line)."""
    return bounds[size_key].astype(float), np.where(bounds["analytic_valid"], bounds["analytic_safe_fraction"], np.nan)


def _runs(mask):
    """(start, stop) of each run of adjacent True values in `mask`: adjacent hatched tiles are
    one patch, drawn (and hatched) once rather than tile by tile."""
    steps = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return zip(np.flatnonzero(steps == 1), np.flatnonzero(steps == -1))


def _bottom_legend(fig, handles, labels, ncol, y=-0.2):
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, bbox_to_anchor=(0.45, y))


def _colour_scale(criterion: str, threshold: float, seeds: int):
    """(value → colour coordinate, colour-bar ticks as (statistic, label)) of a phase diagram.
    Statistics that span decades (`LOG_COLOUR`) on a log scale, floored at threshold / 100; the
    collapse probability on a logit scale, which gives room to both ends, where nearly all its
    tiles lie, clipped at half a seed from 0 and 1 (0 and 1 of R seeds are drawn there, and
    labelled 0 and 1); the others as they are (ticks by matplotlib)."""
    if criterion == "collapse":
        edge = 0.5 / max(seeds, 1)

        def logit(v):
            q = np.clip(np.asarray(v, dtype=float), edge, 1 - edge)
            return np.log10(q / (1 - q))

        inner = [t for t in (0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999) if edge < t < 1 - edge]
        return logit, [(edge, "0"), (1 - edge, "1"), *((t, f"{t:g}") for t in inner)]
    if criterion in LOG_COLOUR and threshold > 0:
        ticks = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)
        return (lambda v: np.log10(np.clip(v, threshold / 100, None))), [(t, f"{t:g}") for t in ticks]
    return (lambda v: np.asarray(v, dtype=float)), None


def _mark_threshold(cbar, centre: float, threshold: float, ticks) -> None:
    """A black line across the colour bar at the threshold, and its tick, labelled in bold; the
    other ticks (`ticks`: (coordinate, label) by priority, or the colour bar's own) are kept
    where they clear the ticks kept before them on the bar."""
    low, high = cbar.ax.get_ylim()
    if ticks is None:
        ticks = [(t, f"{t:g}") for t in cbar.get_ticks()]
    kept = [(centre, f"{threshold:g}")]
    for t, label in ticks:
        if low <= t <= high and all(abs(cbar.norm(t) - cbar.norm(k)) > 0.06 for k, _ in kept):
            kept.append((t, label))
    cbar.set_ticks([t for t, _ in kept], labels=[label for _, label in kept])
    cbar.ax.get_yticklabels()[0].set_fontweight("bold")
    cbar.ax.axhline(centre, color="black", lw=2.2)


@figure_style("study")
def phase_diagram(criteria, safe, criterion: str, threshold: float, title: str = ""):
    """Heatmap of one criterion's statistic over (effective synthetic fraction × n), one panel
    per vocab, coloured so that the threshold is white (blue safe, red unsafe; `_colour_scale`),
    the threshold marked on the colour bar. Tiles the estimator never counts safe are hatched:
    p⁽¹⁾ a point mass (one real sample). On top: the empirical α* with exactly its interval, and
    the analytic α* (dashed) where it is valid."""
    criteria, safe = columns(criteria), columns(safe)
    data = _select(criteria, criteria["criterion"] == criterion)
    bounds = _select(safe, safe["criterion"] == criterion)
    size_key = row_size_key(data["frame"])
    vocabs = np.unique(data["vocab"]).tolist()
    every = samplers(data)
    fig, axes = _vocab_panels(vocabs, sharey=True, rows=len(every))
    colour_value, ticks = _colour_scale(criterion, threshold, int(bounds["seeds"][0]) if "seeds" in bounds else 100)
    values = colour_value(data["value"])
    centre = float(colour_value(threshold))
    lo, hi = np.nanmin(values), np.nanmax(values)
    cmap = colormaps["RdBu_r" if LARGER_IS_WORSE[criterion] else "RdBu"]  # blue safe, red unsafe
    norm = TwoSlopeNorm(vcenter=centre, vmin=min(lo, centre - 1e-9), vmax=max(hi, centre + 1e-9))
    sizes = np.unique(data[size_key])
    y_edges = _edges(sizes, log=True)
    panels = [(ax, vocab, sampler) for axes_row, sampler in zip(axes, every) for ax, vocab in zip(axes_row, vocabs)]
    ceilings = False
    for ax, vocab, sampler in panels:
        ax.set_xscale("function", functions=(_stretch, _unstretch))
        ax.set_yscale("log")
        for j, size in enumerate(sizes):
            in_tile = (data["vocab"] == vocab) & (data["sampler"] == sampler) & (data[size_key] == size)
            if not in_tile.any():
                continue
            tiles = _select(data, in_tile, by="effective_fraction")
            x_edges = np.clip(_edges(tiles["effective_fraction"]), 0, 1)  # nearest probe
            ax.pcolormesh(x_edges, y_edges[j : j + 2], colour_value(tiles["value"])[None, :], cmap=cmap, norm=norm)
            for start, stop in _runs(tiles["degenerate"]):
                ax.add_patch(
                    Rectangle(
                        (x_edges[start], y_edges[j]),
                        x_edges[stop] - x_edges[start],
                        y_edges[j + 1] - y_edges[j],
                        facecolor="0.85",
                        edgecolor="0.45",
                        hatch="///",
                        lw=0.0,
                    )
                )
        b = _select(bounds, (bounds["vocab"] == vocab) & (bounds["sampler"] == sampler), by=size_key)
        if not np.isnan(ceiling := _ceiling(b)):
            ax.axvline(ceiling, color="black", **CEILING_STYLE)
            ceilings = True
        low, high = _interval(b)
        err = np.vstack([b["safe_fraction"] - low, high - b["safe_fraction"]])
        ax.errorbar(
            b["safe_fraction"],
            b[size_key].astype(float),
            xerr=err,
            fmt="o-",
            color="black",
            ms=4,
            lw=1.2,
            capsize=2,
            label=f"empirical α* ({b['confidence'][0] if 'confidence' in b else 0.95:.0%} interval)",
        )
        if b["analytic_valid"].any():
            sizes_valid, analytic = _analytic(_select(b, b["analytic_valid"]), size_key)
            ax.plot(analytic, sizes_valid, "--", color="0.25", marker="s", ms=3, mfc="white", label="analytic α* (where valid)")
        ax.set_xlim(0, 1)
        ax.set_xticks(ALPHA_TICKS, [f"{t:g}" for t in ALPHA_TICKS])
        ax.set_title(_panel_title(vocab, sampler, every))
    fig.supxlabel("effective synthetic fraction α = n_synthetic / n (axis stretched towards 1)", y=_margin(fig, -0.03))
    for axes_row in axes:
        axes_row[0].set_ylabel(_size_label(size_key))
    _size_ticks(axes[0, 0].yaxis, sizes)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if ceilings:
        handles.append(Line2D([], [], color="black", **CEILING_STYLE))
        labels.append("n → ∞ ceiling on α* under the sampler")
    handles.append(Patch(facecolor="0.85", edgecolor="0.45", hatch="///", label="never counted safe"))
    labels.append("hatched: p(1) a point mass (one real sample), never counted safe")
    if data["real_sample_decides"].any():  # what the colours of such tiles measure
        handles.append(Line2D([], [], lw=0))
        labels.append("where n_real ≥ 1, P(T ≤ G) = Σᵢ pᵢ^n_real: set by the real sample alone")
    _bottom_legend(fig, handles, labels, ncol=2 if len(handles) > 3 else 3, y=_margin(fig, -0.2))
    direction = ">" if LARGER_IS_WORSE[criterion] else "<"
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(mappable, ax=axes.ravel().tolist(), shrink=0.9 if len(every) == 1 else 0.6, pad=0.02)
    scale = "  (logit scale)" if criterion == "collapse" else ""
    cbar.set_label(f"{STATISTIC[criterion].split(' (p̂')[0]}{scale}\nblack line: the threshold, unsafe if {direction} {threshold:g}")
    _mark_threshold(cbar, centre, threshold, None if ticks is None else [(float(colour_value(t)), label) for t, label in ticks])
    fig.suptitle(title or f"Maximum safe synthetic fraction — criterion '{criterion}'", y=1 - _margin(fig, 0.005))
    return fig


def save_figure(fig, paths, dpi: int = 150) -> None:
    """Write `fig` to each of `paths` (the format from the suffix), cropped to its tight bounding
    box computed once: `savefig(bbox_inches="tight")` would draw the whole figure again for each
    file to find it (about 0.2 s per file for a phase diagram)."""
    fig.set_dpi(dpi)  # text measured at the resolution it is drawn at, as savefig measures it
    box = fig.get_tightbbox().padded(rcParams["savefig.pad_inches"])
    for path in paths:
        fig.savefig(path, dpi=dpi, bbox_inches=box)


@figure_style("study")
def safe_fraction_figure(safe, title: str = ""):
    """α*(n): one panel per vocab, x the row size (n, or N in the real-data frame; log scale),
    y the empirical α* of each criterion with its interval as a band, the analytic α*
    dashed where it is valid, and the strictest criterion (the lowest α* of the row) as a thin
    dotted black line on top, ringing the binding criterion's points. A criterion with nothing
    safe in a row is a cross at 0."""
    safe = columns(safe)
    size_key = row_size_key(safe["frame"])
    vocabs = np.unique(safe["vocab"]).tolist()
    sizes = np.unique(safe[size_key]).astype(int)
    every = samplers(safe)
    fig, axes = _vocab_panels(vocabs, sharey=True, rows=len(every))
    palette = COLORBLIND
    colours = dict(zip(CRITERIA, [palette[i] for i in (0, 1, 2, 4)]))  # no two reds
    criteria = [c for c in CRITERIA if c in set(safe["criterion"])]
    lowest = strictest(safe)
    ceilings = False
    for ax, vocab, sampler in [(ax, vocab, sampler) for axes_row, sampler in zip(axes, every) for ax, vocab in zip(axes_row, vocabs)]:
        ax.set_xscale("log")
        row = [(size, alpha) for (size, v, s), (alpha, _) in lowest.items() if v == vocab and s == sampler]  # by size
        # on top, thin, and ringing the binding criterion's points: that line and its band stay visible
        ax.plot(
            [float(size) for size, _ in row],
            [alpha for _, alpha in row],
            ":",
            color="black",
            lw=1.4,
            marker="o",
            ms=10,
            mfc="none",
            mew=1.3,
            zorder=5,
            gid="strictest",
        )
        for criterion in criteria:
            b = _select(safe, (safe["vocab"] == vocab) & (safe["sampler"] == sampler) & (safe["criterion"] == criterion), by=size_key)
            x, colour = b[size_key].astype(float), colours[criterion]
            if not np.isnan(ceiling := _ceiling(b)):
                ax.axhline(ceiling, color=colour, **CEILING_STYLE)
                ceilings = True
            low, high = _interval(b)
            ax.fill_between(x, low, high, color=colour, alpha=0.18, lw=0, zorder=1)
            ax.plot(x, b["safe_fraction"], "o-", color=colour, ms=4, lw=1.6, zorder=3)
            nothing = np.isnan(b["safe_fraction"])
            ax.plot(x[nothing], np.zeros(nothing.sum()), "X", color=colour, mec="white", ms=10, mew=0.8, zorder=4)
            ax.plot(*_analytic(b, size_key), "--", color=colour, lw=1.3, zorder=3)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlim(sizes[0] / 1.3, sizes[-1] * 1.3)
        _size_ticks(ax.xaxis, sizes)
        ax.grid(axis="y", color="0.9", lw=0.8)
        ax.set_title(_panel_title(vocab, sampler, every))
    fig.supxlabel(_size_label(size_key), y=_margin(fig, -0.01))
    for axes_row in axes:
        axes_row[0].set_ylabel("maximum safe synthetic fraction α*")
    threshold = thresholds(safe)
    handles = [Line2D([], [], color=colours[c], marker="o", ms=4, lw=1.6) for c in criteria]
    labels = [f"α* of {threshold_label(c, threshold[c])}" for c in criteria]
    handles += [
        Line2D([], [], color="black", ls=":", lw=1.4, marker="o", ms=10, mfc="none", mew=1.3),
        Patch(facecolor="0.5", alpha=0.3, lw=0),
        Line2D([], [], color="0.3", ls="--", lw=1.3),
    ]
    confidence = safe["confidence"][0] if "confidence" in safe else 0.95
    labels += [
        "strictest criterion (ringed: the lowest α* of the row)",
        f"band: {confidence:.0%} interval of α* (from 0 when nothing is certified safe)",
        "analytic α* (dashed, where valid)",
    ]
    if ceilings:
        handles.append(Line2D([], [], color="0.3", **CEILING_STYLE))
        labels.append("n → ∞ ceiling on α* under the sampler (dash-dot, its criterion's colour)")
    if np.isnan(safe["safe_fraction"]).any():
        handles.append(Line2D([], [], color="0.3", marker="X", mec="white", ms=10, mew=0.8, lw=0))
        labels.append("nothing safe, not even without synthetic data (drawn at 0)")
    _bottom_legend(fig, handles, labels, ncol=2, y=_margin(fig, -0.28))
    fig.suptitle(title or "Maximum safe synthetic fraction α*", y=1 - _margin(fig, 0.04), va="bottom")  # clear of the panel titles
    return fig


# --- α* against the tolerance ----------------------------------------------------------------------

# What a threshold lets through, the figure's x axis (log scale): the drift and the collapse
# probability themselves, the excess error beyond the all-real model's (t − 1), the diversity
# given up (1 − t). Every criterion's α* then grows from left to right.
_ALLOWANCE = {
    "drift": ("drift threshold t", lambda t: t, lambda a: a),
    "excess_error": ("excess_error threshold t (axis: t − 1)", lambda t: t - 1, lambda a: a + 1),
    "diversity": ("diversity threshold t (axis: 1 − t)", lambda t: 1 - t, lambda a: 1 - a),
    "collapse": ("collapse threshold t", lambda t: t, lambda a: a),
}


@figure_style("study")
def tolerance_figure(tolerance, thresholds: dict | None = None, title: str = ""):
    """α* against the tolerance: one row of panels per criterion, one column per vocab, x the
    criterion's threshold (log scale of what it lets through), y α* (stretched towards 1); one
    colour per row size n (or N), α* with its interval as bars, filled where the probes bracket
    that threshold's crossing as finely as refinement does and hollow where they do not, and the
    analytic α* dashed where it is valid. `thresholds`, if given, marks the study's own."""
    col = columns(tolerance)
    size_key = row_size_key(col["frame"])
    criteria = [c for c in CRITERIA if c in set(col["criterion"])]
    every = samplers(col)
    panels = [(vocab, sampler) for sampler in every for vocab in np.unique(col["vocab"]).tolist()]  # the columns
    sizes = np.unique(col[size_key]).astype(int).tolist()
    colour = dict(zip(sizes, colormaps["viridis"](np.linspace(0, 0.88, len(sizes)))))
    fig = Figure(figsize=(4.6 * len(panels) + 1.0, 3.1 * len(criteria) + 0.6), layout="constrained")
    axes = fig.subplots(len(criteria), len(panels), sharey=True, squeeze=False)
    spread = 10 ** (0.018 * (np.arange(len(sizes)) - (len(sizes) - 1) / 2))  # side by side at one threshold
    for i, criterion in enumerate(criteria):
        label, forward, inverse = _ALLOWANCE[criterion]
        lines = col["criterion"] == criterion
        ticks = np.unique(col["threshold"][lines])
        for ax, (vocab, sampler) in zip(axes[i], panels):
            ax.set_xscale("function", functions=(lambda a: np.log10(np.clip(a, 1e-12, None)), lambda y: 10.0**y))
            ax.set_yscale("function", functions=(_stretch, _unstretch))
            if thresholds is not None and criterion in thresholds:
                ax.axvline(forward(thresholds[criterion]), color="0.55", ls=":", lw=1.4, zorder=1)
            for j, size in enumerate(sizes):
                b = _select(col, lines & (col["vocab"] == vocab) & (col["sampler"] == sampler) & (col[size_key] == size), by="threshold")
                if not b["threshold"].size:
                    continue
                x, alpha, c = forward(b["threshold"]) * spread[j], b["safe_fraction"].astype(float), colour[size]
                low, high = _interval(b)
                shown, open_low = ~np.isnan(alpha), np.isnan(b["ci_low"].astype(float)) & ~np.isnan(alpha)
                below = np.where(open_low, 0.0, alpha - low)  # an open lower end: dotted down to 0, not a bar
                ax.errorbar(
                    x[shown],
                    alpha[shown],
                    yerr=[below[shown], high[shown] - alpha[shown]],
                    fmt="none",
                    ecolor=c,
                    elinewidth=1.1,
                    capsize=2,
                    zorder=2,
                )
                ax.vlines(x[open_low], 0, alpha[open_low], colors=[c], linestyles=":", lw=0.9, zorder=2)
                ax.plot(x[shown], alpha[shown], "-", color=c, lw=1.0, alpha=0.8, zorder=2)
                refined = shown & b["refined"].astype(bool)
                ax.plot(x[refined], alpha[refined], "o", color=c, ms=5, zorder=3)
                ax.plot(x[shown & ~refined], alpha[shown & ~refined], "o", mec=c, mfc="white", mew=1.2, ms=5, zorder=3)
                ax.plot(x[~shown], np.zeros((~shown).sum()), "X", color=c, mec="white", ms=9, mew=0.8, zorder=3)
                analytic = np.where(b["analytic_valid"].astype(bool), b["analytic_safe_fraction"], np.nan)
                ax.plot(forward(b["threshold"]), analytic, "--", color=c, lw=1.3, zorder=2)
            ax.set_xticks(forward(ticks), [f"{t:g}" for t in ticks], rotation=45 if ticks.size > 6 else 0)
            ax.xaxis.set_minor_locator(NullLocator())
            reach = np.sort(forward(ticks))
            ax.set_xlim(reach[0] / 1.35, reach[-1] * 1.35)
            ax.set_ylim(0, 1)
            ax.set_yticks(ALPHA_TICKS, [f"{t:g}" for t in ALPHA_TICKS])
            ax.grid(axis="y", color="0.9", lw=0.8)
            ax.set_xlabel(label, fontsize=10.5)
            if i == 0:
                ax.set_title(_panel_title(vocab, sampler, every))
        axes[i, 0].set_ylabel(f"α* ({criterion})")
    handles = [Line2D([], [], color=colour[s], marker="o", ms=5, lw=1.0) for s in sizes]
    labels = [f"{'n' if size_key == 'n' else 'N'} = {s}" for s in sizes]
    confidence = col["confidence"][0] if "confidence" in col else 0.95
    handles += [
        Line2D([], [], color="0.3", marker="o", ms=5, lw=0),
        Line2D([], [], color="0.3", marker="o", mfc="white", ms=5, lw=0),
        Line2D([], [], color="0.3", marker="|", ms=10, lw=0),
        Line2D([], [], color="0.3", ls="--", lw=1.3),
    ]
    labels += [
        "α*, probes refined for this threshold",
        "α*, probes not refined for it (a probe, not the crossing)",
        f"bar: {confidence:.0%} interval; dotted to 0: no count certified safe",
        "analytic α* (dashed, where valid)",
    ]
    if thresholds is not None:
        handles.append(Line2D([], [], color="0.55", ls=":", lw=1.4))
        labels.append("the study's threshold (the one refined for)")
    if np.isnan(col["safe_fraction"].astype(float)).any():
        handles.append(Line2D([], [], color="0.3", marker="X", mec="white", ms=9, mew=0.8, lw=0))
        labels.append("nothing safe, not even without synthetic data (drawn at 0)")
    fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False)
    fig.suptitle(title or "Maximum safe synthetic fraction α* against the tolerance")
    fig.get_layout_engine().execute(fig)  # laid out once, now: `save_figure` crops to what is drawn
    fig.set_layout_engine("none")
    return fig
