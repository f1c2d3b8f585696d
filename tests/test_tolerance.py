"""α* against the tolerance (docs/safe-fraction.md): a criterion's threshold as a list, in the
Python API and from the per-seed values a study keeps, by the one estimator."""

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import modelcollapse as mc
from modelcollapse.config import DEFAULTS
from modelcollapse.core import initial
from modelcollapse.core.io import table_from_records
from modelcollapse.study.aggregate import SAFE_NULLABLE, simulate_row, to_pandas, values_probes
from modelcollapse.study.safe import CRITERIA, DEFAULT_THRESHOLDS, Row, threshold_pairs
from modelcollapse.study.tolerance import sweep, tolerance_records

G, SEEDS = 30, 30


def quiet_safe_fraction(**kwargs):
    with warnings.catch_warnings():  # the collapse criterion's seed shortfall, said elsewhere
        warnings.simplefilter("ignore", UserWarning)
        return mc.safe_fraction(**kwargs)


def test_threshold_pairs_in_order_each_once():
    pairs = threshold_pairs({**DEFAULT_THRESHOLDS, "drift": [0.2, 0.05, 0.2], "collapse": np.array([0.1])})
    assert pairs == [("drift", 0.2), ("drift", 0.05), ("excess_error", 1.1), ("diversity", 0.9), ("collapse", 0.1)]


def test_the_api_takes_a_list_and_brackets_every_threshold():
    """One line per threshold (column `threshold`), α* growing with the drift allowed, and each
    threshold's α* bracketed as refinement brackets one: adjacent counts or a tenth of the interval."""
    n = 300
    table = quiet_safe_fraction(vocab=100, n=n, seeds=SEEDS, generations=G, thresholds={"drift": [0.2, 0.05, 0.1]})
    drift = table[table["criterion"] == "drift"]
    assert list(drift["threshold"]) == [0.2, 0.05, 0.1] and list(table["criterion"]).count("drift") == 3
    by_threshold = drift.set_index("threshold")["safe_fraction"]
    assert by_threshold[0.05] < by_threshold[0.1] < by_threshold[0.2]
    width = (drift["bracket_high"] - drift["bracket_low"]) * n
    interval = (drift["ci_high"] - drift["ci_low"].fillna(0)) * n
    assert ((width <= 1 + 1e-9) | (width <= 0.1 * interval + 1e-9)).all(), drift
    single = quiet_safe_fraction(vocab=100, n=n, seeds=SEEDS, generations=G, analytic_only=True, thresholds={"drift": 0.05})
    assert (
        drift.set_index("threshold").at[0.05, "analytic_safe_fraction"]
        == single.set_index("criterion").at["drift", "analytic_safe_fraction"]
    )


@pytest.mark.parametrize(
    "thresholds, words",
    [
        ({"drift": [0.1, float("nan")]}, "thresholds['drift']: nan is not a finite number; allowed: number >= 0"),
        ({"collapse": [0.05, 2]}, "thresholds['collapse']: 2 is greater than the maximum of 1; allowed: number in [0, 1]"),
        ({"drift": []}, "thresholds['drift']: an empty list"),
        ({"drift": ["x"]}, "thresholds['drift']: 'x' is not of type 'number'"),
        ({"drfit": [0.1]}, "'drfit' was unexpected"),
    ],
)
def test_the_api_refuses_bad_thresholds_naming_them(thresholds, words):
    """Each item of a list is checked as the workflow checks a threshold, in the same words."""
    with pytest.raises(ValueError) as err:
        mc.safe_fraction(vocab=10, n=30, thresholds=thresholds, analytic_only=True)
    assert words in str(err.value)


def as_frame(records):
    """Records as the workflow writes them: an Arrow table, then pandas (nullable counts)."""
    return to_pandas({"tolerance": table_from_records(records, nullable=SAFE_NULLABLE)})["tolerance"]


@pytest.fixture(scope="module")
def row_tables():
    """One row simulated in process, refined for the default thresholds: its tables and p(0)."""
    row, p0 = Row("mixed", "budget", 300, 100), initial.zipf(100, 1.1)
    config = {"generations": G, "root_seed": 2024, "safe": {**DEFAULT_THRESHOLDS, "confidence": 0.95, "resolution": None}}
    grid = row.probes({"synthetic_fraction": [k / 10 for k in range(11)], "log_real_shares": True})
    return row, p0, simulate_row(row, p0, grid, config, SEEDS)


def test_values_give_back_the_probes_and_the_study_answer(row_tables):
    """The per-seed values a row keeps give, at the study's thresholds, exactly its α* table,
    every line refined; at the sweep's other thresholds lines whose probes are too coarse say so."""
    row, p0, tables = row_tables
    probes, grid = values_probes(pa.Table.from_pandas(tables["values"]))
    assert sorted(grid) == sorted(tables["values"].loc[~tables["values"]["probe"], "n_synthetic"].unique())
    safe = {**DEFAULT_THRESHOLDS, "confidence": 0.95, "tolerance_sweep": {c: [] for c in CRITERIA}}
    own = as_frame(tolerance_records(row, probes, grid, p0, G, sweep(safe), 0.95))
    assert own["refined"].all()
    pd.testing.assert_frame_equal(own.drop(columns="refined"), tables["safe"])

    swept = as_frame(tolerance_records(row, probes, grid, p0, G, sweep(DEFAULTS["safe"]), 0.95))
    coarse = swept[~swept["refined"]]
    assert len(coarse) > 0 and coarse["note"].str.contains("probes not refined for this threshold").all()
    assert swept[swept["refined"]]["note"].str.contains("not refined").sum() == 0
    for criterion, lines in swept.groupby("criterion"):  # α* never falls as the threshold lets more through
        alpha = lines.sort_values("threshold")["safe_fraction"].fillna(-1).to_numpy()
        assert (np.diff(alpha if criterion != "diversity" else alpha[::-1]) >= 0).all(), criterion
