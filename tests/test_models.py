"""The stacked model keeps runs independent and reaches every run's weights by view."""

from __future__ import annotations

import math

import pytest
import torch

from inittui.core.data.datasets import load_dataset
from inittui.core.init.apply import LSUV_TOLERANCE, initialize_runs
from inittui.core.models import BatchedMLP
from inittui.core.spec.experiment import ExperimentSpec


def test_mlp_flattens_images_of_any_shape() -> None:
    model = BatchedMLP(784, (32,), 10, "relu", seeds=1, inits=2)
    torch.nn.init.normal_(model.first_weight)
    images = torch.randn(1, 5, 1, 28, 28)
    assert model(images).shape == (2, 5, 10)


def test_weight_views_write_into_the_right_run() -> None:
    model = BatchedMLP(6, (4,), 3, "relu", seeds=2, inits=3)
    with torch.no_grad():
        model.weight(0, 4).fill_(1.0)
    first = model.first_weight.detach()
    assert first.sum().item() == 6 * 4  # exactly one run's (4, 6) weight
    assert first[1, :, 4:8].eq(1).all()  # run 4 is seed 1, init 1


def test_runs_are_independent_in_the_forward_pass() -> None:
    model = BatchedMLP(10, (8, 8), 3, "tanh", seeds=1, inits=3)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter)
    x = torch.randn(1, 4, 10)
    before = model(x).detach()
    with torch.no_grad():
        model.weight(1, 1).fill_(float("nan"))
    after = model(x).detach()
    assert torch.equal(after[0], before[0]) and torch.equal(after[2], before[2])
    assert after[1].isnan().all()


def test_lsuv_gives_unit_output_variance_in_every_layer() -> None:
    spec = ExperimentSpec(inits=("lsuv", "he-normal"), hidden=(64, 32, 16), activation="tanh")
    data = load_dataset("synthetic:train=512,side=8", None, False, 0.15)
    model = BatchedMLP(64, spec.hidden, 10, spec.activation, seeds=1, inits=2)
    batch = data.x_train[:256].unsqueeze(0)
    initialize_runs(model, spec.runs(), batch)
    trace = model.trace(batch)
    for output in trace.pre:
        assert abs(output[0].var().item() - 1) <= LSUV_TOLERANCE
    assert any(abs(output[1].var().item() - 1) > LSUV_TOLERANCE for output in trace.pre)


def test_an_output_initializer_draws_the_output_layer_alone() -> None:
    spec = ExperimentSpec(inits=("zeros", "he-normal"), hidden=(32, 16))
    model = BatchedMLP(64, spec.hidden, 10, "relu", seeds=1, inits=2)
    initialize_runs(model, spec.runs(), torch.randn(1, 32, 64), output_init="xavier-uniform")
    bound = math.sqrt(6 / (16 + 10))  # Glorot & Bengio's normalized init for 16 -> 10
    for run in range(model.runs):
        output = model.weight(2, run)
        assert output.abs().max() <= bound and output.std() > bound / 3
    assert model.weight(0, 0).abs().max() == 0 and model.weight(1, 0).abs().max() == 0
    assert model.weight(0, 1).std().item() == pytest.approx(math.sqrt(2 / 64), rel=0.1)


def test_lsuv_leaves_a_separately_initialized_output_layer_as_drawn() -> None:
    spec = ExperimentSpec(inits=("lsuv",), hidden=(64, 32), activation="tanh")
    data = load_dataset("synthetic:train=512,side=8", None, False, 0.15)
    batch = data.x_train[:256].unsqueeze(0)
    model = BatchedMLP(64, spec.hidden, 10, spec.activation, seeds=1, inits=1)
    initialize_runs(model, spec.runs(), batch, output_init="zeros")
    pre = model.trace(batch).pre
    assert all(abs(output[0].var().item() - 1) <= LSUV_TOLERANCE for output in pre[:2])
    assert model.weight(2, 0).abs().max() == 0
