"""Why an initializer wins: signal spread by depth, and one layer's activations, at an epoch.

Activation std and back-propagated gradient std (∂L/∂h, h after the activation; the
header adds ∂L/∂s, s before it, Glorot & Bengio's Fig. 7) against depth, on log axes, are the
pictures of Glorot & Bengio (2010) and He et al. (2015): flat lines train, lines that
fall or climb with depth are vanishing or exploding signals. Epoch 0 is the
initialization; the view follows the newest epoch until the user steps back.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from inittui.core.events import LayerStats
from inittui.tui.groups import SeedGroup
from inittui.tui.plots import Plot, integer_ticks, monochrome, plain_number, value_ticks
from inittui.tui.results.legend import legend
from inittui.tui.results.predicted_lines import (
    activations_of,
    prediction_note,
    prediction_points,
    without_theory,
)
from inittui.tui.results.spectrum_plots import SpectrumPlot, spectrum_note

ROOMY_HEIGHT = 24
"""Rows of the view from which the header adds the legend and its notes on the spectrum
and predictions; below it (an 80×24 terminal) they would leave the plots no room, so the
leaderboard's colours stand for the legend and one short line for the notes."""
ROOMY_WIDTH = 84
"""Columns from which the Jacobian's spectrum gets a panel of its own beside the others."""

STATS: dict[str, str] = {"act_std": "act std", "grad_std": "grad ∂L/∂h std"}
"""LayerStats field → plot title, for the by-depth plots."""


def layers_at(group: SeedGroup, epoch: int) -> list[tuple[LayerStats, ...]]:
    """Each seed's per-layer statistics of a group at an epoch (seeds lacking it left out)."""
    return [record.layer_stats[epoch] for record in group.records if epoch in record.layer_stats]


def format_std(value: float) -> str:
    return plain_number(value) if math.isfinite(value) else str(value)


