"""A row's refinement as rounds of workflow jobs (docs/safe-fraction.md, "Refinement as jobs").

When one probe of all seeds is more than one simulate job (seeds > seeds_per_job,
`config.refine_in_rounds`), the workflow runs each round of the refinement as jobs instead of
inside the row's refine job:

* a round job (`plan_round`) adds the per-seed values at G of the cells the previous round
  simulated (round 0: the grid's) to the row's values so far, and writes the counts the next round
  probes: its plan, from `aggregate.refinement_wanted`, the function the in-process refinement
  calls;
* the plan's probes are simulated by simulate jobs, `fractions_per_job` counts × `seeds_per_job`
  seeds each, on the replicate streams every cell has (keyed by the cell and the seed);
* once a plan is empty, the refine job replays the refinement from the probes' tables
  (`aggregate.refine_row`), so the row's tables are those of a row refined in one process, bit
  for bit.

No Snakemake: the workflow reads a plan with `parse_plan`.
"""

import json

from ..core.io import write_tables
from ..core.theory import expected_l1_error
from .aggregate import (
    TABLE_NAMES,
    at_G_values,
    cell_arrays,
    check_study_tables,
    checked_initial,
    refinement_wanted,
    sims_cells,
    simulation_provenance,
    values_probes,
    values_table,
    with_content_digest,
)
from .safe import Row


def read_plan(path) -> list[int]:
    """The synthetic counts a round's plan asks to probe (none: the refinement is done)."""
    with open(path, encoding="utf-8") as file:
        return parse_plan(file.read(), path)


def parse_plan(text: str, name) -> list[int]:
    """`read_plan` of a plan's text (the workflow opens it through Snakemake, which fetches it from
    a default storage provider first); `name` names it in the error."""
    try:
        counts = json.loads(text)["probes"]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{name}: not a refinement plan ({err})") from None
    if not isinstance(counts, list) or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in counts):
        raise ValueError(f"{name}: not a refinement plan (probes must be a list of counts >= 0)")
    return counts


def plan_round(row: Row, sims, previous, initial, counts, config: dict, outputs: dict) -> list[int]:
    """One round job: the values at G of the cells in the tables `sims` (paths), which must hold
    exactly the synthetic counts `counts` (the grid's in round 0, else the previous round's plan),
    added to the row's values so far (`previous`: the previous round's values table, None in round
    0); then outputs['values'] (every count so far, per seed: `aggregate.values_table`) and
    outputs['plan'] (JSON: the counts the next round probes, an empty list when refinement is
    done). `initial` and `config` as in `aggregate.refine_row`. Returns the plan."""
    p0 = checked_initial(initial, config)
    G, seeds = config["generations"], config["seeds"]
    if previous is None:
        probes, grid_counts = {}, [int(k) for k in counts]
    else:
        probes, grid_counts = values_probes(check_study_tables({"round": previous}, config["identity"])["round"])
    baseline = expected_l1_error(p0, row.baseline_size)  # the row's, as `study_row` takes it
    expected = simulation_provenance(row, config)
    found = sims_cells(sims, G, seeds, expected, [(row.cell(k).n, int(k)) for k in counts], row.vocab)
    for (_, k), read in found.items():
        _, arrays, collapse_time = cell_arrays(read(), G)
        probes[k] = at_G_values(arrays, collapse_time, p0, G, baseline)
    plan = sorted(refinement_wanted(row, probes, config["safe"]))
    made = {**expected, "identity": config["identity"], "table": TABLE_NAMES["round"]}
    text = json.dumps({"row": str(row), "probes": plan}) + "\n"
    write_tables({outputs["values"]: with_content_digest(values_table(probes, grid_counts, row.sampler), made), outputs["plan"]: text})
    return plan
