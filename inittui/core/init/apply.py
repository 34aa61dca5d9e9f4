"""Every run's starting weights drawn into the stacked model, LSUV included.

The last of four modules: `registry` names the initializers, `draws` draws one tensor,
`roles` one run's network by parameter role, and this one applies a sweep's choices to
all its runs, through the stacked model's one interface (`models.batched_net`).

Each run draws from its own generators seeded by its seed alone, so two initializers with
the same seed use the same underlying random numbers (he-normal is then xavier-normal,
rescaled): the comparison is paired down to the draw.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from inittui.core.init.registry import InitializerChoice, as_initializer, known
from inittui.core.init.roles import check_structure, draw_run, parameter_roles
from inittui.core.models import BatchedNet
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
    """Every run's parameters by role (see `roles`), then LSUV where asked.

    output_init, when given, draws every run's output layer instead of the run's own
    initializer (the Keras exercise compares initializers on the hidden layers only);
    residual_init the last layer of each residual branch. Either takes a parsed choice
    (a spec's) or its text. Each run draws, in its plain module's parameter order, from
    generators seeded by its seed alone, so every implementation of the model draws the
    same weights.
    """
    output = as_initializer(output_init) if output_init else None
    residual = as_initializer(residual_init) if residual_init else None
    with torch.device("cpu"), torch.random.fork_rng(devices=[]):  # leaves torch's own RNG be
        reference = model.make()  # real tensors, for roles and constructor-given values
    for choice in {run.init for run in runs}:
        check_structure(reference, known(choice), residual, model_name or "mlp")
    roles = parameter_roles(reference)
    for run in runs:
        values = draw_run(reference, roles, run.init, run.bias_init, model.activation,
                          generator(run.seed, WEIGHT_STREAM), generator(run.seed, BIAS_STREAM),
                          output, residual)
        for name, value in values.items():
            model.run_tensor(name, run.index).copy_(value)
    model.reset_buffers(reference)  # a new module's running statistics
    lsuv_runs = [run.index for run in runs if run.init.info.data_dependent]
    if lsuv_runs:
        lsuv(model, lsuv_runs, lsuv_batch, skip_readout=output is not None)


@torch.no_grad()
def lsuv(model: BatchedNet, run_indices: list[int], batch: Tensor, skip_readout: bool) -> None:
    """Layer-sequential unit variance (Mishkin & Matas 2016, "All you need is a good init").

    Layer by layer (each Linear/Conv, in order; the readout too unless `skip_readout`),
    divide each run's (orthogonally drawn) weight by the std of the layer's output on the
    batch until its variance is within LSUV_TOLERANCE of 1: measured with a forward hook
    on that run alone (training mode, running statistics untouched).
    """
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
                weight = model.run_tensor(f"{name}.weight", run)
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
