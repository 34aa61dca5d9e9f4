"""Figures of runs over their epochs: learning curves and the leaderboard's bars."""

from __future__ import annotations

import math
import statistics

from matplotlib.figure import Figure

from inittui.core.results.book import LeaderRow, leaderboard
from inittui.figures.data import FigureData, FigureInputError, Series
from inittui.figures.kinds import CURVE_METRICS, PlotOptions
from inittui.figures.style import color, legend, line_style, log_y, new_figure, whole_numbers


def curve_metric(options: PlotOptions) -> str:
    metric = (options.metric or "val_acc").replace("-", "_")
    if metric not in CURVE_METRICS:
        raise FigureInputError(f"curves draw {', '.join(CURVE_METRICS)}; not '{metric}'")
    return metric


def moving_mean(values: list[float], window: int) -> list[float]:
    """The mean of each value and the window - 1 before it (fewer at the start)."""
    return [statistics.fmean(values[max(0, i + 1 - window):i + 1]) for i in range(len(values))]


def seed_curve(line: Series, metric: str) -> tuple[list[float], list[float], list[float],
                                                    list[float]]:
    """Epochs, and the metric's mean, min and max over the seeds that reached each epoch."""
    by_epoch: dict[int, list[float]] = {}
    for record in line.records:
        for epoch in record.epochs:
            value = getattr(epoch, metric)
            if value is not None and math.isfinite(value):
                by_epoch.setdefault(epoch.epoch, []).append(value)
    epochs = sorted(by_epoch)
    return ([float(e) for e in epochs], [statistics.fmean(by_epoch[e]) for e in epochs],
            [min(by_epoch[e]) for e in epochs], [max(by_epoch[e]) for e in epochs])


def curves(data: FigureData, options: PlotOptions) -> Figure:
    metric = curve_metric(options)
    figure, (axis,) = new_figure(width=5.6, height=3.8)
    seeds = 1
    for line in data.series():
        epochs, mean, low, high = seed_curve(line, metric)
        if not epochs:
            continue
        seeds = max(seeds, len(line.records))
        if options.smooth > 1:
            mean, low, high = (moving_mean(v, options.smooth) for v in (mean, low, high))
        if len(line.records) > 1:
            axis.fill_between(epochs, low, high, color=color(line.index), alpha=0.18,
                              linewidth=0)
        axis.plot(epochs, mean, label=line.label, **line_style(line.index))
    axis.set_xlabel("epoch")
    whole_numbers(axis)
    axis.set_ylabel(CURVE_METRICS[metric])
    if options.log:
        log_y(axis)
    notes = [f"mean of {seeds} seeds, band: min–max"] if seeds > 1 else []
    if options.smooth > 1:
        notes.append(f"smoothed: mean of the last {options.smooth} epochs")
    axis.set_title(_title(data, CURVE_METRICS[metric].split(" (")[0], notes))
    legend(axis, "initializer")
    return figure


def _title(data: FigureData, what: str, notes: list[str]) -> str:
    spec = data.book.sweeps[-1].spec
    head = f"{what}: {spec.model}, {spec.dataset.split(':')[0]}"
    return head + (f"\n({'; '.join(notes)})" if notes else "")


def leaderboard_rows(data: FigureData) -> list[tuple[Series, LeaderRow]]:
    """The leaderboard's rows in its ranking, each with the series it belongs to."""
    data.series()
    lines = {(s.records[0].sweep, s.cell, s.init): s for s in data.series()}
    return [(lines[(row.sweep, row.cell, row.init)], row) for row in leaderboard(data.book)
            if (row.sweep, row.cell, row.init) in lines]


def leaderboard_figure(data: FigureData, options: PlotOptions) -> Figure:
    rows = [(line, row) for line, row in leaderboard_rows(data)
            if row.best_val_mean is not None]
    if not rows:
        raise FigureInputError("no run has a validation accuracy yet: nothing to rank")
    figure, (axis,) = new_figure(width=5.6, height=max(2.2, 0.35 * len(rows) + 1.2))
    hatches = ("", "//", "..", "xx", "\\\\", "oo", "--", "++")
    positions = list(range(len(rows)))[::-1]
    for place, (line, row) in zip(positions, rows):
        axis.barh(place, row.best_val_mean, xerr=row.best_val_std if row.seeds > 1 else None,
                  color=color(line.index), hatch=hatches[line.index % len(hatches)],
                  edgecolor="black", linewidth=0.5, capsize=3, label=line.label)
    axis.set_yticks(positions, [line.label for line, _ in rows])
    axis.set_xlabel("best validation accuracy")
    axis.set_xlim(0, 1)
    seeds = max(row.seeds for _, row in rows)
    notes = [f"mean of {seeds} seeds, error bars: ± 1 std"] if seeds > 1 else []
    axis.set_title(_title(data, "leaderboard", notes))
    axis.grid(axis="y", visible=False)
    return figure
