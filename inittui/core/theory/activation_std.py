"""The predicted spread of a layer's output h = φ(s), from the spread of its input s.

The layers view measures `act_std`, the std of h over the probe batch's samples and a
layer's units together, not of s. Mean field says s ~ N(0, q) for each input, so the
prediction is the pooled std of φ(√q z): sqrt(mean E[φ²] − (mean E[φ])²), the means taken
over the probe's inputs (each with its own q), as `pre_act_std`'s √(mean q) is pooled.
"""

from __future__ import annotations

import math

import numpy as np

from inittui.core.theory.activations import FUNCTIONS, LEAKY_SLOPE, moments
from inittui.core.theory.gaussian import expect

_LEAKS = {"relu": 0.0, "leaky-relu": LEAKY_SLOPE, "linear": 1.0}
"""Piecewise-linear activations: E[φ(√q z)] = (1 − a)·√q/√(2π) for slope a below 0."""


def first_moment(activation: str, q: np.ndarray | float) -> np.ndarray:
    """E[φ(√q z)], z ~ N(0, 1), for every q (closed form for the piecewise-linear ones)."""
    q = np.asarray(q, float)
    if activation in _LEAKS:
        leak = _LEAKS[activation]
        return (1 - leak) * np.sqrt(q) / math.sqrt(2 * math.pi)
    phi, _, _, smooth = FUNCTIONS[activation]
    return expect(phi, q, smooth)


def activation_std(activation: str, q: np.ndarray | float) -> float:
    """The pooled std of φ(s) over inputs whose pre-activations have variances q."""
    q = np.atleast_1d(np.asarray(q, float))
    second = float(np.mean(moments(activation).second(q)))
    mean = float(np.mean(first_moment(activation, q)))
    return math.sqrt(max(second - mean * mean, 0.0))


def activation_stds(activation: str, qs: list[np.ndarray]) -> tuple[float, ...]:
    """activation_std of every hidden layer, from each layer's per-input q."""
    return tuple(activation_std(activation, q) for q in qs)
