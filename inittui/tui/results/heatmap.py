"""Heatmap: initializers against the values of one axis, each cell coloured by its metric.

Where the sensitivity plot shows shapes, the heatmap shows numbers: every cell says its
mean over seeds, coloured from worst (red) to best (green) over the table, so the best
region of a grid stands out at a glance. Arrows move between cells; enter opens that grid
cell's curves (the curves view, filtered to it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from inittui.core.grid_results import (
    AXIS_METRICS,
    HIGHER_IS_BETTER,
    AxisPoint,
    axis_series,
    axis_title,
    grid_axes,
    seed_count,
)
from inittui.core.results import SweepRecord
from inittui.tui.groups import RGB

WORST, MIDDLE, BEST = (150, 40, 40), (140, 120, 30), (30, 130, 60)
"""Background colours from the worst cell to the best (dark enough for white text)."""


def shade(fraction: float) -> RGB:
    """Red (0) through amber to green (1)."""
    low, high, t = (WORST, MIDDLE, fraction * 2) if fraction < 0.5 else \
        (MIDDLE, BEST, fraction * 2 - 1)
    red, green, blue = (round(a + (b - a) * t) for a, b in zip(low, high, strict=True))
    return red, green, blue


def format_metric(metric: str, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if metric == "epochs_to_target":
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3f}"


class Heatmap(DataTable[Text | str]):
    """Rows: initializers (with the other axes' values); columns: the axis's values."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_cell", "Open", id="open-cell",
                tooltip="heatmap: the curves of the grid cell under the cursor"),
    ]

    @dataclass
    class CellOpened(Message):
        """The user asked for one grid cell's curves."""

        cell: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=False, id=id)
        self.axis_index = 0
        self.metric = "best_val_acc"
        self._sweep: SweepRecord | None = None
        self._cells: dict[tuple[int, int], AxisPoint] = {}

    @property
    def axis(self) -> str:
        axes = grid_axes(self._sweep) if self._sweep else []
        return axes[self.axis_index % len(axes)] if axes else ""

    @property
    def title(self) -> str:
        if self._sweep is None:
            return "heatmap: needs a grid (list values: --lr 1e-4,1e-3,1e-2)"
        seeds = seed_count(axis_series(self._sweep, self.axis, self.metric))
        return (f"{AXIS_METRICS[self.metric]} by initializer × {axis_title(self.axis)} · mean "
                f"of {seeds} seed{'s' if seeds != 1 else ''} · green best · m metric · "
                "n axis · enter opens")

    def show(self, sweep: SweepRecord | None) -> None:
        """Fill the table from the newest grid sweep, keeping the cursor where it was."""
        self._sweep = sweep if sweep is not None and sweep.spec.is_grid else None
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        self._cells = {}
        if self._sweep is None:
            return
        series = axis_series(self._sweep, self.axis, self.metric)
        values = [p.mean for s in series for p in s.points if p.mean is not None]
        low, high = (min(values), max(values)) if values else (0.0, 0.0)
        better_high = HIGHER_IS_BETTER[self.metric]
        widest = max((len(s.name) for s in series), default=4)
        self.add_column("initializer", width=min(max(widest, 11), 40), key="init")
        for point in series[0].points if series else ():
            self.add_column(Text(point.label, justify="center"), width=max(len(point.label), 7))
        for row, line in enumerate(series):
            cells: list[Text | str] = [line.name]
            for column, point in enumerate(line.points, start=1):
                self._cells[(row, column)] = point
                cells.append(self._cell(point, low, high, better_high))
            self.add_row(*cells, key=line.name)
        if self.row_count:
            self.move_cursor(row=min(cursor.row, self.row_count - 1),
                             column=min(max(cursor.column, 1), len(self.columns) - 1),
                             animate=False)

    def _cell(self, point: AxisPoint, low: float, high: float, better_high: bool) -> Text:
        text = format_metric(self.metric, point.mean).center(7)
        if point.mean is None:
            return Text(text, style="dim")
        fraction = (point.mean - low) / (high - low) if high > low else 1.0
        red, green, blue = shade(fraction if better_high else 1 - fraction)
        return Text(text, style=f"bold white on rgb({red},{green},{blue})")

    def next_axis(self) -> None:
        self.axis_index += 1
        self.show(self._sweep)

    def cycle_metric(self) -> None:
        names = list(AXIS_METRICS)
        self.metric = names[(names.index(self.metric) + 1) % len(names)]
        self.show(self._sweep)

    @property
    def cell_under_cursor(self) -> str | None:
        point = self._cells.get((self.cursor_coordinate.row, self.cursor_coordinate.column))
        return point.cell if point is not None and point.cell else None

    def action_open_cell(self) -> None:
        if self.cell_under_cursor is not None:
            self.post_message(self.CellOpened(self.cell_under_cursor))


class HeatmapView(Vertical):
    """What the heatmap shows (metric, axis, seeds, keys) above the table."""

    DEFAULT_CSS = """
    HeatmapView {
        & > #heatmap-header { height: auto; padding: 0 1; text-style: bold; }
        & > Heatmap { height: 1fr; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="heatmap-header")
        yield Heatmap(id="heatmap-table")

    def show(self, sweep: SweepRecord | None) -> None:
        table = self.query_one(Heatmap)
        table.show(sweep)
        self.query_one("#heatmap-header", Static).update(Text(table.title))

    def next_axis(self) -> None:
        self.query_one(Heatmap).next_axis()
        self.query_one("#heatmap-header", Static).update(Text(self.query_one(Heatmap).title))

    def cycle_metric(self) -> None:
        self.query_one(Heatmap).cycle_metric()
        self.query_one("#heatmap-header", Static).update(Text(self.query_one(Heatmap).title))
