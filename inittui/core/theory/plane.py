"""The (σ_w², σ_b²) plane of one activation: the χ₁ = 1 line and ξ_c over a grid.

What the phase view draws; computed once per activation and cached, since ξ_c in the
chaotic phase needs the correlation map's fixed point (a double integral per step).
"""

from __future__ import annotations

import math
from functools import lru_cache

from inittui.core.theory.activations import moments
from inittui.core.theory.mean_field import fixed_point, phase_of


def chi1(activation: str, sigma_w2: float, sigma_b2: float) -> float:
    """χ₁ at the fixed point reached from q = 1 (the slope alone, no correlation map)."""
    q = fixed_point(activation, sigma_w2, sigma_b2)
    q = q if math.isfinite(q) else 1e12
    return sigma_w2 * float(moments(activation).slope(q))


@lru_cache(maxsize=64)
def critical_line(activation: str, sigma_b2s: tuple[float, ...],
                  high: float = 16.0) -> tuple[float | None, ...]:
    """σ_w² where χ₁ = 1 at each σ_b² (None where χ₁ < 1 up to σ_w² = high)."""
    line: list[float | None] = []
    for b2 in sigma_b2s:
        low, top = 1e-3, high
        if chi1(activation, top, b2) < 1:
            line.append(None)
            continue
        for _ in range(40):
            middle = 0.5 * (low + top)
            if chi1(activation, middle, b2) < 1:
                low = middle
            else:
                top = middle
        line.append(0.5 * (low + top))
    return tuple(line)


@lru_cache(maxsize=16)
def depth_scale_grid(activation: str, sigma_w2s: tuple[float, ...],
                     sigma_b2s: tuple[float, ...]) -> tuple[tuple[float, ...], ...]:
    """ξ_c at every (σ_w², σ_b²) of the grid, rows by σ_b²; nan where undefined."""
    return tuple(tuple(phase_of(activation, w2, b2).xi_c for w2 in sigma_w2s)
                 for b2 in sigma_b2s)
