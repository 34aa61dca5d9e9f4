"""One spelling for every setting, shared by the command line and the app's form."""

from __future__ import annotations

import re

import pytest

from inittui.core.errors import SpecError
from inittui.core.spec.experiment import ExperimentSpec, parse_field, split_list, synthetic_params


def test_parameters_with_commas_stay_with_their_initializer() -> None:
    assert split_list("normal:std=0.05,he-normal:mode=fan_out,truncated=true,zeros") == [
        "normal:std=0.05", "he-normal:mode=fan_out,truncated=true", "zeros"]
    assert split_list(["zeros,he-normal", "lsuv"]) == ["zeros", "he-normal", "lsuv"]


def test_initializers_are_canonical_and_deduplicated() -> None:
    assert parse_field("inits", "GlorotNormal,xavier-normal,kaiming-normal,he-normal") == (
        "xavier-normal:truncated=true", "xavier-normal", "he-normal")


def test_every_field_round_trips_through_its_text() -> None:
    spec = ExperimentSpec(inits=("zeros", "normal:std=0.05"), hidden=(32, 16), lr=3e-4,
                          dataset="synthetic:train=64,side=4", seeds=3, device="cpu")
    assert ExperimentSpec().with_text(**spec.as_text()) == spec


def test_runs_are_seed_major_with_unique_ids() -> None:
    runs = ExperimentSpec(inits=("zeros", "he-normal"), seeds=2, seed=5).runs()
    assert [(r.index, r.run_id) for r in runs] == [
        (0, "zeros/s5"), (1, "he-normal/s5"), (2, "zeros/s6"), (3, "he-normal/s6")]


@pytest.mark.parametrize(("field", "text", "message"), [
    ("hidden", "12,x", "hidden must be a whole number, got 'x'"),
    ("hidden", "128,,64", "hidden has an empty layer size in '128,,64'"),
    ("hidden", "128,64,", "hidden has an empty layer size"),
    ("hidden", "128x0", "hidden '128x0' repeats a layer 0 times"),
    ("hidden", "x30", "hidden 'x30' needs a layer size before 'x'"),
    ("hidden", "64;;32", "hidden has an empty item in '64;;32'"),
    ("lr", "3e-4,,1e-3", "lr has an empty item in '3e-4,,1e-3'"),
    ("lr", "1e-3,", "lr has an empty item"),
    ("lr", "1e-3,0", "lr must be greater than 0, got 0"),
    ("lr", "1e-3,-1e-2", "lr must be greater than 0, got -1e-2"),
    ("momentum", "0.9,1", "momentum must be in [0, 1), got 1"),
    ("batch_size", "32,0", "batch-size must be at least 1, got 0"),
    ("activation", "relu,tahn", "did you mean 'tanh'?"),
    ("val_split", "1", "val-split must be between 0.01 and 0.99"),
    ("momentum", "1.5", "momentum must be in [0, 1)"),
    ("dataset", "mnist:train=5", "takes no parameters"),
    ("dataset", "synthetic:size=5", "bad synthetic parameter 'size=5'"),
    ("inits", "", "choose at least one initializer"),
    ("device", "cuda:x", "device index in 'cuda:x' must be a number"),
])
def test_bad_text_names_the_field_and_the_reason(field: str, text: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_field(field, text)


def test_synthetic_sizes_fill_in_defaults() -> None:
    assert synthetic_params("synthetic:train=64,classes=3") == {
        "train": 64, "val": 500, "test": 500, "side": 28, "channels": 1, "classes": 3}


def test_lists_make_a_grid_whose_fields_hold_the_first_value() -> None:
    spec = ExperimentSpec().with_text(lr="3e-4,1e-3,3e-3", activation="relu,tanh",
                                      momentum="0.9", batch_size="32,64")
    assert spec.lr == 3e-4 and spec.activation == "relu" and spec.batch_size == 32
    assert spec.axis_values("lr") == (3e-4, 1e-3, 3e-3)
    assert spec.axis_values("momentum") == (0.9,)
    assert [name for name, _ in spec.axes] == ["activation", "batch_size", "lr"]
    assert spec.is_grid and not ExperimentSpec().is_grid


def test_repeat_shorthand_and_several_architectures() -> None:
    assert parse_field("hidden", "128x30") == ((128,) * 30,)
    assert parse_field("hidden", "64x5,32") == ((64,) * 5 + (32,),)
    assert parse_field("hidden", "128,64;256,128") == ((128, 64), (256, 128))
    assert parse_field("hidden", ["128,64", "64x3"]) == ((128, 64), (64, 64, 64))
    spec = ExperimentSpec().with_text(hidden="64x10;64x20")
    assert spec.hidden == (64,) * 10 and spec.axis_values("hidden")[1] == (64,) * 20
    assert spec.as_text()["hidden"] == "64x10;64x20"


def test_a_list_of_one_value_is_no_axis_and_duplicates_collapse() -> None:
    spec = ExperimentSpec().with_text(lr="1e-3,0.001", hidden="32,16")
    assert spec.axes == () and spec.lr == 1e-3 and spec.hidden == (32, 16)


def test_a_grid_round_trips_through_its_text() -> None:
    spec = ExperimentSpec().with_text(lr="1e-4,1e-2", hidden="64x5,32;16", momentum="0,0.9",
                                      activation="tanh,relu", batch_size="16,32")
    assert ExperimentSpec().with_text(**spec.as_text()) == spec


def test_a_fields_one_value_is_the_specs_and_an_axis_has_none() -> None:
    """What was asked has one home: a field given one value answers `only`; a listed
    field has no single value (each run has its own), and asking is an error, not the
    first value."""
    spec = ExperimentSpec().with_text(lr="3e-4,1e-3", activation="tanh")
    assert spec.only("activation") == "tanh" and spec.only("momentum") == 0.9
    with pytest.raises(ValueError, match="lists 2 values of lr: ask the run"):
        spec.only("lr")
    first = spec.first_cell()
    assert not first.is_grid and first.only("lr") == 3e-4 and first.only("activation") == "tanh"
    assert ExperimentSpec().first_cell() == ExperimentSpec()
