"""A residual MLP: a stem layer, then blocks x + gain · fc2(act(fc1(norm(x)))), pre-norm.

`--hidden 256x20` is 20 blocks of width 256. Without normalization, the variance of the
residual stream grows with every block unless the initialization tames the branches:
the setting of Fixup (Zhang et al. 2019) and SkipInit (De & Smith 2020).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from inittui.core.errors import SpecError
from inittui.core.models.activations import Activation
from inittui.core.models.structure import Branch, Probe

NORMS = ("none", "batch", "layer")


def norm_layer(norm: str, width: int) -> nn.Module:
    """BatchNorm or LayerNorm over `width` features, or nothing."""
    if norm == "batch":
        return nn.BatchNorm1d(width)
    if norm == "layer":
        return nn.LayerNorm(width)
    return nn.Identity()


class ResidualBlock(nn.Module):
    def __init__(self, width: int, activation: str, norm: str):
        super().__init__()
        self.norm = norm_layer(norm, width)
        self.fc1 = nn.Linear(width, width)
        self.act = Activation(activation)
        self.fc2 = nn.Linear(width, width)
        self.gain = nn.Parameter(torch.ones(()))  # the branch's scalar; SkipInit zeroes it

    def forward(self, x: Tensor) -> Tensor:
        return x + self.gain * self.fc2(self.act(self.fc1(self.norm(x))))


class ResMLP(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], classes: int, hidden: tuple[int, ...],
                 activation: str = "relu", norm: str = "none"):
        super().__init__()
        width = hidden[0]
        if any(size != width for size in hidden):
            raise SpecError("hidden", f"resmlp blocks share one width, got {hidden} "
                                      f"(e.g. --hidden {width}x{len(hidden)})")
        self.stem = nn.Linear(math.prod(input_shape), width)
        self.stem_act = Activation(activation)
        self.blocks = nn.ModuleList(ResidualBlock(width, activation, norm) for _ in hidden)
        self.norm = norm_layer(norm, width)
        self.head = nn.Linear(width, classes)
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem_act(self.stem(x.flatten(1)))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))

    def probes(self) -> list[Probe]:
        return [Probe("stem_act", "stem.weight", self.activation)] + [
            Probe(f"blocks.{i}", f"blocks.{i}.fc2.weight") for i in range(len(self.blocks))]

    def residual_branches(self) -> list[Branch]:
        return [Branch((f"blocks.{i}.fc1", f"blocks.{i}.fc2"), gain=f"blocks.{i}.gain")
                for i in range(len(self.blocks))]

    def readout(self) -> str:
        return "head"
