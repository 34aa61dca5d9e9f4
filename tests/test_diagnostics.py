"""Per-layer statistics computed on the stacked model are those of each run on its own."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inittui.core.diagnostics import HISTOGRAM_BINS, layer_statistics
from inittui.core.initialize import initialize_runs
from inittui.core.models import BatchedMLP
from inittui.core.specs import ExperimentSpec


def stacked(spec: ExperimentSpec, inputs: int = 20, classes: int = 5) -> BatchedMLP:
    model = BatchedMLP(inputs, spec.hidden, classes, spec.activation, spec.seeds,
                       len(spec.inits))
    initialize_runs(model, spec.runs(), torch.randn(1, 32, inputs))
    return model


def test_statistics_match_a_plain_pytorch_copy_of_each_run() -> None:
    spec = ExperimentSpec(inits=("he-normal", "xavier-uniform", "lecun-normal"), seeds=2,
                          hidden=(12, 9, 7), activation="tanh")
    model = stacked(spec)
    x, y = torch.randn(64, 20), torch.randint(0, 5, (64,))
    stats = layer_statistics(model, x.unsqueeze(0), y)
    for run in range(model.runs):
        linears = []
        for index, shape in enumerate(model.layers):
            linear = nn.Linear(shape.in_features, shape.out_features)
            with torch.no_grad():
                linear.weight.copy_(model.weight(index, run))
                linear.bias.copy_(model.bias(index, run))
            linears.append(linear)
        hidden, signal = [], x
        for linear in linears[:-1]:
            signal = torch.tanh(linear(signal))
            signal.retain_grad()
            hidden.append(signal)
        F.cross_entropy(linears[-1](signal), y).backward()
        for layer, (expected, linear) in enumerate(zip(hidden, linears)):
            got = stats[run][layer]
            assert got.layer == layer + 1 and got.units == expected.shape[1]
            assert got.act_mean == pytest.approx(expected.mean().item(), abs=1e-6)
            assert got.act_std == pytest.approx(expected.std().item(), rel=1e-5)
            assert got.grad_std == pytest.approx(expected.grad.std().item(), rel=1e-4)
            assert got.wgrad_std == pytest.approx(linear.weight.grad.std().item(), rel=1e-4)


def test_zero_weights_leave_one_distinct_unit_per_layer() -> None:
    model = stacked(ExperimentSpec(inits=("zeros", "he-normal"), hidden=(16, 8)))
    stats = layer_statistics(model, torch.randn(1, 64, 20), torch.randint(0, 5, (64,)))
    assert [layer.distinct_units for layer in stats[0]] == [1, 1]
    assert [layer.distinct_units for layer in stats[1]] == [16, 8]


def test_dead_units_are_counted_for_the_relu_family_only() -> None:
    dead = stacked(ExperimentSpec(inits=("he-normal",), bias_init="constant:value=-100",
                                  hidden=(16,)))
    x, y = torch.randn(1, 64, 20), torch.randint(0, 5, (64,))
    assert layer_statistics(dead, x, y)[0][0].dead_frac == 1.0
    alive = stacked(ExperimentSpec(inits=("he-normal",), hidden=(16,)))
    assert layer_statistics(alive, x, y)[0][0].dead_frac < 0.5
    saturating = stacked(ExperimentSpec(inits=("he-normal",), hidden=(16,), activation="tanh"))
    assert math.isnan(layer_statistics(saturating, x, y)[0][0].dead_frac)


def test_each_layer_carries_a_histogram_of_all_its_activations() -> None:
    model = stacked(ExperimentSpec(inits=("he-normal", "zeros"), hidden=(16, 8)))
    stats = layer_statistics(model, torch.randn(1, 64, 20), torch.randint(0, 5, (64,)))
    for run in stats:
        for layer in run:
            assert len(layer.hist_counts) == HISTOGRAM_BINS
            assert sum(layer.hist_counts) == 64 * layer.units
            assert layer.hist_range[0] < layer.hist_range[1]
