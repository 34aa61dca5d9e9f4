"""Depth profile: the last hidden layer's signal against depth, per initializer.

The layers view shows one network layer by layer; across a grid of depths the question is
how the deepest layer's activation and gradient spread change as the network grows (He et
al. 2015: with xavier-normal in a ReLU net they shrink geometrically with depth; he-normal
keeps them level). Dotted lines are at initialization, solid ones after the last epoch,
small faint dots mean field's prediction at initialization (where theory applies);
the y axes are logarithmic.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from inittui.core.results.axes import (
    DEPTH_STATS,
    AxisSeries,
    axis_position,
    depth_series,
    seed_count,
)
from inittui.core.results.book import RunRecord, SweepRecord
from inittui.core.results.spectrum_reading import has_spectra
from inittui.tui.groups import PALETTE, RGB, hex_color
from inittui.tui.plots import Plot, monochrome, run_mark
from inittui.tui.results.predicted_lines import (
    activations_of,
    predicted,
    prediction_note,
    without_theory,
)
from inittui.tui.results.spectrum_plots import SPREAD_NOTE, SpectrumDepthPlot

PREDICTION_MARKER = "·"
"""Mean field's line: small dots, apart from the measured line at initialization's "•"."""
SHORT_NAMES = {"act_std": "act std", "grad_std": "grad ∂L/∂h std"}
"""The statistics' names where the full ones do not fit over a plot."""


def depth_colors(series: list[AxisSeries]) -> dict[str, RGB]:
    colors: dict[str, RGB] = {}
    for line in series:
        colors.setdefault(line.name, PALETTE[len(colors) % len(PALETTE)])
    return colors


def has_depth_axis(sweep: SweepRecord | None) -> bool:
    return sweep is not None and len(sweep.spec.axis_values("hidden")) > 1


class DepthStatPlot(Plot):
    """One statistic of the last hidden layer against depth, at init and after training."""

    def __init__(self, stat: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stat = stat
        self.sweep: SweepRecord | None = None

    def draw(self) -> str | None:
        sweep = self.sweep
        if sweep is None or not has_depth_axis(sweep):
            return ("no depth grid yet: repeat --hidden (--hidden 64x10 --hidden 64x20 "
                    "--hidden 64x30) to see the signal against depth")
        values = sweep.spec.axis_values("hidden")
        at_init = depth_series(sweep, self.stat, after_training=False)
        trained = depth_series(sweep, self.stat, after_training=True)
        colors = depth_colors(at_init)
        drawn = [(line, faint, [(axis_position("hidden", p.value, values), p.mean)
                                for p in line.points if p.mean is not None and p.mean > 0])
                 for lines, faint in ((at_init, True), (trained, False)) for line in lines]
        drawn = [(line, faint, points) for line, faint, points in drawn if points]
        if not drawn:
            return f"{DEPTH_STATS[self.stat]}: no statistics yet"
        predictions = self.predictions(values)
        ys = [y for _, _, points in drawn for _, y in points] + \
            [y for _, points in predictions for _, y in points]
        self.y_axis(min(ys) / 1.5, max(ys) * 1.5, log=True, most=max(2, self.size.height // 3))
        theme = self.colors
        for line, points in predictions:  # first: the measured lines are drawn over it
            color = colors[line.name]
            self.line([x for x, _ in points], [y for _, y in points], theme.line(color),
                      dim=True, run=color, marker=PREDICTION_MARKER)
        for line, faint, points in drawn:
            color = colors[line.name]
            self.line([x for x, _ in points], [y for _, y in points], theme.line(color),
                      dim=faint, run=color)
        xs = [axis_position("hidden", v, values) for v in values]
        self.plt.xticks(xs, [str(round(x)) if x == round(x) else f"{x:g}" for x in xs])
        self.plt.title(self.title_that_fits())
        self.plt.xlabel("hidden layers")
        return None

    def predictions(self, values: tuple[object, ...],
                    ) -> list[tuple[AxisSeries, list[tuple[float, float]]]]:
        """Each initializer's mean-field prediction of the statistic at initialization,
        against depth (none for ∂L/∂h, which theory does not predict)."""
        field = predicted(self.stat)
        if self.sweep is None or field is None:
            return []
        found = []
        for line in depth_series(self.sweep, field, after_training=False):
            points = [(axis_position("hidden", p.value, values), p.mean) for p in line.points
                      if p.mean is not None and p.mean > 0]
            if points:
                found.append((line, points))
        return found

    def title_that_fits(self) -> str:
        """The statistic's full name when it fits over the plot, else its short one
        (plotext leaves out a title wider than the plot)."""
        title = f"last hidden layer: {DEPTH_STATS[self.stat]}"
        if len(title) <= self.size.width - 4:
            return title
        return f"last hidden layer: {SHORT_NAMES[self.stat]}"


class DepthProfileView(Vertical):
    """A legend line, then activation std and gradient std against depth side by side."""

    DEFAULT_CSS = """
    DepthProfileView {
        & > #depth-header { height: auto; padding: 0 1; }
        & > Horizontal { height: 1fr; }
        & DepthStatPlot { width: 1fr; }
        & SpectrumDepthPlot { width: 1fr; display: none; }
        & SpectrumDepthPlot.-shown { display: block; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="depth-header")
        with Horizontal():
            yield DepthStatPlot("act_std", id="depth-act")
            yield DepthStatPlot("grad_std", id="depth-grad")
            yield SpectrumDepthPlot(id="depth-spectrum")

    def show(self, sweep: SweepRecord | None) -> None:
        chosen = sweep if has_depth_axis(sweep) else None
        for plot in self.query(DepthStatPlot):
            plot.sweep = chosen
            plot.stale()
        spectrum = self.query_one(SpectrumDepthPlot)  # shown once the grid has spectra
        spectrum.sweep = chosen
        spectrum.set_class(has_spectra(chosen), "-shown")
        spectrum.stale()
        header = Text("depth profile", style="bold")
        if chosen is not None:
            series = depth_series(chosen, "act_std", after_training=False)
            seeds = seed_count(series)
            header.append(f" · mean of {seeds} seed{'s' if seeds != 1 else ''} on the probe "
                          "batch · dots: at initialization, lines: after the last epoch\n")
            for name, color in depth_colors(series).items():
                header.append(f" {run_mark(color, monochrome(self.app))}",
                              style=hex_color(color))
                header.append(f" {name}")
            if has_spectra(chosen):
                header.append(f"\n{SPREAD_NOTE}", style="dim")
            drawn = any(plot.predictions(chosen.spec.axis_values("hidden"))
                        for plot in self.query(DepthStatPlot))
            widths = [min(hidden) for hidden in chosen.spec.axis_values("hidden") if hidden]
            by_init: dict[str, list[RunRecord]] = {}
            for record in chosen.runs.values():
                by_init.setdefault(record.plan.init, []).append(record)
            note = prediction_note(without_theory(by_init.items()), widths, drawn,
                                   activations_of(chosen.runs.values()),
                                   marker=PREDICTION_MARKER)
            if note.plain:
                header.append("\n")
                header.append_text(note)
        self.query_one("#depth-header", Static).update(header)
