"""The report's tables, as HTML fragments shown as report items and inside the report's
description (workflow/report/): the study's α* table with the strictest criterion of each row,
the paper's theorem table, and an embedded figure. No matplotlib: the job that writes them is the
last of a study. The α* rows (`columns`, `strictest`), which the figure jobs share (`plotting`),
come as a pandas DataFrame or as an Arrow table (the rows' files, read before `merge`)."""

import base64
import html

import numpy as np
import pyarrow as pa

from .safe import CRITERIA, LARGER_IS_WORSE


def columns(table) -> dict:
    """{column: NumPy array} of a study table: a pandas DataFrame (notebooks, tests), an Arrow
    table (the figure jobs) or such a dict already. Numbers with nulls as NaN (the column then
    float), strings as an object array."""
    if isinstance(table, dict):
        return table
    if isinstance(table, pa.Table):
        return {
            name: np.array(column.to_pylist(), dtype=object)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
            else column.to_numpy()
            for name, column in zip(table.column_names, table.columns)
        }
    return {
        name: series.to_numpy(float, na_value=np.nan) if series.dtype.kind in "biu" and series.hasnans else series.to_numpy()
        for name, series in table.items()
    }


def row_size_key(frame):
    """The column that sizes a row: n in the budget frame, n_real in the real-data frame."""
    return "n" if (np.asarray(frame) == "budget").all() else "n_real"


def threshold_label(criterion, threshold):
    """'drift ≤ 0.1': the criterion and when it is safe."""
    return f"{criterion} {'≤' if LARGER_IS_WORSE[criterion] else '≥'} {threshold:g}"


def thresholds(col: dict) -> dict:
    """{criterion: its threshold} of a study table's `columns` (every line of a criterion has the
    study's threshold: the first's)."""
    return {c: col["threshold"][np.flatnonzero(col["criterion"] == c)[0]] for c in set(col["criterion"])}


def table_rows(col: dict, size_key: str) -> dict:
    """{(size, vocab): indices of its lines in table order} of a study table's `columns`, by
    size then vocab."""
    keys = list(zip(col[size_key].tolist(), col["vocab"].tolist()))
    rows = {}
    for i, key in enumerate(keys):
        rows.setdefault(key, []).append(i)
    return {key: np.array(rows[key]) for key in sorted(rows)}


def strictest(safe) -> dict:
    """Per row {(n or n_real, vocab): (α*, criteria)}, by size then vocab: the lowest α* over the
    criteria and the criteria that reach it (a tuple in table order: ties are all strictest). A
    criterion with nothing safe at all (α* NaN) is the strictest, drawn at α* = 0."""
    col = columns(safe)
    alpha = np.where(np.isnan(col["safe_fraction"]), -1.0, col["safe_fraction"])  # nothing safe is below everything
    lowest = {}
    for key, lines in table_rows(col, row_size_key(col["frame"])).items():
        at_min = lines[np.isclose(alpha[lines], alpha[lines].min(), rtol=0, atol=1e-12)]
        lowest[key] = (max(alpha[at_min[0]], 0.0), tuple(col["criterion"][at_min]))
    return lowest


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
    """'0.118 [0.112, 0.121]': α* and its interval, 3 decimals; 'none' for NaN: no safe fraction
    (α*), the interval reaching it (ci_low), or holding nothing else (both ends: 'none' alone)."""

    def text(value):
        return "none" if np.isnan(value) else f"{value:.3f}"

    if np.isnan(low) and np.isnan(high):
        return text(alpha)
    return f"{text(alpha)} [{text(low)}, {text(high)}]"


def safe_fraction_table_html(safe):
    """The headline table: one row per (n or N, vocab), one column per criterion with α* and its
    interval; the strictest criterion of each row in bold."""
    col = columns(safe)
    size_key = row_size_key(col["frame"])
    criteria = [c for c in CRITERIA if c in set(col["criterion"])]
    threshold = thresholds(col)
    lowest = strictest(col)
    rows = []
    for (size, vocab), lines in table_rows(col, size_key).items():
        by = {col["criterion"][i]: i for i in lines}
        cells = [size, vocab]
        for c in criteria:
            text = format_safe_fraction(*(col[name][by[c]] for name in ("safe_fraction", "ci_low", "ci_high")))
            cells.append((f"<strong>{text}</strong>", "strictest") if c in lowest[(size, vocab)][1] else text)
        rows.append(cells)
    confidence = col["confidence"][0] if "confidence" in col else 0.95
    caption = (
        f"Maximum safe synthetic fraction α* [{confidence:.0%} confidence interval], per row and criterion. "
        "<strong>Bold</strong>: the strictest criterion of the row (the lowest α*). "
        "none: nothing is safe, not even without synthetic data; [none, …]: no count is certified safe, "
        "so the interval reaches 'no safe fraction'."
    )
    header = ["n" if size_key == "n" else "N (real)", "vocab", *(threshold_label(c, threshold[c]) for c in criteria)]
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
