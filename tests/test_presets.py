"""Each preset reproduces its paper's qualitative result, at reduced size, on the bundled digits.

Every expectation text is checked on several seeds (each seed redraws the weights and
reorders the data), so a claim holds for the preset, not for one lucky draw.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from inittui.core.data.datasets import bundled_mnist_path, load_dataset
from inittui.core.diagnostics.stats import layer_statistics
from inittui.core.errors import SpecError
from inittui.core.events import EpochFinished, Event, LayerStats, LayerStatsReady
from inittui.core.results.axes import AxisSeries, axis_series, depth_series
from inittui.core.results.book import ResultsBook, SweepRecord
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import PRESETS, apply_preset
from inittui.core.training.engine import GroupTraining
from inittui.core.training.plan import plan_grid
from inittui.core.training.sweep import run_sweep


def sweep(name: str, **overrides: str) -> tuple[dict[str, list[float]], dict[str, list]]:
    """Validation accuracy per epoch and the layer statistics at initialization, per init."""
    spec = apply_preset(ExperimentSpec(device="cpu"), name).with_text(**overrides)
    events: list[Event] = []
    run_sweep(spec, events.append)
    accuracy: dict[str, list[float]] = {}
    at_init: dict[str, list] = {}
    for event in events:
        if isinstance(event, EpochFinished):
            accuracy.setdefault(event.run.init, []).append(event.val_acc)
        elif isinstance(event, LayerStatsReady) and event.epoch == 0:
            at_init[event.run.init] = list(event.layers)
    return accuracy, at_init


SEEDS = 3


def seeded_sweep(name: str, **overrides: str) -> dict[str, list[list[float]]]:
    """Validation accuracy by epoch, per initializer and seed, over SEEDS seeds."""
    spec = apply_preset(ExperimentSpec(device="cpu"), name).with_text(
        **{"seeds": str(SEEDS), "diagnostics": "false", **overrides})
    curves: dict[str, dict[int, list[float]]] = {}

    def keep(event: Event) -> None:
        if isinstance(event, EpochFinished):
            curves.setdefault(event.run.init, {}).setdefault(event.run.seed, []).append(
                event.val_acc)

    run_sweep(spec, keep)
    return {init: list(seeds.values()) for init, seeds in curves.items()}


def layers_at_init(name: str, **overrides: str) -> dict[str, list[tuple[LayerStats, ...]]]:
    """Each initializer's layer statistics at initialization, one tuple per seed: the
    engine's own model, drawn and measured on its probe as in a sweep, without training."""
    spec = apply_preset(ExperimentSpec(device="cpu"), name).with_text(
        seeds=str(SEEDS), **overrides)
    sweep = GroupTraining(plan_grid(spec).groups[0], lambda event: None)
    stats = layer_statistics(sweep.model, sweep.probe_x, sweep.probe_y)
    found: dict[str, list[tuple[LayerStats, ...]]] = {}
    for state, layers in zip(sweep.runs, stats, strict=True):
        found.setdefault(state.plan.init, []).append(layers)
    return found


def finals(curves: list[list[float]]) -> list[float]:
    return [curve[-1] for curve in curves]


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def test_every_preset_says_where_it_comes_from_and_what_to_expect() -> None:
    for preset in PRESETS.values():
        assert preset.source and preset.expectation
        spec = apply_preset(ExperimentSpec(), preset.name)
        assert spec.inits and spec != ExperimentSpec()


def test_fields_the_user_set_win_over_the_preset() -> None:
    spec = apply_preset(replace(ExperimentSpec(), epochs=2), "he2015", keep=frozenset({"epochs"}))
    assert spec.epochs == 2 and spec.optimizer == "sgd"
    assert [len(hidden) for hidden in spec.axis_values("hidden")] == [10, 20, 30]


def test_an_unknown_preset_suggests_the_nearest() -> None:
    with pytest.raises(SpecError, match="did you mean 'saxe2013'"):
        apply_preset(ExperimentSpec(), "saxe2012")


