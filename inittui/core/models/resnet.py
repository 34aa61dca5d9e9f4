"""A small ResNet for 28×28 and 32×32 images, ResNet-20-style (He et al. 2016).

`--hidden 16x3,32x3,64x3` is ResNet-20: each entry is one basic block of that many
channels, and where the width changes the block halves the resolution. Blocks are
post-activation, act(x + gain · bn2(conv2(act(bn1(conv1(x)))))), with a 1×1 projection
on the shortcut where the shape changes.
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import Tensor, nn

from inittui.core.errors import SpecError
from inittui.core.models.activations import Activation
from inittui.core.models.structure import Branch, Probe


def _norm(norm: str, channels: int) -> nn.Module:
    return nn.BatchNorm2d(channels) if norm == "batch" else nn.Identity()


class BasicBlock(nn.Module):
    def __init__(self, channels_in: int, channels: int, stride: int, activation: str,
                 norm: str):
        super().__init__()
        bias = norm != "batch"  # a bias before BatchNorm is cancelled by its mean
        self.conv1 = nn.Conv2d(channels_in, channels, 3, stride, 1, bias=bias)
        self.norm1 = _norm(norm, channels)
        self.act1 = Activation(activation)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=bias)
        self.norm2 = _norm(norm, channels)
        self.gain = nn.Parameter(torch.ones(()))
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or channels_in != channels:
            self.shortcut = nn.Sequential(nn.Conv2d(channels_in, channels, 1, stride,
                                                    bias=bias), _norm(norm, channels))
        self.act2 = Activation(activation)

    def forward(self, x: Tensor) -> Tensor:
        branch = self.norm2(self.conv2(self.act1(self.norm1(self.conv1(x)))))
        return self.act2(self.shortcut(x) + self.gain * branch)


class ResNet(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], classes: int, hidden: tuple[int, ...],
                 activation: str = "relu", norm: str = "none"):
        super().__init__()
        if norm not in ("none", "batch"):
            raise SpecError("norm", f"resnet takes --norm none or batch, got '{norm}'")
        if len(input_shape) != 3:
            raise SpecError("model", f"resnet needs images, got inputs of shape {input_shape}")
        self.norm_kind = norm
        self.activation = activation
        self.stem = nn.Conv2d(input_shape[0], hidden[0], 3, 1, 1, bias=norm != "batch")
        self.stem_norm = _norm(norm, hidden[0])
        self.stem_act = Activation(activation)
        widths = (hidden[0], *hidden)
        self.blocks = nn.ModuleList(
            BasicBlock(a, b, 2 if b != a else 1, activation, norm)
            for a, b in pairwise(widths))
        self.head = nn.Linear(hidden[-1], classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem_act(self.stem_norm(self.stem(x)))
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=(-2, -1)))

    def probes(self) -> list[Probe]:
        return [Probe("stem_act", "stem.weight", self.activation)] + [
            Probe(f"blocks.{i}", f"blocks.{i}.conv2.weight", self.activation)
            for i in range(len(self.blocks))]

    def residual_branches(self) -> list[Branch]:
        norm = self.norm_kind == "batch"
        return [Branch((f"blocks.{i}.conv1", f"blocks.{i}.conv2"),
                       norm=f"blocks.{i}.norm2" if norm else None, gain=f"blocks.{i}.gain")
                for i in range(len(self.blocks))]

    def readout(self) -> str:
        return "head"
