"""Recursive training of one context's next-token distribution (paper §2; docs/model.md).

A "trained model" is the MLE, the empirical frequencies of its training set (paper eq 2), so a
replicate is a Markov chain of count vectors. `simulate_cell` runs all replicates of one grid cell,
each on its own random stream keyed by the cell and the seed (docs/random-streams.md), and
returns the per-(seed, generation) metric table of docs/outputs.md (`sims/`) plus each
replicate's collapse time.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa

from ..config import DEFAULTS
from .initial import check_distribution
from .io import with_provenance
from .sampler import canonical, engine_arguments, transform
from .sampler import stream_key as sampler_key
from .seeding import REPLICATE_DOMAIN, pcg64_state, seed_sequence_states

SCENARIOS = ("mixed", "fresh", "accumulate", "window", "pool")
METRICS = (
    "simpson",
    "max_prob",
    "l1_from_first",
    "l1_from_truth",
    "l2sq_from_first",
    "support",
    "entropy",
    "collapsed",
    "top_token",
)
INTEGER_METRICS = ("support", "top_token")
# Scenarios whose mix of sources is fixed by the scenario itself, not by synthetic_fraction.
SOURCE_SCENARIOS = ("accumulate", "window", "pool")


def sample_sizes(n: int, synthetic_fraction: float) -> tuple[int, int]:
    """(n_real, n_synthetic) with n_real = ⌊(1 − α)·n + ½⌋: half up, in exact decimal arithmetic
    on α as written (0.15 is 0.15, not 0.1499…), so no float noise decides a count."""
    n_real = int(((1 - Decimal(repr(float(synthetic_fraction)))) * int(n)).quantize(0, ROUND_HALF_UP))
    return n_real, int(n) - n_real


@dataclass(frozen=True)
class Cell:
    """One grid cell: everything that identifies a replicate's stream except its seed.

    `synthetic_fraction` is the fraction as requested; the counts (n_real, n_synthetic) follow
    from it by `sample_sizes`, or are given exactly with `Cell.from_counts`. The effective
    fraction n_synthetic / n is what identifies the cell. `sampler` is how synthetic samples are
    drawn from a model (core/sampler.py), kept as its canonical spec. `real_weight` w (scenario
    fresh only) makes each model the weighted MLE p = w·p̂_real + (1 − w)·p̂_synthetic (docs/claims.md,
    eq A1); None is the pooled MLE, w = n_real/n. The weight changes no draw count, so it is no
    part of the stream key: cells that differ only in w draw from the same streams (paired
    comparisons across w)."""

    scenario: str
    n: int
    vocab: int
    synthetic_fraction: float
    window: int | None = None
    n_synthetic: int = field(default=None, compare=False)
    sampler: str = "exact"
    real_weight: float | None = None

    def __post_init__(self):
        check_cell(self)
        object.__setattr__(self, "sampler", canonical(self.sampler))
        if self.n_synthetic is None:
            object.__setattr__(self, "n_synthetic", sample_sizes(self.n, self.synthetic_fraction)[1])

    @classmethod
    def from_counts(cls, scenario, vocab, n_real, n_synthetic, window=None, requested=None, sampler="exact", real_weight=None) -> "Cell":
        """The cell of n_real real and n_synthetic synthetic samples per generation."""
        n_real, n_synthetic = int(n_real), int(n_synthetic)
        if n_real < 0 or n_synthetic < 0 or n_real + n_synthetic < 1:
            raise ValueError(f"n_real and n_synthetic must be >= 0 with a sum >= 1, got {n_real} and {n_synthetic}")
        n = n_real + n_synthetic
        fraction = n_synthetic / n if requested is None else requested
        if sample_sizes(n, fraction)[1] != n_synthetic:
            raise ValueError(f"synthetic_fraction {fraction} does not give {n_synthetic} of {n} synthetic samples")
        return cls(scenario, n, vocab, fraction, window, n_synthetic, sampler, real_weight)

    @property
    def n_real(self) -> int:
        return self.n - self.n_synthetic

    @property
    def effective_fraction(self) -> float:
        return self.n_synthetic / self.n

    @property
    def first_size(self) -> int:
        """Samples p⁽¹⁾ is trained on: n_real in mixed and fresh when there is real data, else n."""
        return self.n_real if self.n_real > 0 and self.scenario in ("mixed", "fresh") else self.n


def check_cell(cell: Cell) -> None:
    """Raise ValueError naming the offending parameter and its allowed range."""
    if cell.scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {cell.scenario!r}")
    if int(cell.n) != cell.n or cell.n < 1:
        raise ValueError(f"n must be an integer >= 1, got {cell.n}")
    if int(cell.vocab) != cell.vocab or cell.vocab < 2:
        raise ValueError(f"vocab must be an integer >= 2, got {cell.vocab}")
    if not 0.0 <= cell.synthetic_fraction <= 1.0:
        raise ValueError(f"synthetic_fraction must be in [0, 1], got {cell.synthetic_fraction}")
    if cell.scenario in SOURCE_SCENARIOS and cell.synthetic_fraction != 1.0:
        raise ValueError(
            f"synthetic_fraction must be 1.0 for scenario {cell.scenario!r} (its sources are set "
            f"by the scenario), got {cell.synthetic_fraction}"
        )
    if cell.real_weight is not None:
        n_real = cell.n - (cell.n_synthetic if cell.n_synthetic is not None else sample_sizes(cell.n, cell.synthetic_fraction)[1])
        if cell.scenario != "fresh" or canonical(cell.sampler) != "exact" or not 0 <= cell.real_weight <= 1 or not 1 <= n_real < cell.n:
            raise ValueError(
                f"real_weight must be in [0, 1] with scenario 'fresh', the exact sampler and n_real, n_synthetic >= 1, "
                f"got {cell.real_weight} ({cell.scenario}, {cell.sampler}, n_real = {n_real} of n = {cell.n})"
            )
    if cell.scenario == "window":
        if cell.window is None or int(cell.window) != cell.window or not 1 <= cell.window <= cell.n:
            raise ValueError(f"window must be an integer in [1, n={cell.n}] for scenario 'window', got {cell.window}")


def stream_key(cell: Cell) -> tuple:
    """The cell's part of every replicate's spawn key: integers only, so requested fractions
    that give the same counts share their streams; a sampler other than `exact` appends its own
    integers (`sampler.stream_key`), so `exact` keeps the streams of the paper's model."""
    cell_key = (REPLICATE_DOMAIN, SCENARIOS.index(cell.scenario), int(cell.n), int(cell.vocab), int(cell.n_synthetic))
    return cell_key + sampler_key(cell.sampler)


