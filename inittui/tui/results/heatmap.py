"""Heatmap: initializers against the values of one axis, each cell coloured by its metric.

Where the sensitivity plot shows shapes, the heatmap shows numbers: every cell says its
mean over seeds, coloured from worst (red) to best (green) over the whole grid, so the
best region of a grid stands out at a glance. A grid of two or more axes can also be
read as axis against axis for one initializer (lr × depth for he-normal): `n` steps
through the layouts, `i` through the initializers, and the colours keep one scale across
initializers, so cycling them compares like with like. Arrows move between cells; enter
opens that grid cell's curves (the curves view, filtered to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from inittui.core.results.axes import (
    AXIS_METRICS,
    HIGHER_IS_BETTER,
    AxisPoint,
    AxisSeries,
    axis_series,
    axis_title,
    format_metric,
    grid_axes,
    metric_label,
    seed_count,
)
from inittui.core.results.book import SweepRecord
from inittui.tui.groups import RGB
from inittui.tui.results.trainable_depth import (
    BEYOND_MARK,
    beyond_trainable,
    depth_label,
    records_of,
    six_xi_c,
)

WORST, MIDDLE, BEST = (150, 40, 40), (140, 120, 30), (30, 130, 60)
"""Background colours from the worst cell to the best (dark enough for white text)."""


def shade(fraction: float) -> RGB:
    """Red (0) through amber to green (1)."""
    low, high, t = (WORST, MIDDLE, fraction * 2) if fraction < 0.5 else \
        (MIDDLE, BEST, fraction * 2 - 1)
    red, green, blue = (round(a + (b - a) * t) for a, b in zip(low, high, strict=True))
    return red, green, blue


@dataclass(frozen=True)
class Layout:
    """What the table's rows and columns are."""

    column_axis: str
    one_init: bool
    """Rows: the other axes' values for one initializer (else: every initializer)."""


def layouts(axes: list[str]) -> list[Layout]:
    """Every initializer × each axis; with two axes or more, then each axis against the
    others for one initializer."""
    return [Layout(axis, False) for axis in axes] + \
        ([Layout(axis, True) for axis in axes] if len(axes) > 1 else [])


