"""One row of a study, from its per-job simulation tables to its summary, its per-cell criterion
statistics and its maximum safe synthetic fraction (docs/safe-fraction.md, docs/outputs.md).

A row is aggregated one cell at a time: a cell's rows are read from the files that hold them,
summarised, and reduced to what the estimator needs (per-seed criterion values at G), so a refine
job holds one cell of all seeds and generations, never the whole row (docs/design.md, "Limits").
Refinement probes are simulated, summarised and streamed to disk the same way. No Snakemake.
The tables are Arrow tables; `to_pandas` gives them as DataFrames, for the in-process API
(`simulate_row`) and the `merge` job."""

import functools

import numpy as np
import pyarrow as pa

from .._version import __version__
from ..core import stats, theory
from ..core.io import (
    INITIAL_SCHEMA,
    content_digest,
    initial_digest,
    open_checked,
    provenance,
    read_checked,
    streamed_parquet,
    table_copy,
    table_from_columns,
    table_from_records,
    with_content_digest,
    with_provenance,
    write_tables,
)
from ..core.simulate import METRICS, SIMS_SCHEMA, sims_table
from ..core.theory import expected_l1_error
from . import analytic
from .safe import (
    CRITERIA,
    Row,
    criterion_values,
    degenerate,
    estimate,
    is_safe,
    real_sample_decides,
    refine,
    threshold_pairs,
    wanted_probes,
)

CELL = ["scenario", "n", "vocab", "n_real", "n_synthetic", "synthetic_fraction", "effective_fraction", "sampler"]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SUMMARY_METRICS = [m for m in METRICS if m != "top_token"]
SAFE_NULLABLE = ("n", "n_real", "max_synthetic")  # safe-table counts a row may lack (by frame; none safe): null


def to_pandas(tables: dict) -> dict:
    """A row's or a study's tables {'summary', 'criteria', 'safe', …} (Arrow) as pandas
    DataFrames, the `SAFE_NULLABLE` counts of the safe and tolerance tables as nullable Int64
    (docs/outputs.md): what `simulate_row` returns and what the merged files hold."""
    frames = {name: table.to_pandas() for name, table in tables.items()}
    for name in {"safe", "tolerance"} & set(frames):  # an int64 column with nulls comes to pandas as float64
        frames[name] = frames[name].astype({c: "Int64" for c in SAFE_NULLABLE if c in frames[name]})
    return frames


def read_row_tables(paths: dict, identity: dict | None = None) -> dict:
    """The study's tables from its rows' files, {'summary' | 'criteria' | 'safe': [paths]} joined
    in the order given, as Arrow tables, each file checked by `check_study_tables` (of this
    study: `identity`, or the first file's): what the figure jobs draw without waiting for
    `merge`, and what `merge` joins."""
    tables = {}
    for name, files in paths.items():
        parts = []
        for path in files:
            parts.append(check_study_tables({name: path}, identity)[name])
            identity = identity or provenance(path)["identity"]
        tables[name] = pa.concat_tables(parts)
    return tables


def read_rows(paths: dict, identity: dict | None = None) -> dict:
    """`read_row_tables` as pandas DataFrames (`to_pandas`): what the `merge` job writes."""
    return to_pandas(read_row_tables(paths, identity))


# --- reading ----------------------------------------------------------------------------------


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


def read_sims(paths, generations: int, seeds: int, expected: dict | None = None, cells=None, vocab: int | None = None):
    """A row's simulation tables as an iterator of cells, each one table sorted by seed and
    generation, in order of (n, n_synthetic): `sims_cells`, read in order."""
    found = sims_cells(paths, generations, seeds, expected, cells, vocab)
    return (found[key]() for key in found)


