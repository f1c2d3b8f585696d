"""α* against the tolerance: one row's answer at every threshold of a sweep, from the probes
already simulated (docs/safe-fraction.md, "α* against the tolerance").

The thresholds are a choice, and α* moves with them. At a threshold
other than those the probes were refined for, α* and its interval come from the same probes and
their per-seed values (`aggregate.values_table`) by the same estimator (`aggregate.answer_records`),
with the analytic α* beside them; where the probes do not bracket that threshold's crossing as
finely as refinement would, the record says so (`refined` false, and a note) instead of passing
a probe for a refined crossing.
"""

import pyarrow as pa

from ..core.io import table_from_records
from .aggregate import SAFE_NULLABLE, answer_records, check_study_tables, read_initial, values_probes
from .safe import CRITERIA, Row, wide_brackets

SWEEP = "tolerance_sweep"  # the key of `safe` in a config


def sweep(safe: dict) -> dict:
    """{criterion: thresholds, ascending}: a config's threshold with its `safe.tolerance_sweep`."""
    return {c: sorted({float(safe[c]), *map(float, safe[SWEEP][c])}) for c in CRITERIA}


def tolerance_records(
    row: Row, probes: dict, grid_counts, p0, generations: int, thresholds: dict, confidence: float, resolution=None
) -> list:
    """α* of one row at every threshold of `thresholds` ({criterion: list}) from the probes as they
    are ({count: {criterion: per-seed values}}): the safe-fraction records (`answer_records`),
    each with `refined`, whether no bracket of α* and its interval is wider than refinement
    leaves one (`safe.wide_brackets`); where one is, the note gives its width."""
    records = answer_records(row, probes, p0, generations, thresholds, confidence, grid_counts, resolution)
    for r in records:
        gaps = wide_brackets(row, probes, r["criterion"], r["threshold"], confidence, resolution)
        r["refined"] = not gaps
        if gaps:
            widest = max(float(row.fraction(b) - row.fraction(a)) for a, b in gaps)
            note = (
                f"probes not refined for this threshold: alpha* or an end of its interval is a probe whose gap "
                f"to the next is up to {widest:.3g} wide, not the refined crossing"
            )
            r["note"] = "; ".join(filter(None, [r["note"], note]))
    return records


def study_tolerance(rows: list, values: list, initial: list, generations: int, safe: dict, identity: dict | None = None) -> pa.Table:
    """The tolerance table of a study: `tolerance_records` of every row (`Row`s) at the thresholds
    of `sweep(safe)`, from its values table and its p⁽⁰⁾ (paths, in the order of `rows`); each
    values table checked as the study's (`check_study_tables`, of `identity` when given)."""
    records = []
    for row, values_path, initial_path in zip(rows, values, initial):
        probes, grid = values_probes(check_study_tables({"values": values_path}, identity)["values"])
        p0 = read_initial(initial_path)
        records += tolerance_records(row, probes, grid, p0, generations, sweep(safe), safe["confidence"], safe.get("resolution"))
    return table_from_records(records, nullable=SAFE_NULLABLE)
