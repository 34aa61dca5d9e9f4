"""Every run's starting weights drawn into the stacked model, LSUV included.

The last of three modules: `init_registry` names the initializers, `init_draws` draws one
tensor, this one applies a sweep's choices to all its runs.

Each run draws from its own generators seeded by its seed alone, so two initializers with
the same seed use the same underlying random numbers (he-normal is then xavier-normal,
rescaled): the comparison is paired down to the draw.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from inittui.core.init.draws import draw_bias, draw_weight
from inittui.core.init.registry import InitializerChoice, as_initializer, known
from inittui.core.init.roles import check_structure, draw_run, parameter_roles
from inittui.core.models import BatchedNet
from inittui.core.models.stacked import StackedModel
from inittui.core.models.structure import WEIGHT_MODULES, readout_of
from inittui.core.spec.experiment import RunPlan

WEIGHT_STREAM, BIAS_STREAM, DATA_STREAM = 0, 1, 2
LSUV_TOLERANCE = 0.1
LSUV_MAX_ITERATIONS = 10


def generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator for one purpose of one seed, so purposes never share draws."""
    return torch.Generator().manual_seed(seed * 1000 + stream)


@torch.no_grad()
def initialize_runs(model: BatchedNet, runs: list[RunPlan], lsuv_batch: Tensor,
                    output_init: InitializerChoice | str | None = None,
                    residual_init: InitializerChoice | str | None = None,
                    model_name: str = "") -> None:
    """Set every run's weights and biases; LSUV runs are then rescaled on lsuv_batch.

    output_init, when given, draws every run's output layer instead of the run's own
    initializer (the Keras exercise compares initializers on the hidden layers only).
    Either takes a parsed choice (a spec's) or its text.
    """
    output_choice = as_initializer(output_init) if output_init else None
    residual = as_initializer(residual_init) if residual_init else None
    if isinstance(model, StackedModel):
        initialize_stacked(model, runs, lsuv_batch, output_choice, residual, model_name)
        return
    for choice in {run.init for run in runs}:
        check_structure(None, known(choice), residual, model_name or "mlp")
    output_layer = len(model.layers) - 1
    for run in runs:
        choice, bias_choice = run.init, run.bias_init
        weights = generator(run.seed, WEIGHT_STREAM)
        biases = generator(run.seed, BIAS_STREAM)
        for index, layer in enumerate(model.layers):
            layer_choice = output_choice if output_choice and index == output_layer else choice
            weight = draw_weight(layer_choice, layer.weight_shape, model.activation, weights)
            model.weight(index, run.index).copy_(weight)
            bias = draw_bias(bias_choice, layer.fan_in, layer.out_features, biases)
            model.bias(index, run.index).copy_(bias)
    lsuv_runs = [run.index for run in runs if run.init.info.data_dependent]
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


@torch.no_grad()
def initialize_stacked(model: StackedModel, runs: list[RunPlan], lsuv_batch: Tensor,
                       output_init: InitializerChoice | None = None,
                       residual_init: InitializerChoice | None = None,
                       model_name: str = "") -> None:
    """Every run's parameters by role (see `roles`), then LSUV where asked.

    Runs draw from the same per-seed generators as the fast path, in the model's
    parameter order, so a plain MLP starts from exactly the fast path's weights.
    """
    with torch.device("cpu"):
        reference = model.make()  # real tensors, for roles and constructor-given values
    for choice in {run.init for run in runs}:
        check_structure(reference, known(choice), residual_init, model_name)
    roles = parameter_roles(reference)
    for run in runs:
        values = draw_run(reference, roles, run.init, run.bias_init, model.activation,
                          generator(run.seed, WEIGHT_STREAM), generator(run.seed, BIAS_STREAM),
                          output_init, residual_init)
        for name, value in values.items():
            model.parameter(name)[run.index].copy_(value)
    buffers = dict(reference.named_buffers())
    for name, stacked in zip(model.buffer_names, model.stacked_buffers()):
        stacked.copy_(buffers[name].expand_as(stacked))  # a new module's running statistics
    lsuv_runs = [run.index for run in runs if run.init.info.data_dependent]
    if lsuv_runs:
        lsuv_stacked(model, lsuv_runs, lsuv_batch, skip_readout=output_init is not None)


@torch.no_grad()
def lsuv_stacked(model: StackedModel, run_indices: list[int], batch: Tensor,
                 skip_readout: bool) -> None:
    """LSUV on the general path: each Linear/Conv output of each run, in order, measured
    with a forward hook on that run alone (training mode, running statistics untouched)."""
    skeleton = model.skeleton
    readout = readout_of(skeleton)
    layers = [name for name, module in skeleton.named_modules()
              if isinstance(module, WEIGHT_MODULES) and not (skip_readout and name == readout)]
    for name in layers:
        captured: list[Tensor] = []
        handle = skeleton.get_submodule(name).register_forward_hook(
            lambda module, args, output, into=captured: into.append(output))
        try:
            for run in run_indices:
                weight = model.parameter(f"{name}.weight")[run]
                for _ in range(LSUV_MAX_ITERATIONS):
                    captured.clear()
                    with model.one_run(run) as forward:
                        forward(batch[0])
                    variance = captured[0].var().item()
                    if abs(variance - 1) <= LSUV_TOLERANCE or not variance > 0:
                        break
                    weight.div_(math.sqrt(variance))
        finally:
            handle.remove()
