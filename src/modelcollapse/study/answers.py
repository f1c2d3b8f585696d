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

from ..config import DEFAULTS
from ..core.initial import initial_distribution
from .safe import CRITERIA, DEFAULT_FRACTIONS, DEFAULT_N_SYNTHETIC, DEFAULT_THRESHOLDS, Row, seed_shortfalls


@dataclass
class Study:
    """A finished study's tables (docs/outputs.md)."""

    path: Path
    summary: pd.DataFrame
    criteria: pd.DataFrame
    safe_fraction: pd.DataFrame


def load_study(path) -> Study:
    """The tables of `results/{study}`: summary, per-cell criterion statistics and α*."""
    path = Path(path)
    missing = [name for name in ("summary", "criteria", "safe_fraction") if not (path / f"{name}.parquet").exists()]
    if missing:
        raise FileNotFoundError(f"{path}: no {', '.join(m + '.parquet' for m in missing)}; run the study first (snakemake study)")
    return Study(path, *(pd.read_parquet(path / f"{name}.parquet") for name in ("summary", "criteria", "safe_fraction")))


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
    (`initial` and its keys, or `p0` itself). The grid, refinement, interval and analytic columns
    are those of the workflow, so the numbers equal the workflow's for the same row, seeds and
    root seed. Refinement serves `criteria` (all four by default), and the table has theirs.
    `analytic_only` skips the simulation (seconds → well under a second) and returns
    the analytic columns. `on_probe(count)` is called after each simulated probe."""
    from . import analytic
    from .aggregate import simulate_row

    if (n is None) == (n_real is None):
        raise ValueError("give exactly one of n (budget frame) and n_real (real-data frame)")
    if p0 is None:
        p0 = initial_distribution(
            initial, vocab, exponent=exponent, support=support, s0=s0, concentration=concentration, root_seed=root_seed, path=initial_path
        )
    p0 = np.asarray(p0, dtype=float)
    frame, size = ("budget", n) if n is not None else ("real_data", n_real)
    row = Row(scenario, frame, int(size), p0.size, window)
    grid = row.probes({"synthetic_fraction": synthetic_fractions, "n_synthetic": n_synthetic, "log_real_shares": log_real_shares})
    safe = {**DEFAULT_THRESHOLDS, **(thresholds or {}), "confidence": confidence, "resolution": resolution}
    if analytic_only:
        rows = analytic.analytic_safe_fractions(row, p0, generations, safe, list(grid), resolution)
        return pd.DataFrame([{**row.identity, **r} for r in rows if r["criterion"] in criteria])
    for message in seed_shortfalls(seeds, safe, confidence):
        warnings.warn(message, stacklevel=2)
    config = {"generations": generations, "root_seed": root_seed, "safe": safe}
    return simulate_row(row, p0, grid, config, seeds, on_probe=on_probe, criteria=criteria)["safe"]
