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
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import init

from inittui.core.errors import SpecError
from inittui.core.init_draws import (
    InitializerChoice,
    draw_bias,
    draw_weight,
    parse_bias_initializer,
    parse_initializer,
)
from inittui.core.models.structure import Branch, readout_of, residual_branches

DENSE, CONV, EMBEDDING, BIAS = "dense", "conv", "embedding", "bias"
NORM_GAIN, NORM_SHIFT, RESIDUAL, READOUT, BRANCH_GAIN, OTHER = (
    "norm-gain", "norm-shift", "residual", "readout", "branch-gain", "other")
WEIGHT_ROLES = (DENSE, CONV, EMBEDDING, RESIDUAL, READOUT)

GPT2_STD = 0.02
SMALL_EMBEDDING_BOUND = 1e-4

STRUCTURAL_NEEDS = {
    "fixup": "residual branches",
    "skipinit": "residual branches with a scalar gain",
    "zero-residual": "residual branches",
    "gpt2": "residual branches",
    "small-embedding": "an embedding layer",
}
"""Each structural initializer and what it asks the model for."""
RESIDUAL_MODELS = "resmlp, resnet, gpt, or a model with residual_branches()"


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


def check_structure(model: nn.Module | None, init: str, residual_init: str | None,
                    model_name: str) -> None:
    """Refuse a structural scheme (or --residual-init) on a model without the structure."""
    name = parse_initializer(init).info.name
    branches = residual_branches(model) if model is not None else []
    if residual_init and not branches:
        raise SpecError("residual-init", f"--residual-init needs residual branches; model "
                                         f"'{model_name}' has none (use {RESIDUAL_MODELS})")
    if name not in STRUCTURAL_NEEDS:
        return
    embeddings = model is not None and any(isinstance(m, nn.Embedding)
                                           for m in model.modules())
    has = {
        "residual branches": bool(branches),
        "residual branches with a scalar gain": bool(branches)
        and all(b.gain for b in branches),
        "an embedding layer": embeddings,
    }[STRUCTURAL_NEEDS[name]]
    if not has:
        hint = "gpt" if name == "small-embedding" else RESIDUAL_MODELS
        if name == "skipinit":
            hint = "resmlp, resnet, or a model whose branches declare a gain"
        raise SpecError("init", f"{name} needs {STRUCTURAL_NEEDS[name]}; model "
                                f"'{model_name}' has none (use {hint})")


@torch.no_grad()
def draw_run(model: nn.Module, roles: list[ParameterRole], init: str, bias_init: str,
             activation: str, weights: torch.Generator, biases: torch.Generator,
             output_init: str | None = None,
             residual_init: str | None = None) -> dict[str, Tensor]:
    """One run's starting values, by parameter name, as CPU tensors.

    Weights are drawn in the model's parameter order from `weights`, biases from
    `biases`, so a plain MLP gets exactly the fast path's draws.
    """
    choice = parse_initializer(init)
    bias_choice = parse_bias_initializer(bias_init)
    output = parse_initializer(output_init) if output_init else None
    residual = parse_initializer(residual_init) if residual_init else None
    structural = choice.info.name if choice.info.name in STRUCTURAL_NEEDS else None
    branches = residual_branches(model)
    values: dict[str, Tensor] = {}
    for role in roles:
        if role.role == BIAS:
            values[role.name] = torch.zeros(role.shape) if structural in ("fixup", "gpt2",
                                                                         "small-embedding") \
                else draw_bias(bias_choice, role.fan_in, role.shape[0], biases)
        elif role.role in (NORM_GAIN, BRANCH_GAIN):
            values[role.name] = torch.ones(role.shape)
        elif role.role in (NORM_SHIFT, OTHER):
            values[role.name] = _reference_value(model, role)
        elif structural:
            values[role.name] = _structural_weight(structural, role, branches, activation,
                                                   weights)
        else:
            layer_choice = choice
            if role.role == READOUT and output:
                layer_choice = output
            elif role.role == RESIDUAL and residual:
                layer_choice = residual
            values[role.name] = _weight(layer_choice, role, activation, weights)
    if structural == "skipinit":
        for branch in branches:
            values[branch.gain] = torch.zeros(())  # type: ignore[index]
    if structural == "zero-residual":
        for branch in branches:  # Goyal et al. 2017: a branch ending in a norm: its gain
            if branch.norm and f"{branch.norm}.weight" in values:
                values[f"{branch.norm}.weight"].zero_()
    return values


def _weight(choice: InitializerChoice, role: ParameterRole, activation: str,
            generator: torch.Generator) -> Tensor:
    if role.role == EMBEDDING and choice.info.name == "pytorch-default":
        return init.normal_(torch.empty(role.shape), generator=generator)  # nn.Embedding's
    return draw_weight(choice, role.shape, activation, generator)


def _structural_weight(name: str, role: ParameterRole, branches: list[Branch],
                       activation: str, generator: torch.Generator) -> Tensor:
    """A weight under one of the structural schemes (formulas in the registry)."""
    if name in ("gpt2", "small-embedding"):
        if name == "small-embedding" and role.role == EMBEDDING:
            bound = SMALL_EMBEDDING_BOUND
            return init.uniform_(torch.empty(role.shape), -bound, bound, generator=generator)
        std = GPT2_STD / math.sqrt(len(branches)) if role.role == RESIDUAL else GPT2_STD
        return init.normal_(torch.empty(role.shape), 0.0, std, generator=generator)
    he = parse_initializer("he-normal")
    value = _weight(he, role, activation, generator)
    if name == "fixup":
        if role.role in (RESIDUAL, READOUT):
            return value.zero_()
        if role.branch is not None:
            layers = len(branches[role.branch].layers)
            if layers > 1:
                value.mul_(len(branches) ** (-1.0 / (2 * layers - 2)))
    if name == "zero-residual" and role.role == RESIDUAL and \
            branches[role.branch or 0].norm is None:
        value.zero_()
    return value


def _reference_value(model: nn.Module, role: ParameterRole) -> Tensor:
    """A parameter with no role keeps what its constructor gave (built once, on the CPU)."""
    if role.role == NORM_SHIFT:
        return torch.zeros(role.shape)
    return model.get_parameter(role.name).detach().to("cpu", torch.float32).clone()
