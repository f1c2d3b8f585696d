"""What a study will cost, estimated before any job runs, so that a study that cannot fit the
machine is refused with the key to change instead of summoning the out-of-memory killer
(docs/design.md, "Limits").

The estimates are upper bounds from the sizes of the arrays and tables a job holds:
a simulate job its cells' metric rows (ROW_BYTES each: the metric array, the Arrow table and the
columns it is built from) and a few vocabulary-sized arrays per replicate.

A refine job aggregates its row one cell at a time (study.aggregate.read_sims, study_row), so it
holds, at most at once:
  * one cell of all seeds × generations at CELL_ROW_BYTES a row: the cell's rows as read from
    the files, a sorted copy if they come out of order, its metric arrays and what the Arrow
    allocator keeps of the previous cell; or a refinement probe as it is simulated (the metric
    array, its Arrow table, the arrays);
  * one grid table (a simulate job's output) read whole, at ROW_BYTES a row;
  * what it keeps of every grid and probe cell: the per-seed criterion values at G and the
    summary rows (KEPT_COLUMNS floats per generation);
  * the vocabulary-sized arrays of p⁽⁰⁾ and of the probe's replicates;
  * the interpreter with NumPy, pandas, pyarrow and SciPy loaded (RUNTIME_BYTES).
Measured (benchmarks/aggregation.py) on a full-size row of config/large.yaml (10 000 seeds,
101 generations, 17 grid cells, 9 probes): 0.71 GB of peak RSS against an estimate of 1.0 GiB;
0.82 GB when every cell had to be copied to be sorted, the case CELL_ROW_BYTES is sized for.
"""

from dataclasses import dataclass

from .safe import CRITERIA

ROW_BYTES = 400  # per (cell, seed, generation) row: 9 metrics + 20 columns of 8 bytes, built twice
VOCAB_ARRAYS = 8  # float64/int64 arrays of vocab size held per replicate (p0, counts, first, real, …)
CELL_ROW_BYTES = 600  # per (seed, generation) row of the cell a refine job holds: ≤ ~570 measured
KEPT_COLUMNS = 100  # summary columns per (cell, generation) a refine job keeps (docs/outputs.md: 72)
RUNTIME_BYTES = 2**28  # Python with the libraries a refine job loads: ~0.2 GiB measured
GIB = 2**30


@dataclass(frozen=True)
class Cost:
    jobs: int  # Snakemake jobs of the study
    simulate_bytes: int  # peak memory of the largest simulate job
    refine_bytes: int  # peak memory of the largest refine job
    vocab_bytes: int  # of which the vocabulary-sized arrays of the largest vocab

    def problems(self, job_memory_gb: float, max_jobs: int):
        """(config key, message) for every limit this study exceeds."""
        limit = job_memory_gb * GIB
        hint = f"(limit {job_memory_gb:g} GiB per job: raise limits.job_memory_gb on a bigger node)"
        if self.vocab_bytes > limit:
            yield "grid.vocab", f"one replicate's vocabulary-sized arrays would need ~{self.vocab_bytes / GIB:.3g} GiB {hint}"
        elif self.simulate_bytes > limit:
            yield (
                "seeds_per_job",
                f"a simulate job would need ~{self.simulate_bytes / GIB:.3g} GiB {hint}; lower seeds_per_job, fractions_per_job, generations or vocab",
            )
        if self.refine_bytes > limit and self.vocab_bytes <= limit:
            yield (
                "seeds",
                f"a refine job (one cell of all seeds and generations at a time) would need ~{self.refine_bytes / GIB:.3g} GiB {hint}",
            )
        if self.jobs > max_jobs:
            yield (
                "seeds_per_job",
                f"the study would be {self.jobs} jobs (limit {max_jobs}: limits.jobs); raise seeds_per_job or fractions_per_job",
            )


def refinement_rounds(size: int, counts, resolution: float | None = None, per_bracket: int = 1) -> int:
    """The rounds refinement takes to cut the widest gap between grid counts into `per_bracket` + 1
    parts a round (`safe.sections`) until it spans adjacent counts (or is at most resolution ·
    size). Brackets whose end moves once refined take a few rounds more."""
    counts = sorted(counts)
    gap = max((b - a for a, b in zip(counts, counts[1:])), default=1)
    stop = max(1, int((resolution or 0) * size))
    rounds = 0
    while gap > stop and gap > 1:
        gap = -(-gap // (per_bracket + 1))
        rounds += 1
    return rounds


def refinement_probes(size: int, counts, resolution: float | None = None, criteria: int = len(CRITERIA), per_bracket: int = 1) -> int:
    """A bound on a row's refinement probes: `per_bracket` counts a round in each of the three
    brackets (the point estimate and the interval's ends) of every criterion, for
    `refinement_rounds` rounds."""
    return 3 * criteria * per_bracket * refinement_rounds(size, counts, resolution, per_bracket)


def history_rows(scenario: str, generations: int, window: int | None) -> int:
    """Vocabulary-sized distributions a replicate keeps besides its own (the compiled engine's
    history): the K most recent models in scenario window, every model in scenario pool."""
    return window if scenario == "window" else generations if scenario == "pool" else 0


def study_cost(
    rows: dict,
    seeds: int,
    seeds_per_job: int,
    cells_per_job: int,
    generations: int,
    resolution: float | None = None,
    history: int = 0,
    per_bracket: int = 1,
) -> Cost:
    """The cost of a study whose rows are {name: (size, vocab, grid counts)} (the workflow's
    STUDY_ROWS); `history` is `history_rows` of its scenario, `per_bracket` its
    safe.probes_per_bracket. With more seeds than one job takes, refinement rounds are jobs
    (`config.refine_in_rounds`): a round job and the round's probes in simulate-sized jobs."""
    seed_blocks = -(-seeds // seeds_per_job)
    jobs = len({vocab for _, vocab, _ in rows.values()}) + 2 + len(rows)
    simulate, refine = 0, 0
    for size, vocab, grid in rows.values():
        probes = refinement_probes(size, grid, resolution, per_bracket=per_bracket)
        blocks = -(-len(grid) // cells_per_job)
        jobs += blocks * seed_blocks
        if seeds > seeds_per_job:
            rounds = refinement_rounds(size, grid, resolution, per_bracket)
            jobs += rounds + 1 + rounds * -(-3 * len(CRITERIA) * per_bracket // cells_per_job) * seed_blocks
        cells = min(cells_per_job, len(grid))
        table = cells * min(seeds, seeds_per_job) * (generations + 1) * ROW_BYTES  # one simulate job's output
        simulate = max(simulate, table + (VOCAB_ARRAYS + history) * 8 * vocab)
        cell = seeds * (generations + 1) * CELL_ROW_BYTES
        kept = (len(grid) + probes) * (len(CRITERIA) * seeds + KEPT_COLUMNS * (generations + 1)) * 8
        refine = max(refine, cell + table + kept + (VOCAB_ARRAYS + history) * 8 * vocab + RUNTIME_BYTES)
    vocab_bytes = (VOCAB_ARRAYS + history) * 8 * max(vocab for _, vocab, _ in rows.values())
    return Cost(jobs, simulate, refine, vocab_bytes)
