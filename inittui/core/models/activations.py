"""The one activation registry: forward, backward, gain and family of every activation.

Names come from `inittui.core.spec.activations` (torch-free, for the app's start-up). The
written-out MLP path calls `forward` and `backward`; the general path wraps `forward`
in an `nn.Module` (`Activation`); the initializers read `gain`; the diagnostics read
`family` to know where dead units mean something. The backward functions are the kernels
autograd itself runs for these functions, so both training paths agree to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from inittui.core.spec.activations import ACTIVATIONS as ACTIVATION_NAMES

LEAKY_SLOPE = 0.01  # nn.LeakyReLU's default
SELU_ALPHA = 1.6732632423543772848170429916717  # Klambauer et al. 2017, as torch's selu
SELU_SCALE = 1.0507009873554804934193349852946


@dataclass(frozen=True)
class ActivationInfo:
    """One activation: how to apply it, how to back-propagate through it, its gain."""

    name: str
    forward: Callable[[Tensor], Tensor]
    backward: Callable[[Tensor, Tensor, Tensor], Tensor]
    """(grad of the output, the input, the output) -> grad of the input."""
    gain: float
    """torch.nn.init.calculate_gain's value: the std factor that keeps signal variance."""
    family: str
    """"relu" for the rectifiers (units can die), "saturating" or "linear" otherwise."""


ACTIVATIONS: dict[str, ActivationInfo] = {info.name: info for info in (
    ActivationInfo(
        "relu", F.relu,
        lambda grad, pre, out: torch.ops.aten.threshold_backward(grad, out, 0),
        math.sqrt(2.0), "relu"),
    ActivationInfo(
        "leaky-relu", partial(F.leaky_relu, negative_slope=LEAKY_SLOPE),
        lambda grad, pre, out: torch.ops.aten.leaky_relu_backward(
            grad, pre, LEAKY_SLOPE, False),
        math.sqrt(2.0 / (1 + LEAKY_SLOPE ** 2)), "relu"),
    ActivationInfo(
        "tanh", torch.tanh,
        lambda grad, pre, out: torch.ops.aten.tanh_backward(grad, out),
        5.0 / 3, "saturating"),
    ActivationInfo(
        "sigmoid", torch.sigmoid,
        lambda grad, pre, out: torch.ops.aten.sigmoid_backward(grad, out),
        1.0, "saturating"),
    # GELU, x·Φ(x), has no torch gain: a smoothed ReLU, so it takes ReLU's √2, as He init
    # is used for GELU nets in practice (exact second-moment matching gives ≈ 1.53).
    ActivationInfo(
        "gelu", F.gelu,
        lambda grad, pre, out: torch.ops.aten.gelu_backward(grad, pre),
        math.sqrt(2.0), "relu"),
    ActivationInfo(
        "selu", F.selu,
        lambda grad, pre, out: torch.ops.aten.elu_backward(
            grad, SELU_ALPHA, SELU_SCALE, 1.0, False, pre),
        0.75, "saturating"),
    ActivationInfo("linear", lambda x: x, lambda grad, pre, out: grad, 1.0, "linear"),
)}

assert tuple(ACTIVATIONS) == ACTIVATION_NAMES, "one name list, core/spec/activations.py"

ACTIVATION_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    name: info.forward for name, info in ACTIVATIONS.items()}
ACTIVATION_BACKWARDS: dict[str, Callable[[Tensor, Tensor, Tensor], Tensor]] = {
    name: info.backward for name, info in ACTIVATIONS.items()}


class Activation(nn.Module):
    """A registry activation as a module, so plain models name it and hooks can find it."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.function = ACTIVATIONS[name].forward

    def forward(self, x: Tensor) -> Tensor:
        return self.function(x)

    def extra_repr(self) -> str:
        return self.name
