"""Figures of a grid: a metric against each axis (sensitivity) and over the cells (heatmap).

The numbers are the core's (grid_results.py), the same the app's sensitivity view and
heatmap show: a mean over seeds per initializer per axis value, never mixing cells.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from inittui.core.results.axes import (
    AXIS_METRICS,
    LOSS_WINDOW,
    AxisSeries,
    axis_position,
    axis_series,
    axis_title,
    format_metric,
    grid_axes,
    metric_label,
    seed_count,
)
from inittui.core.results.book import SweepRecord
from inittui.figures.data import FigureData, FigureInputError
from inittui.figures.kinds import PlotOptions
from inittui.figures.style import color, legend, line_style, log_y, new_figure, wrapped


def grid_metric(options: PlotOptions) -> str:
    metric = (options.metric or "best_val_acc").replace("-", "_")
    if metric not in AXIS_METRICS:
        raise FigureInputError(f"grid figures draw {', '.join(AXIS_METRICS)}; not '{metric}'")
    return metric


def grid_sweep(data: FigureData) -> SweepRecord:
    """The last grid of the results (a file may hold several sweeps)."""
    return next(s for s in reversed(data.book.sweeps) if s.spec.is_grid)


def _series(sweep: SweepRecord, axis: str, metric: str) -> list[AxisSeries]:
    series = axis_series(sweep, axis, metric)
    if not any(point.mean is not None for line in series for point in line.points):
        if metric == "steps_to_loss" and not any(r.step_losses for r in sweep.runs.values()):
            raise FigureInputError("steps_to_loss needs per-step training losses, which "
                                   "results files do not keep (--headless --figures DIR "
                                   "draws it when the sweep ends)")
        if metric == "steps_to_loss":
            raise FigureInputError(f"no run reached the loss target within its steps (a "
                                   f"run needs at least {LOSS_WINDOW} steps)")
        raise FigureInputError(f"no run of the grid has a value of {metric}")
    return series


def axis_label(sweep: SweepRecord, axis: str) -> str:
    values = sweep.spec.axis_values(axis)
    if axis == "hidden" and axis_position(axis, values[0], values) == len(values[0]):
        width = values[0][0]
        return f"depth (hidden layers of {width} units)"
    return axis_title(axis)


def sensitivity(data: FigureData, options: PlotOptions) -> Figure:
    metric = grid_metric(options)
    sweep = grid_sweep(data)
    axes = grid_axes(sweep)
    figure, panels = new_figure(len(axes), width=4.6, height=3.6, columns=min(len(axes), 3))
    seeds = 0
    for axis, panel in zip(axes, panels):
        series = _series(sweep, axis, metric)
        seeds = max(seeds, seed_count(series))
        values = sweep.spec.axis_values(axis)
        for index, line in enumerate(series):
            points = [p for p in line.points if p.mean is not None]
            xs = [axis_position(axis, p.value, values) for p in points]
            if any(p.low != p.high for p in points):
                panel.fill_between(xs, [p.low for p in points], [p.high for p in points],
                                   color=color(index), alpha=0.18, linewidth=0)
            panel.plot(xs, [p.mean for p in points], label=line.name, **line_style(index))
        ticks = [axis_position(axis, v, values) for v in values]
        depth_axis = axis_label(sweep, axis).startswith("depth")
        labels = [f"{t:g}" if depth_axis else p.label for t, p in zip(ticks, series[0].points)]
        panel.set_xticks(ticks, labels)
        if axis == "lr":
            panel.set_xscale("log")
            panel.set_xticks(ticks, labels)
            panel.minorticks_off()
        panel.set_xlabel(axis_label(sweep, axis))
        panel.set_ylabel(wrapped(metric_label(metric, sweep), 48))
        if options.log:
            log_y(panel)
        legend(panel, "initializer")
    band = f" (mean of {seeds} seeds, band: min–max)" if seeds > 1 else ""
    figure.suptitle(wrapped(f"{AXIS_METRICS[metric]} by grid axis{band}", 60 * len(axes)))
    return figure


def heatmap(data: FigureData, options: PlotOptions) -> Figure:
    metric = grid_metric(options)
    sweep = grid_sweep(data)
    axis = grid_axes(sweep)[0]
    series = _series(sweep, axis, metric)
    columns = [p.label for p in series[0].points]
    values = [[p.mean if p.mean is not None else math.nan for p in line.points]
              for line in series]
    figure, (panel,) = new_figure(width=max(4.0, 0.9 * len(columns) + 2.5),
                                  height=max(2.4, 0.4 * len(series) + 1.4))
    image = panel.imshow(values, cmap="viridis", aspect="auto")
    finite = [v for row in values for v in row if math.isfinite(v)]
    middle = (min(finite) + max(finite)) / 2 if finite else 0
    for row, line in enumerate(series):
        for column, point in enumerate(line.points):
            shade = values[row][column]
            panel.text(column, row, format_metric(metric, point.mean), ha="center",
                       va="center", fontsize=7,
                       color="black" if math.isfinite(shade) and shade > middle else "white")
    panel.set_xticks(range(len(columns)), columns)
    panel.set_yticks(range(len(series)), [line.name for line in series])
    panel.set_xlabel(axis_label(sweep, axis))
    panel.grid(False)
    bar = figure.colorbar(image, ax=panel)
    bar.set_label(wrapped(metric_label(metric, sweep), 48))
    seeds = seed_count(series)
    panel.set_title(wrapped(f"{AXIS_METRICS[metric]}: initializer × {axis_title(axis)}"
                            + (f" (mean of {seeds} seeds)" if seeds > 1 else ""), 60))
    return figure
