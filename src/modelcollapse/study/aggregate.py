"""One row of a study, from its per-job simulation tables to its summary, its per-cell criterion
statistics and its maximum safe synthetic fraction (docs/safe-fraction.md, docs/outputs.md).
Pure functions on pandas / NumPy; no Snakemake."""

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core import stats, theory
from ..core.io import INITIAL_SCHEMA, SIMS_SCHEMA, provenance, read_checked, sims_table
from ..core.simulate import METRICS
from . import analytic
from .safe import (
    CRITERIA,
    Row,
    criterion_values,
    degenerate,
    estimate,
    expected_l1_error,
    is_safe,
    real_sample_decides,
    refine,
)

CELL = ["scenario", "n", "vocab", "n_real", "n_synthetic", "synthetic_fraction", "effective_fraction"]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SUMMARY_METRICS = [m for m in METRICS if m != "top_token"]


# --- reading ----------------------------------------------------------------------------------


def sort_sims(df: pd.DataFrame) -> pd.DataFrame:
    """Cells in order of (n, n_synthetic), then seed, then generation."""
    order = np.lexsort([df[c].to_numpy() for c in ("generation", "seed", "n_synthetic", "n")])
    return df.iloc[order].reset_index(drop=True)


def check_provenance(path, expected: dict) -> None:
    """Refuse a simulation table made with other parameters than the study's, naming the file
    and the first key that differs (scenario, generations, root seed, p⁽⁰⁾, library version …)."""
    made = provenance(path)
    for key, value in expected.items():
        if made.get(key) != value:
            raise ValueError(
                f"{path}: made with {key} = {made.get(key)!r}, this study has {value!r}; "
                "it belongs to another run: delete it or rerun its job (snakemake --forcerun simulate)"
            )


def read_sims(paths, generations: int, seeds: int, expected: dict | None = None, cells=None) -> pd.DataFrame:
    """Concatenate simulation tables; refuse corrupt files, files made with other parameters
    (`expected` metadata), other cells than `cells` (synthetic counts) and incomplete or
    duplicated cells."""
    for path in paths if expected else ():
        check_provenance(path, expected)
    df = sort_sims(pa.concat_tables([read_checked(p, SIMS_SCHEMA) for p in paths]).to_pandas())
    found = sorted(df["n_synthetic"].unique().tolist())
    if cells is not None and found != sorted(cells):
        raise ValueError(f"{', '.join(map(str, paths))}: synthetic counts {found}, the study's grid has {sorted(cells)}")
    if df["scenario"].nunique() != 1:
        raise ValueError("a study has one scenario; the tables mix several")
    expected_seeds = np.arange(seeds).repeat(generations + 1)
    for key, rows in df.groupby(["n", "n_synthetic"], sort=False).indices.items():
        if rows.size != expected_seeds.size or not np.array_equal(df["seed"].to_numpy()[rows], expected_seeds):
            raise ValueError(f"cell (n, n_synthetic) = {key}: {rows.size} rows, expected seeds 0…{seeds - 1} × generations 0…{generations}")
    return df


def read_initial(path) -> np.ndarray:
    """p⁽⁰⁾ of one vocabulary."""
    return read_checked(path, INITIAL_SCHEMA).column("prob").to_numpy()


def cell_arrays(df: pd.DataFrame, generations: int):
    """(cells, {metric: array[cell, seed, generation]}, collapse_time[cell, seed]) of a sorted table."""
    cells = df[CELL].drop_duplicates(subset=["n", "n_synthetic"], ignore_index=True)
    shape = (len(cells), -1, generations + 1)
    arrays = {m: df[m].to_numpy(dtype=float).reshape(shape) for m in METRICS}
    collapse_time = df["collapse_time"].to_numpy(dtype=float, na_value=np.nan).reshape(shape)[:, :, 0]
    return cells, arrays, collapse_time


# --- summary ----------------------------------------------------------------------------------


def summarize(cells, arrays, collapse_time, p0, generations: int) -> pd.DataFrame:
    """Per (cell, generation): mean, standard error and quantiles of each metric, the collapse
    probability P(T ≤ m), and the closed forms where one exists (docs/outputs.md).
    The first three arguments are what `cell_arrays` returns."""
    s0, support = float(p0 @ p0), int((p0 > 0).sum())
    gen = np.arange(generations + 1)
    R = collapse_time.shape[1]
    out = {c: np.repeat(cells[c].to_numpy(), gen.size) for c in cells.columns}
    out["generation"] = np.tile(gen, len(cells))
    out["seeds"] = np.full(len(cells) * gen.size, R)
    for m in SUMMARY_METRICS:
        a = arrays[m]  # the distances to p⁽¹⁾ are NaN at generation 0 for every seed: kept NaN
        mean, se = stats.mean_and_se(a, axis=1)
        out[f"{m}_mean"], out[f"{m}_se"] = mean.ravel(), se.ravel()
        for q, v in zip(QUANTILES, np.quantile(a, QUANTILES, axis=1)):
            out[f"{m}_q{round(q * 100):02d}"] = v.ravel()
    collapsed_by = (collapse_time[:, :, None] <= gen[None, None, :]).mean(axis=1)
    out["collapse_probability"] = collapsed_by.ravel()
    for name, values in theory_columns(cells, s0, support, gen).items():
        out[name] = values.ravel()
    return pd.DataFrame(out)


