"""K copies of one plain model trained as one: the general batched path.

`torch.func.stack_module_state` stacks the copies' parameters and buffers on a leading
run axis; `torch.vmap(functional_call)` runs every copy on its minibatch at once, and
autograd does the backward. Nothing mixes values across the run axis, so the summed
per-run losses give each run exactly its own gradient, as the float64 tests check
against copies trained one by one. Buffers (BatchNorm's running statistics) are stacked
too, so each run keeps its own.

The plain MLP keeps its written-out implementation of the same interface
(`batched_mlp.py`); this path is the reference it is tested against and the path of every
other model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state

from inittui.core.errors import SpecError
from inittui.core.models.activations import Activation
from inittui.core.models.batched_mlp import BatchedMLP
from inittui.core.models.batched_net import (
    BatchedNet,
    Capture,
    LayerCapture,
    LayerShape,
    per_run_loss_and_correct,
)
from inittui.core.models.plain import plain_model
from inittui.core.models.structure import WEIGHT_MODULES, Probe, probes_of, readout_of
from inittui.core.spec.experiment import ExperimentSpec, is_user_model

EVAL_CHUNK = 256
"""Samples per evaluation forward: the general path keeps every layer's output of every
run (a gpt's attention scores too), so it evaluates in smaller chunks than the MLP."""
VALIDATION_RUNS = 2
"""Copies a user's model is tried with, on two samples, before a sweep starts."""


class StackedModel(BatchedNet):
    """Many copies of `make()` with stacked parameters; the engine's `BatchedNet` interface."""

    def __init__(self, make: Callable[[], nn.Module], activation: str, seeds: int,
                 inits: int):
        runs = seeds * inits
        copies = [make() for _ in range(runs)]
        base = copies[0]
        try:
            params, buffers = stack_module_state(copies)
        except (RuntimeError, ValueError) as error:
            raise SpecError("model", f"{type(base).__name__}: copies cannot be stacked "
                                     f"({error})") from None
        _check_stackable(base)
        self.probes: list[Probe] = probes_of(base)
        layers = [_layer_shape(base, probe.weight) for probe in self.probes]
        readout = readout_of(base)
        if readout is not None and isinstance(base.get_submodule(readout), WEIGHT_MODULES):
            layers.append(_layer_shape(base, f"{readout}.weight"))
        else:
            layers.append(LayerShape("dense", 1, 1))  # no separate readout (tied head)
        super().__init__(layers, activation, seeds, inits)
        self.names = list(params)
        self.stacked = nn.ParameterList(nn.Parameter(params[name].detach()) for name in params)
        self.buffer_names = list(buffers)
        for index, name in enumerate(self.buffer_names):
            self.register_buffer(f"buffer_{index}", buffers[name].detach())
        self.index = {name: index for index, name in enumerate(self.names)}
        # One copy holds the structure; its own tensors are replaced on every call. (Not
        # moved to "meta": Module.to unties tied weights, such as gpt's head.)
        object.__setattr__(self, "_skeleton", base)
        self.make = make
        self.eval_chunk = EVAL_CHUNK

    @property
    def skeleton(self) -> nn.Module:
        return self._skeleton  # type: ignore[no-any-return]

    def parameter(self, name: str) -> nn.Parameter:
        """The stacked tensor of the named parameter, runs on axis 0."""
        return self.stacked[self.index[name]]

    def run_tensor(self, name: str, run: int) -> Tensor:
        return self.parameter(name)[run]

    def stacked_buffers(self) -> list[Tensor]:
        return [getattr(self, f"buffer_{index}") for index in range(len(self.buffer_names))]

    def run_buffers(self, run: int) -> dict[str, Tensor]:
        return {name: b[run] for name, b in zip(self.buffer_names, self.stacked_buffers())}

    def reset_buffers(self, reference: nn.Module) -> None:
        buffers = dict(reference.named_buffers())
        for name, stacked in zip(self.buffer_names, self.stacked_buffers()):
            stacked.copy_(buffers[name].expand_as(stacked))

    def call(self, x: Tensor, train: bool, buffers: list[Tensor] | None = None) -> Tensor:
        """Every run's output on x of shape (seeds or 1, batch, ...): (runs, batch, ...).

        In training mode, BatchNorm normalizes with the batch and updates `buffers` (the
        model's own unless a copy is given) in place, each run its own slice.
        """
        skeleton: nn.Module = self.skeleton  # type: ignore[assignment]
        skeleton.train(train)
        params = dict(zip(self.names, self.stacked))
        stacked = dict(zip(self.buffer_names, buffers if buffers is not None
                           else self.stacked_buffers()))
        if x.shape[0] == 1:
            inputs, input_dim = x[0], None
        else:
            inputs, input_dim = x.repeat_interleave(self.inits, dim=0), 0

        def one_run(p: dict[str, Tensor], b: dict[str, Tensor], xs: Tensor) -> Tensor:
            return functional_call(skeleton, (p, b), (xs,))

        return torch.vmap(one_run, in_dims=(0, 0, input_dim))(params, stacked, inputs)

    def forward(self, x: Tensor) -> Tensor:
        """Logits in evaluation mode (BatchNorm uses its running statistics)."""
        return self.call(x, train=False)

    def loss_and_gradients(self, x: Tensor, labels: Tensor,
                           active: Tensor) -> tuple[Tensor, Tensor]:
        run_labels = labels.repeat_interleave(self.inits, dim=0) if labels.shape[0] > 1 \
            else labels.expand(self.runs, *labels.shape[1:])
        loss, correct = per_run_loss_and_correct(self.call(x, train=True), run_labels)
        for parameter in self.stacked:
            parameter.grad = None
        torch.where(active, loss, torch.zeros_like(loss)).sum().backward()
        return loss.detach(), correct

    def capture(self, x: Tensor, y: Tensor | None = None) -> Capture:
        """Each run alone, forward hooks on the probed modules (an activation module's
        input is the pre-activation), autograd for the gradients; buffers copied."""
        skeleton = self.skeleton
        probes = self.probes
        after_activation = [isinstance(skeleton.get_submodule(p.module), Activation)
                            for p in probes]
        columns: list[list[list[Tensor]]] = [[[] for _ in probes] for _ in range(5)]
        logits = []
        skeleton.train(True)
        for run in range(self.runs):
            state = {name: p[run].detach().requires_grad_(y is not None)
                     for name, p in zip(self.names, self.stacked)}
            state.update({name: b.clone() for name, b in self.run_buffers(run).items()})
            captured: list[tuple[Tensor, Tensor]] = []
            handles = [skeleton.get_submodule(probe.module).register_forward_hook(
                partial(_keep, captured)) for probe in probes]
            try:
                with torch.enable_grad() if y is not None else torch.no_grad():
                    out = functional_call(skeleton, state, (x[run // self.inits]
                                                            if x.shape[0] > 1 else x[0],))
                    found = _gradients(out, y, captured, after_activation,
                                       [state[probe.weight] for probe in probes])
            finally:
                for handle in handles:
                    handle.remove()
            logits.append(out.detach())
            for layer, ((pre, output), grads) in enumerate(zip(captured, found)):
                nan = torch.full_like(units(output), float("nan"))
                values = (units(output.detach()),
                          units(pre.detach()) if after_activation[layer] else nan, *grads)
                for column, value in zip(columns, values):
                    column[layer].append(value)
        layers = [LayerCapture(probe.activation, *(torch.stack(column[layer])
                                                   if column[layer] else None
                                                   for column in columns), weight_run_axes=1)
                  for layer, probe in enumerate(probes)]
        return Capture(layers, torch.stack(logits))


def _keep(into: list[tuple[Tensor, Tensor]], module: object, args: tuple[Tensor, ...],
          output: Tensor) -> None:
    into.append((args[0], output))


def _gradients(logits: Tensor, y: Tensor | None, captured: list[tuple[Tensor, Tensor]],
               after_activation: list[bool], weights: list[Tensor]
               ) -> list[tuple[Tensor, ...]]:
    """(∂L/∂output, ∂L/∂pre, ∂L/∂weight) of each probe for one run (none without labels):
    zero where the loss does not reach, NaN for a probe with no pre-activation."""
    outputs = [output for _, output in captured]
    if y is None or not outputs:
        return [() for _ in outputs]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    pres = [pre for (pre, _), flag in zip(captured, after_activation) if flag]
    found = torch.autograd.grad(loss, [*outputs, *weights, *pres], allow_unused=True)
    pre_found = iter(found[2 * len(outputs):])
    result = []
    for layer, output in enumerate(outputs):
        grad, wgrad = found[layer], found[len(outputs) + layer]
        pre_grad = next(pre_found) if after_activation[layer] else None
        result.append((units(grad) if grad is not None else torch.zeros_like(units(output)),
                       units(pre_grad) if pre_grad is not None
                       else torch.full_like(units(output), float("nan")),
                       wgrad if wgrad is not None else torch.zeros_like(weights[layer])))
    return result


def units(output: Tensor) -> Tensor:
    """A layer output as (samples, units): a conv's unit is a channel at one position, a
    sequence model's a feature at one token."""
    if output.dim() == 4:
        return output.permute(0, 2, 3, 1).reshape(-1, output.shape[1])
    return output.reshape(-1, output.shape[-1])


def _layer_shape(model: nn.Module, weight_name: str) -> LayerShape:
    weight = model.get_parameter(weight_name)
    if weight.dim() == 4:
        return LayerShape("conv", weight.shape[1], weight.shape[0], weight.shape[2])
    if weight.dim() == 2:
        return LayerShape("dense", weight.shape[1], weight.shape[0])
    return LayerShape("dense", 1, max(1, weight.numel()))


def _check_stackable(model: nn.Module) -> None:
    """Refuse what one stacked elementwise optimizer cannot train as K separate ones."""
    name_of = type(model).__name__
    for name, parameter in model.named_parameters():
        if not parameter.dtype.is_floating_point or parameter.layout != torch.strided:
            raise SpecError("model", f"{name_of}: parameter '{name}' ({parameter.dtype}, "
                                     f"{parameter.layout}) cannot be stacked: parameters "
                                     "must be dense floating-point tensors")
        if not parameter.requires_grad:
            raise SpecError("model", f"{name_of}: parameter '{name}' is frozen "
                                     "(requires_grad=False); register it as a buffer")
    for name, buffer in model.named_buffers():
        if buffer.layout != torch.strided:
            raise SpecError("model", f"{name_of}: buffer '{name}' is {buffer.layout}; "
                                     "only dense buffers can be stacked")


def validate(spec: ExperimentSpec, input_shape: tuple[int, ...], classes: int,
             sample: Tensor) -> None:
    """Build two real copies and run them batched on two samples: a user's model that
    cannot be stacked, run under vmap or gives the wrong output shape fails here, in one
    line, before any sweep state exists."""
    model = StackedModel(plain_model(spec, input_shape, classes), spec.activation,
                         VALIDATION_RUNS, 1)  # two seeds: the inputs are batched too
    name = type(model.skeleton).__name__
    try:
        with torch.no_grad():
            logits = model.call(torch.stack([sample[:2], sample[:2].flip(0)]), train=True,
                                buffers=[b.clone() for b in model.stacked_buffers()])
    except Exception as error:  # the user's forward: any failure is one line
        raise SpecError("model", f"{name} cannot run batched (torch.vmap): "
                                 f"{type(error).__name__}: {str(error).splitlines()[0]}") \
            from None
    expected = (VALIDATION_RUNS, 2, *([sample.shape[1]] if sample.dim() == 2 else []), classes)
    if tuple(logits.shape) != expected:
        raise SpecError("model", f"{name} gives outputs of shape {tuple(logits.shape[1:])} "
                                 f"for 2 samples, expected {expected[1:]} (logits per class)")


def build_model(spec: ExperimentSpec, input_shape: tuple[int, ...],
                classes: int, runs_per_seed: int | None = None) -> BatchedNet:
    """The written-out fast path for the plain MLP, the general stacked path otherwise.

    runs_per_seed defaults to one per initializer (a grid group has one per initializer
    and cell)."""
    per_seed = runs_per_seed or len(spec.inits)
    if len(input_shape) == 1 and spec.model != "gpt" and not is_user_model(spec.model):
        raise SpecError("model", f"text data sets are token sequences: use --model gpt "
                                 f"(model '{spec.model}' takes images)")
    if spec.model == "mlp" and spec.norm == "none":
        return BatchedMLP(math.prod(input_shape), spec.hidden, classes, spec.activation,
                          spec.seeds, per_seed)
    return StackedModel(plain_model(spec, input_shape, classes), spec.activation,
                        spec.seeds, per_seed)
