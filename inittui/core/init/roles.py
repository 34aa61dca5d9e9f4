"""Initialization by parameter role, and the initializers that need a model's structure.

A parameter's role decides what a run's initializer draws for it:

- dense, conv and embedding weights: the run's initializer (registry draws, bit-identical
  to `torch.nn.init`; `pytorch-default` on an embedding is nn.Embedding's N(0, 1));
- the readout (output layer): `--output-init` if given, else the run's initializer;
- the last layer of a residual branch: `--residual-init` if given, else the run's;
- biases: the bias initializer; normalization gains 1 and shifts 0 (as torch);
- a branch's scalar gain: 1.

The structural schemes (fixup, skipinit, zero-residual, gpt2, small-embedding) ask the
model for its residual branches or embeddings and refuse a model without them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import init

from inittui.core.errors import SpecError
from inittui.core.init.draws import (
    BiasChoice,
    InitializerChoice,
    draw_bias,
    draw_tensor,
    draw_weight,
    parse_initializer,
    registry,
)
from inittui.core.models.structure import Branch, readout_of, residual_branches

DENSE, CONV, EMBEDDING, BIAS = "dense", "conv", "embedding", "bias"
NORM_GAIN, NORM_SHIFT, RESIDUAL, READOUT, BRANCH_GAIN, OTHER = (
    "norm-gain", "norm-shift", "residual", "readout", "branch-gain", "other")
WEIGHT_ROLES = (DENSE, CONV, EMBEDDING, RESIDUAL, READOUT)

GPT2_STD = 0.02
SMALL_EMBEDDING_BOUND = 1e-4

STRUCTURAL_NEEDS = {info.name: info.needs for info in registry() if info.structural}
"""Each structural initializer and what it asks the model for (its entry's `needs`)."""
RESIDUAL_MODELS = "resmlp, resnet, gpt, or a model with residual_branches()"
MODELS_WITH = {
    "residual branches": RESIDUAL_MODELS,
    "residual branches with a scalar gain":
        "resmlp, resnet, or a model whose branches declare a gain",
    "an embedding layer": "gpt",
}
"""The models that have what a structural scheme needs (its entry's `needs`)."""
_HE = parse_initializer("he-normal")
"""What skipinit, zero-residual and fixup draw before their own changes."""


@dataclass(frozen=True)
class ParameterRole:
    """One parameter of one run's network and what it is for."""

    name: str
    role: str
    shape: tuple[int, ...]
    fan_in: int = 1  # a bias's: its layer's weight fan-in (for pytorch-default)
    branch: int | None = None  # index of the residual branch the layer belongs to
    depth: int = 0  # position of the layer in its branch (0 first)


def parameter_roles(model: nn.Module) -> list[ParameterRole]:
    """Every distinct parameter (a tied one once, by its first name) with its role."""
    branches = residual_branches(model)
    in_branch = {layer: (index, depth) for index, branch in enumerate(branches)
                 for depth, layer in enumerate(branch.layers)}
    outputs = {branch.layers[-1] for branch in branches}
    gains = {branch.gain for branch in branches if branch.gain}
    readout = readout_of(model)
    roles = []
    for name, parameter in model.named_parameters():
        module_name, _, leaf = name.rpartition(".")
        module = model.get_submodule(module_name)
        shape = tuple(parameter.shape)
        branch, depth = in_branch.get(module_name, (None, 0))
        if name in gains:
            role = BRANCH_GAIN
        elif isinstance(module, nn.Embedding) and leaf == "weight":
            role = EMBEDDING
        elif isinstance(module, (nn.modules.batchnorm._NormBase, nn.LayerNorm,
                                 nn.GroupNorm)):
            role = NORM_GAIN if leaf == "weight" else NORM_SHIFT
        elif leaf == "bias" and parameter.dim() == 1:
            weight = getattr(module, "weight", None)
            fan_in = _fan_in(weight) if isinstance(weight, Tensor) and weight.dim() >= 2 \
                else shape[0]
            roles.append(ParameterRole(name, BIAS, shape, fan_in, branch, depth))
            continue
        elif parameter.dim() < 2:
            role = OTHER
        elif module_name == readout and leaf == "weight":
            role = READOUT
        elif module_name in outputs and leaf == "weight":
            role = RESIDUAL
        else:
            role = CONV if parameter.dim() > 2 else DENSE
        roles.append(ParameterRole(name, role, shape, 1, branch, depth))
    return roles


def _fan_in(weight: Tensor) -> int:
    return weight.shape[1] * math.prod(weight.shape[2:])


def check_structure(model: nn.Module, init: InitializerChoice,
                    residual_init: InitializerChoice | None, model_name: str) -> None:
    """Refuse a structural scheme (or --residual-init) on a model without the structure."""
    name, needs = init.info.name, init.info.needs
    branches = residual_branches(model)
    if residual_init and not branches:
        raise SpecError("residual-init", f"--residual-init needs residual branches; model "
                                         f"'{model_name}' has none (use {RESIDUAL_MODELS})")
    if not needs:
        return
    embeddings = any(isinstance(m, nn.Embedding) for m in model.modules())
    has = {
        "residual branches": bool(branches),
        "residual branches with a scalar gain": bool(branches)
        and all(b.gain for b in branches),
        "an embedding layer": embeddings,
    }[needs]
    if not has:
        hint = MODELS_WITH[needs]
        raise SpecError("init", f"{name} needs {needs}; model "
                                f"'{model_name}' has none (use {hint})")


@torch.no_grad()
def draw_run(model: nn.Module, roles: list[ParameterRole], choice: InitializerChoice,
             bias_choice: BiasChoice, activation: str, weights: torch.Generator,
             biases: torch.Generator, output: InitializerChoice | None = None,
             residual: InitializerChoice | None = None) -> dict[str, Tensor]:
    """One run's starting values, by parameter name, as CPU tensors.

    Weights are drawn in the model's parameter order from `weights`, biases from
    `biases`, so a plain MLP gets exactly the fast path's draws.
    """
    scheme = SCHEMES[choice.info.draw] if choice.info.structural else None
    branches = residual_branches(model)
    values: dict[str, Tensor] = {}
    for role in roles:
        if role.role == BIAS:
            values[role.name] = torch.zeros(role.shape) if scheme and scheme.zero_biases \
                else draw_bias(bias_choice, role.fan_in, role.shape[0], biases)
        elif role.role in (NORM_GAIN, BRANCH_GAIN):
            values[role.name] = torch.ones(role.shape)
        elif role.role in (NORM_SHIFT, OTHER):
            values[role.name] = _reference_value(model, role)
        elif scheme:
            values[role.name] = scheme.weight(role, branches, activation, weights)
        else:
            layer_choice = choice
            if role.role == READOUT and output:
                layer_choice = output
            elif role.role == RESIDUAL and residual:
                layer_choice = residual
            values[role.name] = _weight(layer_choice, role, activation, weights)
    if scheme and scheme.finish:
        scheme.finish(values, branches)
    return values


def _weight(choice: InitializerChoice, role: ParameterRole, activation: str,
            generator: torch.Generator) -> Tensor:
    if role.role == EMBEDDING and choice.info.embedding_draw:  # e.g. nn.Embedding's N(0, 1)
        return draw_tensor(choice.info.embedding_draw, torch.empty(role.shape), generator, {})
    return draw_weight(choice, role.shape, activation, generator)


# --- The structural schemes (formulas and papers in their registry entries) ---------------

WeightByRole = Callable[[ParameterRole, list[Branch], str, torch.Generator], Tensor]


@dataclass(frozen=True)
class Scheme:
    """A structural initializer's draw: each weight by its role, then changes to the run."""

    weight: WeightByRole
    zero_biases: bool = False
    finish: Callable[[dict[str, Tensor], list[Branch]], None] | None = None


def _he_weight(role: ParameterRole, branches: list[Branch], activation: str,
               generator: torch.Generator) -> Tensor:
    return _weight(_HE, role, activation, generator)


def _fixup_weight(role: ParameterRole, branches: list[Branch], activation: str,
                  generator: torch.Generator) -> Tensor:
    value = _he_weight(role, branches, activation, generator)
    if role.role in (RESIDUAL, READOUT):
        return value.zero_()
    if role.branch is not None:
        layers = len(branches[role.branch].layers)
        if layers > 1:
            value.mul_(len(branches) ** (-1.0 / (2 * layers - 2)))
    return value


def _zero_residual_weight(role: ParameterRole, branches: list[Branch], activation: str,
                          generator: torch.Generator) -> Tensor:
    value = _he_weight(role, branches, activation, generator)
    if role.role == RESIDUAL and branches[role.branch or 0].norm is None:
        value.zero_()
    return value


def _gpt2_weight(role: ParameterRole, branches: list[Branch], activation: str,
                 generator: torch.Generator) -> Tensor:
    std = GPT2_STD / math.sqrt(len(branches)) if role.role == RESIDUAL else GPT2_STD
    return init.normal_(torch.empty(role.shape), 0.0, std, generator=generator)


def _small_embedding_weight(role: ParameterRole, branches: list[Branch], activation: str,
                            generator: torch.Generator) -> Tensor:
    if role.role == EMBEDDING:
        bound = SMALL_EMBEDDING_BOUND
        return init.uniform_(torch.empty(role.shape), -bound, bound, generator=generator)
    return _gpt2_weight(role, branches, activation, generator)


def _zero_branch_gains(values: dict[str, Tensor], branches: list[Branch]) -> None:
    for branch in branches:
        values[branch.gain] = torch.zeros(())  # type: ignore[index]


def _zero_last_norm_gains(values: dict[str, Tensor], branches: list[Branch]) -> None:
    for branch in branches:  # Goyal et al. 2017: a branch ending in a norm: its gain
        if branch.norm and f"{branch.norm}.weight" in values:
            values[f"{branch.norm}.weight"].zero_()


SCHEMES = {
    "fixup": Scheme(_fixup_weight, zero_biases=True),
    "skipinit": Scheme(_he_weight, finish=_zero_branch_gains),
    "zero_residual": Scheme(_zero_residual_weight, finish=_zero_last_norm_gains),
    "gpt2": Scheme(_gpt2_weight, zero_biases=True),
    "small_embedding": Scheme(_small_embedding_weight, zero_biases=True),
}
"""Each structural entry's draw, by the name its entry's `draw` gives."""


def _reference_value(model: nn.Module, role: ParameterRole) -> Tensor:
    """A parameter with no role keeps what its constructor gave (built once, on the CPU)."""
    if role.role == NORM_SHIFT:
        return torch.zeros(role.shape)
    return model.get_parameter(role.name).detach().to("cpu", torch.float32).clone()
