"""Drawing every run's starting weights into the stacked model, LSUV included.

Each run draws from its own generators seeded by its seed alone, so two initializers with
the same seed use the same underlying random numbers (he-normal is then xavier-normal,
rescaled): the comparison is paired down to the draw.
"""

from __future__ import annotations

import torch
from torch import Tensor

from inittui.core.init_registry import parse_initializer
from inittui.core.initializers import draw_bias, draw_weight
from inittui.core.models import BatchedNet
from inittui.core.specs import RunInfo

WEIGHT_STREAM, BIAS_STREAM, DATA_STREAM = 0, 1, 2
LSUV_TOLERANCE = 0.1
LSUV_MAX_ITERATIONS = 10


def generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator for one purpose of one seed, so purposes never share draws."""
    return torch.Generator().manual_seed(seed * 1000 + stream)


@torch.no_grad()
def initialize_runs(model: BatchedNet, runs: list[RunInfo], lsuv_batch: Tensor,
                    output_init: str | None = None) -> None:
    """Set every run's weights and biases; LSUV runs are then rescaled on lsuv_batch.

    output_init, when given, draws every run's output layer instead of the run's own
    initializer (the Keras exercise compares initializers on the hidden layers only).
    """
    output_choice = parse_initializer(output_init) if output_init else None
    output_layer = len(model.layers) - 1
    for run in runs:
        choice, bias_choice = run.choice, run.bias_choice
        weights = generator(run.seed, WEIGHT_STREAM)
        biases = generator(run.seed, BIAS_STREAM)
        for index, layer in enumerate(model.layers):
            layer_choice = output_choice if output_choice and index == output_layer else choice
            weight = draw_weight(layer_choice, layer.weight_shape, model.activation, weights)
            model.weight(index, run.index).copy_(weight)
            bias = draw_bias(bias_choice, layer.fan_in, layer.out_features, biases)
            model.bias(index, run.index).copy_(bias)
    lsuv_runs = [run.index for run in runs if run.choice.info.data_dependent]
    if lsuv_runs:
        lsuv(model, lsuv_runs, lsuv_batch,
             layers=output_layer if output_choice else output_layer + 1)


@torch.no_grad()
def lsuv(model: BatchedNet, run_indices: list[int], batch: Tensor, layers: int) -> None:
    """Layer-sequential unit variance (Mishkin & Matas 2016, "All you need is a good init").

    Layer by layer, the first `layers` of them, divide the (orthogonally drawn) weights by
    the std of the layer's output on a batch until its variance is within LSUV_TOLERANCE of 1.
    """
    for layer in range(layers):
        for _ in range(LSUV_MAX_ITERATIONS):
            output = model.units(layer, model.trace(batch).pre[layer])
            variance = output.flatten(1).var(dim=1)
            pending = [run for run in run_indices
                       if abs(variance[run].item() - 1) > LSUV_TOLERANCE
                       and variance[run].item() > 0]
            if not pending:
                break
            for run in pending:
                model.weight(layer, run).div_(variance[run].sqrt())