class DepthPlot(Plot):
    """One statistic against layer number, one line per run, on a log axis."""

    def __init__(self, stat: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stat = stat
        self._groups: list[SeedGroup] = []
        self._epoch: int | None = None

    def show(self, groups: list[SeedGroup], epoch: int | None) -> None:
        self._groups, self._epoch = groups, epoch
        self.stale()

    def series(self) -> list[tuple[SeedGroup, list[int], list[float]]]:
        """Each seed's drawable line: (its group, layer numbers, positive finite values)."""
        lines = []
        for group in self._groups:
            for layers in layers_at(group, self._epoch) if self._epoch is not None else []:
                points = [(s.layer, getattr(s, self.stat)) for s in layers]
                points = [(x, y) for x, y in points if math.isfinite(y) and y > 0]
                if points:
                    lines.append((group, [x for x, _ in points], [y for _, y in points]))
        return lines

    def predictions(self) -> list[tuple[SeedGroup, list[int], list[float]]]:
        """Each seed's mean-field line (initialization only; none for ∂L/∂h)."""
        if self._epoch != 0:
            return []
        lines = []
        for group in self._groups:
            for layers in layers_at(group, 0):
                if points := prediction_points(layers, self.stat):
                    lines.append((group, [x for x, _ in points], [y for _, y in points]))
        return lines

    def draw(self) -> str | None:
        if self._epoch is None:
            return ""
        lines = self.series()
        if not lines:
            return f"{STATS[self.stat]}: every value is 0"
        predictions = self.predictions()
        depth = max(max(xs) for _, xs, _ in lines)
        values = [y for _, _, ys in lines + predictions for y in ys]
        low, high = min(values) / 1.5, max(values) * 1.5  # zeros are left out: log axis
        self.y_axis(low, high, log=True, most=max(2, self.size.height // 3))
        colors = self.colors
        for group, xs, ys in predictions:  # first: the measured line is drawn over it
            self.line(xs, ys, colors.line(group.color), dim=True, run=group.color)
        for group, xs, ys in lines:
            self.line(xs, ys, colors.line(group.color), run=group.color)
        self.plt.xticks(integer_ticks(depth, most=6))
        self.plt.xlim(1, max(depth, 2))
        self.plt.title(STATS[self.stat])
        return None


class HistogramPlot(Plot):
    """The activations of one layer of one run, as counts over that run's own range."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._group: SeedGroup | None = None
        self._stats: LayerStats | None = None

    def show(self, group: SeedGroup | None, stats: LayerStats | None) -> None:
        self._group, self._stats = group, stats
        self.stale()

    def draw(self) -> str | None:
        stats = self._stats
        if self._group is None or stats is None or not stats.hist_counts:
            return ""
        low, high = stats.hist_range
        width = (high - low) / len(stats.hist_counts)
        centers = [low + (index + 0.5) * width for index in range(len(stats.hist_counts))]
        counts = list(stats.hist_counts)
        self.plt.bar(centers, counts, color=self.colors.line(self._group.color), width=1.0)
        self.plt.yticks([0, max(counts) // 2, max(counts)])
        self.plt.xticks(*value_ticks(low, high, most=5))  # round values; 0 reads 0
        self.plt.title(f"layer {stats.layer} activations")
        return None


class LayersView(Vertical):
    """Per-layer diagnostics of the visible groups at one epoch; `[ ]` epoch, `, .` layer."""

    DEFAULT_CSS = """
    LayersView {
        & > #layers-header { height: auto; padding: 0 1; }
        & > Horizontal { height: 1fr; }
        & HistogramPlot { width: 1fr; }
        & DepthPlot { width: 1fr; }
        & SpectrumPlot { width: 1fr; display: none; }
        & SpectrumPlot.-shown { display: block; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._groups: list[SeedGroup] = []
        self._selected: SeedGroup | None = None
        self._chosen_epoch: int | None = None  # None: follow the newest epoch
        self.histogram_layer = 1
        """The hidden layer whose histogram is shown (1 is the first)."""

    def compose(self) -> ComposeResult:
        yield Static(id="layers-header")
        with Horizontal():
            yield DepthPlot("act_std", id="act-std")
            yield DepthPlot("grad_std", id="grad-std")
            yield HistogramPlot(id="histogram")
            yield SpectrumPlot(id="spectrum")

    @property
    def epochs(self) -> list[int]:
        """Epochs with statistics for some visible run; 0 is the initialization."""
        return sorted({epoch for group in self._groups for record in group.records
                       for epoch in record.layer_stats})

    @property
    def shown_epoch(self) -> int | None:
        epochs = self.epochs
        if not epochs:
            return None
        return self._chosen_epoch if self._chosen_epoch in epochs else epochs[-1]

    def show(self, groups: list[SeedGroup], selected: SeedGroup | None) -> None:
        """Show these groups; the histogram is of `selected`'s first seed."""
        self._groups, self._selected = groups, selected
        self._redraw()

    def step_epoch(self, delta: int) -> None:
        epochs, shown = self.epochs, self.shown_epoch
        if shown is None:
            return
        index = min(max(epochs.index(shown) + delta, 0), len(epochs) - 1)
        self._chosen_epoch = None if index == len(epochs) - 1 else epochs[index]
        self._redraw()

    def step_layer(self, delta: int) -> None:
        self.histogram_layer = min(max(self.histogram_layer + delta, 1), max(self._depth(), 1))
        self._redraw()

    def _depth(self) -> int:
        epoch = self.shown_epoch
        if self._selected is None or epoch is None:
            return 0
        seeds = layers_at(self._selected, epoch)
        return len(seeds[0]) if seeds else 0

    def _selected_stats(self) -> LayerStats | None:
        epoch = self.shown_epoch
        if self._selected is None or epoch is None:
            return None
        seeds = layers_at(self._selected, epoch)
        if not seeds or not seeds[0]:
            return None
        self.histogram_layer = min(self.histogram_layer, len(seeds[0]))
        return seeds[0][self.histogram_layer - 1]

    def on_resize(self) -> None:
        if self._groups:
            self._redraw()

    def _redraw(self) -> None:
        epoch = self.shown_epoch
        stats = self._selected_stats()
        for plot in self.query(DepthPlot):
            plot.show(self._groups, epoch)
        self.query_one("#layers-header", Static).update(self._header(epoch, stats))
        self.query_one(HistogramPlot).show(self._selected, stats)
        spectrum = self.query_one(SpectrumPlot)  # shown once some visible run has one
        spectrum.set_class(self.size.width >= ROOMY_WIDTH and any(
            r.spectrum for g in self._groups for r in g.records), "-shown")
        spectrum.show(self._selected)

    def _header(self, epoch: int | None, stats: LayerStats | None) -> Text:
        if epoch is None:
            return Text("no layer statistics yet: they are taken at initialization and after "
                        "every epoch (when diagnostics are on)", style="dim")
        when = " (initialization)" if epoch == 0 else f"/{self.epochs[-1]}"
        roomy = self.size.height >= ROOMY_HEIGHT
        title = f"Epoch {epoch}{when} · std by layer"
        text = legend(title, self._groups, monochrome(self.app)) if roomy else \
            Text(f"{title} · colours as on the leaderboard", style="bold")
        if self._selected is not None and stats is not None:
            dead = "" if math.isnan(stats.dead_frac) else f", {stats.dead_units} dead"
            text.append("\n")
            text.append(f"{self._selected.label} L{stats.layer}:", style="bold")
            text.append(f" {stats.distinct_units}/{stats.units} distinct{dead}"
                        f" · std: act {format_std(stats.act_std)}"
                        f", ∂L/∂h {format_std(stats.grad_std)}"
                        f", ∂L/∂s {format_std(stats.pre_grad_std)}")
        elif self._selected is not None and epoch is not None and \
                (seeds := layers_at(self._selected, epoch)) and seeds[0] == ():
            text.append("\nno hidden layer to probe: this model maps its input straight "
                        "to the logits", style="dim")
        if roomy and self.size.width >= ROOMY_WIDTH and \
                (note := spectrum_note(self._selected)) is not None:
            text.append(f"\n{note}", style="dim")
        flat = [group.label for group in self._groups
                if all(s.act_std == 0 for layers in layers_at(group, epoch) for s in layers)
                and layers_at(group, epoch)]
        if flat:
            text.append(f"\nact std 0, off the log axis: {', '.join(flat)}", style="dim")
        if epoch == 0:
            drawn = [plot for plot in self.query(DepthPlot) if plot.predictions()]
            widths = [s.units for group in self._groups for layers in layers_at(group, 0)
                      for s in layers]
            missing = without_theory((group.label, group.records) for group in self._groups)
            activations = activations_of(r for group in self._groups for r in group.records)
            note = prediction_note(missing, widths, bool(drawn), activations) if roomy else \
                Text("faint • dots: mean field's prediction" if drawn else "", style="dim")
            if note.plain:
                text.append("\n")
                text.append_text(note)
        return text