@pytest.mark.slow
def test_pytorch_notebook_zeros_stay_at_chance_normal_is_slow_xavier_and_he_lead() -> None:
    accuracy = seeded_sweep("pytorch-notebook", epochs="3")
    assert all(curve == [0.1, 0.1, 0.1] for curve in accuracy["zeros"])
    for seed in range(SEEDS):  # seed by seed, with a margin
        normal = accuracy["normal"][seed][-1]
        assert accuracy["xavier-normal"][seed][-1] > normal + 0.1
        assert accuracy["he-normal"][seed][-1] > normal + 0.1
    assert abs(mean(finals(accuracy["xavier-normal"])) - mean(finals(accuracy["he-normal"]))) \
        < 0.05  # close together


@pytest.mark.slow
def test_keras_notebook_zeros_stall_and_the_random_inits_train_close_together() -> None:
    preset = PRESETS["keras-notebook"]
    assert apply_preset(ExperimentSpec(), "keras-notebook").output_init == "xavier-uniform"
    assert "stratified" in preset.source and "last 20 %" in preset.source
    accuracy = seeded_sweep("keras-notebook", epochs="1")
    assert accuracy.pop("zeros") == [[0.1]] * SEEDS
    assert set(accuracy) == {"normal:std=0.05", "xavier-normal:truncated=true",
                             "he-normal:truncated=true"}
    assert all(value > 0.75 for curves in accuracy.values() for value in finals(curves))
    means = [mean(finals(curves)) for curves in accuracy.values()]
    assert max(means) - min(means) < 0.02


