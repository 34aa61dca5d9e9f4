"""Mean-field signal propagation through a deep, wide, random fully connected network.

Poole et al. 2016 and Schoenholz et al. 2017: with s^l = W^l φ(s^{l-1}) + b^l,
W_ij ~ (0, σ_w²/fan_in), b_i ~ (0, σ_b²), the pre-activations of a wide layer are Gaussian
with variance q^l = σ_w² E[φ(√q^{l-1} z)²] + σ_b², and two inputs' correlation follows the
correlation map. Its fixed point q*, the slope χ₁ = σ_w² E[φ'(√q* z)²] of the correlation
map at c = 1, and the depth scales ξ_q, ξ_c say how deep a signal (and a gradient) travels:
ordered where χ₁ < 1, chaotic where χ₁ > 1, and trainable to about 6ξ_c layers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from inittui.core.theory.activations import moments

CRITICAL_TOLERANCE = 1e-3
"""|χ₁ − 1| below this is criticality: the phase boundary, where ξ_c is unbounded."""
UNBOUNDED_Q = 1e12
"""A variance past this is taken as growing without bound (no finite fixed point)."""
TRAINABLE_DEPTH_FACTOR = 6.0
"""Schoenholz et al. 2017, Fig. 5: networks train up to about 6ξ_c layers."""


def variance_map(activation: str, q: np.ndarray | float, sigma_w2: float,
                 sigma_b2: float) -> np.ndarray:
    """q^l from q^{l-1}: σ_w² E[φ(√q z)²] + σ_b²."""
    return sigma_w2 * moments(activation).second(q) + sigma_b2


def first_variance(sample_mean_squares: np.ndarray | float, sigma_w2: float,
                   sigma_b2: float) -> np.ndarray:
    """q¹ of each input: σ_w² mean(x²) + σ_b², the data's own second moment."""
    return sigma_w2 * np.asarray(sample_mean_squares, float) + sigma_b2


def variance_profile(activation: str, q1: np.ndarray, sigma_w2: list[float],
                     sigma_b2: list[float]) -> list[np.ndarray]:
    """q^l for l = 1..L, each input's own (q1 holds one q¹ per input).

    sigma_w2, sigma_b2 are per layer (index 0 is layer 1, already used for q1).
    """
    qs = [np.asarray(q1, float)]
    for w2, b2 in zip(sigma_w2[1:], sigma_b2[1:]):
        qs.append(variance_map(activation, qs[-1], w2, b2))
    return qs


def gradient_factors(activation: str, qs: list[np.ndarray], sigma_w2: list[float],
                     widths: list[int]) -> list[float]:
    """Var(∂L/∂s^l) / Var(∂L/∂s^L) for every hidden layer l (the last is 1).

    Going down one layer, δ^l = φ'(s^l) ⊙ W^{l+1}ᵀ δ^{l+1} scales the variance by
    E[φ'(s^l)²] · σ_w² · N_{l+1}/N_l (W^{l+1} has fan_in N_l and N_{l+1} rows).
    """
    mom = moments(activation)
    factors = [1.0]
    for layer in range(len(qs) - 2, -1, -1):
        step = float(np.mean(mom.slope(qs[layer]))) * sigma_w2[layer + 1] * \
            widths[layer + 1] / widths[layer]
        factors.append(factors[-1] * step)
    return factors[::-1]


def _bisect(gap: Callable[[float], float], low: float, high: float,
            tolerance: float = 1e-13) -> float:
    """A root of gap between low (gap ≥ 0) and high (gap ≤ 0), to within tolerance·max(1, x)."""
    for _ in range(200):
        middle = 0.5 * (low + high)
        if high - low <= tolerance * max(abs(high), 1.0):
            break
        if gap(middle) >= 0:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def fixed_point(activation: str, sigma_w2: float, sigma_b2: float,
                start: float = 1.0, steps: int = 100) -> float:
    """q* reached from q = start by iterating the variance map; inf if it grows unbounded.

    The map is increasing, so iteration moves monotonically to the fixed point on the
    start's side (for ReLU at σ_w² = 2, σ_b² = 0 every q is fixed: q* is the start). A few
    steps show the direction; bisection on V(q) − q between the last step and 0 (or a
    doubled bound) then finds the point, however slowly iteration would approach it.
    """
    def gap(q: float) -> float:
        return float(variance_map(activation, q, sigma_w2, sigma_b2)) - q

    q = float(start)
    for _ in range(steps):
        nxt = q + gap(q)
        if not math.isfinite(nxt) or nxt > UNBOUNDED_Q:
            return math.inf
        if abs(nxt - q) <= 1e-13 * max(q, 1e-300):
            return nxt
        if nxt < q:
            return _bisect(gap, 0.0, nxt) if gap(0.0) < 0 or gap(nxt) <= 0 else nxt
        q = nxt
    high = q
    while gap(high) > 0:
        high *= 2
        if high > UNBOUNDED_Q:
            return math.inf
    return _bisect(gap, q, high)


