"""The activations in numpy float64, with the moments mean-field theory asks of them.

Each `Moments` answers, for pre-activations of variance q (and a pair at correlation c):
E[φ²], E[φ'²], E[φ''φ], E[φ(u₁)φ(u₂)] and E[φ'(u₁)φ'(u₂)]. ReLU, leaky ReLU and the
identity have closed forms (the arc-cosine kernel of Cho & Saul 2009 for the pairs); the
others integrate numerically (`gaussian`). The functions match the training registry's
(`core/models/activations.py`), which the tests check against torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inittui.core.theory.gaussian import Fn, expect, expect_pair

LEAKY_SLOPE = 0.01
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

GAINS = {"relu": math.sqrt(2.0), "leaky-relu": math.sqrt(2.0 / (1 + LEAKY_SLOPE ** 2)),
         "tanh": 5.0 / 3, "sigmoid": 1.0, "gelu": math.sqrt(2.0), "selu": 0.75, "linear": 1.0}
"""torch's calculate_gain, for `orthogonal:gain=auto` (a test checks the registry agrees)."""

_erf = np.frompyfunc(math.erf, 1, 1)


def _cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(np.asarray(x, float) / math.sqrt(2)).astype(float))


def _pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _selu(x: np.ndarray) -> np.ndarray:
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))


def _selu_slope(x: np.ndarray) -> np.ndarray:
    return SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0)))


def _selu_curve(x: np.ndarray) -> np.ndarray:
    return SELU_SCALE * np.where(x > 0, 0.0, SELU_ALPHA * np.exp(np.minimum(x, 0)))


FUNCTIONS: dict[str, tuple[Fn, Fn, Fn, bool]] = {
    # name: (φ, φ', φ'', smooth); φ'' leaves out a point mass at a kink where φ(kink) = 0,
    # so E[φ''φ] is unaffected.
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2,
             lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), True),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
                lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)), True),
    "gelu": (lambda x: x * _cdf(x), lambda x: _cdf(x) + x * _pdf(x),
             lambda x: (2 - x * x) * _pdf(x), True),
    "selu": (_selu, _selu_slope, _selu_curve, False),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float),
             lambda x: np.zeros_like(x), False),
    "leaky-relu": (lambda x: np.where(x > 0, x, LEAKY_SLOPE * x),
                   lambda x: np.where(x > 0, 1.0, LEAKY_SLOPE), lambda x: np.zeros_like(x),
                   False),
    "linear": (lambda x: np.asarray(x, float), lambda x: np.ones_like(x),
               lambda x: np.zeros_like(x), True),
}


@dataclass(frozen=True)
class Moments:
    """Gaussian moments of one activation, by quadrature (closed forms override)."""

    name: str

    @property
    def _fns(self) -> tuple[Fn, Fn, Fn, bool]:
        return FUNCTIONS[self.name]

    def second(self, q: np.ndarray | float) -> np.ndarray:
        """E[φ(√q z)²]: the next layer's variance, before σ_w² and σ_b²."""
        phi, _, _, smooth = self._fns
        return expect(lambda x: phi(x) ** 2, q, smooth)

    def slope(self, q: np.ndarray | float) -> np.ndarray:
        """E[φ'(√q z)²]: how a gradient's variance scales through the activation."""
        _, d1, _, smooth = self._fns
        return expect(lambda x: d1(x) ** 2, q, smooth)

    def curvature(self, q: np.ndarray | float) -> np.ndarray:
        """E[φ''(√q z)·φ(√q z)], the second term of ξ_q."""
        phi, _, d2, smooth = self._fns
        return expect(lambda x: d2(x) * phi(x), q, smooth)

    def pair(self, q: float, c: float) -> float:
        """E[φ(u₁)φ(u₂)] for a pair of variance q each and correlation c."""
        phi, _, _, smooth = self._fns
        return expect_pair(phi, phi, q, q, c, smooth)

    def slope_pair(self, q: float, c: float) -> float:
        """E[φ'(u₁)φ'(u₂)] at variance q and correlation c."""
        _, d1, _, smooth = self._fns
        return expect_pair(d1, d1, q, q, c, smooth)


@dataclass(frozen=True)
class PiecewiseLinear(Moments):
    """φ(x) = x for x > 0, slope·x below: ReLU (slope 0), leaky ReLU, identity (slope 1).

    With θ = arccos c, E[relu(u₁)relu(u₂)] = q(sin θ + (π − θ)c)/(2π) and
    E[H(u₁)H(u₂)] = (π − θ)/(2π) (Cho & Saul 2009); φ = (1 − a)·relu + a·x.
    """

    leak: float = 0.0

    def second(self, q: np.ndarray | float) -> np.ndarray:
        return np.asarray(q, float) * (1 + self.leak ** 2) / 2

    def slope(self, q: np.ndarray | float) -> np.ndarray:
        return np.full_like(np.asarray(q, float), (1 + self.leak ** 2) / 2)

    def curvature(self, q: np.ndarray | float) -> np.ndarray:
        return np.zeros_like(np.asarray(q, float))

    def pair(self, q: float, c: float) -> float:
        a, c = self.leak, float(np.clip(c, -1, 1))
        theta = math.acos(c)
        relu_relu = q * (math.sin(theta) + (math.pi - theta) * c) / (2 * math.pi)
        return (1 - a) ** 2 * relu_relu + 2 * a * (1 - a) * q * c / 2 + a * a * q * c

    def slope_pair(self, q: float, c: float) -> float:
        a, c = self.leak, float(np.clip(c, -1, 1))
        both = (math.pi - math.acos(c)) / (2 * math.pi)
        return (1 - a) ** 2 * both + 2 * a * (1 - a) / 2 + a * a


def moments(activation: str) -> Moments:
    """The moments of an activation by its registry name."""
    if activation == "relu":
        return PiecewiseLinear("relu", 0.0)
    if activation == "leaky-relu":
        return PiecewiseLinear("leaky-relu", LEAKY_SLOPE)
    if activation == "linear":
        return PiecewiseLinear("linear", 1.0)
    if activation not in FUNCTIONS:
        raise ValueError(f"no mean-field moments for activation {activation!r}")
    return Moments(activation)
