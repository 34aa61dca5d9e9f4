"""Each preset reproduces its paper's qualitative result, at reduced size, on the bundled digits."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from inittui.core.engine import run_sweep
from inittui.core.errors import SpecError
from inittui.core.events import EpochFinished, Event, LayerStatsReady
from inittui.core.grid_results import AxisSeries, axis_series, depth_series
from inittui.core.presets import PRESETS, apply_preset
from inittui.core.results import ResultsBook, SweepRecord
from inittui.core.specs import ExperimentSpec


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


def test_pytorch_notebook_zeros_never_learn_and_xavier_and_he_lead() -> None:
    accuracy, _ = sweep("pytorch-notebook", epochs="2")
    assert accuracy["zeros"] == [0.1, 0.1]
    assert accuracy["xavier-normal"][-1] > accuracy["normal"][-1] > accuracy["zeros"][-1]
    assert accuracy["he-normal"][-1] > accuracy["normal"][-1]


def test_keras_notebook_zeros_stall_and_the_random_inits_train() -> None:
    assert apply_preset(ExperimentSpec(), "keras-notebook").output_init == "xavier-uniform"
    accuracy, _ = sweep("keras-notebook", epochs="1")
    assert accuracy.pop("zeros") == [0.1]
    assert set(accuracy) == {"normal:std=0.05", "xavier-normal:truncated=true",
                             "he-normal:truncated=true"}
    assert all(values[-1] > 0.75 for values in accuracy.values())


def test_glorot2010_standard_init_shrinks_activations_with_depth() -> None:
    accuracy, layers = sweep("glorot2010", epochs="1", hidden="256,256,256,256,256")
    standard = [layer.act_std for layer in layers["pytorch-default"]]
    normalized = [layer.act_std for layer in layers["xavier-uniform"]]
    assert all(a > b for a, b in pairwise(standard))
    assert standard[-1] / standard[0] < 0.2
    assert normalized[-1] / normalized[0] > 0.4
    assert accuracy["xavier-uniform"][-1] > accuracy["pytorch-default"][-1] + 0.1


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
    sweep = grid_book("he2015", hidden="64x10;64x30", epochs="2")
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


def test_selu2017_lecun_normal_keeps_unit_variance_at_every_depth() -> None:
    _, layers = sweep("selu2017", epochs="1")
    for layer in layers["lecun-normal"]:
        assert 0.8 < layer.act_std < 1.25 and abs(layer.act_mean) < 0.2
    assert layers["he-normal"][-1].act_std > 2


def test_saxe2013_orthogonal_preserves_the_signal_exactly_and_learns_faster() -> None:
    accuracy, layers = sweep("saxe2013", epochs="2")

    def spread(init: str) -> float:
        stds = [layer.act_std for layer in layers[init][1:]]  # square layers only
        return max(stds) / min(stds)

    assert spread("orthogonal") < 1.02
    assert spread("lecun-normal") > spread("orthogonal")
    assert accuracy["orthogonal"][-1] > accuracy["lecun-normal"][-1]
