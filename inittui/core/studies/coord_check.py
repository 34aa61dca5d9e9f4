"""The coordinate check (Yang et al. 2022, as in the `mup` package): activation size vs width.

For each width, the spec's model (mlp, resmlp or gpt) is built with every hidden layer that
wide, initialized and trained for a few steps on real minibatches; before each step, the mean
absolute value of every probed layer's output and of the logits is recorded: the MLP's hidden
layers after the activation, resmlp's stem and each residual block's output, gpt's blocks. Under the
standard parametrization the curves rise with width after one Adam step (updates of size lr
to n inputs add up to n·lr); under μP they stay flat. Step 0 is the initialization.

It uses the engine's own pieces (batched model, initialization, μP scaling, optimizer, the
per-seed data order), so what it shows is what a sweep trains.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import torch
from torch import Tensor

from inittui.core.data.datasets import DataSplits, load_dataset
from inittui.core.errors import SpecError
from inittui.core.init.apply import DATA_STREAM, generator, initialize_runs
from inittui.core.init.mup import check_parametrization, rescale_initialization
from inittui.core.models import BatchedNet, build_model
from inittui.core.spec.experiment import MUP_MODELS, ExperimentSpec
from inittui.core.studies.records import OUTPUT, CoordPoint
from inittui.core.training.device import check_fits, resolve_device
from inittui.core.training.engine import estimated_bytes
from inittui.core.training.mup_optimizer import ParametrizedOptimizer, make_parametrized_optimizer

DEFAULT_WIDTHS = (64, 128, 256, 512, 1024, 2048)
DEFAULT_STEPS = 5


def width_spec(spec: ExperimentSpec, width: int) -> ExperimentSpec:
    """The spec with every hidden layer `width` wide (its depth kept)."""
    return replace(spec, hidden=(width,) * len(spec.hidden))


def prepare_width(spec: ExperimentSpec, width: int, data: DataSplits,
                  device: torch.device) -> tuple[BatchedNet, ParametrizedOptimizer]:
    """The initialized model and its optimizer at one width, as a sweep would start them."""
    wide = width_spec(spec, width)
    with torch.device("meta"):
        model = build_model(wide, data.input_shape, data.num_classes)
    check_fits(estimated_bytes(wide, model, data), device,
               f"the coordinate check at width {width}")
    model.to_empty(device=device)
    probe = data.x_train[:128].unsqueeze(0).to(device)
    initialize_runs(model, wide.runs(), probe, wide.output_init, wide.residual_init,
                    wide.model)
    rescale_initialization(model, wide.runs(), wide, data)
    return model, make_parametrized_optimizer(wide, model, data=data)


def batches(spec: ExperimentSpec, data: DataSplits, steps: int,
            device: torch.device) -> Iterator[tuple[Tensor, Tensor]]:
    """The first steps+1 minibatches of every seed's epoch-1 order: (seeds, batch, ...) each."""
    count = len(data.x_train)
    orders = torch.stack([torch.randperm(count, generator=generator(seed, DATA_STREAM))
                          for seed in spec.run_seeds])
    for step in range(steps + 1):
        positions = torch.arange(step * spec.batch_size, (step + 1) * spec.batch_size) % count
        index = orders[:, positions]
        yield data.x_train[index].to(device), data.y_train[index].to(device)


def layer_l1(model: BatchedNet, x: Tensor) -> list[Tensor]:
    """Mean |value| per run of each probed layer's output (what the layers view shows: the
    MLP's hidden layers after the activation, resmlp's stem and blocks, gpt's blocks), then
    of the logits; training mode, running statistics left alone."""
    capture = model.capture(x)
    return [tensor.abs().flatten(1).mean(dim=1)
            for tensor in (*(layer.output for layer in capture.layers), capture.logits)]


def coord_check(spec: ExperimentSpec, widths: Sequence[int] = DEFAULT_WIDTHS,
                steps: int = DEFAULT_STEPS, data: DataSplits | None = None,
                stop: threading.Event | None = None,
                on_width: Callable[[int, list[CoordPoint]], None] | None = None,
                ) -> list[CoordPoint]:
    """Every (init, width, step, layer) point; stops between widths when `stop` is set."""
    if spec.model not in MUP_MODELS:
        raise SpecError("model", f"the coordinate check is implemented for the "
                                 f"{', '.join(MUP_MODELS)} models, not {spec.model}")
    if steps < 0:
        raise SpecError("coord-steps", f"coord-steps must be at least 0, got {steps}")
    check_parametrization(spec)
    device = resolve_device(spec.device)
    data = data or load_dataset(spec.dataset, spec.data_dir, spec.download, spec.val_split)
    points: list[CoordPoint] = []
    for width in widths:
        if stop is not None and stop.is_set():
            break
        found = _one_width(spec, width, steps, data, device)
        points.extend(found)
        if on_width is not None:
            on_width(width, found)
    return points


def _one_width(spec: ExperimentSpec, width: int, steps: int, data: DataSplits,
               device: torch.device) -> list[CoordPoint]:
    model, optimizer = prepare_width(spec, width, data, device)
    active = torch.ones(model.runs, dtype=torch.bool, device=device)
    points = []
    for step, (x, y) in enumerate(batches(spec, data, steps, device)):
        with torch.no_grad():
            per_layer = [l1.view(spec.seeds, len(spec.inits)).mean(dim=0).tolist()
                         for l1 in layer_l1(model, x)]
        layers = [str(index) for index in range(1, len(per_layer))] + [OUTPUT]
        for layer, values in zip(layers, per_layer):
            points.extend(CoordPoint(spec.param, init, width, step, layer, value, spec.seeds,
                                     spec.model, spec.only("lr"))
                          for init, value in zip(spec.inits, values))
        if step < steps:
            model.loss_and_gradients(x, y, active)
            optimizer.step()
    return points
