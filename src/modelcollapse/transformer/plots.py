"""Figure 5 of Seddik et al. 2024 from saved results: drift table, numeric check of its claim, and the plot.

Works on the arrays and tables written by the experiment in `modelcollapse.transformer.model`, and does not import
torch, so the figure can be redrawn without it. The figure is built without pyplot and chooses no backend, so drawing it
leaves the caller's matplotlib (backend, open figures) as it was.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..style import figure_style

GROUND_TRUTH_SETTING = "ground_truth"
"""Setting name of generation 0 in the validation-loss table: p^(0), trained on the real text."""


def setting_name(synthetic_fraction: float) -> str:
    """File- and table-friendly name of a setting, e.g. 'synthetic_100pct', 'synthetic_50pct'."""
    return f"synthetic_{round(100 * synthetic_fraction)}pct"


def setting_label(synthetic_fraction: float) -> str:
    """The paper's legend for a setting: 'synthetic', 'synthetic 50% – real 50%' (Figure 5)."""
    percent = round(100 * synthetic_fraction)
    return "synthetic" if percent == 100 else f"synthetic {percent}% – real {100 - percent}%"


def mean_l1_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Mean over contexts (rows) of ‖p(·|ctx) − q(·|ctx)‖₁ (Figure 5's drift, paper §4.1: twice the
    total variation)."""
    return float(np.abs(p - q).sum(axis=1).mean())


def drift_table(
    ground_truth_probabilities: np.ndarray,
    probabilities_by_fraction: Mapping[float, Sequence[np.ndarray]],
) -> pd.DataFrame:
    """Drift of every generation m = 1 … G of every setting, from next-character distributions on fixed contexts.

    `probabilities_by_fraction[f][m - 1]` is p^(m)(·|ctx) of the setting with synthetic fraction f, shape
    (n_contexts, vocab). Columns: setting, synthetic_fraction, generation, l1_from_first (‖p^(m) − p^(1)‖₁, the
    quantity of Figure 5), l1_from_ground_truth (‖p^(m) − p^(0)‖₁), l1_from_previous (‖p^(m) − p^(m−1)‖₁),
    n_contexts. Each is a mean over contexts.
    """
    records = []
    for fraction, probabilities in probabilities_by_fraction.items():
        first = probabilities[0]
        previous = ground_truth_probabilities
        for generation, current in enumerate(probabilities, start=1):
            records.append(
                {
                    "setting": setting_name(fraction),
                    "synthetic_fraction": float(fraction),
                    "generation": generation,
                    "l1_from_first": mean_l1_distance(current, first),
                    "l1_from_ground_truth": mean_l1_distance(current, ground_truth_probabilities),
                    "l1_from_previous": mean_l1_distance(current, previous),
                    "n_contexts": len(current),
                }
            )
            previous = current
    return pd.DataFrame.from_records(records)


def validation_loss_table(ground_truth_loss: pd.DataFrame, losses_by_fraction: Mapping[float, Sequence[pd.DataFrame]]) -> pd.DataFrame:
    """One table of validation loss curves: setting, synthetic_fraction, generation, iteration, val_loss.

    `losses_by_fraction[f][m - 1]` has columns iteration, val_loss for generation m. Generation 0 (p^(0)) is
    included once, with setting 'ground_truth' and no synthetic fraction.
    """
    frames = [ground_truth_loss.assign(setting=GROUND_TRUTH_SETTING, synthetic_fraction=np.nan, generation=0)]
    for fraction, losses in losses_by_fraction.items():
        for generation, loss in enumerate(losses, start=1):
            frames.append(loss.assign(setting=setting_name(fraction), synthetic_fraction=float(fraction), generation=generation))
    columns = ["setting", "synthetic_fraction", "generation", "iteration", "val_loss"]
    return pd.concat(frames, ignore_index=True)[columns]


def check_drift_claim(drift: pd.DataFrame, min_growth_ratio: float = 1.5, max_relative_slope: float = 0.5) -> pd.DataFrame:
    """Check Figure 5's claim in numbers: drift grows when fully synthetic, stays bounded with real data mixed in.

    Per setting, over generations 2 … G (generation 1 has zero drift by definition):
    - l1_from_first_at_2, l1_from_first_at_last: the drift ‖p^(m) − p^(1)‖₁ (column l1_from_first of the drift
      table, as in the study's tables) at m = 2 and m = G;
    - growth_ratio = l1_from_first_at_last / l1_from_first_at_2;
    - slope: least-squares slope of the drift against m.
    The fully synthetic setting (fraction 1) supports the claim if its slope is positive and growth_ratio is at
    least `min_growth_ratio`. A mixed setting supports it if it ends below the fully synthetic drift and its slope
    is at most `max_relative_slope` times the fully synthetic slope. Thresholds are this project's, not the
    paper's. Returns one row per setting with these numbers, the claim tested and whether it holds.
    """
    rows = []
    for fraction, group in drift[drift.generation >= 2].groupby("synthetic_fraction", sort=False):
        group = group.sort_values("generation")
        slope = float(np.polyfit(group.generation, group.l1_from_first, 1)[0]) if len(group) > 1 else np.nan
        rows.append(
            {
                "setting": setting_name(fraction),
                "synthetic_fraction": float(fraction),
                "l1_from_first_at_2": float(group.l1_from_first.iloc[0]),
                "l1_from_first_at_last": float(group.l1_from_first.iloc[-1]),
                "last_generation": int(group.generation.iloc[-1]),
                "growth_ratio": float(group.l1_from_first.iloc[-1] / group.l1_from_first.iloc[0]),
                "slope": slope,
            }
        )
    table = pd.DataFrame.from_records(rows).sort_values("synthetic_fraction", ascending=False, ignore_index=True)
    synthetic = table[np.isclose(table.synthetic_fraction, 1.0)]
    reference = synthetic.iloc[0] if len(synthetic) else None
    claims, holds = [], []
    for row in table.itertuples():
        if np.isclose(row.synthetic_fraction, 1.0):
            claims.append("drift grows")
            holds.append(bool(row.slope > 0 and row.growth_ratio >= min_growth_ratio))
        elif reference is None:
            claims.append("drift stays bounded (no fully synthetic setting to compare with)")
            holds.append(False)
        else:
            claims.append("drift stays bounded")
            holds.append(
                bool(row.l1_from_first_at_last < reference.l1_from_first_at_last and row.slope <= max_relative_slope * reference.slope)
            )
    return table.assign(claim=claims, holds=holds)


def _choices_text(meta: Mapping, claim: pd.DataFrame | None) -> str:
    lines = ["Choices the paper leaves open (this project's):"]
    lines += [f"• {choice}" for choice in meta.get("choices", [])]
    lines.append(
        f"seed {meta.get('seed')}, {meta.get('torch_threads')} torch thread(s), device {meta.get('device')}, "
        f"torch {meta.get('torch_version')}"
    )
    if claim is not None and len(claim):
        verdicts = "; ".join(
            f"{setting_label(row.synthetic_fraction)}: ×{row.growth_ratio:.2f} from m=2 to m={row.last_generation}"
            f" ({row.claim}: {'yes' if row.holds else 'NO'})"
            for row in claim.itertuples()
        )
        lines.append("Claim check: " + verdicts)
    return "\n".join(textwrap.fill(line, 150, subsequent_indent="   ") for line in lines)


def plot_fig5(drift: pd.DataFrame, val_loss: pd.DataFrame, meta: Mapping) -> Figure:
    """Figure 5 of the paper: recursive training of a character-level transformer on tiny-shakespeare.

    Top left: drift ‖p^(m) − p^(1)‖₁ against generation m for each setting. Other panels, one per setting:
    validation loss on held-out real text against training iteration (log scale), one curve per generation,
    with the ground truth p^(0) dashed. The preset and every choice the paper leaves open are written below.
    """
    # A context manager: drawing this figure must not restyle the caller's other figures.
    with figure_style("transformer"):
        return _draw_fig5(drift, val_loss, meta)


def _draw_fig5(drift: pd.DataFrame, val_loss: pd.DataFrame, meta: Mapping) -> Figure:
    fractions = sorted(drift.synthetic_fraction.unique(), reverse=True)
    n_panels = 1 + len(fractions)
    n_rows = int(np.ceil(n_panels / 2))
    figure = Figure(figsize=(11, 4.2 * n_rows + 1.6))
    axes = figure.subplots(n_rows, 2, squeeze=False).ravel()

    drift_axis = axes[0]
    palette = dict(zip(fractions, sns.color_palette("colorblind", len(fractions))))
    for fraction in fractions:
        group = drift[drift.synthetic_fraction == fraction].sort_values("generation")
        drift_axis.plot(group.generation, group.l1_from_first, marker="o", color=palette[fraction], label=setting_label(fraction))
    drift_axis.set_xlabel("generation m")
    drift_axis.set_ylabel(r"$\|p^{(m)} - p^{(1)}\|_1$ (mean over contexts)")
    drift_axis.set_title(f"Drift from the first generation ({meta.get('n_contexts', '?')} contexts from $p^{{(0)}}$)")
    drift_axis.xaxis.get_major_locator().set_params(integer=True)
    drift_axis.legend()

    generations = sorted(g for g in val_loss.generation.unique() if g >= 1)
    colours = dict(zip(generations, sns.color_palette("viridis", len(generations))))
    ground_truth = val_loss[val_loss.generation == 0].sort_values("iteration")
    loss_axes = axes[1 : 1 + len(fractions)]
    for axis, fraction in zip(loss_axes, fractions):
        curves = val_loss[np.isclose(val_loss.synthetic_fraction, fraction)]
        for generation in generations:
            curve = curves[curves.generation == generation].sort_values("iteration")
            axis.plot(curve.iteration, curve.val_loss, color=colours[generation], label=f"Gen {generation}")
        if len(ground_truth):
            axis.plot(ground_truth.iteration, ground_truth.val_loss, color="black", linestyle="--", label="$p^{(0)}$ (real)")
        axis.set_xscale("log")
        axis.set_xlabel("training iteration")
        axis.set_ylabel("validation loss (nats/char, real text)")
        axis.set_title(setting_label(fraction))
    # One scale for the three loss panels, so that the settings compare at a glance.
    low, high = val_loss.val_loss.min(), val_loss.val_loss.max()
    margin = 0.03 * (high - low)
    for axis in loss_axes:
        axis.set_ylim(low - margin, high + margin)
    if len(loss_axes):
        loss_axes[0].legend(ncol=2, fontsize="small")
    for axis in axes[n_panels:]:
        axis.set_visible(False)

    claim = check_drift_claim(drift) if drift.generation.max() >= 3 else None
    preset = meta.get("preset", {}).get("name", "?")
    figure.suptitle(f"Recursive training of a character transformer on tiny-shakespeare (Seddik et al. 2024, Fig. 5) — preset '{preset}'")
    choices = _choices_text(meta, claim)
    figure.text(0.01, 0.005, choices, fontsize=7, va="bottom", ha="left", family="monospace")
    text_height = 0.12 * (choices.count("\n") + 1) + 0.15  # inches: 7-pt monospace lines
    figure.tight_layout(rect=(0, text_height / figure.get_figheight(), 1, 0.97))
    return figure
