"""The report's tables, as HTML fragments shown as report items and inside the report's
description (workflow/report/): the study's α* table with the strictest criterion of each row,
the paper's theorem table, and an embedded figure. pandas, no matplotlib: the job that writes
them is the last of a study."""

import base64
import html

import numpy as np

from .safe import CRITERIA, LARGER_IS_WORSE


def row_size_key(frame):
    """The column that sizes a row: n in the budget frame, n_real in the real-data frame."""
    return "n" if (frame == "budget").all() else "n_real"


def threshold_label(criterion, threshold):
    """'drift ≤ 0.1': the criterion and when it is safe."""
    return f"{criterion} {'≤' if LARGER_IS_WORSE[criterion] else '≥'} {threshold:g}"


def strictest(safe):
    """Per row (n or n_real, vocab): the lowest α* over the criteria (`safe_fraction`) and the
    criteria that reach it (`criteria`, a tuple: ties are all strictest). A criterion with nothing
    safe at all (α* NaN) is the strictest, drawn at α* = 0."""
    size_key = row_size_key(safe["frame"])
    alpha = safe.assign(alpha=safe["safe_fraction"].fillna(-1.0))  # nothing safe is below everything
    lowest = alpha.groupby([size_key, "vocab"])["alpha"].transform("min")
    at_min = alpha[np.isclose(alpha["alpha"], lowest, rtol=0, atol=1e-12)]
    rows = at_min.groupby([size_key, "vocab"], sort=True).agg(alpha=("alpha", "first"), criteria=("criterion", tuple))
    return rows.reset_index().assign(safe_fraction=lambda r: r["alpha"].clip(lower=0.0)).drop(columns="alpha")


# --- the report's tables (HTML fragments: shown as report items and inside the report's description)

_TABLE_STYLE = """<style>
table.modelcollapse { border-collapse: collapse; font-size: 0.8rem; font-variant-numeric: tabular-nums; margin: 0.5em 0; }
table.modelcollapse caption { caption-side: top; text-align: left; font-size: 0.8rem; padding-bottom: 0.3em; }
table.modelcollapse th, table.modelcollapse td { border-bottom: 1px solid #ddd; padding: 0.15em 0.5em; text-align: right; }
table.modelcollapse th { background: #f2f2f2; }
table.modelcollapse.numbers td, table.modelcollapse.numbers th { white-space: nowrap; }
table.modelcollapse:not(.numbers) td { text-align: left; }
table.modelcollapse td.strictest { background: #e8e8e8; }
table.modelcollapse td.fail { color: #b00020; font-weight: bold; }
</style>
"""


def _html_table(header, rows, caption="", numbers=False):
    """An HTML table fragment. A cell is text (escaped here) or (html, css class); `numbers`: cells
    never wrap."""

    def cell(value):
        text, css = value if isinstance(value, tuple) else (html.escape(str(value)), "")
        return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"

    lines = [_TABLE_STYLE, f'<table class="modelcollapse{" numbers" if numbers else ""}">']
    if caption:
        lines.append(f"<caption>{caption}</caption>")
    lines.append("<thead><tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr></thead>")
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(map(cell, row)) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines) + "\n"


def format_safe_fraction(alpha, low, high):
    """'0.118 [0.112, 0.118]': α* and its bootstrap interval, 3 decimals. NaN α*: 'none' (nothing
    safe); NaN ci_low: '0.000†' (some resamples find nothing safe, the interval reaches 0)."""
    if np.isnan(alpha):
        return "none"
    low = "0.000†" if np.isnan(low) else f"{low:.3f}"
    return f"{alpha:.3f} [{low}, {high:.3f}]"


def safe_fraction_table_html(safe):
    """The headline table: one row per (n or N, vocab), one column per criterion with α* and its
    interval; the strictest criterion of each row in bold."""
    size_key = row_size_key(safe["frame"])
    criteria = [c for c in CRITERIA if c in set(safe["criterion"])]
    thresholds = safe.groupby("criterion")["threshold"].first()
    lowest = strictest(safe).set_index([size_key, "vocab"])["criteria"]
    rows = []
    for (size, vocab), row in safe.groupby([size_key, "vocab"], sort=True):
        by = row.set_index("criterion")
        cells = [size, vocab]
        for c in criteria:
            text = format_safe_fraction(by.at[c, "safe_fraction"], by.at[c, "ci_low"], by.at[c, "ci_high"])
            cells.append((f"<strong>{text}</strong>", "strictest") if c in lowest[(size, vocab)] else text)
        rows.append(cells)
    confidence = safe["confidence"].iloc[0] if "confidence" in safe else 0.95
    caption = (
        f"Maximum safe synthetic fraction α* [{confidence:.0%} bootstrap interval], per row and criterion. "
        "<strong>Bold</strong>: the strictest criterion of the row (the lowest α*). "
        "none: nothing is safe, not even without synthetic data; 0.000†: some bootstrap resamples find nothing safe."
    )
    header = ["n" if size_key == "n" else "N (real)", "vocab", *(threshold_label(c, thresholds[c]) for c in criteria)]
    return _html_table(header, rows, caption, numbers=True)


def theorem_table_html(table):
    """theorems.csv as an HTML table: one row per check, FAIL in red, the PASS count on top."""
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
    return _html_table(list(table.columns), rows, caption)


def embedded_image_html(path, alt):
    """An <img> carrying the PNG at `path` as a data URI: shown by any page that includes it."""
    data = base64.b64encode(open(path, "rb").read()).decode("ascii")
    return f'<img class="modelcollapse" src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="width: 100%;">\n'