class Heatmap(DataTable[Text | str]):
    """Rows: initializers (with the other axes' values); columns: the axis's values."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_cell", "Open", id="open-cell",
                tooltip="heatmap: the curves of the grid cell under the cursor"),
        Binding("i", "next_init", "Initializer", id="next-init",
                tooltip="heatmap, axis against axis: the next initializer"),
    ]

    @dataclass
    class CellOpened(Message):
        """The user asked for one grid cell's curves."""

        cell: str

    class LayoutChanged(Message):
        """The table shows something else (another initializer): its title is stale."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=False, id=id)
        self.axis_index = 0
        """Which of `layouts(axes)` is shown (n steps it; taken modulo their number)."""
        self.init_index = 0
        self.metric = "best_val_acc"
        self._sweep: SweepRecord | None = None
        self._cells: dict[tuple[int, int], AxisPoint] = {}
        self.marks_beyond = False
        """Whether some cell is marked deeper than its run's 6ξ_c."""

    @property
    def layout(self) -> Layout | None:
        options = layouts(grid_axes(self._sweep)) if self._sweep else []
        return options[self.axis_index % len(options)] if options else None

    @property
    def axis(self) -> str:
        """The axis along the columns."""
        return self.layout.column_axis if self.layout else ""

    @property
    def inits(self) -> list[str]:
        """The sweep's initializers, in the order of its runs."""
        runs = self._sweep.runs.values() if self._sweep else ()
        return list(dict.fromkeys(record.plan.init for record in runs))

    @property
    def init(self) -> str | None:
        """The initializer shown when the rows are axis values, else None."""
        inits = self.inits
        if self.layout is None or not self.layout.one_init or not inits:
            return None
        return inits[self.init_index % len(inits)]

    @property
    def row_title(self) -> str:
        if self.init is None:
            return "initializer"
        axes = grid_axes(self._sweep) if self._sweep else []
        return " × ".join(axis_title(axis) for axis in axes if axis != self.axis)

    @property
    def title(self) -> str:
        if self._sweep is None:
            return "heatmap: needs a grid (list values: --lr 1e-4,1e-3,1e-2)"
        seeds = seed_count(axis_series(self._sweep, self.axis, self.metric))
        label = metric_label(self.metric, self._sweep)
        scope = f"{label} by {self.row_title} × {axis_title(self.axis)}"
        if self.init is not None:
            scope = f"{scope} for {self.init}"
        several = len(grid_axes(self._sweep)) > 1
        colours = "green best of the whole grid" if several else "green best"
        keys = "m metric · n axes" if several else "m metric · n axis"
        if self.init is not None:
            keys += " · i initializer"
        beyond = f" · {BEYOND_MARK} deeper than mean field's 6ξ_c" if self.marks_beyond else ""
        return (f"{scope} · mean of {seeds} seed{'s' if seeds != 1 else ''} · {colours}"
                f"{beyond} · {keys} · enter opens")

    def show(self, sweep: SweepRecord | None) -> None:
        """Fill the table from the newest grid sweep, keeping the cursor where it was."""
        self._sweep = sweep if sweep is not None and sweep.spec.is_grid else None
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        self._cells = {}
        self.marks_beyond = False
        self.refresh_bindings()  # `i` is a key of some layouts only
        if self._sweep is None:
            return
        series = axis_series(self._sweep, self.axis, self.metric)
        values = [p.mean for s in series for p in s.points if p.mean is not None]
        low, high = (min(values), max(values)) if values else (0.0, 0.0)
        better_high = HIGHER_IS_BETTER[self.metric]
        rows = self._rows(series)
        widest = max((len(name) for name, _ in rows), default=4)
        self.add_column(self.row_title, width=min(max(widest, len(self.row_title), 11), 40),
                        key="init")
        for point in series[0].points if series else ():
            self.add_column(Text(point.label, justify="center"), width=max(len(point.label), 7))
        for row, (name, line) in enumerate(rows):
            cells: list[Text | str] = [name]
            for column, point in enumerate(line.points, start=1):
                self._cells[(row, column)] = point
                beyond = beyond_trainable(records_of(self._sweep, line.init, point.cell))
                self.marks_beyond |= beyond
                cells.append(self._cell(point, low, high, better_high, beyond))
            self.add_row(*cells, key=name)
        if self.row_count:
            self.move_cursor(row=min(cursor.row, self.row_count - 1),
                             column=min(max(cursor.column, 1), len(self.columns) - 1),
                             animate=False)

    def _cell(self, point: AxisPoint, low: float, high: float, better_high: bool,
              beyond: bool = False) -> Text:
        text = format_metric(self.metric, point.mean) + (BEYOND_MARK if beyond else "")
        text = text.center(7)
        if point.mean is None:
            return Text(text, style="dim")
        fraction = (point.mean - low) / (high - low) if high > low else 1.0
        red, green, blue = shade(fraction if better_high else 1 - fraction)
        return Text(text, style=f"bold white on rgb({red},{green},{blue})")

    def _rows(self, series: list[AxisSeries]) -> list[tuple[str, AxisSeries]]:
        """(row label, its series): every initializer's, or one's by the other axes."""
        if self.init is None:
            return [(self._row_name(line.name, line), line) for line in series]
        return [(line.rest, line) for line in series if line.init == self.init]

    def _row_name(self, name: str, line: AxisSeries) -> str:
        """The row's label; across depths, with its 6ξ_c (the same at every depth)."""
        if self.axis != "hidden" or self._sweep is None:
            return name
        found = [six_xi_c(records_of(self._sweep, line.init, p.cell)) for p in line.points]
        depth = next((d for d in found if d is not None), None)
        return name if depth is None else f"{name} · {depth_label(depth)}"



    def next_axis(self) -> None:
        """The next layout: each axis by initializer, then each axis by the others."""
        self.axis_index += 1
        self.show(self._sweep)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_init":
            return self.init is not None  # only axis against axis shows one initializer
        return True

    def action_next_init(self) -> None:
        self.init_index += 1
        self.show(self._sweep)
        self.post_message(self.LayoutChanged())

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
        self.query_one(Heatmap).show(sweep)
        self._update_header()

    def next_axis(self) -> None:
        self.query_one(Heatmap).next_axis()
        self._update_header()

    def next_init(self) -> None:
        self.query_one(Heatmap).action_next_init()

    def cycle_metric(self) -> None:
        self.query_one(Heatmap).cycle_metric()
        self._update_header()

    def on_heatmap_layout_changed(self, message: Heatmap.LayoutChanged) -> None:
        message.stop()
        self._update_header()

    def _update_header(self) -> None:
        self.query_one("#heatmap-header", Static).update(Text(self.query_one(Heatmap).title))
