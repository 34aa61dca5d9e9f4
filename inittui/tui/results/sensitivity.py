"""Sensitivity: a metric against one axis of the grid, a line per initializer with its seeds.

The plot that answers "does the lead survive another learning rate?": a line that stays
high across the lr axis is robust, one that peaks at one value is tuned. Learning rates sit
on a log axis (their positions are log10 of the value, labelled with the values), and the
band around a line spans its seeds' minimum to maximum.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from inittui.core.results.axes import (
    AXIS_METRICS,
    AxisSeries,
    axis_position,
    axis_series,
    axis_title,
    grid_axes,
    metric_label,
    seed_count,
)
from inittui.core.results.book import SweepRecord
from inittui.tui.groups import PALETTE, RGB, hex_color
from inittui.tui.plots import Plot, monochrome, run_mark

LOG_AXES = frozenset({"lr"})


def series_colors(series: list[AxisSeries]) -> dict[str, RGB]:
    """A colour per line (initializer, and other axes' values), in order of appearance."""
    colors: dict[str, RGB] = {}
    for line in series:
        colors.setdefault(line.name, PALETTE[len(colors) % len(PALETTE)])
    return colors


def x_positions(axis: str, series: AxisSeries, values: tuple[object, ...]) -> list[float]:
    positions = [axis_position(axis, p.value, values) for p in series.points]
    return [math.log10(x) for x in positions] if axis in LOG_AXES else positions


class SensitivityPlot(Plot):
    """The metric against the axis: one line per series, each with its seed band."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sweep: SweepRecord | None = None
        self.axis = ""
        self.metric = "best_val_acc"

    def draw(self) -> str | None:
        sweep = self.sweep
        if sweep is None or not self.axis:
            return ("no grid yet: list values (--lr 1e-4,1e-3,1e-2, --hidden 64x10 --hidden "
                    "64x20) to see a metric across them")
        series = axis_series(sweep, self.axis, self.metric)
        values = sweep.spec.axis_values(self.axis)
        drawn = [(s, x_positions(self.axis, s, values)) for s in series
                 if any(p.mean is not None for p in s.points)]
        if not drawn:
            return f"{metric_label(self.metric, sweep)}: no values yet"
        colors, theme = series_colors(series), self.colors
        ys = [v for s, _ in drawn for p in s.points for v in (p.low, p.high) if v is not None]
        low, high = min(ys), max(ys)
        pad = (high - low) * 0.05 or max(abs(high) * 0.05, 1e-3)
        y_range = (low - pad, high + pad)
        self.y_axis(*y_range, most=max(3, self.size.height // 4))
        for line, xs in drawn:
            points = [(x, p) for x, p in zip(xs, line.points, strict=True) if p.mean is not None]
            if len(points) > 1 and any((p.high or 0) > (p.low or 0) for _, p in points):
                self.band([x for x, _ in points], [p.low or 0.0 for _, p in points],
                          [p.high or 0.0 for _, p in points],
                          theme.faint(colors[line.name], 0.7), y_range)
        for line, xs in drawn:
            points = [(x, p.mean) for x, p in zip(xs, line.points, strict=True)
                      if p.mean is not None]
            self.line([x for x, _ in points], [y for _, y in points],
                      theme.line(colors[line.name]), run=colors[line.name])
        first = drawn[0]
        self.plt.xticks(first[1], [p.label for p in first[0].points])
        if len(first[1]) > 1:  # every value of the axis, however few have a metric yet
            self.plt.xlim(min(first[1]), max(first[1]))
        scale = " (log scale)" if self.axis in LOG_AXES else ""
        self.plt.xlabel(f"{axis_title(self.axis)}{scale}")
        return None


class SensitivityView(Vertical):
    """Header (what is plotted, over how many seeds, the legend) above the plot."""

    DEFAULT_CSS = """
    SensitivityView {
        & > #sensitivity-header { height: auto; padding: 0 1; }
        & > SensitivityPlot { height: 1fr; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.axis_index = 0
        self.metric = "best_val_acc"
        self._sweep: SweepRecord | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="sensitivity-header")
        yield SensitivityPlot(id="sensitivity-plot")

    @property
    def axis(self) -> str:
        axes = grid_axes(self._sweep) if self._sweep else []
        return axes[self.axis_index % len(axes)] if axes else ""

    def show(self, sweep: SweepRecord | None) -> None:
        """Plot the newest grid sweep (None: say how to make one)."""
        self._sweep = sweep if sweep is not None and sweep.spec.is_grid else None
        plot = self.query_one(SensitivityPlot)
        plot.sweep, plot.axis, plot.metric = self._sweep, self.axis, self.metric
        plot.stale()
        self.query_one("#sensitivity-header", Static).update(self._header())

    def next_axis(self) -> None:
        self.axis_index += 1
        self.show(self._sweep)

    def cycle_metric(self) -> None:
        names = list(AXIS_METRICS)
        self.metric = names[(names.index(self.metric) + 1) % len(names)]
        self.show(self._sweep)

    def _header(self) -> Text:
        sweep = self._sweep
        if sweep is None:
            return Text("sensitivity: needs a grid", style="bold")
        series = axis_series(sweep, self.axis, self.metric)
        seeds = seed_count(series)
        text = Text(f"{metric_label(self.metric, sweep)} vs {axis_title(self.axis)}",
                    style="bold")
        text.append(f" · mean of {seeds} seed{'s' if seeds != 1 else ''}"
                    f"{', band: min to max' if seeds > 1 else ''} · m metric · n axis\n")
        for name, color in series_colors(series).items():
            text.append(f" {run_mark(color, monochrome(self.app))}", style=hex_color(color))
            text.append(f" {name}")
        return text
