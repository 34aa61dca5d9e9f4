"""Live learning curves built to show the winner: one line per initializer, seeds as a band.

The leader and the highlighted leaderboard row are drawn last, so they stay on top (a
braille cell holds one colour: whatever is drawn last owns it). The y axis is fitted to the
visible runs and can be cropped to the best fifth of the range; ticks carry enough digits
to tell neighbouring runs apart. By epoch, one point per epoch; by step, the per-step
training loss the engine reports, averaged into at most two points per character column so
a redraw stays cheap on the UI thread however long the sweep.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from inittui.tui.groups import SeedGroup, hex_color
from inittui.tui.plots import Plot, integer_ticks, nice_step, run_mark
from inittui.tui.results.curve_series import (
    CROP_SHARE,
    METRICS,
    Series,
    draw_order,
    epoch_series,
    fitted_range,
    higher_is_better,
    smoothed,
    step_series,
    steps_per_epoch,
)


class CurvesPlot(Plot):
    """The chosen metric by epoch or step for every visible group."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.groups: list[SeedGroup] = []
        self.metric = "val_acc"
        self.log_axis = False
        self.by_step = False
        self.smoothing = 0.0
        self.crop = False
        self.focus = False
        self.leader: str | None = None
        self.highlighted: str | None = None
        self.cursor_x: float | None = None
        self.not_drawn = 0
        self.series: list[Series] = []
        self.y_decimals = 3

    def compute(self) -> list[Series]:
        """The series to draw, in draw order (also read by the readout under the plot)."""
        groups = draw_order(self.groups, self.leader, self.highlighted)
        points = max(2 * self.size.width, 20)
        if self.by_step and self.metric == "train_loss":
            series = [step_series(g, self.log_axis, points) for g in groups]
        else:
            series = [epoch_series(g, self.metric, self.log_axis,
                                   steps_per_epoch(g) if self.by_step else 1) for g in groups]
        self.series = [s for s in series if s.xs]
        return self.series

    def draw(self) -> str | None:
        if not self.groups:
            if self.not_drawn:
                return (f"all {self.not_drawn} lines are hidden or filtered out: space on a "
                        "leaderboard row shows one again, escape clears a filter")
            return "no results yet: ctrl+r trains the chosen initializers"
        series = self.compute()
        if not series:
            if self.by_step and any(r.epochs for g in self.groups for r in g.records):
                return "no per-step losses here (runs loaded from a file): x shows epochs"
            return "training: each line appears here when its first epoch ends"
        colors = self.colors
        y_range = fitted_range(series, self.metric, self.crop, self.log_axis, self.smoothing)
        if y_range is None:
            return "nothing positive to show on a log axis"
        most_y = max(2, self.size.height // 2)
        self.y_axis(*y_range, log=self.log_axis, most=most_y)
        for s in series:  # bands under every line; in focus, the chosen run's alone
            if s.has_band and (not self.focus or s.group.key == self.highlighted):
                self.band(s.xs, s.low, s.high, colors.faint(s.group.color, 0.7), y_range)
        for s in series:
            chosen = not self.focus or s.group.key == self.highlighted
            color = colors.line(s.group.color) if chosen else colors.faint(s.group.color, 0.75)
            run = s.group.color
            if self.smoothing > 0 and len(s.xs) > 1:
                self.line(s.xs, s.mean, colors.faint(s.group.color, 0.6) if chosen else color,
                          dim=self.monochrome, run=run)
                self.line(s.xs, smoothed(s.mean, self.smoothing), color, run=run)
            else:
                self.line(s.xs, s.mean, color, run=run)
        first = min(s.xs[0] for s in series)
        last = max(s.xs[-1] for s in series)
        most_x = max(2, self.size.width // 10)
        if self.by_step:
            self.plt.xticks(integer_ticks(round(last), most_x, first=0))
        else:
            self.plt.xticks(integer_ticks(round(last), most_x))
        self.plt.xlim(min(first, 1), max(last, first + 1))
        step = nice_step((y_range[1] - y_range[0]) / max(most_y - 1, 1))
        self.y_decimals = max(3, 1 - math.floor(math.log10(step)) if step > 0 else 3)
        if self.cursor_x is not None:
            self.plt.vertical_line(self.cursor_x, color=colors.faint((128, 128, 128), 0.2))
        return None


class CurvesView(Vertical):
    """A title and legend over the curves, and the cursor's readout under them."""

    DEFAULT_CSS = """
    CurvesView {
        & > #curves-header { height: 1; padding: 0 1; text-wrap: nowrap;
                             text-overflow: ellipsis; }
        & > CurvesPlot { height: 1fr; }
        & > #curves-readout { height: auto; max-height: 3; padding: 0 1; }
        & > #curves-readout.-empty { display: none; }
    }
    """

    metric: reactive[str] = reactive("val_acc")
    """The EpochFinished field plotted (a key of METRICS)."""

    log_scale: reactive[bool] = reactive(False)
    """Plot losses on a log axis (accuracies always stay linear)."""

    by_step: reactive[bool] = reactive(False)
    """x counts optimizer steps instead of epochs (training loss per step)."""

    smoothing: reactive[float] = reactive(0.0)
    """EMA strength of the drawn lines (0: raw); the raw line stays, faint."""

    crop: reactive[bool] = reactive(False)
    """Show only the best fifth of the fitted y range."""

    focus_chosen: reactive[bool] = reactive(False)
    """Only the highlighted row in colour, every other run faint."""

    cursor: reactive[int | None] = reactive(None)
    """Index into `positions` of the vertical cursor line; None: no cursor."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._groups: list[SeedGroup] = []
        self._order: list[str] = []
        self._leader: str | None = None
        self._highlighted: str | None = None
        self._filter = ""

    def compose(self) -> ComposeResult:
        yield Static(id="curves-header")
        yield CurvesPlot()
        yield Static(id="curves-readout", classes="-empty")

    @property
    def uses_log(self) -> bool:
        return self.log_scale and self.metric.endswith("loss")

    @property
    def shown_groups(self) -> list[SeedGroup]:
        return self._groups

    @property
    def plot(self) -> CurvesPlot:
        return self.query_one(CurvesPlot)

    def show(self, groups: list[SeedGroup], not_drawn: int = 0, leader: str | None = None,
             highlighted: str | None = None, order: list[str] | None = None,
             filter_text: str = "") -> None:
        """Plot these groups; `not_drawn` counts the groups hidden or filtered out, `order`
        is the ranking (the legend follows it, so a cut legend keeps the best)."""
        self._groups = groups
        self._leader, self._highlighted = leader, highlighted
        self._order = order or []
        self._filter = filter_text
        self.query_one(CurvesPlot).not_drawn = not_drawn
        self._redraw()

    def highlight(self, key: str | None) -> None:
        self._highlighted = key
        self._redraw()

    def watch_metric(self) -> None:
        self._redraw()

    def watch_log_scale(self) -> None:
        self._redraw()

    def watch_by_step(self) -> None:
        self.cursor = None
        self._redraw()

    def watch_smoothing(self) -> None:
        self._redraw()

    def watch_crop(self) -> None:
        self._redraw()

    def watch_focus_chosen(self) -> None:
        self._redraw()

    def watch_cursor(self) -> None:
        self._redraw()

    def positions(self) -> list[float]:
        """Where the cursor can stand: every x of the drawn series, in order."""
        plot = self.query_one(CurvesPlot)
        plot.compute()
        return sorted({x for s in plot.series for x in s.xs})

    def move_cursor(self, delta: int) -> None:
        """Left/right: the cursor appears at the last x, then moves one position."""
        positions = self.positions()
        if not positions:
            self.cursor = None
            return
        if self.cursor is None:
            self.cursor = len(positions) - 1
        else:
            self.cursor = min(max(self.cursor + delta, 0), len(positions) - 1)

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        plot = self.query_one(CurvesPlot)
        plot.groups, plot.metric, plot.log_axis = self._groups, self.metric, self.uses_log
        plot.by_step, plot.smoothing, plot.crop = self.by_step, self.smoothing, self.crop
        plot.focus, plot.leader = self.focus_chosen, self._leader
        plot.highlighted = self._highlighted
        cursor_x = None
        readout = self.query_one("#curves-readout", Static)
        if self.cursor is not None:
            positions = self.positions()
            if positions:
                cursor_x = positions[min(self.cursor, len(positions) - 1)]
        plot.cursor_x = cursor_x
        plot.stale()
        if cursor_x is not None:
            readout.update(self._readout(plot, cursor_x))
        readout.set_class(cursor_x is None, "-empty")
        header = self.query_one("#curves-header", Static)
        header.update(self._header() if self._groups or self._filter else Text(""))

    def _title(self) -> str:
        if self.by_step and self.metric == "train_loss":
            title = "train loss by step"
        else:
            title = f"{METRICS[self.metric]} by {'step' if self.by_step else 'epoch'}"
        notes = []
        if self.uses_log:
            notes.append("log y")
        if self.smoothing:
            notes.append(f"EMA {self.smoothing:g}")
        if self.crop:
            notes.append(f"best {CROP_SHARE:.0%}")
        if any(len(group.records) > 1 for group in self._groups):
            notes.append(f"band: min–max of {max(len(g.records) for g in self._groups)} seeds")
        if self.focus_chosen:
            notes.append("focus")
        if self._filter:
            notes.append(f"filter “{self._filter}”")
        return title + (f" ({', '.join(notes)})" if notes else "")

    def _header(self) -> Text:
        """`title  ━ leader ━ second …` in ranking order, each mark in its line's colour."""
        plot = self.query_one(CurvesPlot)
        colors = plot.colors
        rank = {key: index for index, key in enumerate(self._order)}
        text = Text(self._title(), style="bold")
        text.append(" ")
        for group in sorted(self._groups, key=lambda g: rank.get(g.key, len(rank))):
            faint = self.focus_chosen and group.key != self._highlighted
            color = colors.faint(group.color, 0.75) if faint else colors.line(group.color)
            text.append(f" {run_mark(group.color, plot.monochrome)}", style=hex_color(color))
            text.append(f" {group.label}", style="dim" if faint else "")
        return text

    def _readout(self, plot: CurvesPlot, x: float) -> Text:
        """Every visible run's value at the cursor, best first."""
        colors = plot.colors
        unit = "step" if self.by_step else "epoch"
        text = Text(f"{unit} {x:g}:", style="bold")
        values = []
        for s in plot.series:
            if x in s.xs:
                mean = smoothed(s.mean, self.smoothing)[s.xs.index(x)]
                values.append((mean, s))
        values.sort(key=lambda pair: -pair[0] if higher_is_better(self.metric) else pair[0])
        for mean, s in values:
            text.append(f" {run_mark(s.group.color, plot.monochrome)}",
                        style=hex_color(colors.line(s.group.color)))
            text.append(f" {s.group.label} {mean:.{plot.y_decimals}f}")
        if not values:
            text.append(" no run has a value here", style="dim")
        return text