def correlation_map(activation: str, q: float, c: float, sigma_w2: float,
                    sigma_b2: float) -> float:
    """c^l from c^{l-1} at the fixed variance q: (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q."""
    if q <= 0:
        return 1.0
    return (sigma_w2 * moments(activation).pair(q, c) + sigma_b2) / q


def correlation_fixed_point(activation: str, q: float, sigma_w2: float, sigma_b2: float,
                            chi1: float) -> float:
    """c*: 1 in the ordered phase; in the chaotic phase the stable point in [0, 1).

    There the map's slope at c = 1 is χ₁ > 1, so map(c) < c just below 1, while
    map(0) = (σ_w² E[φ]² + σ_b²)/q ≥ 0: bisection between the two finds c*.
    """
    if chi1 <= 1 + CRITICAL_TOLERANCE:
        return 1.0

    def gap(c: float) -> float:
        return correlation_map(activation, q, c, sigma_w2, sigma_b2) - c

    high = 1 - 1e-4
    return _bisect(gap, 0.0, high, 1e-7) if gap(high) < 0 else high


@dataclass(frozen=True)
class Phase:
    """Where (σ_w², σ_b²) puts an activation: the fixed point and its depth scales.

    xi_q, xi_c are math.inf where unbounded (at criticality); q_star is math.inf where the
    variance grows without bound, and then only χ₁ (if it does not depend on q) is known.
    """

    activation: str
    sigma_w2: float
    sigma_b2: float
    q_star: float
    chi1: float
    c_star: float
    xi_q: float
    xi_c: float

    @property
    def phase(self) -> str:
        if abs(self.chi1 - 1) <= CRITICAL_TOLERANCE:
            return "critical"
        return "ordered" if self.chi1 < 1 else "chaotic"

    @property
    def trainable_depth(self) -> float:
        """About 6ξ_c layers (Schoenholz et al. 2017); inf where ξ_c is unbounded."""
        return TRAINABLE_DEPTH_FACTOR * self.xi_c


def _depth_scale(rate: float) -> float:
    """ξ = −1/ln(rate): inf at rate 1, nan where the rate is not in (0, 1]."""
    if not math.isfinite(rate) or rate <= 0:
        return math.nan
    if abs(rate - 1) <= CRITICAL_TOLERANCE:
        return math.inf
    return -1.0 / math.log(rate) if rate < 1 else math.nan


@lru_cache(maxsize=1024)
def phase_of(activation: str, sigma_w2: float, sigma_b2: float, start_q: float = 1.0) -> Phase:
    """q*, χ₁, c* and the depth scales for one activation at (σ_w², σ_b²).

    ξ_q⁻¹ = −ln(χ₁ + σ_w² E[φ''φ]) (the variance map's slope at q*), ξ_c⁻¹ = −ln(σ_w²
    E[φ'(u₁)φ'(u₂)]) at c*. Where q* is unbounded, χ₁ is evaluated at a large q (exact for
    the piecewise-linear activations, whose χ₁ does not depend on q). Cached: a grid asks
    the same question for every depth and seed. start_q only matters where every q is
    fixed (ReLU at σ_w² = 2, σ_b² = 0), so it is rounded to keep the cache useful.
    """
    mom = moments(activation)
    q_star = fixed_point(activation, sigma_w2, sigma_b2, start_q)
    q_star = 0.0 if q_star < 1e-12 else q_star  # a slow approach to 0 ends a hair above it
    q_eval = q_star if math.isfinite(q_star) else UNBOUNDED_Q
    chi1 = sigma_w2 * float(mom.slope(q_eval))
    if not math.isfinite(q_star):
        return Phase(activation, sigma_w2, sigma_b2, q_star, chi1, math.nan, math.nan,
                     math.nan)
    c_star = correlation_fixed_point(activation, q_star, sigma_w2, sigma_b2, chi1)
    chi_c = sigma_w2 * mom.slope_pair(q_star, c_star) if c_star < 1 else chi1
    xi_q = _depth_scale(chi1 + sigma_w2 * float(mom.curvature(q_star)))
    return Phase(activation, sigma_w2, sigma_b2, q_star, chi1, c_star, xi_q,
                 _depth_scale(chi_c))