def sims_cells(paths, generations: int, seeds: int, expected: dict | None = None, cells=None, vocab: int | None = None) -> dict:
    """{(n, n_synthetic): read()} of the cells a row's simulation tables hold, in order of
    (n, n_synthetic); read() gives one cell's table sorted by seed and generation.

    Refused up front: corrupt files, files made with other parameters (`expected` metadata),
    other cells than `cells` ((n, n_synthetic) pairs) or another vocabulary than `vocab`,
    several scenarios; and each cell, when it is
    read, unless it has seeds 0 … seeds − 1 × generations 0 … G exactly once. Each file is read
    whole to learn its cells, then again for each of them, so that one file and one cell are
    held at a time; the last file read is kept, so a file holding many cells of a few seeds (the
    default study's) is read once."""
    for path in paths if expected else ():
        check_provenance(path, expected)
    read = functools.lru_cache(maxsize=1)(lambda path: read_checked(path, SIMS_SCHEMA))
    holders, scenarios = {}, set()  # holders: (n, n_synthetic) → (path, start, stop) of its runs of rows
    for path in paths:
        table = read(path)
        scenarios.update(table["scenario"].unique().to_pylist())
        found_vocab = set(table["vocab"].unique().to_pylist())
        if vocab is not None and found_vocab - {vocab}:
            raise ValueError(f"{path}: vocab {sorted(found_vocab)}, the study's row has {vocab}; it belongs to another row or study")
        n, n_synthetic = table["n"].to_numpy(), table["n_synthetic"].to_numpy()
        starts = np.ones(n.size, dtype=bool)  # the first row of each run of one cell
        starts[1:] = (n[1:] != n[:-1]) | (n_synthetic[1:] != n_synthetic[:-1])
        bounds = np.append(np.flatnonzero(starts), n.size).tolist()
        for start, stop in zip(bounds[:-1], bounds[1:]):
            holders.setdefault((int(n[start]), int(n_synthetic[start])), []).append((path, start, stop))
    found = sorted(holders)
    if cells is not None and found != sorted(cells):
        raise ValueError(f"{', '.join(map(str, paths))}: cells (n, n_synthetic) {found}, the study's grid has {sorted(cells)}")
    if holders and (len(scenarios) != 1 or None in scenarios):
        raise ValueError("a study has one scenario; the tables mix several")

    def read_cell_of(key):
        return read_cell(pieces(key), key, generations, seeds)

    def pieces(key):
        """The cell's runs of rows, one file read at a time, copied out of their file when the
        cell spans several."""
        for path, start, stop in holders[key]:
            piece = read(path).slice(start, stop - start)
            yield piece if len(holders[key]) == 1 else table_copy(piece)

    return {key: functools.partial(read_cell_of, key) for key in found}


def read_cell(pieces, key: tuple, generations: int, seeds: int) -> pa.Table:
    """The rows of cell `key` = (n, n_synthetic), given as tables of its rows only (`pieces`),
    sorted by seed then generation; refuses a cell without seeds 0 … seeds − 1 × generations
    0 … G exactly once."""
    table = sort_cell(pa.concat_tables(list(pieces)))
    G1 = generations + 1
    if table.num_rows != seeds * G1 or not (
        np.array_equal(table["seed"].to_numpy(), np.arange(seeds).repeat(G1))
        and np.array_equal(table["generation"].to_numpy(), np.tile(np.arange(G1), seeds))
    ):
        raise ValueError(
            f"cell (n, n_synthetic) = {key}: {table.num_rows} rows, expected seeds 0…{seeds - 1} × generations 0…{generations}"
        )
    return table


def sort_cell(table: pa.Table) -> pa.Table:
    """One cell's rows in order of seed, then generation (copied only if they are not: seed
    blocks read in order already are)."""
    order = np.lexsort([table["generation"].to_numpy(), table["seed"].to_numpy()])
    return table if np.array_equal(order, np.arange(order.size)) else table.take(order)


def read_initial(path) -> np.ndarray:
    """p⁽⁰⁾ of one vocabulary."""
    return read_checked(path, INITIAL_SCHEMA).column("prob").to_numpy()


def cell_arrays(table: pa.Table, generations: int):
    """(cells, {metric: array[cell, seed, generation]}, collapse_time[cell, seed]) of one cell's
    table sorted by seed and generation: its `CELL` columns as a list of one {column: value},
    and its arrays with the cell as the leading axis, the layout `summarize` takes."""
    cells = table.select(CELL).slice(0, 1).to_pylist()  # Python values: nothing of the table is kept
    shape = (1, -1, generations + 1)
    arrays = {m: table[m].to_numpy().astype(float, copy=False).reshape(shape) for m in SUMMARY_METRICS}
    # null (not collapsed by G) becomes NaN
    collapse_time = table["collapse_time"].to_numpy().astype(float, copy=False).reshape(shape)[:, :, 0]
    return cells, arrays, collapse_time


# --- summary ----------------------------------------------------------------------------------


