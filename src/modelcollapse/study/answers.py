"""The answer, for one row or for a finished study: `safe_fraction` gives α* of one (n, vocab)
or (N, vocab) by the estimator and refinement the workflow uses (docs/safe-fraction.md);
`load_study` reads a study's tables. Both are what `modelcollapse safe-fraction` and a notebook
call."""

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import DEFAULTS, ConfigError, check_entry, row_config
from ..core.initial import INITIAL_KEYS, check_distribution, from_config
from .safe import CRITERIA, DEFAULT_FRACTIONS, DEFAULT_N_SYNTHETIC, DEFAULT_THRESHOLDS, Row, seed_shortfalls, threshold_problem


@dataclass
class Study:
    """A finished study's tables (docs/outputs.md)."""

    path: Path
    summary: pd.DataFrame
    criteria: pd.DataFrame
    safe_fraction: pd.DataFrame


def load_study(path) -> Study:
    """The tables of `results/{study}`: summary, per-cell criterion statistics and α*, each
    refused with a ValueError naming the file unless its page checksums hold and it is the table
    its name says, made by the same study as the others (`aggregate.check_study_tables`)."""
    from .aggregate import STUDY_TABLES, check_study_tables, to_pandas

    path = Path(path)
    files = {key: path / f"{name}.parquet" for key, name in STUDY_TABLES.items()}
    missing = [file.name for file in files.values() if not file.is_file()]
    if missing:
        raise FileNotFoundError(f"{path}: no {', '.join(missing)}; run the study first (snakemake study)")
    frames = to_pandas(check_study_tables(files))
    return Study(path, frames["summary"], frames["criteria"], frames["safe"])


def safe_fraction(
    vocab: int | None = None,
    n: int | None = None,
    *,
    n_real: int | None = None,
    p0=None,
    initial: str = DEFAULTS["initial"]["kind"],
    exponent: float = DEFAULTS["initial"]["exponent"],
    support: int | None = None,
    s0: float | None = None,
    concentration: float = 1.0,
    initial_path=None,
    scenario: str = DEFAULTS["scenario"],
    window: int | None = None,
    sampler: str = DEFAULTS["grid"]["sampler"][0],
    generations: int = DEFAULTS["generations"],
    seeds: int = DEFAULTS["seeds"],
    root_seed: int = DEFAULTS["root_seed"],
    thresholds: dict | None = None,
    confidence: float = DEFAULTS["safe"]["confidence"],
    resolution: float | None = DEFAULTS["safe"]["resolution"],
    synthetic_fractions=DEFAULT_FRACTIONS,
    log_real_shares: bool = DEFAULTS["grid"]["log_real_shares"],
    n_synthetic=DEFAULT_N_SYNTHETIC,
    analytic_only: bool = False,
    criteria=CRITERIA,
    on_probe: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """α* of one row, one table row per criterion (the columns of safe_fraction.parquet).

    Give `n` (budget frame: n samples per generation, a fraction synthetic) or `n_real` (real-data
    frame: N real samples kept, synthetic ones added), and `vocab` with an initial distribution
    (`initial` and its keys, or `p0` itself). `sampler` is how synthetic samples are drawn from
    each model (a spec of docs/samplers.md: 'exact', 'top_p:0.9', …). The grid, refinement,
    interval and analytic columns are those of the workflow, so the numbers equal the workflow's
    for the same row, sampler, seeds and root seed. Refinement serves `criteria` (all four by default), and the table has theirs.
    A criterion's threshold may be a list (`thresholds={'drift': [0.05, 0.1, 0.2]}`): refinement
    then brackets every threshold's crossing, and the table has a line per criterion and
    threshold (column `threshold`). `analytic_only` skips the simulation (seconds → well under a
    second) and returns the analytic columns. `on_probe(count)` is called after each simulated probe."""
    from . import analytic
    from .aggregate import simulate_row

    if (n is None) == (n_real is None):
        raise ValueError("n, n_real: give exactly one of n (budget frame) and n_real (real-data frame)")
    if thresholds is not None and not isinstance(thresholds, dict):
        raise ValueError(f"thresholds: {thresholds!r}; allowed: a mapping of criterion to threshold, e.g. {{'drift': 0.1}}")
    unknown = [criteria] if isinstance(criteria, str) else sorted(set(criteria) - set(CRITERIA))
    if unknown or not criteria:
        raise ValueError(f"criteria: {unknown or criteria!r}; allowed: a non-empty list of {', '.join(CRITERIA)}")
    # a list of thresholds (α* at each) is checked item by item here, the row with its first
    listed = {c: t for c, t in (thresholds or {}).items() if c in CRITERIA and isinstance(t, list | tuple | np.ndarray)}
    for criterion, value in listed.items():
        if problem := threshold_problem(criterion, value, "api"):
            raise ConfigError([problem], "invalid arguments")
    if analytic_only and scenario != "mixed":
        raise ValueError(f"analytic_only: the closed forms describe scenario mixed, not {scenario!r}")
    if p0 is not None:
        p0 = check_distribution(p0, "p0")
        if vocab is not None and vocab != p0.size:
            raise ValueError(f"vocab: {vocab} with a p0 of {p0.size} tokens; allowed: {p0.size} or None")
        vocab, given = p0.size, {}
    else:
        arguments = {"exponent": exponent, "support": support, "s0": s0, "concentration": concentration, "path": initial_path}
        # a path is never ignored: the check refuses it with another kind (exponent and
        # concentration have defaults here, so only the kind's own reach the config)
        given = {
            "kind": initial,
            **{k: v for k, v in arguments.items() if v is not None and (k == "path" or k in INITIAL_KEYS.get(initial, ()))},
        }
    config = check_entry(
        row_config(
            n=n,
            n_real=n_real,
            vocab=vocab,
            initial=given,
            thresholds={**DEFAULT_THRESHOLDS, **(thresholds or {}), **{c: t[0] for c, t in listed.items()}},
            fractions=synthetic_fractions,
            counts=n_synthetic,
            scenario=scenario,
            window=window,
            generations=generations,
            seeds=seeds,
            root_seed=root_seed,
            confidence=confidence,
            resolution=resolution,
            log_real_shares=log_real_shares,
            sampler=sampler,
        ),
        "api",
    )
    if p0 is None:
        p0 = from_config(config["initial"], config["grid"]["vocab"][0], root_seed)
    grid, safe = config["grid"], {**config["safe"], **{c: [float(t) for t in v] for c, v in listed.items()}}
    frame, size = ("budget", n) if n is not None else ("real_data", n_real)
    row = Row(scenario, frame, int(size), p0.size, window, config["grid"]["sampler"][0])
    grid = row.probes(grid)
    if analytic_only:
        rows = analytic.analytic_safe_fractions(row, p0, generations, safe, list(grid), resolution)
        return pd.DataFrame([{**row.identity, **r} for r in rows if r["criterion"] in criteria])
    for message in seed_shortfalls(seeds, safe, confidence):
        warnings.warn(message, stacklevel=2)
    config = {"generations": generations, "root_seed": root_seed, "safe": safe}
    return simulate_row(row, p0, grid, config, seeds, on_probe=on_probe, criteria=criteria)["safe"]