def replicate_stream(root_seed: int, cell: Cell, seed: int) -> np.random.SeedSequence:
    """The SeedSequence of replicate `seed` of `cell`: keyed by (root seed, scenario, n, vocab,
    n_synthetic, sampler unless exact, seed), never by the job that runs it (docs/random-streams.md)."""
    return np.random.SeedSequence(root_seed, spawn_key=stream_key(cell) + (int(seed),))


@dataclass
class CellResult:
    """metrics[r, m, k]: metric METRICS[k] of replicate seeds[r] at generation m."""

    cell: Cell
    seeds: np.ndarray
    metrics: np.ndarray
    collapse_time: np.ndarray  # −1 where the replicate did not collapse by the last generation

    @property
    def generations(self) -> int:
        return self.metrics.shape[1] - 1

    def to_pandas(self):
        """The long table of docs/outputs.md: one row per (seed, generation)."""
        return sims_table(self).to_pandas()


# --- the cell's table (docs/outputs.md, sims/) ----------------------------------------------

SIMS_SCHEMA = pa.schema(
    [
        ("scenario", pa.string()),
        ("n", pa.int64()),
        ("vocab", pa.int64()),
        ("synthetic_fraction", pa.float64()),  # as requested
        ("effective_fraction", pa.float64()),  # n_synthetic / n
        ("n_real", pa.int64()),
        ("n_synthetic", pa.int64()),
        ("sampler", pa.string()),  # canonical spec of the synthetic draws' sampler (core/sampler.py)
        ("seed", pa.int64()),
        ("generation", pa.int64()),
        *[(m, pa.bool_() if m == "collapsed" else pa.int64() if m in INTEGER_METRICS else pa.float64()) for m in METRICS],
        # First generation m ≥ 1 with ‖p⁽ᵐ⁾‖∞ = 1 (paper §3), null if none by G; same on every row.
        ("collapse_time", pa.int64()),
    ]
)


