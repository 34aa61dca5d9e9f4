"""A grid's results along its axes: what the sensitivity, heatmap and depth views plot.

Every number here is a mean over seeds, with the seeds' minimum and maximum as its band,
for one initializer at one value of the chosen axis. When the grid has other axes too,
each combination of their values is its own series (`he-normal @ hidden=64x10`), so no
number ever mixes cells.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inittui.core.results.book import RunRecord, SweepRecord, mean_curve
from inittui.core.spec.fields import GRID_FIELDS
from inittui.core.spec.labels import LABEL_NAMES, format_value

AXIS_METRICS: dict[str, str] = {
    "best_val_acc": "best val acc",
    "final_train_loss": "final train loss",
    "epochs_to_target": "epochs to 90 % of the grid's best val acc",
    "steps_to_loss": "steps to a train loss target",
}
"""metric → what its axis label says (`metric_label` adds a sweep's loss target)."""
HIGHER_IS_BETTER = {"best_val_acc": True, "final_train_loss": False, "epochs_to_target": False,
                    "steps_to_loss": False}
LOSS_WINDOW = 20
"""Training steps whose mean loss is compared with the target: one minibatch is too noisy."""
LOSS_TARGET_FACTOR = 2.5
"""The train loss target is this many times the lowest that any run of the grid reached
(Saxe et al. 2013 time learning to a fixed fraction of the way down; a multiple of the
grid's own best fits any data set and model, and the label states the number)."""
DEPTH_STATS = {"act_std": "activation std", "grad_std": "back-propagated gradient std"}


@dataclass(frozen=True)
class AxisPoint:
    """One initializer at one axis value: the metric over its seeds."""

    value: Any
    label: str
    mean: float | None
    low: float | None
    high: float | None
    seeds: int
    cell: str = ""
    """The label of the grid cell these runs belong to."""


@dataclass(frozen=True)
class AxisSeries:
    """One line of a sensitivity plot, one row of a heatmap."""

    init: str
    rest: str
    """The other axes' values (`hidden=64x10`); empty when the grid has one axis."""
    points: tuple[AxisPoint, ...]

    @property
    def name(self) -> str:
        return f"{self.init} @ {self.rest}" if self.rest else self.init


def seed_count(series: list[AxisSeries]) -> int:
    """How many seeds the points are means of (the most any point has: a loaded file or a
    stopped grid may have fewer at some points)."""
    return max((point.seeds for line in series for point in line.points), default=0)


def grid_axes(sweep: SweepRecord) -> list[str]:
    """The sweep's axes, in grid order (`lr`, `hidden`, ...); empty outside a grid."""
    return [name for name, _ in sweep.spec.axes]


def axis_title(axis: str) -> str:
    return {"lr": "learning rate", "hidden": "hidden layers", "batch_size": "batch size"}.get(
        axis, axis)


def axis_position(axis: str, value: Any, values: tuple[Any, ...]) -> float:
    """Where a value sits on a plot's x axis: the number itself, depth for hidden
    sizes of one width, else its place in the list."""
    if axis in ("lr", "momentum", "batch_size"):
        return float(value)
    if axis == "hidden" and len({size for sizes in values for size in sizes}) == 1:
        return float(len(value))
    return float(values.index(value))


def _target(sweep: SweepRecord) -> float | None:
    peaks = [max(curve) for curve in (mean_curve([r]) for r in sweep.runs.values()) if curve]
    return 0.9 * max(peaks) if peaks else None


def windowed_losses(record: RunRecord) -> list[float]:
    """The mean training loss of every LOSS_WINDOW consecutive steps; entry i ends at step
    i + LOSS_WINDOW. Empty for runs without per-step losses (loaded from a results file)."""
    losses = record.step_losses
    if len(losses) < LOSS_WINDOW:
        return []
    sums = [0.0, *itertools.accumulate(losses)]
    return [(sums[end] - sums[end - LOSS_WINDOW]) / LOSS_WINDOW
            for end in range(LOSS_WINDOW, len(sums))]


def loss_target(sweep: SweepRecord) -> float | None:
    """LOSS_TARGET_FACTOR times the lowest windowed train loss of any run in the sweep."""
    lowest = [min(finite) for finite in ([v for v in windowed_losses(r) if math.isfinite(v)]
                                         for r in sweep.runs.values()) if finite]
    return LOSS_TARGET_FACTOR * min(lowest) if lowest else None


def metric_label(metric: str, sweep: SweepRecord | None = None) -> str:
    """What a metric's values are, with the sweep's numbers where it has a target."""
    if metric != "steps_to_loss":
        return AXIS_METRICS[metric]
    target = loss_target(sweep) if sweep is not None else None
    shown = f"{target:.3g}" if target is not None else "?"
    return (f"steps to train loss ≤ {shown} ({LOSS_TARGET_FACTOR}× the grid's lowest, "
            f"mean of {LOSS_WINDOW} steps)")


def steps_to_loss(record: RunRecord, target: float) -> float | None:
    """The first step at which the mean loss of the last LOSS_WINDOW steps is ≤ target."""
    return next((float(index + LOSS_WINDOW) for index, value in
                 enumerate(windowed_losses(record)) if value <= target), None)


def run_metric(record: RunRecord, metric: str, target: float | None = None) -> float | None:
    """One run's value of a metric; None when it has none (diverged, never got there).

    target: epochs_to_target's val acc, steps_to_loss's train loss (see `metric_target`).
    """
    if metric == "steps_to_loss":
        return steps_to_loss(record, target) if target is not None else None
    finite = record.finite_epochs
    if not finite:
        return None
    if metric == "best_val_acc":
        return max(e.val_acc for e in finite)
    if metric == "final_train_loss":
        last = record.epochs[-1]
        return last.train_loss if math.isfinite(last.train_loss) else None
    if metric == "epochs_to_target":
        if target is None:
            return None
        return next((float(e.epoch) for e in finite if e.val_acc >= target), None)
    raise ValueError(f"unknown metric {metric}")


def format_metric(metric: str, value: float | None) -> str:
    """A metric's value as the views print it: counts without decimals where whole."""
    if value is None or not math.isfinite(value):
        return "-"
    if metric in ("epochs_to_target", "steps_to_loss"):
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3f}"


