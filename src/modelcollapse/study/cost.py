"""What a study will cost, estimated before any job runs, so that a study that cannot fit the
machine is refused with the key to change instead of summoning the out-of-memory killer
(docs/design.md, "Limits").

The estimates are upper bounds from the sizes of the arrays and tables a job holds:
a simulate job its cells' metric rows (ROW_BYTES each: the metric array, the Arrow table and the
columns it is built from) and a few vocabulary-sized arrays per replicate; a refine job its
row's grid rows three times over (Arrow, pandas, the per-cell arrays), the refinement probes'
rows and the bootstrap weights (bootstrap × seeds floats, twice).
"""

from dataclasses import dataclass

ROW_BYTES = 400  # per (cell, seed, generation) row: 9 metrics + 20 columns of 8 bytes, built twice
VOCAB_ARRAYS = 8  # float64/int64 arrays of vocab size held per replicate (p0, counts, first, real, …)
GIB = 2**30


@dataclass(frozen=True)
class Cost:
    jobs: int  # Snakemake jobs of the study
    simulate_bytes: int  # peak memory of the largest simulate job
    refine_bytes: int  # peak memory of the largest refine job
    bootstrap_bytes: int  # of which the bootstrap weights
    vocab_bytes: int  # of which the vocabulary-sized arrays of the largest vocab

    def problems(self, job_memory_gb: float, max_jobs: int):
        """(config key, message) for every limit this study exceeds."""
        limit = job_memory_gb * GIB
        hint = f"(limit {job_memory_gb:g} GiB per job: raise limits.job_memory_gb on a bigger node)"
        if self.vocab_bytes > limit:
            yield "grid.vocab", f"one replicate's vocabulary-sized arrays would need ~{self.vocab_bytes / GIB:.3g} GiB {hint}"
        elif self.simulate_bytes > limit:
            yield "seeds_per_job", f"a simulate job would need ~{self.simulate_bytes / GIB:.3g} GiB {hint}; lower seeds_per_job, fractions_per_job, generations or vocab"
        if self.bootstrap_bytes > limit:
            yield "safe.bootstrap", f"the bootstrap of one row would need ~{self.bootstrap_bytes / GIB:.3g} GiB {hint}"
        elif self.refine_bytes > limit and self.vocab_bytes <= limit:
            yield "seeds", f"a refine job (one row: all seeds, generations and cells) would need ~{self.refine_bytes / GIB:.3g} GiB {hint}"
        if self.jobs > max_jobs:
            yield "seeds_per_job", f"the study would be {self.jobs} jobs (limit {max_jobs}: limits.jobs); raise seeds_per_job or fractions_per_job"


def refinement_probes(size: int, counts, resolution: float, criteria: int = 4) -> int:
    """An upper bound on a row's refinement probes: bisection halves the widest gap between grid
    counts until it is at most resolution · size (or one count), once per criterion."""
    counts = sorted(counts)
    gap = max((b - a for a, b in zip(counts, counts[1:])), default=1)
    stop = max(1, int(resolution * size))
    steps = 0
    while gap > stop and gap > 1:
        gap = -(-gap // 2)
        steps += 1
    return criteria * steps


def study_cost(rows: dict, seeds: int, seeds_per_job: int, cells_per_job: int, generations: int, bootstrap: int,
               resolution: float) -> Cost:
    """The cost of a study whose rows are {name: (size, vocab, grid counts)} (the workflow's
    STUDY_ROWS)."""
    seed_blocks = -(-seeds // seeds_per_job)
    jobs = len({vocab for _, vocab, _ in rows.values()}) + 2 + len(rows)
    simulate, refine = 0, 0
    for size, vocab, grid in rows.values():
        probes = refinement_probes(size, grid, resolution)
        blocks = -(-len(grid) // cells_per_job)
        jobs += blocks * seed_blocks
        cells = min(cells_per_job, len(grid))
        simulate = max(simulate, cells * min(seeds, seeds_per_job) * (generations + 1) * ROW_BYTES + VOCAB_ARRAYS * 8 * vocab)
        refine = max(refine, 3 * (len(grid) + probes) * seeds * (generations + 1) * ROW_BYTES + VOCAB_ARRAYS * 8 * vocab)
    boot = 2 * bootstrap * seeds * 8
    vocab_bytes = VOCAB_ARRAYS * 8 * max(vocab for _, vocab, _ in rows.values())
    return Cost(jobs, simulate, refine + boot, boot, vocab_bytes)
