"""The `paper` target: library pieces, the theorem table, and the workflow end to end (reduced config)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import project_copy, snakemake
from matplotlib.figure import Figure

import modelcollapse.config
import modelcollapse.paper
from modelcollapse.core import theory
from modelcollapse.core.simulate import simulate_cell
from modelcollapse.paper import experiments
from modelcollapse.paper import figures as paper_figures

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / ".test" / "config" / "paper.yaml"
FULL_TABLE = REPO / "results" / "paper" / "theorems.csv"


@pytest.fixture(scope="module")
def cfg():
    return yaml.safe_load(SMALL.read_text())["paper"]


# --- library ------------------------------------------------------------------------------


def test_fixed_real_cell_keeps_exact_sizes():
    for N in (10, 100):
        for n in (1, 10, 100, 1000):
            cell = experiments.fixed_real_cell(N, n, 600)
            assert (cell.n_real, cell.n_synthetic, cell.n) == (N, n, N + n)


def test_fully_synthetic_path_is_the_simulated_chain():
    """The replayed distributions give exactly the metrics simulate_cell reports."""
    p0 = np.array([0.5, 0.3, 0.2])
    n, G = 12, 30
    for seed in range(5):
        path = experiments.fully_synthetic_path(p0, n, G, 2024, seed)
        res = simulate_cell(p0, experiments.fully_synthetic_cell(n, 3), [seed], G, 2024)
        np.testing.assert_allclose((path**2).sum(axis=1), res.metrics[0, :, experiments.SIMPSON], rtol=0, atol=1e-12)
        assert (path.max(axis=1) == 1).argmax() == max(res.collapse_time[0], 0)


def test_simulate_until_collapsed_extends_runs_without_changing_them():
    """Doubling G re-runs a replicate on its own stream: same T as one long run, and all collapse."""
    p0 = experiments.target_initial(50, {"support": 10, "s0": 0.3})
    cell = experiments.fully_synthetic_cell(20, 50)
    res, fixed = experiments.simulate_until_collapsed(p0, cell, range(40), 4, 7)  # G = 4 is far too short
    long = simulate_cell(p0, cell, range(40), 5000, 7)
    assert (res.collapse_time > 0).all()
    np.testing.assert_array_equal(res.collapse_time, long.collapse_time)
    np.testing.assert_array_equal(fixed, long.metrics[:, -1, experiments.TOP_TOKEN])


def test_chi_square_pools_small_cells():
    p = np.array([0.6, 0.3, 0.09, 0.005, 0.005])
    fixed = np.repeat(np.arange(5), [60, 30, 9, 1, 0])
    statistic, dof, p_value = experiments.chi_square_fixation(fixed, p)
    # cells 60 and 30, then 9 pooled with the two tokens expecting 0.5 each: alone, their pooled
    # cell would expect 1 < 5, so it joins the smallest kept cell (the rule of stats.chi_square)
    assert dof == 2
    assert statistic == pytest.approx(0.0, abs=1e-12)
    assert p_value == pytest.approx(1.0)


def test_row_criteria():
    assert experiments.equality_row("c", "s", "p", 1, 1.0, 1.0 + 3.9, 1.0, 4)["result"] == "PASS"
    assert experiments.equality_row("c", "s", "p", 1, 1.0, 1.0 + 4.1, 1.0, 4)["result"] == "FAIL"
    assert experiments.bound_row("c", "s", "p", 1, 0.0, 1.0, 1.0 + 3.0, 1.0, 4)["result"] == "PASS"
    assert experiments.bound_row("c", "s", "p", 1, 0.0, 1.0, 1.0 + 5.0, 1.0, 4)["result"] == "FAIL"
    assert experiments.bound_row("c", "s", "p", 1, 0.0, 1.0, 0.0, 0.0, 4)["result"] == "PASS"  # exact, SE = 0


def test_printed_eq9_differs_from_corrected_where_docs_theory_says():
    """docs/theory.md, Theorem 2 ("The correction"): only the '+' form gives S_1 = 1/N + (1 − 1/N) S₀."""
    N, n, s0 = 5, 100, 0.12
    assert theory.simpson_partial(1, N, n, s0) == pytest.approx(1 / N + (1 - 1 / N) * s0)
    assert abs(theory.simpson_partial_as_printed(1, N, n, s0) - theory.simpson_partial(1, N, n, s0)) > 0.01


@pytest.fixture(scope="module")
def small_tables(cfg):
    figures = {name: simulate(cfg) for name, simulate in experiments.FIGURE_SIMULATIONS.items()}
    theorems = {name: simulate(cfg) for name, simulate in experiments.THEOREM_SIMULATIONS.items()}
    return figures, theorems


def test_figure2_runs_all_collapse(small_tables):
    fig2 = small_tables[0]["fig2"]
    assert (fig2["collapse_time"] >= 1).all()


def test_theorem_table_small_config_passes(small_tables, cfg):
    """Deterministic (fixed seeds): every closed form checks out even at 200 replicates."""
    _, theorems = small_tables
    fully, fixed = theorems["theorems_fully_synthetic"], theorems["theorems_fixed_real"]
    table = experiments.theorem_table(fully["generations"], fully["replicates"], fixed["generations"], cfg)
    assert set(table["check"]) >= {"eq 6", "eq 7", "eq 8", "Prop 1", "Thm 2 (eq 9, corrected)", "Thm 2 S∞", "Thm 3"}
    failed = table[table["result"] != "PASS"]
    assert failed.empty, failed.to_string()


def test_claims_and_markdown(small_tables, cfg):
    figures, _ = small_tables
    claims = experiments.claims_table(figures["fig2"], figures["fig3"], figures["fig4"], figures["fig6"], cfg)
    assert list(claims.columns) == list(experiments.TABLE_COLUMNS)
    assert set(claims["result"]) <= {"PASS", "FAIL"}
    assert claims["simulated"].notna().all()
    assert "## Qualitative claims" in experiments.results_markdown(claims)


def test_every_figure_draws(small_tables, cfg):
    figures, theorems = small_tables
    for name, draw in paper_figures.FIGURES.items():
        assert isinstance(draw(figures[name], cfg), Figure)
    fully, fixed = theorems["theorems_fully_synthetic"], theorems["theorems_fixed_real"]
    plots = paper_figures.verification_figures(fully["generations"], fully["replicates"], fixed["generations"], figures["fig2"], cfg)
    assert all(isinstance(figure, Figure) for figure in plots.values())


# --- config and schema ------------------------------------------------------------------------

SCHEMA = REPO / "workflow" / "schemas" / "paper.schema.yaml"


def _schema_nodes(node, key=""):
    """(key, node) of every property, depth first."""
    for name, child in node.get("properties", {}).items():
        yield f"{key}{name}", child
        yield from _schema_nodes(child, f"{key}{name}.")


def test_schema_documents_every_key_and_closes_every_object():
    schema = yaml.safe_load(SCHEMA.read_text())
    for key, node in _schema_nodes(schema):
        assert node.get("description") and "default" in node, key
        if "properties" in node:
            assert node.get("additionalProperties") is False, key
    assert schema["additionalProperties"] is False


def test_shipped_config_is_valid_and_equals_the_schema_defaults():
    import jsonschema

    schema = yaml.safe_load(SCHEMA.read_text())
    shipped = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())["paper"]
    jsonschema.Draft202012Validator(schema).validate(shipped)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(SMALL.read_text())["paper"])
    for key, node in _schema_nodes(schema):
        if "properties" not in node:
            value = shipped
            for part in key.split("."):
                value = value[part]
            assert value == node["default"], key


# --- workflow -------------------------------------------------------------------------------


def test_paper_target_end_to_end(tmp_path, cfg):
    work = project_copy(tmp_path / "w")
    out = work / cfg["out_dir"]
    snakemake(work, "paper", "--configfile", str(SMALL.relative_to(REPO)))
    for name in ("fig1", "fig2", "fig3", "fig4", "fig6"):
        assert (out / f"{name}.png").stat().st_size > 10_000
        assert (out / f"{name}.pdf").exists()
        assert not pd.read_parquet(out / "data" / f"{name}.parquet").empty
    table = pd.read_csv(out / "theorems.csv")
    assert (table.loc[table["kind"] == "theorem", "result"] == "PASS").all()
    assert "checks PASS" in (out / "theorems.md").read_text()
    assert len(list((out / "verification").glob("*.png"))) == 7

    # Each rule gets only the keys it reads: editing Figure 3's settings plans Figure 3 (and the
    # theorem table, which reads its table), nothing else; the study plans nothing at all.
    edited = yaml.safe_load(SMALL.read_text())
    edited["paper"]["fig3"]["seeds"] += 1
    (tmp_path / "edited.yaml").write_text(yaml.safe_dump(edited, sort_keys=False))
    plan = snakemake(work, "paper", "-n", "--quiet", "rules", "--configfile", str(tmp_path / "edited.yaml"))
    planned = set(re.findall(r"^(\w+)\s+\d+$", plan.stdout, re.M)) - {"total"}
    assert planned == {"paper_fig3_table", "paper_fig3", "paper_theorems", "report_theorem_table", "paper"}, plan.stdout


def test_invalid_paper_config_names_the_key(tmp_path):
    bad = yaml.safe_load(SMALL.read_text())
    bad["paper"]["fig2"]["initials"][0]["s0"] = 0.001  # below 1/support
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    run = snakemake(project_copy(tmp_path / "w"), "paper", "-n", "--configfile", str(path), check=False)
    assert run.returncode != 0
    assert "config key 'paper.fig2.initials.0'" in run.stderr + run.stdout


@pytest.mark.skipif(not FULL_TABLE.exists(), reason="full `paper` target not run (snakemake --cores all paper)")
def test_full_config_theorems_all_pass():
    """The full config's theorem table, once run: every check PASS."""
    table = pd.read_csv(FULL_TABLE)
    assert (table["result"] == "PASS").all(), table[table["result"] != "PASS"].to_string()


def test_the_workflow_plans_the_figures_the_library_draws():
    """paper.FIGURES and paper.VERIFICATION_PLOTS (what the workflow plans) name exactly what
    `experiments` simulates and `figures` draws."""
    import inspect

    import modelcollapse.paper as paper

    assert tuple(experiments.FIGURE_SIMULATIONS) == tuple(paper_figures.FIGURES) == paper.FIGURES
    drawn = re.findall(r'"(\w+)": verify_', inspect.getsource(paper_figures.verification_figures))
    assert tuple(drawn) == paper.VERIFICATION_PLOTS


def test_each_paper_job_reads_its_own_sections_and_the_shared_keys():
    paper = modelcollapse.config.DEFAULTS["paper"]
    fig1 = modelcollapse.paper.settings(paper, "fig1")
    assert "fig1" in fig1 and "fig2" not in fig1 and "theorems" not in fig1 and "out_dir" not in fig1
    assert {"vocab", "root_seed"} <= set(fig1)
    assert set(modelcollapse.paper.SECTIONS) <= set(modelcollapse.paper.settings(paper, "theorems"))
    assert {key for key in modelcollapse.paper.settings(paper, "verification") if key in modelcollapse.paper.SECTIONS} == {
        "theorems",
        "fig2",
    }
