"""What the app draws of the Jacobian spectra: a log-binned histogram of one run's singular
values, and, across a depth grid, each initializer's spread against depth.

Singular values span decades (a Gaussian tanh net at depth 48 has values from 1e-3 to 10),
so bins are equal in log10. The spread is Pennington et al.'s reading: the largest value
and the 5–95 % range, pooled over the probe inputs and the seeds (`spectrum_summary`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from inittui.core.results.axes import axis_position, grid_axes
from inittui.core.results.book import RunRecord, SweepRecord
from inittui.core.results.spectrum_summary import Spread, spread
from inittui.core.spec.labels import LABEL_NAMES, format_value

RESOLVED = 1e-6
"""Singular values below this fraction of the largest on the same input are not resolved:
the Jacobian is float32 (ε ≈ 1.2e-7), so they are rounding, not signal (a ReLU net's dead
directions come out as 1e-30 and lower). They count as 0, not drawn decades below the rest."""


def floored(row: tuple[float, ...]) -> tuple[float, ...]:
    """One input's values with the unresolved ones set to 0."""
    floor = max(row, default=0.0) * RESOLVED
    return tuple(v if v > floor else 0.0 for v in row)


@dataclass(frozen=True)
class LogHistogram:
    """Counts of the positive values in bins of equal width in log10."""

    edges: tuple[float, ...]
    """bins + 1 edges in value units, increasing."""
    counts: tuple[int, ...]
    zeros: int
    """Values that are 0 (or were floored to it, `RESOLVED`), off a log axis and counted
    apart."""

    @property
    def centers(self) -> tuple[float, ...]:
        """Each bin's geometric centre."""
        return tuple(math.sqrt(low * high) for low, high in zip(self.edges, self.edges[1:]))


def log_histogram(values: list[float], bins: int = 20) -> LogHistogram:
    """The histogram of the positive values over their [min, max] (a decade around a
    single value, so that all-equal values still make one visible bar); floor them first."""
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    zeros = sum(1 for v in values if v == 0)
    if not positive:
        return LogHistogram((), (), zeros)
    low, high = math.log10(min(positive)), math.log10(max(positive))
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    step = (high - low) / bins
    counts = [0] * bins
    for value in positive:
        counts[min(int((math.log10(value) - low) / step), bins - 1)] += 1
    edges = tuple(10 ** (low + step * index) for index in range(bins + 1))
    return LogHistogram(edges, tuple(counts), zeros)


def pooled(record: RunRecord) -> list[float]:
    """Every singular value a run kept, all probe inputs together (unresolved ones 0)."""
    return [value for values in record.spectrum for value in floored(values)]


@dataclass(frozen=True)
class SpreadPoint:
    x: float
    """Where the hidden sizes sit on the depth axis (`grid_results.axis_position`)."""
    spread: Spread
    seeds: int


@dataclass(frozen=True)
class SpreadSeries:
    """One initializer (at the grid's other axis values) against depth."""

    init: str
    rest: str
    points: tuple[SpreadPoint, ...]

    @property
    def name(self) -> str:
        """As `grid_results.AxisSeries` names it, so that both take the same colour."""
        return f"{self.init} @ {self.rest}" if self.rest else self.init


def has_spectra(sweep: SweepRecord | None) -> bool:
    return sweep is not None and any(record.spectrum for record in sweep.runs.values())


def spread_by_depth(sweep: SweepRecord) -> list[SpreadSeries]:
    """Each initializer's spread at every hidden-size value that has spectra, in the order
    the depth profile's series come (first appearance in the sweep)."""
    axes = grid_axes(sweep)
    values = sweep.spec.axis_values("hidden")
    cells: dict[tuple[str, str], dict[tuple[int, ...], list[RunRecord]]] = {}
    for record in sweep.runs.values():
        rest = ",".join(f"{LABEL_NAMES.get(name, name)}="
                        f"{format_value(name, record.plan.setting(name, sweep.spec))}"
                        for name in axes if name != "hidden")
        hidden = tuple(record.plan.setting("hidden", sweep.spec))
        cells.setdefault((str(record.plan.init), rest), {}).setdefault(hidden, []).append(record)
    series = []
    for (init, rest), by_depth in cells.items():
        points = []
        for value in values:
            records = [r for r in by_depth.get(tuple(value), []) if r.spectrum]
            if records:
                rows = tuple(floored(row) for r in records for row in r.spectrum)
                points.append(SpreadPoint(axis_position("hidden", value, values), spread(rows),
                                          len(records)))
        series.append(SpreadSeries(init, rest, tuple(points)))
    return series