def summarize(cells, arrays, collapse_time, p0, generations: int) -> pa.Table:
    """Per (cell, generation): mean, standard error and quantiles of each metric, the collapse
    probability P(T ≤ m), and the closed forms where one exists (docs/outputs.md).
    The first three arguments are what `cell_arrays` returns."""
    s0, support = float(p0 @ p0), int((p0 > 0).sum())
    gen = np.arange(generations + 1)
    R = collapse_time.shape[1]
    out = {c: np.repeat([cell[c] for cell in cells], gen.size) for c in CELL}
    out["generation"] = np.tile(gen, len(cells))
    out["seeds"] = np.full(len(cells) * gen.size, R)
    for m in SUMMARY_METRICS:
        a = arrays[m]  # the distances to p⁽¹⁾ are NaN at generation 0 for every seed: kept NaN
        mean, se = stats.mean_and_se(a, axis=1)
        out[f"{m}_mean"], out[f"{m}_se"] = mean.ravel(), se.ravel()
        # the same order statistics from sorted seeds, which np.quantile partitions ~3× faster
        for q, v in zip(QUANTILES, np.quantile(np.sort(a, axis=1), QUANTILES, axis=1)):
            out[f"{m}_q{round(q * 100):02d}"] = v.ravel()
    collapsed_by = (collapse_time[:, :, None] <= gen[None, None, :]).mean(axis=1)
    out["collapse_probability"] = collapsed_by.ravel()
    for name, values in theory_columns(cells, s0, support, gen).items():
        out[name] = values.ravel()
    return table_from_columns(out)


def theory_columns(cells: list, s0: float, support: int, gen) -> dict:
    """Closed forms per (cell, generation), NaN where none applies (other scenarios, samplers
    other than exact, whose synthetic draws the paper's closed forms do not describe, m = 0)."""
    shape = (len(cells), gen.size)
    names = ("simpson_theory", "l2sq_from_first_theory", "collapse_probability_lower", "collapse_probability_upper")
    cols = {name: np.full(shape, np.nan) for name in names}
    m = gen[1:]
    for i, c in enumerate(cells):
        if c["scenario"] != "mixed" or c["sampler"] != "exact":
            continue
        if c["n_real"] == 0:  # fully synthetic: eq 6, eq 7
            cols["simpson_theory"][i, 1:] = theory.simpson_fully_synthetic(m, c["n"], s0)
            low, high = theory.collapse_probability_bounds(m, c["n"], s0, support)
            cols["collapse_probability_lower"][i, 1:], cols["collapse_probability_upper"][i, 1:] = low, high
        else:  # fixed real data: Theorem 2
            cols["simpson_theory"][i, 1:] = theory.simpson_partial(m, c["n_real"], c["n_synthetic"], s0)
        cols["l2sq_from_first_theory"][i, 1:] = theory.drift_l2sq_expected(m, c["n_real"], c["n_synthetic"], s0)
    return cols


# --- one row of the study ---------------------------------------------------------------------


def digest_cell(table: pa.Table, p0, generations: int, baseline: float) -> tuple:
    """What a row keeps of one cell's simulations (sorted by seed and generation): its `CELL`
    columns (`cell_arrays`), its summary rows (`summarize`) and the per-seed values at G of
    every criterion (`at_G_values`; `baseline` is the row's `expected_l1_error`). A few kB
    per generation and seed: the table can go."""
    cells, arrays, collapse_time = cell_arrays(table, generations)
    return cells, summarize(cells, arrays, collapse_time, p0, generations), at_G_values(arrays, collapse_time, p0, generations, baseline)


def at_G_values(arrays: dict, collapse_time, p0, generations: int, baseline: float) -> dict:
    """Every criterion's per-seed values at G (`criterion_values`) of one cell's `cell_arrays`."""
    # copies: a view of generation G would keep the cell's whole arrays alive
    at_G = {m: arrays[m][0, :, generations].copy() for m in ("l1_from_first", "l1_from_truth", "simpson")}
    return criterion_values(at_G, collapse_time[0], generations, float(p0 @ p0), baseline)


def refinement_wanted(row: Row, probes: dict, safe: dict, criteria=CRITERIA) -> set:
    """The counts the next refinement round probes (`wanted_probes`) under a study's `safe` keys:
    its thresholds, confidence, resolution and probes_per_bracket."""
    thresholds = {c: safe[c] for c in CRITERIA}
    return wanted_probes(row, probes, thresholds, safe["confidence"], safe.get("resolution"), criteria, safe.get("probes_per_bracket", 1))


