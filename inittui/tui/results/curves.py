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
import statistics
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from inittui.core.results.book import RunRecord
from inittui.tui.groups import SeedGroup, hex_color
from inittui.tui.plots import Plot, integer_ticks, nice_step, run_mark

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


def steps_per_epoch(group: SeedGroup) -> int:
    """Steps in one epoch of the group's sweep, from its step losses (1 when unknown)."""
    for record in group.records:
        epochs = len(record.epochs)
        if epochs and len(record.step_losses) >= epochs:
            return max(1, len(record.step_losses) // epochs)
    return 1


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
