"""The multilayer perceptron as a plain module (the general path's reference for the MLP).

The engine trains the MLP through the written-out fast path in `batched.py`; this module is
what that path must equal, and what a user's own MLP-like model looks like.
"""

from __future__ import annotations

import math
from itertools import pairwise

from torch import Tensor, nn

from inittui.core.models.activations import Activation
from inittui.core.models.structure import Probe


class MLP(nn.Module):
    def __init__(self, input_shape: tuple[int, ...], classes: int, hidden: tuple[int, ...],
                 activation: str = "relu"):
        super().__init__()
        sizes = [math.prod(input_shape), *hidden, classes]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(sizes))
        self.acts = nn.ModuleList(Activation(activation) for _ in hidden)

    def forward(self, x: Tensor) -> Tensor:
        x = x.flatten(1)
        for layer, act in zip(self.layers, self.acts):
            x = act(layer(x))
        return self.layers[-1](x)

    def probes(self) -> list[Probe]:
        return [Probe(f"acts.{i}", f"layers.{i}.weight", act.name)
                for i, act in enumerate(self.acts)]
