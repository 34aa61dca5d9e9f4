"""Live learning curves: one line per initializer, with the spread over seeds beside it.

One point per epoch: plotting every step would make each redraw on the UI thread slower
as training goes on, and epochs are what the leaderboard ranks.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from inittui.core.results import RunRecord
from inittui.tui.groups import RunGroup, dimmed
from inittui.tui.plots import Plot, integer_ticks
from inittui.tui.results.legend import legend

METRICS: dict[str, str] = {
    "val_acc": "val acc", "train_acc": "train acc", "val_loss": "val loss",
    "train_loss": "train loss",
}
"""EpochFinished field → axis title, in the order the metric key cycles through them."""


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


class CurvesPlot(Plot):
    """The chosen metric by epoch for every visible group; the view above it has the legend."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.groups: list[RunGroup] = []
        self.metric = "val_acc"
        self.log_axis = False
        self.hidden = 0

    def draw(self) -> str | None:
        if not self.groups:
            if self.hidden:
                return (f"all {self.hidden} lines are hidden: "
                        "space on a leaderboard row shows one again")
            return "no results yet: ctrl+r trains the chosen initializers"
        series = [(group, per_epoch(group.records, self.metric, self.log_axis))
                  for group in self.groups]
        last = max((max(values, default=0) for _, values in series), default=0)
        if last == 0:
            return "training: each line appears here when its first epoch ends"
        if self.log_axis:
            self.plt.yscale("log")
        for group, values in series:  # spreads first, so every mean line is drawn on top
            if len(group.records) > 1 and values:
                epochs = list(values)
                spread_color = dimmed(group.color)
                self.line(epochs, [min(v) for v in values.values()], spread_color)
                self.line(epochs, [max(v) for v in values.values()], spread_color)
        for group, values in series:
            if values:
                self.line(list(values), [sum(v) / len(v) for v in values.values()],
                          group.color)
        self.plt.xticks(integer_ticks(last))
        return None


class CurvesView(Vertical):
    """A title and legend line over the curves; `m` cycles the metric, `l` the log axis."""

    DEFAULT_CSS = """
    CurvesView {
        & > #curves-header { height: auto; padding: 0 1; }
        & > CurvesPlot { height: 1fr; }
    }
    """

    metric: reactive[str] = reactive("val_acc")
    """The EpochFinished field plotted (a key of METRICS)."""

    log_scale: reactive[bool] = reactive(False)
    """Plot losses on a log axis (accuracies always stay linear)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._groups: list[RunGroup] = []

    def compose(self) -> ComposeResult:
        yield Static(id="curves-header")
        yield CurvesPlot()

    @property
    def uses_log(self) -> bool:
        return self.log_scale and self.metric.endswith("loss")

    @property
    def shown_groups(self) -> list[RunGroup]:
        return self._groups

    def show(self, groups: list[RunGroup], hidden: int = 0) -> None:
        """Plot these groups; `hidden` counts the groups the user hid."""
        self._groups = groups
        self.query_one(CurvesPlot).hidden = hidden
        self._redraw()

    def watch_metric(self) -> None:
        self._redraw()

    def watch_log_scale(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        plot = self.query_one(CurvesPlot)
        plot.groups, plot.metric, plot.log_axis = self._groups, self.metric, self.uses_log
        plot.stale()
        title = f"{METRICS[self.metric]} by epoch"
        if any(len(group.records) > 1 for group in self._groups):
            title += ", dim: min–max of seeds"
        if self.uses_log:
            title += " · log"
        header = self.query_one("#curves-header", Static)
        header.update(legend(title, self._groups) if self._groups else Text(""))