def sims_table(result: CellResult, meta: dict | None = None) -> pa.Table:
    """Long format: one row per (seed, generation), generations 0 … G; `meta` is its provenance."""
    cell = result.cell
    R, G1, _ = result.metrics.shape
    rows = R * G1
    columns = {name: np.full(rows, getattr(cell, name)) for name in SIMS_SCHEMA.names[:8]}  # the cell's columns
    columns.update(seed=np.repeat(result.seeds, G1), generation=np.tile(np.arange(G1), R))
    flat = result.metrics.reshape(rows, -1)
    for k, name in enumerate(METRICS):
        columns[name] = flat[:, k] == 1.0 if name == "collapsed" else flat[:, k]  # integer metrics: cast by their type
    T = np.repeat(result.collapse_time, G1)
    columns["collapse_time"] = np.where(T < 0, 0, T)
    arrays = [pa.array(columns[f.name], f.type, mask=T < 0 if f.name == "collapse_time" else None) for f in SIMS_SCHEMA]
    return with_provenance(pa.Table.from_arrays(arrays, schema=SIMS_SCHEMA), meta or {})


def _check_run(p0: np.ndarray, cell: Cell, seeds, generations: int, root_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The run's p⁽⁰⁾ and seed indices, after the checks every entry point makes
    (`config.check_entry`: the cell as a one-cell study, with its cost and overflow guards)."""
    from ..config import check_entry, row_config

    p0 = np.ascontiguousarray(check_distribution(p0, vocab=cell.vocab))
    raw = np.arange(seeds) if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool) else np.asarray(seeds)
    if raw.ndim != 1 or raw.size == 0 or not np.issubdtype(raw.dtype, np.integer) or (raw < 0).any() or (raw >= 2**32).any():
        raise ValueError(f"seeds: {seeds!r}; allowed: a count >= 1, or a non-empty list of integers in [0, 2**32)")
    one_cell = row_config(
        n=cell.n,
        vocab=cell.vocab,
        fractions=[cell.synthetic_fraction],
        log_real_shares=False,
        scenario=cell.scenario,
        window=cell.window,
        generations=generations,
        seeds=raw.size,
        root_seed=root_seed,
        sampler=cell.sampler,
    )
    check_entry(one_cell, "api")
    return p0, raw.astype(np.int64)


def compiled_engine():
    """The C extension `_kernels` (built by `pip install -e .` or `make venv`); a clear error
    when a checkout runs without it."""
    try:
        from . import _kernels
    except ImportError as err:
        raise ImportError(
            f"the compiled engine modelcollapse.core._kernels is not built ({err}): run `make venv`, or "
            "`pip install -e .` in the checkout (it needs a C compiler and the Python headers)"
        ) from err
    return _kernels


def engine_numpy() -> str:
    """The NumPy version the compiled engine was built against: its binomial sampler is that
    NumPy's (`numpy.random`'s static library), so results record it in their provenance."""
    return compiled_engine().NUMPY_VERSION


def simulate_cell(p0: np.ndarray, cell: Cell, seeds, generations: int, root_seed: int = DEFAULTS["root_seed"]) -> CellResult:
    """Simulate replicates `seeds` (a list of seed indices, or R for seeds 0 … R−1) of `cell`
    for generations 0 … G (compiled engine)."""
    _kernels = compiled_engine()
    p0, seeds = _check_run(p0, cell, seeds, generations, root_seed)
    metrics = np.empty((seeds.size, generations + 1, len(METRICS)))
    collapse_time = np.empty(seeds.size, np.int64)
    scenario = SCENARIOS.index(cell.scenario)
    window = cell.window or 1
    T = None if cell.sampler == "exact" else engine_arguments(cell.sampler)
    # One generator, re-seeded per replicate with exactly the state of
    # PCG64(replicate_stream(root_seed, cell, seed)), computed for all seeds at once.
    states = seed_sequence_states(root_seed, stream_key(cell), seeds)
    bit_generator = np.random.PCG64()
    gen = np.random.Generator(bit_generator)
    for r in range(seeds.size):
        bit_generator.state = pcg64_state(states[r])
        collapse_time[r] = _kernels.run_chain(
            gen, scenario, p0, cell.n, cell.n_real, cell.n_synthetic, window, generations, metrics[r], T, cell.real_weight
        )
    return CellResult(cell, seeds, metrics, collapse_time)


def reference_path(p0: np.ndarray, cell: Cell, seed: int, generations: int, root_seed: int) -> np.ndarray:
    """One replicate's distributions p⁽⁰⁾ … p⁽ᴳ⁾, shape (G+1, vocab), by a plain-NumPy
    transcription of docs/model.md, "The scenarios" (paper eq 5, 17): one `gen.multinomial` per
    source and generation, no shortcuts; synthetic samples of a model p⁽ᵗ⁾ are drawn from
    T(p⁽ᵗ⁾) (`sampler.transform`), real ones from p⁽⁰⁾. Slow; it is what the compiled engine is
    tested against, and the same stream as `simulate_cell`'s replicate `seed`."""
    p0, _ = _check_run(p0, cell, [seed], generations, root_seed)
    n, n_real, n_syn, K = cell.n, cell.n_real, cell.n_synthetic, cell.window or 1

    def draw(size, p):
        counts = np.zeros(cell.vocab, np.int64)
        nz = np.flatnonzero(p > 0)
        counts[nz] = gen.multinomial(size, p[nz])
        return counts

    gen = np.random.Generator(np.random.PCG64(replicate_stream(root_seed, cell, seed)))
    models = [p0]  # p⁽⁰⁾, p⁽¹⁾, …
    sources = [p0]  # what each generation's samples are drawn from: p⁽⁰⁾ (real), T(p⁽¹⁾), T(p⁽²⁾), …
    first_size = cell.first_size
    real = draw(first_size, p0)
    kept = real.copy()
    counts, total = real, first_size
    for m in range(1, generations + 1):
        if m >= 2:
            prev = sources[-1]
            if cell.scenario == "mixed":
                counts = (real if n_real > 0 else 0) + draw(n_syn, prev)
                total = n
            elif cell.scenario == "fresh" and cell.real_weight is not None:
                w = cell.real_weight
                fresh_real, synthetic = draw(n_real, p0), draw(n_syn, prev)
                counts, total = w * (fresh_real / n_real) + (1.0 - w) * (synthetic / n_syn), 1  # the weighted MLE (eq A1)
            elif cell.scenario == "fresh":
                counts = draw(n_real, p0) + draw(n_syn, prev)
                total = n
            elif cell.scenario == "accumulate":
                kept = kept + draw(n, prev)
                counts, total = kept, m * n
            elif cell.scenario == "window":
                recent = range(max(0, m - K), m)
                counts = sum(draw(n // K, sources[t]) for t in recent)
                total = len(recent) * (n // K)
            else:
                per_source = gen.multinomial(n, np.full(m, 1.0 / m))
                counts = sum(draw(k, sources[t]) for t, k in enumerate(per_source) if k > 0)
                total = n
        models.append(counts / total)
        sources.append(transform(models[-1], cell.sampler))
    return np.array(models)


def simulate_reference(p0: np.ndarray, cell: Cell, seeds, generations: int, root_seed: int) -> CellResult:
    """`simulate_cell` by the reference transcription (`reference_path`) and NumPy metrics."""
    p0, seeds = _check_run(p0, cell, seeds, generations, root_seed)
    metrics = np.empty((seeds.size, generations + 1, len(METRICS)))
    collapse_time = np.full(seeds.size, -1, np.int64)
    for r, seed in enumerate(seeds):
        path = reference_path(p0, cell, seed, generations, root_seed)
        metrics[r, 0] = reference_metrics(p0, p0, None)
        for m in range(1, generations + 1):
            metrics[r, m] = reference_metrics(path[m], p0, path[1])
        collapsed = np.flatnonzero(path[1:].max(axis=1) == 1.0)
        collapse_time[r] = collapsed[0] + 1 if collapsed.size else -1
    return CellResult(cell, seeds, metrics, collapse_time)


def reference_metrics(p: np.ndarray, p0: np.ndarray, first: np.ndarray | None) -> np.ndarray:
    """The docs/outputs.md (`sims/`) metrics of one distribution, in METRICS order, with NumPy."""
    nz = p[p > 0]
    l1_first = np.nan if first is None else np.abs(p - first).sum()
    l2_first = np.nan if first is None else ((p - first) ** 2).sum()
    return np.array(
        [
            (p**2).sum(),
            p.max(),
            l1_first,
            np.abs(p - p0).sum(),
            l2_first,
            nz.size,
            -(nz * np.log(nz)).sum(),
            float(p.max() == 1.0),
            p.argmax(),
        ]
    )
