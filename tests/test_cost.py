"""The up-front cost estimate that refuses a study too big for the machine (modelcollapse.study.cost)."""

from modelcollapse.study.cost import GIB, refinement_probes, refinement_rounds, study_cost
from modelcollapse.study.safe import Row


def rows(ns, vocabs, fractions=(0.0, 0.25, 0.5, 0.75, 1.0)):
    out = {}
    for n in ns:
        for vocab in vocabs:
            grid = Row("mixed", "budget", n, vocab).grid(fractions)
            out[f"n{n}_vocab{vocab}"] = (n, vocab, list(grid))
    return out


def test_refinement_probes_bound_the_bisection():
    # three brackets (α* and the interval's ends) of four criteria, each halved down to one count
    assert refinement_probes(100, [0, 100]) == 3 * 4 * 7  # 100 → 50 → … → 1: 7 halvings
    assert refinement_probes(3000, [0, 150, 300]) == 3 * 4 * 8  # 150 → … → 1
    assert refinement_probes(3000, [0, 150, 300], 0.01) == 3 * 4 * 3  # the opt-in coarsening: 150 → 30
    assert refinement_probes(10, [0, 5, 10], 0.5) == 0  # already at the resolution


def test_k_section_takes_fewer_rounds_for_more_probes():
    assert refinement_rounds(3000, [0, 150, 300]) == 8  # 150 → 75 → … → 1
    assert refinement_rounds(3000, [0, 150, 300], per_bracket=3) == 4  # 150 → 38 → 10 → 3 → 1
    assert refinement_probes(3000, [0, 150, 300], per_bracket=3) == 3 * 4 * 3 * 4


def test_rounds_of_jobs_are_counted_when_a_probe_is_several_jobs():
    grid = rows([1000], [10])
    one_job = study_cost(grid, seeds=100, seeds_per_job=100, cells_per_job=40, generations=10).jobs
    in_blocks = study_cost(grid, seeds=100, seeds_per_job=50, cells_per_job=40, generations=10).jobs
    rounds = refinement_rounds(1000, grid["n1000_vocab10"][2])
    # the grid's second seed block, a round job per round and the last plan, a probe job per seed block and round
    assert in_blocks - one_job == 1 + (rounds + 1) + rounds * 2


def test_the_default_study_fits_and_a_huge_one_does_not():
    default = study_cost(rows([10, 100, 3000], [10, 1000]), seeds=100, seeds_per_job=100, cells_per_job=40, generations=100)
    assert default.simulate_bytes < 0.5 * GIB and default.refine_bytes < 2 * GIB
    assert list(default.problems(8, 20000)) == []
    huge = study_cost(rows([10], [10]), seeds=100, seeds_per_job=100, cells_per_job=40, generations=10_000_000)
    assert [key for key, _ in huge.problems(8, 20000)] == ["seeds_per_job", "seeds"]
    many = study_cost(rows([10], [10]), seeds=10_000_000, seeds_per_job=100, cells_per_job=40, generations=10)
    assert "jobs (limit" in dict(many.problems(1000, 20000))["seeds_per_job"]


def test_a_refine_job_holds_one_cell_not_its_row():
    """The refine estimate grows with one cell (seeds × generations), hardly with the row's cells."""
    few, many = (
        study_cost(rows([1000], [10_000], fractions), seeds=10_000, seeds_per_job=500, cells_per_job=2, generations=100)
        for fractions in ((0.0, 1.0), [k / 20 for k in range(21)])
    )
    assert few.refine_bytes < 2 * GIB and abs(many.refine_bytes - few.refine_bytes) < 0.05 * few.refine_bytes
