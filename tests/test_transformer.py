"""Figure 5 (paper §4.1): the character-transformer experiment at the `tiny` preset, its tables, claim check and plot.

Tests that train need torch, which is not in envs/requirements.txt: they are skipped without it. The table, claim
and plot tests do not need torch.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import project_copy, snakemake

from modelcollapse.transformer import plots as transformer_plots

REPO = Path(__file__).resolve().parents[1]
TEXT_PATH = REPO / "data" / "tinyshakespeare.txt"
TINY_CONFIG_PATH = REPO / "tests" / "configs" / "transformer_tiny.yaml"
NO_TORCH = (
    "torch is not installed; the transformer experiment (Figure 5) needs it: "
    "`make transformer` or `.venv/bin/pip install -r envs/transformer.txt`"
)


@pytest.fixture(scope="module")
def transformer():
    pytest.importorskip("torch", reason=NO_TORCH)
    from modelcollapse.transformer import model

    return model


@pytest.fixture(scope="module")
def text():
    return TEXT_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_config():
    return yaml.safe_load(TINY_CONFIG_PATH.read_text())


@pytest.fixture(scope="module")
def tiny_experiment(transformer, tiny_config):
    return transformer.TransformerExperiment.from_config(tiny_config)


@pytest.fixture(scope="module")
def ground_truth(transformer, text, tiny_experiment):
    return transformer.train_ground_truth(text, tiny_experiment)


# ---------------------------------------------------------------------------------------------------------------
# Library, with torch
# ---------------------------------------------------------------------------------------------------------------


def test_paper_preset_is_table_1(transformer):
    paper = transformer.get_preset("paper")
    assert (paper.block_size, paper.n_embd, paper.n_layer, paper.n_head) == (128, 256, 8, 4)
    assert (paper.dropout, paper.learning_rate, paper.batch_size, paper.max_iters) == (0.2, 1e-3, 256, 2000)
    assert paper.device == "auto"


def test_data_is_tiny_shakespeare(transformer, text):
    assert len(text) == 1_115_394
    assert len(transformer.build_vocabulary(text)) == 65


def test_same_seed_gives_identical_training(transformer, text, tiny_experiment):
    vocabulary, train, validation = transformer.prepare_text(text, 0.1)
    preset = tiny_experiment.preset
    windows = transformer.validation_windows(validation, preset.block_size, preset.eval_windows, seed=1)
    transformer.configure_torch(1)
    runs = [transformer.train_model(train, len(vocabulary), preset, seed, windows) for seed in (7, 7, 8)]
    (model_a, loss_a), (model_b, loss_b), (model_c, loss_c) = runs
    pd.testing.assert_frame_equal(loss_a, loss_b)
    for (name, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert a.equal(b), name
    assert not loss_a.val_loss.equals(loss_c.val_loss)


def test_cached_sampling_matches_full_forward(transformer, ground_truth):
    """The key-value cache changes the cost of sampling, not the next-character distribution."""
    import torch

    model = ground_truth.model
    window = torch.as_tensor(ground_truth.contexts[:5])
    caches = [transformer.KeyValueCache() for _ in model.blocks]
    with torch.no_grad():
        model(window[:, :-1], caches=caches)
        cached = model(window[:, -1:], last_only=True, caches=caches)
        full = model(window, last_only=True)
    torch.testing.assert_close(cached, full, rtol=1e-5, atol=1e-5)


def test_sampling_is_seeded(transformer, ground_truth):
    sample = [transformer.sample_corpus(ground_truth.model, 500, 0, 8, 1.0, seed) for seed in (3, 3, 4)]
    assert len(sample[0]) == 500
    np.testing.assert_array_equal(sample[0], sample[1])
    assert not np.array_equal(sample[0], sample[2])


def test_ground_truth_assets(ground_truth, tiny_experiment):
    n_contexts, block_size = tiny_experiment.n_contexts, tiny_experiment.preset.block_size
    assert ground_truth.contexts.shape == (n_contexts, block_size)
    assert ground_truth.real_pool.shape == (tiny_experiment.corpus_chars,)
    probabilities = ground_truth.next_char_probabilities
    assert probabilities.shape == (n_contexts, len(ground_truth.vocabulary))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert list(ground_truth.val_loss.columns) == ["iteration", "val_loss"]
    assert ground_truth.val_loss.iteration.iloc[-1] == tiny_experiment.preset.max_iters


@pytest.mark.parametrize("synthetic_fraction", [1.0, 0.5, 0.2])
def test_training_corpus_mixes_real_and_synthetic(transformer, ground_truth, tiny_experiment, synthetic_fraction):
    corpus = transformer.training_corpus(
        ground_truth.model, ground_truth.real_pool, ground_truth.vocabulary, synthetic_fraction, 1, tiny_experiment
    )
    n_real = tiny_experiment.corpus_chars - round(synthetic_fraction * tiny_experiment.corpus_chars)
    assert len(corpus) == tiny_experiment.corpus_chars
    # The real part is the fixed pool's prefix, the same at every generation.
    np.testing.assert_array_equal(corpus[:n_real], ground_truth.real_pool[:n_real])


def test_real_text_choice_takes_a_chunk_of_the_train_split(transformer, text, tiny_config):
    experiment = transformer.TransformerExperiment.from_config({**tiny_config, "real_data": "real_text"})
    ground_truth = transformer.train_ground_truth(text, experiment)
    _, train, _ = transformer.prepare_text(text, experiment.validation_fraction)
    chunk = transformer.decode(ground_truth.real_pool, ground_truth.vocabulary)
    assert chunk in transformer.decode(train, ground_truth.vocabulary)


def test_tiny_experiment_end_to_end(transformer, text, tiny_experiment, ground_truth):
    """Two settings x three generations, then the tables, the claim check and Figure 5, at the library level."""
    probabilities, losses = {}, {}
    for fraction in (1.0, 0.5):
        previous = ground_truth.model
        probabilities[fraction], losses[fraction] = [], []
        for generation in (1, 2, 3):
            result = transformer.train_generation(
                text, previous, ground_truth.contexts, ground_truth.real_pool, fraction, generation, tiny_experiment
            )
            probabilities[fraction].append(result.next_char_probabilities)
            losses[fraction].append(result.val_loss)
            previous = result.model
    drift = transformer_plots.drift_table(ground_truth.next_char_probabilities, probabilities)
    val_loss = transformer_plots.validation_loss_table(ground_truth.val_loss, losses)
    assert len(drift) == 6
    assert (drift[drift.generation == 1].l1_from_first == 0).all()
    assert (drift[drift.generation > 1].l1_from_first > 0).all()
    assert set(val_loss.generation) == {0, 1, 2, 3}
    claim = transformer_plots.check_drift_claim(drift)
    assert list(claim.setting) == ["synthetic_100pct", "synthetic_50pct"]
    meta = transformer.experiment_metadata(tiny_experiment)
    figure = transformer_plots.plot_fig5(drift, val_loss, meta)
    assert len([axis for axis in figure.axes if axis.get_visible()]) == 3
    assert figure.canvas.manager is None  # not pyplot's: nothing left open


# ---------------------------------------------------------------------------------------------------------------
# Tables, claim check and plot, without torch
# ---------------------------------------------------------------------------------------------------------------


def fake_drift(growth_by_fraction, generations=10):
    """Drift rising linearly at the given rate per generation, from 0.1 at generation 2."""
    rows = [
        {
            "setting": transformer_plots.setting_name(fraction),
            "synthetic_fraction": fraction,
            "generation": m,
            "l1_from_first": 0.0 if m == 1 else 0.1 + rate * (m - 2),
        }
        for fraction, rate in growth_by_fraction.items()
        for m in range(1, generations + 1)
    ]
    return pd.DataFrame.from_records(rows)


def test_plot_module_does_not_import_torch():
    code = "import sys, modelcollapse.transformer.plots; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_setting_names_and_labels():
    assert transformer_plots.setting_name(1.0) == "synthetic_100pct"
    assert transformer_plots.setting_label(1.0) == "synthetic"
    assert transformer_plots.setting_label(0.2) == "synthetic 20% – real 80%"


def test_drift_table_measures_from_first_generation():
    rng = np.random.default_rng(0)
    distributions = [rng.dirichlet(np.ones(5), size=4) for _ in range(4)]
    drift = transformer_plots.drift_table(distributions[0], {1.0: distributions[1:]})
    assert list(drift.generation) == [1, 2, 3]
    assert drift.l1_from_first.iloc[0] == 0.0
    expected = np.abs(distributions[3] - distributions[1]).sum(axis=1).mean()
    assert drift.l1_from_first.iloc[2] == pytest.approx(expected)
    assert drift.l1_from_previous.iloc[0] == drift.l1_from_ground_truth.iloc[0]


def test_claim_holds_when_synthetic_drift_grows_and_mixes_stay_flat():
    claim = transformer_plots.check_drift_claim(fake_drift({1.0: 0.05, 0.5: 0.005, 0.2: 0.0}))
    assert list(claim.synthetic_fraction) == [1.0, 0.5, 0.2]
    assert claim.holds.all()
    assert claim.growth_ratio.iloc[0] == pytest.approx((0.1 + 0.05 * 8) / 0.1)


def test_claim_fails_when_every_setting_drifts_alike():
    claim = transformer_plots.check_drift_claim(fake_drift({1.0: 0.05, 0.5: 0.05}))
    assert claim.holds.tolist() == [True, False]
    flat = transformer_plots.check_drift_claim(fake_drift({1.0: 0.0, 0.5: 0.0}))
    assert not flat.holds.iloc[0]


def test_plot_fig5_has_the_paper_layout():
    drift = fake_drift({1.0: 0.05, 0.5: 0.01, 0.2: 0.0})
    curves = [
        {"setting": name, "synthetic_fraction": fraction, "generation": m, "iteration": it, "val_loss": 4 / it**0.1}
        for name, fraction, generations in [("ground_truth", np.nan, [0])]
        + [(transformer_plots.setting_name(f), f, range(1, 11)) for f in (1.0, 0.5, 0.2)]
        for m in generations
        for it in (1, 10, 100)
    ]
    meta = {"preset": {"name": "small"}, "n_contexts": 300, "choices": ["a choice the paper leaves open"]}
    figure = transformer_plots.plot_fig5(drift, pd.DataFrame.from_records(curves), meta)
    axes = [axis for axis in figure.axes if axis.get_visible()]
    assert len(axes) == 4
    assert all(axis.get_xscale() == "log" for axis in axes[1:])
    assert [axis.get_title() for axis in axes[1:]] == [
        "synthetic",
        "synthetic 50% – real 50%",
        "synthetic 20% – real 80%",
    ]
    assert any("a choice the paper leaves open" in text.get_text() for text in figure.texts)
    assert figure.canvas.manager is None  # not pyplot's: nothing left open


# ---------------------------------------------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------------------------------------------


def test_snakemake_target_at_tiny_preset(transformer, tiny_config, tmp_path):
    """`snakemake transformer` in a scratch copy of the project, at the tiny preset."""
    work = project_copy(tmp_path / "w")
    out_dir = "results/transformer_test"  # outputs must stay under results/
    (work / "tiny.yaml").write_text(yaml.safe_dump({"transformer": {**tiny_config, "out_dir": out_dir}}))
    snakemake(work, "transformer", "--configfile", "tiny.yaml")
    out = work / out_dir
    for name in ("fig5.png", "fig5.pdf", "drift.parquet", "val_loss.parquet", "drift_claim.tsv", "meta.json"):
        assert (out / name).stat().st_size > 0, name
    drift = pd.read_parquet(out / "drift.parquet")
    assert len(drift) == len(tiny_config["synthetic_fractions"]) * tiny_config["generations"]
