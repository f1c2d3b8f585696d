"""Refinement as rounds of jobs (modelcollapse.study.rounds): each round planned from the values
so far, its probes simulated in seed blocks, and the row's tables bit-identical to a row refined in
one process (the workflow's run of the same is in tests/test_workflow.py)."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelcollapse.config import DEFAULTS
from modelcollapse.core import initial
from modelcollapse.core.io import initial_digest, initial_table, with_provenance, write_tables
from modelcollapse.core.simulate import sims_table, simulate_cell
from modelcollapse.study.aggregate import ROW_TABLES, read_sims, refine_row, simulate_row, simulation_provenance
from modelcollapse.study.rounds import plan_round, read_plan
from modelcollapse.study.safe import Row

ROW = Row("mixed", "budget", 60, 10)
GRID = {0: 0.0, 30: 0.5, 60: 1.0}
SEEDS, BLOCK, G = 12, 5, 15
P0 = initial.zipf(10, 1.1)
BLOCK_FILES = -(-SEEDS // BLOCK)  # the files of one round's probes


def study_config(per_bracket=1):
    safe = {key: value for key, value in DEFAULTS["safe"].items() if key != "tolerance_sweep"}
    return {
        "generations": G,
        "seeds": SEEDS,
        "root_seed": 2024,
        "safe": {**safe, "probes_per_bracket": per_bracket},
        "identity": {"study": "rounds-test"},
        "initial_sha256": initial_digest(P0),
    }


def write_cells(folder, name, counts, config):
    """The simulation tables of cells `counts` in seed blocks of BLOCK, as simulate jobs write them."""
    paths = []
    for first in range(0, SEEDS, BLOCK):
        seeds = range(first, min(first + BLOCK, SEEDS))
        tables = [sims_table(simulate_cell(P0, ROW.cell(k, GRID.get(k)), seeds, G, config["root_seed"])) for k in counts]
        path = folder / f"{name}_s{first}.parquet"
        write_tables({path: with_provenance(pa.concat_tables(tables), simulation_provenance(ROW, config))})
        paths.append(path)
    return paths


def run_rounds(folder, config):
    """Round jobs and probe jobs one after another, as the workflow's DAG runs them: the plans and
    every probe table."""
    folder.mkdir(exist_ok=True)
    initial_path = folder / "initial.parquet"
    write_tables({initial_path: initial_table(P0)})
    grid = write_cells(folder, "grid", list(GRID), config)
    sims, counts, previous, plans, probes = grid, list(GRID), None, [], []
    while True:
        outputs = {"values": folder / f"round{len(plans)}.parquet", "plan": folder / f"round{len(plans)}.json"}
        plan = plan_round(ROW, sims, previous, initial_path, counts, config, outputs)
        assert read_plan(outputs["plan"]) == plan
        plans.append(plan)
        if not plan:
            return grid, probes, initial_path, plans
        sims = write_cells(folder, f"probes{len(plans) - 1}", plan, config)
        probes += sims
        counts, previous = plan, outputs["values"]


def row_tables(folder, grid, initial_path, config, probe_sims=None):
    outputs = {name: folder / f"{name}.parquet" for name in (*ROW_TABLES, "probes")}
    refine_row(ROW, grid, initial_path, list(GRID), config, outputs, probe_sims)
    return {name: pq.read_table(outputs[name]).replace_schema_metadata(None) for name in ROW_TABLES}


def test_rounds_of_jobs_give_the_tables_of_one_process(tmp_path):
    config = study_config()
    grid, probes, initial_path, plans = run_rounds(tmp_path / "rounds", config)
    assert len(plans) > 2 and plans[-1] == []
    ours = row_tables(tmp_path / "rounds", grid, initial_path, config, probes)
    theirs = row_tables(tmp_path / "rounds", grid, initial_path, config)  # every probe simulated in the job
    assert ours.keys() == theirs.keys()
    for name in ours:  # pandas compares NaN with NaN, exactly
        pd.testing.assert_frame_equal(ours[name].to_pandas(), theirs[name].to_pandas(), check_exact=True)
    # the probes the job simulated are the rounds' probes, row for row
    simulated = {table["n_synthetic"][0].as_py(): table for table in read_sims([tmp_path / "rounds" / "probes.parquet"], G, SEEDS)}
    replayed = {table["n_synthetic"][0].as_py(): table for table in read_sims(probes, G, SEEDS)}
    assert simulated.keys() == replayed.keys() == {k for plan in plans for k in plan}
    for k in simulated:
        pd.testing.assert_frame_equal(simulated[k].to_pandas(), replayed[k].to_pandas(), check_exact=True)


def test_a_missing_or_extra_probe_is_refused(tmp_path):
    config = study_config()
    grid, probes, initial_path, plans = run_rounds(tmp_path / "rounds", config)
    outputs = {name: tmp_path / f"{name}.parquet" for name in ROW_TABLES}
    with pytest.raises(ValueError, match="which no round of row .* probed"):
        refine_row(ROW, grid, initial_path, list(GRID), config, outputs, probes[:-BLOCK_FILES])
    unasked = min(set(range(60)) - set(GRID) - {k for plan in plans for k in plan})
    extra = write_cells(tmp_path, "extra", [unasked], config)
    with pytest.raises(ValueError, match=rf"probes \[\(60, {unasked}\)\] that this refinement does not ask for"):
        refine_row(ROW, grid, initial_path, list(GRID), config, outputs, [*probes, *extra])
    assert not any(path.exists() for path in outputs.values())


def test_a_round_refuses_probes_of_another_plan(tmp_path):
    config = study_config()
    folder = tmp_path / "rounds"
    folder.mkdir()
    write_tables({folder / "initial.parquet": initial_table(P0)})
    grid = write_cells(folder, "grid", list(GRID), config)
    outputs = {"values": folder / "round0.parquet", "plan": folder / "round0.json"}
    with pytest.raises(ValueError, match="the study's grid has"):
        plan_round(ROW, grid, None, folder / "initial.parquet", [0, 30], config, outputs)
    other = {**config, "root_seed": 7}
    with pytest.raises(ValueError, match="made with root_seed = 2024, this study has 7"):
        plan_round(ROW, grid, None, folder / "initial.parquet", list(GRID), other, outputs)


@pytest.mark.parametrize("text", ["", "[1, 2]", '{"probes": [1, -2]}', '{"probes": [1.5]}', '{"row": "x"}'])
def test_a_damaged_plan_is_refused(tmp_path, text):
    path = tmp_path / "round0.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="not a refinement plan"):
        read_plan(path)


def test_probes_do_not_depend_on_k():
    """Bisection and 3-section probe other counts, but a count probed by both has the same
    per-seed values: its streams are keyed by the count, never by the round or the job."""
    values = {}
    for k in (1, 3):
        tables = simulate_row(ROW, P0, GRID, study_config(k), SEEDS)
        values[k] = tables["values"].set_index(["n_synthetic", "seed"])
    common = values[1].index.intersection(values[3].index)
    assert len(common.get_level_values(0).unique()) > len(GRID)  # probes besides the grid's
    assert values[1].loc[common].equals(values[3].loc[common])
    assert values[3].index.get_level_values(0).nunique() > values[1].index.get_level_values(0).nunique()  # k = 3 probes more
    assert np.isfinite(values[1].loc[common].drop(columns="sampler").to_numpy(dtype=float)).all()
