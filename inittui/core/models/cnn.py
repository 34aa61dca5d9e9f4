"""Two 3×3 conv blocks (conv, activation, 2×2 max-pool), then dense layers."""

from __future__ import annotations

from itertools import pairwise

from torch import Tensor, nn
from torch.nn import functional as F

from inittui.core.models.activations import Activation
from inittui.core.models.structure import Probe

CNN_CHANNELS = (16, 32)


class CNN(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], classes: int, hidden: tuple[int, ...],
                 activation: str = "relu"):
        super().__init__()
        channels, height, width = input_shape
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1)
                                   for a, b in pairwise((channels, *CNN_CHANNELS)))
        self.conv_acts = nn.ModuleList(Activation(activation) for _ in CNN_CHANNELS)
        flat = CNN_CHANNELS[-1] * (height // 4) * (width // 4)
        self.dense = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise((flat, *hidden, classes)))
        self.dense_acts = nn.ModuleList(Activation(activation) for _ in hidden)

    def forward(self, x: Tensor) -> Tensor:
        for conv, act in zip(self.convs, self.conv_acts):
            x = F.max_pool2d(act(conv(x)), 2)
        x = x.flatten(1)
        for layer, act in zip(self.dense, self.dense_acts):
            x = act(layer(x))
        return self.dense[-1](x)

    def probes(self) -> list[Probe]:
        convs = [Probe(f"conv_acts.{i}", f"convs.{i}.weight", act.name)
                 for i, act in enumerate(self.conv_acts)]
        return convs + [Probe(f"dense_acts.{i}", f"dense.{i}.weight", act.name)
                        for i, act in enumerate(self.dense_acts)]
