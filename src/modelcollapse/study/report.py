"""The study's α* table for the report, an HTML fragment shown as a report item and inside the
report's description (workflow/report/), with the strictest criterion of each row. No matplotlib:
the job that writes it is the last of a study. The α* rows (`columns`, `strictest`), which the figure jobs share (`plotting`),
come as a pandas DataFrame or as an Arrow table (the rows' files, read before `merge`)."""

import numpy as np
import pyarrow as pa

from ..report_html import html_table
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


def samplers(col: dict) -> list:
    """The samplers of a study table's `columns`, in the order the table first has them (the
    grid's: grid.sampler)."""
    return list(dict.fromkeys(col["sampler"].tolist()))


def sampler_title(sampler: str, every: list) -> str:
    """What a panel or table says of its sampler: nothing in a study of `exact` alone (as before
    samplers), else ', sampler {spec}'."""
    return "" if every == ["exact"] else f", sampler {sampler}"


def table_rows(col: dict, size_key: str) -> dict:
    """{(size, vocab, sampler): indices of its lines in table order} of a study table's
    `columns`, by size, vocab, then sampler in the grid's order (`samplers`)."""
    keys = list(zip(col[size_key].tolist(), col["vocab"].tolist(), col["sampler"].tolist()))
    rows = {}
    for i, key in enumerate(keys):
        rows.setdefault(key, []).append(i)
    order = {sampler: i for i, sampler in enumerate(samplers(col))}
    return {key: np.array(rows[key]) for key in sorted(rows, key=lambda k: (k[0], k[1], order[k[2]]))}


def strictest(safe) -> dict:
    """Per row {(n or n_real, vocab, sampler): (α*, criteria)}, as `table_rows` orders them: the
    lowest α* over the criteria and the criteria that reach it (a tuple in table order: ties are
    all strictest). A criterion with nothing safe at all (α* NaN) is the strictest, drawn at α* = 0."""
    col = columns(safe)
    alpha = np.where(np.isnan(col["safe_fraction"]), -1.0, col["safe_fraction"])  # nothing safe is below everything
    lowest = {}
    for key, lines in table_rows(col, row_size_key(col["frame"])).items():
        at_min = lines[np.isclose(alpha[lines], alpha[lines].min(), rtol=0, atol=1e-12)]
        lowest[key] = (max(alpha[at_min[0]], 0.0), tuple(col["criterion"][at_min]))
    return lowest


# --- the report's α* table (an HTML fragment: a report item, and inside the report's description)


def format_safe_fraction(alpha, low, high):
    """'0.118 [0.112, 0.121]': α* and its interval, 3 decimals; 'none' for NaN: no safe fraction
    (α*), the interval reaching it (ci_low), or holding nothing else (both ends: 'none' alone)."""

    def text(value):
        return "none" if np.isnan(value) else f"{value:.3f}"

    if np.isnan(low) and np.isnan(high):
        return text(alpha)
    return f"{text(alpha)} [{text(low)}, {text(high)}]"


def safe_fraction_table_html(safe):
    """The headline table: one row per (n or N, vocab, sampler), one column per criterion with α*
    and its interval; the strictest criterion of each row in bold. The sampler column is there
    when the study has a sampler other than exact."""
    col = columns(safe)
    size_key = row_size_key(col["frame"])
    criteria = [c for c in CRITERIA if c in set(col["criterion"])]
    threshold = thresholds(col)
    lowest = strictest(col)
    by_sampler = samplers(col) != ["exact"]
    rows = []
    for (size, vocab, sampler), lines in table_rows(col, size_key).items():
        by = {col["criterion"][i]: i for i in lines}
        cells = [size, vocab, *([sampler] if by_sampler else [])]
        for c in criteria:
            text = format_safe_fraction(*(col[name][by[c]] for name in ("safe_fraction", "ci_low", "ci_high")))
            cells.append((f"<strong>{text}</strong>", "strictest") if c in lowest[(size, vocab, sampler)][1] else text)
        rows.append(cells)
    confidence = col["confidence"][0] if "confidence" in col else 0.95
    caption = (
        f"Maximum safe synthetic fraction α* [{confidence:.0%} confidence interval], per row and criterion. "
        "<strong>Bold</strong>: the strictest criterion of the row (the lowest α*). "
        "none: nothing is safe, not even without synthetic data; [none, …]: no count is certified safe, "
        "so the interval reaches 'no safe fraction'."
    )
    header = [
        "n" if size_key == "n" else "N (real)",
        "vocab",
        *(["sampler"] if by_sampler else []),
        *(threshold_label(c, threshold[c]) for c in criteria),
    ]
    return html_table(header, rows, caption, numbers=True)