def test_keras_validation_split_would_be_two_classes_of_the_sorted_sample() -> None:
    """Why the preset holds out a stratified random 20 % instead of Keras' last 20 %."""
    with np.load(bundled_mnist_path()) as arrays:
        labels = arrays["labels"]
    assert sorted(set(labels[-len(labels) // 5:].tolist())) == [8, 9]  # Keras' validation
    data = load_dataset("mnist-5k", None, False, 0.2)
    assert set(data.y_val.tolist()) == set(range(10))  # the preset's
    counts = np.bincount(data.y_val.numpy())
    assert counts.max() - counts.min() <= 1


@pytest.mark.slow
def test_glorot2010_standard_init_shrinks_activations_up_and_gradients_down() -> None:
    layers = layers_at_init("glorot2010", hidden="256,256,256,256,256")
    for standard, normalized in zip(layers["pytorch-default"], layers["xavier-uniform"]):
        acts = [layer.act_std for layer in standard]
        grads = [layer.pre_grad_std for layer in standard]
        weights = [layer.wgrad_std for layer in standard]
        assert all(a > b for a, b in pairwise(acts)) and acts[-1] / acts[0] < 0.15
        assert all(a < b for a, b in pairwise(grads)) and grads[0] / grads[-1] < 0.15
        assert max(weights) / min(weights) < 1.25  # level
        xavier_acts = [layer.act_std for layer in normalized]
        xavier_grads = [layer.pre_grad_std for layer in normalized]
        assert xavier_acts[-1] / xavier_acts[0] > 1 / 3
        assert xavier_grads[0] / xavier_grads[-1] > 1 / 3


@pytest.mark.slow
def test_glorot2010_xavier_uniform_trains_faster() -> None:
    accuracy = seeded_sweep("glorot2010", epochs="1", hidden="256,256,256,256,256",
                            seeds="2")
    for standard, normalized in zip(finals(accuracy["pytorch-default"]),
                                    finals(accuracy["xavier-uniform"]), strict=True):
        assert normalized > standard + 0.1


def grid_book(name: str, **overrides: str) -> SweepRecord:
    """A preset's grid, trained at reduced size, as the app's book holds it."""
    book = ResultsBook()
    run_sweep(apply_preset(ExperimentSpec(device="cpu"), name).with_text(**overrides),
              book.apply)
    return book.current


def by_depth(series: list[AxisSeries], init: str) -> list[float]:
    line = next(s for s in series if s.init == init)
    return [p.mean for p in line.points]  # type: ignore[misc]


@pytest.mark.slow
def test_he2015_xavier_fades_with_depth_and_he_trains_at_every_depth() -> None:
    """The expectation: xavier's last-layer std shrinks ~1000x from 10 to 30 layers and it
    stays at chance at 30; he-normal's std stays level and it learns at 30 layers."""
    sweep = grid_book("he2015", hidden="64x10;64x30")  # the preset's own 5 epochs
    std = depth_series(sweep, "act_std", after_training=False)
    xavier, he = by_depth(std, "xavier-normal"), by_depth(std, "he-normal")
    assert xavier[1] < 3e-3 * xavier[0]
    assert 0.2 < he[1] / he[0] < 5
    accuracy = axis_series(sweep, "hidden", "best_val_acc")
    xavier_acc, he_acc = by_depth(accuracy, "xavier-normal"), by_depth(accuracy, "he-normal")
    assert xavier_acc[1] <= 0.12 < xavier_acc[0]
    assert he_acc[1] > xavier_acc[1] + 0.1


@pytest.mark.slow
def test_lr_robustness_the_learning_rate_matters_more_than_the_initializer() -> None:
    """The expectation: zeros at chance at every lr; the random initializers close together
    at 1e-3, lower at 1e-4, near chance at 1e-1: the lr moves them more than the init."""
    sweep = grid_book("lr-robustness", inits="zeros,GlorotNormal,HeNormal,Orthogonal",
                      lr="1e-4,1e-3,1e-1", seeds="1", epochs="1")
    series = {line.init: [p.mean for p in line.points]
              for line in axis_series(sweep, "lr", "best_val_acc")}
    assert series.pop("zeros") == [0.1, 0.1, 0.1]
    at = {lr: [values[i] for values in series.values()] for i, lr in enumerate(("1e-4", "1e-3",
                                                                              "1e-1"))}
    assert min(at["1e-3"]) > 0.8
    assert max(at["1e-1"]) < 0.4 and max(at["1e-4"]) < min(at["1e-3"])
    across_inits = max(at["1e-3"]) - min(at["1e-3"])
    across_lrs = min(top - bottom for top, bottom in zip(at["1e-3"], at["1e-1"], strict=True))
    assert across_inits < 0.05 < 0.4 < across_lrs


@pytest.mark.slow
def test_selu2017_lecun_keeps_unit_variance_xavier_returns_to_it_he_grows_normal_vanishes(
) -> None:
    layers = layers_at_init("selu2017")
    for seed in range(SEEDS):
        for layer in layers["lecun-normal"][seed]:
            assert 0.85 < layer.act_std < 1.15 and abs(layer.act_mean) < 0.2
        xavier = [layer.act_std for layer in layers["xavier-normal"][seed]]
        assert xavier[0] > 1.15 and all(0.9 < std < 1.1 for std in xavier[-8:])
        he = [layer.act_std for layer in layers["he-normal"][seed]]
        assert he[-1] > 4 and he[-1] > 3 * he[0]
        normal = [layer.act_std for layer in layers["normal"][seed]]
        assert all(b < a / 5 for a, b in pairwise(normal)) and normal[-1] < 1e-10


@pytest.mark.slow
def test_saxe2013_orthogonal_learns_as_fast_at_40_layers_as_at_5_the_gaussian_slows() -> None:
    """The expectation at reduced size (5 and 40 layers, 2 seeds; its 6 epochs): steps to the
    loss target level for orthogonal, over twice as many at 40 layers for lecun-normal;
    at initialization orthogonal's std is exact from layer to layer, the Gaussian's drifts."""
    sweep = grid_book("saxe2013", hidden="64x5;64x40", seeds="2")
    steps = axis_series(sweep, "hidden", "steps_to_loss")
    orthogonal, gaussian = by_depth(steps, "orthogonal"), by_depth(steps, "lecun-normal")
    assert all(point.seeds == 2 for line in steps for point in line.points)
    assert 0.75 < orthogonal[1] / orthogonal[0] < 1.33
    assert gaussian[1] > 2 * gaussian[0] and gaussian[1] > 2 * orthogonal[1]

    def spread(init: str) -> float:
        """Largest over smallest activation std of the square layers, at initialization."""
        worst = 1.0
        for record in sweep.runs.values():
            if record.plan.init == init and len(record.layer_stats[0]) == 40:
                stds = [layer.act_std for layer in record.layer_stats[0][1:]]
                worst = max(worst, max(stds) / min(stds))
        return worst

    assert spread("orthogonal") < 1.02 < 1.2 < spread("lecun-normal")
