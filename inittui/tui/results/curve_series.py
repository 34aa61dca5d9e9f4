"""The curves' numbers: each group's line by epoch or step, smoothed, and its fitted y range.

Pure arithmetic over the book's records, apart from any widget, so the curves view only
draws what these functions computed (and tests can check them without a screen).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from inittui.core.results.book import RunRecord
from inittui.tui.groups import SeedGroup

METRICS: dict[str, str] = {
    "val_acc": "val acc", "train_acc": "train acc", "val_loss": "val loss",
    "train_loss": "train loss",
}
"""EpochFinished field → axis title, in the order the metric key cycles through them."""

SMOOTHING = (0.0, 0.6, 0.8, 0.9)
"""EMA strengths the smoothing key cycles through (0: off); TensorBoard's slider, in steps."""

CROP_SHARE = 0.2
"""The share of the fitted range the crop key keeps: its best end."""


@dataclass(frozen=True)
class Series:
    """One group's line: x positions, the mean over seeds, and the seeds' min and max."""

    group: SeedGroup
    xs: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]

    @property
    def has_band(self) -> bool:
        return len(self.group.records) > 1 and any(h > lo for lo, h in zip(self.low, self.high,
                                                                           strict=True))


def higher_is_better(metric: str) -> bool:
    return metric.endswith("acc")


def per_epoch(records: tuple[RunRecord, ...], metric: str,
              positive: bool) -> dict[int, list[float]]:
    """Each epoch's finite values of metric over the seeds (only > 0 for a log axis)."""
    values: dict[int, list[float]] = {}
    for record in records:
        for epoch in record.finite_epochs:
            value = getattr(epoch, metric)
            if math.isfinite(value) and (value > 0 or not positive):
                values.setdefault(epoch.epoch, []).append(value)
    return dict(sorted(values.items()))


def epoch_series(group: SeedGroup, metric: str, positive: bool, scale: int = 1) -> Series:
    """By epoch (x = epoch × scale, so epochs can sit on a step axis)."""
    values = per_epoch(group.records, metric, positive)
    return Series(group, [epoch * scale for epoch in values],
                  [statistics.fmean(v) for v in values.values()],
                  [min(v) for v in values.values()], [max(v) for v in values.values()])


def step_series(group: SeedGroup, positive: bool, points: int) -> Series:
    """Per-step training loss over the seeds, averaged into at most `points` buckets."""
    runs = [record.step_losses for record in group.records if record.step_losses]
    steps = min((len(losses) for losses in runs), default=0)
    xs: list[float] = []
    mean: list[float] = []
    low: list[float] = []
    high: list[float] = []
    size = max(1, -(-steps // max(points, 1)))
    for start in range(0, steps, size):
        per_run = []
        for losses in runs:
            chunk = [v for v in losses[start:start + size]
                     if math.isfinite(v) and (v > 0 or not positive)]
            if chunk:
                per_run.append(statistics.fmean(chunk))
        if per_run:
            xs.append(start + 1 + (min(size, steps - start) - 1) / 2)
            mean.append(statistics.fmean(per_run))
            low.append(min(per_run))
            high.append(max(per_run))
    return Series(group, xs, mean, low, high)


def smoothed(values: list[float], strength: float) -> list[float]:
    """Exponential moving average, debiased at the start (as TensorBoard smooths)."""
    if strength <= 0:
        return list(values)
    out, average, weight = [], 0.0, 0.0
    for value in values:
        average = strength * average + (1 - strength) * value
        weight = strength * weight + (1 - strength)
        out.append(average / weight)
    return out


def fitted_range(series: list[Series], metric: str, crop: bool, log: bool,
                 smoothing: float) -> tuple[float, float] | None:
    """The y range of what is drawn, padded a little; cropped to its best fifth."""
    values = [v for s in series for v in (*s.low, *s.high, *smoothed(s.mean, smoothing))]
    if log:
        values = [math.log10(v) for v in values if v > 0]
    if not values:
        return None
    low, high = min(values), max(values)
    if crop and high > low:
        span = (high - low) * CROP_SHARE
        low, high = (high - span, high) if higher_is_better(metric) else (low, low + span)
    pad = (high - low) * 0.04 or max(abs(high) * 0.05, 1e-3)
    low, high = low - pad, high + pad
    if not log and higher_is_better(metric):
        low, high = max(low, 0.0), min(high, 1.0) if high - pad <= 1.0 else high
    return (10 ** low, 10 ** high) if log else (low, high)


def draw_order(groups: list[SeedGroup], leader: str | None,
               highlighted: str | None) -> list[SeedGroup]:
    """Others first, then the leader, then the highlighted row: the last drawn is on top."""
    def rank(group: SeedGroup) -> int:
        return 2 if group.key == highlighted else 1 if group.key == leader else 0
    return sorted(groups, key=rank)


def steps_per_epoch(group: SeedGroup) -> int:
    """Steps in one epoch of the group's sweep, from its step losses (1 when unknown)."""
    for record in group.records:
        epochs = len(record.epochs)
        if epochs and len(record.step_losses) >= epochs:
            return max(1, len(record.step_losses) // epochs)
    return 1
