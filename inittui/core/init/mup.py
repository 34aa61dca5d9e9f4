"""Standard parametrization (SP) against μP: how initialization and learning rates scale with width.

μP (Yang et al. 2022, Tensor Programs V) makes a network's best learning rate stay put as it
widens. This module follows the `mup` package's formulation (MuReadout, set_base_shapes,
mup.init, MuAdam, MuSGD) on a model whose hidden layers are `base_width` wide at the base
shape, with one change of variables: `MuReadout` divides the output layer's input by the
width multiplier m in its forward pass; here that 1/m is folded into the output weight
itself (W' = W/m), so the model needs no output multiplier. Under that change the output
weight's init std and learning rate carry the 1/m (the μP table without multipliers, Table 3
of the paper); the network computes the same function and, for SGD, takes the same steps;
for Adam the steps differ only through Adam's eps.

The rules for an MLP, for width multipliers m_in = fan_in / base fan_in and m_out = fan_out /
base fan_out (1 for the input and class dimensions, which do not grow):

    parameter       init                         Adam lr     SGD lr
    input weight    as drawn at the base shape   1           m_out
    hidden weight   base-shape draw / √m_in      1/m_in      m_out/m_in
    output weight   base-shape draw / m_in       1/m_in      1/m_in
    biases          as drawn at the base shape   1           m_out (output bias: 1)

"As drawn at the base shape" is mup.init's rule (each initializer behaves at the base shape
exactly as torch's, and scales with width as μP says): a fan-based initializer is rescaled
by √(fan at the shape / fan at the base shape); one with a fixed std (normal, uniform) is left
as drawn. For the usual fan_in initializers this is exactly what set_base_shapes'
rescale_params does to PyTorch's default init.

Every model (mlp, resmlp, gpt) reaches them the general way the `mup` package goes, by
parameter name on its plain module, whichever stacked model trains it: the model is built at
the base width and at twice it, and a dimension of a parameter that differs between the two
grows with width ("infinite", in mup's words). A tensor with two such dimensions is
matrix-like (hidden weights: init /√m_in, Adam lr /m_in, SGD lr ·m_out/m_in), one with one
is vector-like (input weights, biases, embeddings, norm gains: Adam lr 1, SGD lr ·m), one
with none is fixed (the readout's bias, a branch's scalar gain: lr 1). The readout (a
separate Linear, resmlp's head) gets MuReadout's 1/m folded into its weight as above; a
readout tied to the token embedding (gpt) cannot fold it, so the model multiplies its
logits by 1/m itself (MuSharedReadout), and scales attention by 1/d instead of 1/√d.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import torch
from torch import nn

from inittui.core.errors import SpecError
from inittui.core.init.registry import BiasChoice, InitializerChoice
from inittui.core.init.roles import BIAS, EMBEDDING, READOUT, RESIDUAL, parameter_roles
from inittui.core.models import BatchedNet, plain_model
from inittui.core.spec.experiment import MUP_MODELS, ExperimentSpec, RunPlan


def _fan(choice: InitializerChoice | BiasChoice, fan_in: float, fan_out: float
         ) -> float | None:
    """The fan an initializer's std goes as 1/√fan of (its entry's fan rule); None when its
    std is fixed."""
    if choice.info.fan is None:
        raise SpecError("param", f"μP has no width rule for the initializer '{choice.label}' "
                                 "(data-dependent or structural); use --param sp")
    return choice.info.fan(choice.params, fan_in, fan_out)


def _base_shape_factor(choice: InitializerChoice | BiasChoice, fan_in: int, fan_out: int,
                       base_fan_in: int, base_fan_out: int) -> float:
    """std at the base shape / std at the actual shape, for the same initializer."""
    fan = _fan(choice, fan_in, fan_out)
    if fan is None:
        return 1.0
    base = _fan(choice, base_fan_in, base_fan_out)
    assert base is not None
    return math.sqrt(fan / base)


def check_parametrization(spec: ExperimentSpec) -> None:
    """Refuse what μP cannot scale, before anything is built, naming the field."""
    if spec.param != "mup":
        return
    if spec.model not in MUP_MODELS:
        raise SpecError("param", f"μP is implemented for the {', '.join(MUP_MODELS)} models, "
                                 f"not {spec.model}; use --param sp")
    for choice in (*spec.inits, *([spec.output_init] if spec.output_init else []),
                   *([spec.residual_init] if spec.residual_init else [])):
        _fan(choice, 1, 1)


class DataShape(Protocol):
    """What the general path needs of the data to build a model at the base width."""

    @property
    def input_shape(self) -> tuple[int, ...]: ...

    num_classes: int


@dataclass(frozen=True)
class TensorScaling:
    """μP's view of one parameter tensor (mup's InfShape): which dimensions grow with width.

    `multipliers` holds, per dimension, its size over its size at the base width (1 for a
    dimension that does not grow: inputs, classes, vocabulary, positions).
    """

    name: str
    role: str
    shape: tuple[int, ...]
    base_shape: tuple[int, ...]
    infinite: tuple[bool, ...]
    folded_readout: bool = False  # MuReadout's 1/m carried by the weight itself

    @property
    def multipliers(self) -> tuple[float, ...]:
        return tuple(size / base if grows else 1.0
                     for size, base, grows in zip(self.shape, self.base_shape, self.infinite))

    @property
    def infinite_dims(self) -> int:
        return sum(self.infinite)

    @property
    def width_mult_in(self) -> float:
        return self.multipliers[1] if len(self.shape) >= 2 else 1.0

    @property
    def width_mult_out(self) -> float:
        return self.multipliers[0] if self.shape else 1.0

    @property
    def width_mult(self) -> float:
        """A vector-like tensor's multiplier: the one of its growing dimension."""
        return next((m for m, grows in zip(self.multipliers, self.infinite) if grows), 1.0)

    def lr(self, optimizer: str) -> float:
        """The tensor's learning-rate multiplier (MuAdam's and MuSGD's rules)."""
        if self.folded_readout:
            return 1 / self.width_mult_in
        if self.infinite_dims >= 2:  # matrix-like
            if optimizer == "adam":
                return 1 / self.width_mult_in
            return self.width_mult_out / self.width_mult_in
        if self.infinite_dims == 1 and optimizer == "sgd":  # vector-like
            return self.width_mult
        return 1.0

    def fans(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """(fan_in, fan_out) as torch.nn.init counts them for a tensor of this shape."""
        receptive = math.prod(shape[2:])
        return shape[1] * receptive, shape[0] * receptive

    def init(self, choice: InitializerChoice | BiasChoice | None) -> float:
        """Factor on the value drawn at the actual shape (roles.draw_run) that makes it μP's."""
        if choice is None or len(self.shape) < 2:
            return 1.0
        if isinstance(choice, BiasChoice):
            return 1.0
        if self.role == EMBEDDING and choice.info.embedding_draw:
            factor = 1.0  # e.g. nn.Embedding's N(0, 1): no fan in it
        else:
            factor = _base_shape_factor(choice, *self.fans(self.shape),
                                        *self.fans(self.base_shape))
        if self.infinite_dims >= 2:
            factor /= math.sqrt(self.width_mult_in)
        if self.folded_readout:
            factor /= self.width_mult_in
        return factor


@dataclass(frozen=True)
class ModelScaling:
    """Every parameter's TensorScaling for a general (stacked) model, by parameter name."""

    tensors: dict[str, TensorScaling]
    bias_fan_mults: dict[str, float]
    """A Linear bias' layer fan-in over its base fan-in (PyTorch's bias bound has it)."""

    def bias_init(self, name: str, choice: BiasChoice) -> float:
        """mup's rescale_linear_bias: a pytorch-default bias as drawn at the base fan-in."""
        if name not in self.bias_fan_mults or _fan(choice, 1, 1) is None:
            return 1.0
        return math.sqrt(self.bias_fan_mults[name])


def model_scaling(spec: ExperimentSpec, data: DataShape) -> ModelScaling:
    """Build the model at the base width and twice it (on the meta device) and compare shapes.

    As mup's set_base_shapes(model, base, delta=...): a dimension that differs between the
    two grows with width; the base model's size of it is its base size.
    """
    def built(width: int | None) -> nn.Module:
        hidden = spec.hidden if width is None else (width,) * len(spec.hidden)
        with torch.device("meta"):
            return plain_model(replace(spec, hidden=hidden), data.input_shape,
                               data.num_classes)()

    model, base, delta = built(None), built(spec.base_width), built(2 * spec.base_width)
    base_shapes = {n: tuple(p.shape) for n, p in base.named_parameters()}
    delta_shapes = {n: tuple(p.shape) for n, p in delta.named_parameters()}
    tensors: dict[str, TensorScaling] = {}
    bias_fans: dict[str, float] = {}
    roles = parameter_roles(model)
    fan_ins = {role.name: role.fan_in for role in parameter_roles(base)}
    for role in roles:
        shape, base_shape = role.shape, base_shapes[role.name]
        infinite = tuple(a != b for a, b in zip(base_shape, delta_shapes[role.name]))
        scaling = TensorScaling(role.name, role.role, shape, base_shape, infinite,
                                folded_readout=role.role == READOUT)
        if len(shape) >= 2 and infinite[1] and not infinite[0] and role.role not in (
                READOUT, EMBEDDING):
            raise SpecError("param", f"μP: '{role.name}' maps the width to a fixed size but "
                                     "is not the model's readout; use --param sp")
        tensors[role.name] = scaling
        if role.role == BIAS:
            bias_fans[role.name] = role.fan_in / fan_ins[role.name]
    return ModelScaling(tensors, bias_fans)


def _layer_choice(role: str, run_choice: InitializerChoice, spec: ExperimentSpec,
                  ) -> InitializerChoice:
    """The initializer roles.draw_run used for a weight of this role."""
    if role == READOUT and spec.output_init:
        return spec.output_init
    if role == RESIDUAL and spec.residual_init:
        return spec.residual_init
    return run_choice


@torch.no_grad()
def rescale_initialization(model: BatchedNet, runs: Sequence[RunPlan],
                           spec: ExperimentSpec, data: DataShape | None = None) -> None:
    """Turn every run's standard draws (initialize_runs) into μP's; nothing under SP.

    data (its input shape and classes) builds the model at the base width, to find which
    dimensions grow.
    """
    if spec.param != "mup":
        return
    check_parametrization(spec)
    scaling = model_scaling(spec, _needed(data))
    for run in runs:
        for name, tensor in scaling.tensors.items():
            if tensor.role == BIAS:
                factor = scaling.bias_init(name, run.bias_init)
            elif len(tensor.shape) >= 2:
                factor = tensor.init(_layer_choice(tensor.role, run.init, spec))
            else:
                factor = 1.0  # norm gains and shifts, a branch's scalar gain: as constructed
            if factor != 1.0:
                model.run_tensor(name, run.index).mul_(factor)


def lr_multipliers(model: BatchedNet, spec: ExperimentSpec,
                   data: DataShape | None = None) -> list[float]:
    """One learning-rate multiplier per tensor of `model.parameters()`, in that order."""
    if spec.param != "mup":
        return [1.0] * len(model.names)
    tensors = model_scaling(spec, _needed(data)).tensors
    return [tensors[name].lr(spec.optimizer) for name in model.names]


def _needed(data: DataShape | None) -> DataShape:
    if data is None:
        raise TypeError("μP needs the data's input shape and classes, to build the model "
                        "at its base width")
    return data
