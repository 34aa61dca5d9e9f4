"""Per-layer statistics computed on the stacked model are those of each run on its own."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inittui.core.diagnostics.stats import (
    HISTOGRAM_BINS,
    SAME_UNIT_TOLERANCE,
    distinct_units,
    layer_statistics,
)
from inittui.core.init.apply import initialize_runs
from inittui.core.models import BatchedMLP
from inittui.core.spec.experiment import ExperimentSpec


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
        hidden, pre, signal = [], [], x
        for linear in linears[:-1]:
            pre.append(linear(signal))
            pre[-1].retain_grad()
            signal = torch.tanh(pre[-1])
            signal.retain_grad()
            hidden.append(signal)
        F.cross_entropy(linears[-1](signal), y).backward()
        for layer, (expected, linear, before) in enumerate(zip(hidden, linears, pre)):
            got = stats[run][layer]
            assert got.layer == layer + 1 and got.units == expected.shape[1]
            assert got.act_mean == pytest.approx(expected.mean().item(), abs=1e-6)
            assert got.act_std == pytest.approx(expected.std().item(), rel=1e-5)
            assert got.grad_std == pytest.approx(expected.grad.std().item(), rel=1e-4)
            assert got.pre_grad_std == pytest.approx(before.grad.std().item(), rel=1e-4)
            assert got.pre_act_std == pytest.approx(before.std().item(), rel=1e-5)
            assert got.wgrad_std == pytest.approx(linear.weight.grad.std().item(), rel=1e-4)


def test_zero_weights_leave_one_distinct_unit_per_layer() -> None:
    model = stacked(ExperimentSpec(inits=("zeros", "he-normal"), hidden=(16, 8),
                                   activation="tanh"))
    stats = layer_statistics(model, torch.randn(1, 64, 20), torch.randint(0, 5, (64,)))
    assert [layer.distinct_units for layer in stats[0]] == [1, 1]
    assert [layer.distinct_units for layer in stats[1]] == [16, 8]
    assert [layer.dead_units for run in stats for layer in run] == [0, 0, 0, 0]


def test_dead_relu_units_are_counted_apart_not_as_one_distinct_unit() -> None:
    """Zero weights under ReLU output 0 everywhere: every unit is dead, none is 'distinct'."""
    model = stacked(ExperimentSpec(inits=("zeros", "he-normal"), hidden=(16, 8)))
    stats = layer_statistics(model, torch.randn(1, 64, 20), torch.randint(0, 5, (64,)))
    assert [(layer.distinct_units, layer.dead_units) for layer in stats[0]] == [(0, 16), (0, 8)]
    for layer in stats[1]:
        assert layer.distinct_units + layer.dead_units == layer.units
        assert layer.dead_units == round(layer.dead_frac * layer.units)


def test_every_one_of_many_truly_distinct_units_is_counted() -> None:
    """The case a random projection got wrong: 1000 tanh units, 255/256 and 998/1000 before."""
    model = stacked(ExperimentSpec(inits=("xavier-normal",), hidden=(1000, 256),
                                   activation="tanh"))
    stats = layer_statistics(model, torch.randn(1, 128, 20), torch.randint(0, 5, (128,)))
    assert [layer.distinct_units for layer in stats[0]] == [1000, 256]


def test_copies_merge_and_differences_above_the_tolerance_do_not() -> None:
    generator = torch.Generator().manual_seed(0)
    units = torch.randn(1, 50, 30, generator=generator)
    copies = units[:, :, :1].expand(1, 50, 5)  # 5 exact copies of unit 0
    near = units[:, :, 1:2] * (1 + SAME_UNIT_TOLERANCE / 100)  # within the tolerance of unit 1
    apart = units[:, :, 2:3].clone()
    apart[0, 7, 0] += 1e-3 * units.abs().max()  # one sample differs, well above it
    acts = torch.cat([units, copies, near, apart], dim=2)
    alive = torch.zeros(1, acts.shape[2], dtype=torch.bool)
    assert distinct_units(acts, alive).tolist() == [31]
    dead = alive.clone()
    dead[0, :10] = True
    # units 0-9 dead: 20 random left, plus unit 0's copies, unit 1's near copy, and `apart`
    assert distinct_units(acts, dead).tolist() == [23]


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