def _summary(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    return statistics.fmean(values), min(values), max(values)


def _rest_label(record: RunRecord, sweep: SweepRecord, axes: list[str], axis: str) -> str:
    return ",".join(f"{LABEL_NAMES.get(name, name)}="
                    f"{format_value(name, record.plan.setting(name, sweep.spec))}"
                    for name in axes if name != axis)


def _series(sweep: SweepRecord, axis: str,
            value_of: Callable[[RunRecord], float | None]) -> list[AxisSeries]:
    axes = grid_axes(sweep)
    values = sweep.spec.axis_values(axis)
    cells: dict[tuple[str, str], dict[Any, list[RunRecord]]] = {}
    for record in sweep.runs.values():
        key = (record.plan.init, _rest_label(record, sweep, axes, axis))
        value = record.plan.setting(axis, sweep.spec)
        cells.setdefault(key, {}).setdefault(value, []).append(record)
    series = []
    for (init, rest), by_value in cells.items():
        points = []
        for value in values:
            records = by_value.get(value, [])
            found = [v for v in map(value_of, records) if v is not None]
            points.append(AxisPoint(value, format_value(axis, value), *_summary(found),
                                    seeds=len(found),
                                    cell=records[0].plan.cell if records else ""))
        series.append(AxisSeries(init, rest, tuple(points)))
    return series


def metric_target(sweep: SweepRecord, metric: str) -> float | None:
    """The sweep-wide target a metric counts up to, if it has one."""
    if metric == "steps_to_loss":
        return loss_target(sweep)
    return _target(sweep) if metric == "epochs_to_target" else None


def axis_series(sweep: SweepRecord, axis: str, metric: str) -> list[AxisSeries]:
    """The metric against one axis: a series per initializer (and other axes' values)."""
    if axis not in GRID_FIELDS:
        raise ValueError(f"{axis} is not a grid axis")
    target = metric_target(sweep, metric)
    return _series(sweep, axis, lambda record: run_metric(record, metric, target))


def depth_series(sweep: SweepRecord, stat: str, after_training: bool) -> list[AxisSeries]:
    """A statistic of the last hidden layer against the hidden-size axis, per initializer:
    at initialization (epoch 0), or after the last epoch that has statistics."""

    def value_of(record: RunRecord) -> float | None:
        if not record.layer_stats:
            return None
        epoch = max(record.layer_stats) if after_training else 0
        layers = record.layer_stats.get(epoch)
        if not layers or (after_training and epoch == 0):
            return None
        value = getattr(layers[-1], stat)
        return value if math.isfinite(value) else None

    return _series(sweep, "hidden", value_of)