def theory_columns(cells: pd.DataFrame, s0: float, support: int, gen) -> dict:
    """Closed forms per (cell, generation), NaN where none applies (other scenarios, m = 0)."""
    shape = (len(cells), gen.size)
    names = ("simpson_theory", "l2sq_from_first_theory", "collapse_probability_lower", "collapse_probability_upper")
    cols = {name: np.full(shape, np.nan) for name in names}
    m = gen[1:]
    for i, c in enumerate(cells.itertuples(index=False)):
        if c.scenario != "mixed":
            continue
        if c.n_real == 0:  # fully synthetic: eq 6, eq 7
            cols["simpson_theory"][i, 1:] = theory.simpson_fully_synthetic(m, c.n, s0)
            low, high = theory.collapse_probability_bounds(m, c.n, s0, support)
            cols["collapse_probability_lower"][i, 1:], cols["collapse_probability_upper"][i, 1:] = low, high
        else:  # fixed real data: Theorem 2
            cols["simpson_theory"][i, 1:] = theory.simpson_partial(m, c.n_real, c.n_synthetic, s0)
        cols["l2sq_from_first_theory"][i, 1:] = theory.drift_l2sq_expected(m, c.n_real, c.n_synthetic, s0)
    return cols


# --- one row of the study ---------------------------------------------------------------------


def probe_values(cells, arrays, collapse_time, p0, generations: int, row: Row) -> dict:
    """{n_synthetic: {criterion: per-seed values at G}} for every cell of the row."""
    G, s0 = generations, float(p0 @ p0)
    baseline = expected_l1_error(p0, row.baseline_size)
    return {
        int(k): criterion_values({m: arrays[m][i, :, G] for m in ("l1_from_first", "l1_from_truth", "simpson")},
                                 collapse_time[i], G, s0, baseline)
        for i, k in enumerate(cells["n_synthetic"])
    }


def study_row(row: Row, sims: pd.DataFrame, p0, config: dict, simulate) -> dict:
    """Everything the study reports about one row, refinement included.

    `sims` are the row's grid simulations (`read_sims`); `simulate(cell)` runs all seeds of a
    refinement probe and returns its `CellResult`. Returns the probes' simulation table (Arrow,
    empty when nothing needed refining), and pandas tables 'summary', 'criteria' (per cell and
    criterion: the statistic the estimator judged) and 'safe' (α* per criterion)."""
    G, safe = config["generations"], config["safe"]
    thresholds = {c: safe[c] for c in CRITERIA}
    cells, arrays, collapse_time = cell_arrays(sims, G)
    probes = probe_values(cells, arrays, collapse_time, p0, G, row)
    grid_counts = sorted(probes)
    new = []

    def evaluate(n_synthetic):
        table = sims_table(simulate(row.cell(n_synthetic)), {"probe": True})
        new.append(table)
        return probe_values(*cell_arrays(table.to_pandas(), G), p0, G, row)[n_synthetic]

    refine(row, probes, evaluate, thresholds, safe["resolution"])
    probe_table = pa.concat_tables(new) if new else SIMS_SCHEMA.empty_table()
    everything = sort_sims(pd.concat([sims, probe_table.to_pandas()], ignore_index=True))
    cells, arrays, collapse_time = cell_arrays(everything, G)
    is_probe = ~cells["n_synthetic"].isin(grid_counts).to_numpy()
    summary = summarize(cells, arrays, collapse_time, p0, G).assign(frame=row.frame, probe=np.repeat(is_probe, G + 1))

    empirical = pd.DataFrame(estimate(row, probes, thresholds, safe["confidence"], safe["bootstrap"], config["root_seed"]))
    predicted = pd.DataFrame(analytic.analytic_safe_fractions(row, p0, G, thresholds, safe["resolution"], grid_counts))
    table = pd.DataFrame([row.identity] * len(CRITERIA)).join(empirical.merge(predicted, on="criterion"))
    for column in ("n", "n_real", "max_synthetic"):  # NA where a row has none
        table[column] = table[column].where(table[column].ne(-1)).astype("Int64")
    return {"probes": probe_table, "summary": summary, "criteria": criteria_table(row, cells, probes, thresholds, is_probe),
            "safe": table}


def simulate_row(row: Row, p0, grid: dict, config: dict, seeds: int, on_probe=None) -> dict:
    """`study_row` of a row simulated here and now: the grid probes ({n_synthetic: requested
    fraction}, `Row.grid`), then refinement, in one process. The numbers are those the workflow
    writes for the same row, seeds and root seed. `on_probe(n_synthetic)` follows progress."""
    from ..core.simulate import simulate_cell

    def simulate(cell):
        result = simulate_cell(p0, cell, range(seeds), config["generations"], config["root_seed"])
        if on_probe is not None:
            on_probe(cell.n_synthetic)
        return result

    tables = [sims_table(simulate(row.cell(k, requested))) for k, requested in grid.items()]
    return study_row(row, sort_sims(pa.concat_tables(tables).to_pandas()), p0, config, simulate)


def criteria_table(row: Row, cells: pd.DataFrame, probes: dict, thresholds: dict, is_probe) -> pd.DataFrame:
    """Per cell and criterion: the mean statistic at G and its standard error, whether the
    estimator counted it safe, and why a tile is special (degenerate, decided by real data)."""
    records = []
    for (_i, cell), probe in zip(cells.iterrows(), is_probe):
        k = int(cell["n_synthetic"])
        for criterion in CRITERIA:
            mean, se = stats.mean_and_se(probes[k][criterion])
            stat = float(mean)
            bad = degenerate(row, k)
            records.append({
                "scenario": row.scenario, "frame": row.frame, "n": int(cell["n"]), "n_real": int(cell["n_real"]),
                "n_synthetic": k, "vocab": row.vocab, "effective_fraction": float(cell["effective_fraction"]),
                "criterion": criterion, "value": stat, "se": float(se),
                "threshold": thresholds[criterion], "safe": bool(is_safe(criterion, stat, thresholds[criterion]) and not bad),
                "degenerate": bad, "real_sample_decides": real_sample_decides(row, criterion, k), "probe": bool(probe),
            })
    return pd.DataFrame(records)
