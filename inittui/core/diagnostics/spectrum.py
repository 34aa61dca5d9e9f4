"""Singular values of the input → last-hidden-layer Jacobian at initialization.

Pennington, Schoenholz & Ganguli 2017: at criticality, deep nets whose Jacobian
J = D_L W_L ⋯ D_1 W_1 (D_l = diag φ'(s^l)) keeps all its singular values near 1
("dynamical isometry") train faster; orthogonal weights with tanh can, ReLU cannot.
J is the chain rule written out (a test checks it against `torch.func.jacrev`), for every
run at once on a few real inputs, from the model's capture of its layers and its weights:
any `BatchedNet` that is a dense chain (`is_dense_chain`: the plain MLP) has one.
"""

from __future__ import annotations

import torch
from torch import Tensor

from inittui.core.models import ACTIVATION_BACKWARDS, BatchedNet

SPECTRUM_INPUTS = 4
"""Probe inputs whose Jacobian is taken: each gives min(width, input size) values."""


def has_spectrum(model: BatchedNet) -> bool:
    """Whether the model's Jacobian is a product of its layers' (other models: none here)."""
    return model.is_dense_chain


@torch.no_grad()
def jacobian(model: BatchedNet, x: Tensor) -> Tensor:
    """∂h^L/∂x of every run at every input: (runs, inputs, last width, input size).

    x is (1, inputs, ...) as the probe batch; h^L is the last hidden layer's output after
    its activation. Built from the top down, so each product is width × width × width.
    """
    layers = model.capture(x).layers
    backward = ACTIVATION_BACKWARDS[model.activation]
    slopes = [backward(torch.ones_like(layer.pre), layer.pre, layer.output)
              for layer in layers]  # (runs, inputs, width) each
    weights = [torch.stack([model.weight(layer, run) for run in range(model.runs)])
               for layer in range(model.hidden_layers)]  # (runs, out, in) each
    top = len(weights) - 1
    product = slopes[top].unsqueeze(-1) * weights[top].unsqueeze(1)
    for layer in range(top - 1, -1, -1):
        product = (product * slopes[layer].unsqueeze(-2)) @ weights[layer].unsqueeze(1)
    return product


def singular_values(model: BatchedNet, x: Tensor) -> Tensor:
    """The Jacobian's singular values, largest first: (runs, inputs, min(width, input))."""
    return torch.linalg.svdvals(jacobian(model, x).double()).float()
