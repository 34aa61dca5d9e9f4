"""A run's Jacobian spectrum in three numbers: its largest value and its 5–95 % range.

Pennington et al. 2017 read isometry off the spread: all singular values near 1 is
isometry; a 95 % point far above the 5 % point is not. Pooled over the probe inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spread:
    largest: float
    p5: float
    p95: float

    @property
    def ratio(self) -> float:
        """p95/p5: 1 for an isometry; inf where the smallest 5 % are 0 (dead units); nan
        where every value is 0 (zero weights: there is no spread to speak of)."""
        if self.p95 == 0:
            return float("nan")
        return self.p95 / self.p5 if self.p5 > 0 else float("inf")


def spread(values: tuple[tuple[float, ...], ...]) -> Spread:
    pooled = np.concatenate([np.asarray(row, float) for row in values])
    return Spread(float(pooled.max()), float(np.percentile(pooled, 5)),
                  float(np.percentile(pooled, 95)))