def study_row(row: Row, grid, p0, config: dict, probe, record=None, criteria=CRITERIA) -> dict:
    """Everything the study reports about one row, refinement included, one cell at a time.

    `grid` yields the row's grid simulations, one Arrow table per cell sorted by seed and
    generation (`read_sims`); `probe(cell)` gives the simulation table of all seeds of a
    refinement probe, sorted likewise (simulated there and then, or read from the files of the
    workflow's refinement rounds, `study.rounds`), and `record(table)`, if given, receives it as
    soon as it exists (the refine job streams them to probes/{row}.parquet). Only `digest_cell`
    of each cell is kept. Returns Arrow tables 'summary', 'criteria' (per cell and criterion:
    the statistic the estimator judged), 'safe' (α* per criterion; `SAFE_NULLABLE` null where
    the row has none) and 'values' (`values_table`), cells in order of synthetic count (within a
    row, n is fixed or grows with it). Refinement serves `criteria`, and 'safe' has only their
    α*. A criterion's threshold in config['safe'] may be a list: refinement then serves every
    threshold, and 'safe' and 'criteria' have a line per threshold."""
    G, safe = config["generations"], config["safe"]
    thresholds = {c: safe[c] for c in CRITERIA}
    baseline = expected_l1_error(p0, row.baseline_size)  # one per row: it is the same for every cell
    digests, probes = {}, {}  # n_synthetic → (cells, summary); n_synthetic → criterion values
    # map holds no cell once digested: the next one is read while only digests are kept
    for cells, summary, values in map(lambda table: digest_cell(table, p0, G, baseline), grid):
        k = cells[0]["n_synthetic"]
        digests[k], probes[k] = (cells, summary), values
    grid_counts = sorted(probes)

    def evaluate(n_synthetic):
        table = probe(row.cell(n_synthetic))
        if record is not None:
            record(table)
        cells, summary, values = digest_cell(table, p0, G, baseline)
        digests[n_synthetic] = (cells, summary)
        return values

    refine(probes, evaluate, lambda probed: refinement_wanted(row, probed, safe, criteria))
    confidence, resolution = safe["confidence"], safe.get("resolution")
    counts = sorted(digests)
    is_probe = np.array([k not in grid_counts for k in counts])  # added by refinement
    cells = [cell for k in counts for cell in digests[k][0]]
    summary = pa.concat_tables([digests[k][1] for k in counts])
    summary = summary.append_column("frame", pa.array([row.frame] * summary.num_rows, pa.large_string()))
    summary = summary.append_column("probe", pa.array(np.repeat(is_probe, G + 1)))

    records = answer_records(row, probes, p0, G, thresholds, confidence, grid_counts, resolution, criteria)
    return {
        "summary": summary,
        "criteria": criteria_table(row, cells, probes, thresholds, is_probe),
        "safe": table_from_records(records, nullable=SAFE_NULLABLE),
        "values": values_table(probes, grid_counts, row.sampler),
    }


def answer_records(
    row: Row, probes: dict, p0, generations: int, thresholds: dict, confidence: float, grid_counts, resolution=None, criteria=CRITERIA
) -> list[dict]:
    """The safe-fraction table's records of one row, one per criterion and threshold: the row's
    identity, then the estimate from the probes' per-seed values (`estimate`), then the analytic
    columns (computed for every criterion, so that `criteria` changes no number)."""
    predicted = analytic.analytic_safe_fractions(row, p0, generations, thresholds, grid_counts, resolution)
    by_pair = {(p["criterion"], p["threshold"]): p for p in predicted}
    return [
        {**row.identity, **e, **by_pair[(e["criterion"], e["threshold"])]} for e in estimate(row, probes, thresholds, confidence, criteria)
    ]


def values_table(probes: dict, grid_counts, sampler: str) -> pa.Table:
    """Per probe and seed, every criterion's value at G (rows/{row}/values.parquet): what the
    estimator judged, from which α* at another threshold follows without simulating
    (`study.tolerance`). `probe` marks the counts refinement added, as in the summary; `sampler`
    is the row's."""
    counts, grid = sorted(probes), set(grid_counts)
    seeds = len(probes[counts[0]][CRITERIA[0]])
    columns = {
        "sampler": np.full(len(counts) * seeds, sampler),
        "n_synthetic": np.repeat(counts, seeds),
        "seed": np.tile(np.arange(seeds), len(counts)),
        "probe": np.repeat([k not in grid for k in counts], seeds),
        **{c: np.concatenate([np.asarray(probes[k][c], dtype=float) for k in counts]) for c in CRITERIA},
    }
    return table_from_columns(columns)


def values_probes(table) -> tuple[dict, list]:
    """The probes {n_synthetic: {criterion: per-seed values}} and the grid's counts of a
    `values_table`: what `estimate` and refinement take."""
    k = table["n_synthetic"].to_numpy()
    counts, starts = np.unique(k, return_index=True)
    bounds = [*starts[1:], k.size]
    values = {c: table[c].to_numpy() for c in CRITERIA}
    probes = {int(n): {c: values[c][a:b] for c in CRITERIA} for n, a, b in zip(counts, starts, bounds)}
    refinement = table["probe"].to_numpy(zero_copy_only=False)
    return probes, [int(n) for n, a in zip(counts, starts) if not refinement[a]]


def simulate_row(row: Row, p0, grid: dict, config: dict, seeds: int, on_probe=None, criteria=CRITERIA) -> dict:
    """`study_row` of a row simulated here and now: the grid probes ({n_synthetic: requested
    fraction}, `Row.grid`), then refinement, in one process, one cell at a time, as pandas
    DataFrames (`to_pandas`). The numbers are those the workflow writes for the same row, seeds
    and root seed. `on_probe(n_synthetic)` follows progress; `criteria` as in `study_row`."""
    from ..core.simulate import simulate_cell

    def simulate(cell):
        table = sims_table(simulate_cell(p0, cell, range(seeds), config["generations"], config["root_seed"]))
        if on_probe is not None:
            on_probe(cell.n_synthetic)
        return table

    cells = (simulate(row.cell(k, requested)) for k, requested in grid.items())
    return to_pandas(study_row(row, cells, p0, config, simulate, criteria=criteria))


# --- the refine job ----------------------------------------------------------------------------


def refine_row(row: Row, sims, initial, cells, config: dict, outputs: dict, probe_sims=None) -> int:
    """The workflow's refine job for one row (workflow/rules/aggregate.smk): `study_row` of the
    row's grid tables `sims` (paths), checked against the study (`read_sims`: provenance, the
    grid's cells, the row's vocabulary, complete cells); then outputs['summary'], ['criteria'],
    ['safe'] and ['values'] (docs/outputs.md), each with the study's identity and this row's
    provenance. Refinement probes are simulated here with all seeds and streamed to
    outputs['probes'] as they come, or, when the workflow ran them as rounds of jobs
    (`study.rounds`), read from their tables `probe_sims` (paths), which must hold exactly the
    probes the refinement asks for. `initial` is the path of p⁽⁰⁾, which must be the p⁽⁰⁾ the
    config makes (`checked_initial`); `cells` the grid's synthetic counts; `config` has
    generations, seeds, root_seed, safe, the study's `identity` (`config.study_identity`) and
    `initial_sha256`. Returns the number of refinement probes."""
    from ..core.simulate import simulate_cell

    p0 = checked_initial(initial, config)
    G, seeds = config["generations"], config["seeds"]
    expected = simulation_provenance(row, config)
    grid = read_sims(sims, G, seeds, expected, [(row.cell(k).n, int(k)) for k in cells], row.vocab)
    probed = []
    if probe_sims is None:

        def probe(cell):
            probed.append(cell.n_synthetic)
            return sims_table(simulate_cell(p0, cell, range(seeds), G, config["root_seed"]), {"probe": True})

        with streamed_parquet(outputs["probes"], with_provenance(SIMS_SCHEMA.empty_table(), expected)) as write:
            tables = study_row(row, grid, p0, config, probe, lambda table: write(with_provenance(table, expected)))
    else:
        available = sims_cells(probe_sims, G, seeds, expected, vocab=row.vocab)

        def probe(cell):
            probed.append(cell.n_synthetic)
            if (cell.n, cell.n_synthetic) not in available:
                raise ValueError(
                    f"refinement asks for n_synthetic = {cell.n_synthetic}, which no round of row {row} probed: rerun its rounds"
                )
            return available.pop((cell.n, cell.n_synthetic))()

        tables = study_row(row, grid, p0, config, probe)
        if available:
            raise ValueError(f"{', '.join(map(str, probe_sims))}: probes {sorted(available)} that this refinement does not ask for")
    made = {**expected, "identity": config["identity"]}
    write_tables({outputs[name]: with_content_digest(tables[name], {**made, "table": TABLE_NAMES[name]}) for name in ROW_TABLES})
    return len(probed)


def job_row(params: dict) -> tuple[Row, dict]:
    """The row and the study keys (`refine_row`'s `config`) of a refine or round job, from its
    workflow params (row: size, vocab and sampler; frame, scenario, window and the keys)."""
    size, vocab, sampler = params["row"]
    keys = ("generations", "seeds", "root_seed", "safe", "identity", "initial_sha256")
    return Row(params["scenario"], params["frame"], size, vocab, params["window"], sampler), {key: params[key] for key in keys}


def checked_initial(path, config: dict) -> np.ndarray:
    """p⁽⁰⁾ of a row, read from `path` and refused unless it is the p⁽⁰⁾ the study's initial keys
    make (`config['initial_sha256']`, `config.initial_digests`)."""
    p0 = read_initial(path)
    if initial_digest(p0) != config["initial_sha256"]:
        raise ValueError(f"{path}: not the p(0) this study's initial keys make; it belongs to another run: delete it or rerun its job")
    return p0


def simulation_provenance(row: Row, config: dict) -> dict:
    """What every simulation table of a row must record (`read_sims`): made for this study and
    by this build, with the same scenario, sampler, generations, root seed, window, p⁽⁰⁾ (as the
    config makes it), library version and NumPy of the compiled engine."""
    from ..core.simulate import engine_numpy

    return {
        "scenario": row.scenario,
        "sampler": row.sampler,
        "generations": config["generations"],
        "root_seed": config["root_seed"],
        "window": row.window,
        "version": __version__,
        "engine_numpy": engine_numpy(),
        "initial_sha256": config["initial_sha256"],
    }


STUDY_TABLES = {"summary": "summary", "criteria": "criteria", "safe": "safe_fraction"}  # merged: key → file name
ROW_TABLES = (*STUDY_TABLES, "values")  # what a refine job writes of its row
# every table with a study's identity: the merged and row tables, and a refinement round's values (`study.rounds`)
TABLE_NAMES = {**STUDY_TABLES, "values": "values", "tolerance": "tolerance", "round": "round_values"}


def check_study_tables(paths: dict, identity: dict | None = None) -> dict:
    """{key: Arrow table} of a study's tables {key: path} (keys of TABLE_NAMES), refused with a
    ValueError naming the file unless each is a readable Parquet file whose page checksums and
    content digest (`io.content_digest`) hold, made as the table its key names, all of one study: `identity` (`config.study_identity`) when
    given, else the first file's."""
    tables = {}
    for key, path in paths.items():
        made = provenance(path)
        identity = made.get("identity") if identity is None else identity
        if made.get("table") != TABLE_NAMES[key]:
            raise ValueError(f"{path}: holds the table {made.get('table')!r}, not {TABLE_NAMES[key]!r}")
        if made.get("identity") != identity or identity is None:
            raise ValueError(f"{path}: made by another study or release ({made.get('identity')!r}); this study is {identity!r}")
        try:
            tables[key] = open_checked(path).read()
        except (OSError, pa.ArrowException) as err:  # damage past the footer shows only when read
            raise ValueError(f"{path}: not a readable Parquet file ({err})") from err
        if content_digest(tables[key]) != made.get("sha256"):
            raise ValueError(f"{path}: its columns are not those written (content digest differs): the file is damaged")
    return tables


def criteria_table(row: Row, cells: list, probes: dict, thresholds: dict, is_probe) -> pa.Table:
    """Per cell, criterion and threshold: the mean statistic at G and its standard error, whether
    the estimator counted it safe, and why a tile is special (degenerate, decided by real data)."""
    records = []
    for cell, probe in zip(cells, is_probe):
        k = int(cell["n_synthetic"])
        for criterion, threshold in threshold_pairs(thresholds):
            mean, se = stats.mean_and_se(probes[k][criterion])
            stat = float(mean)
            bad = degenerate(row, k)
            records.append(
                {
                    "scenario": row.scenario,
                    "frame": row.frame,
                    "n": int(cell["n"]),
                    "n_real": int(cell["n_real"]),
                    "n_synthetic": k,
                    "vocab": row.vocab,
                    "sampler": row.sampler,
                    "effective_fraction": float(cell["effective_fraction"]),
                    "criterion": criterion,
                    "value": stat,
                    "se": float(se),
                    "threshold": threshold,
                    "safe": bool(is_safe(criterion, stat, threshold) and not bad),
                    "degenerate": bad,
                    "real_sample_decides": real_sample_decides(row, criterion, k),
                    "probe": bool(probe),
                }
            )
    return table_from_records(records)
