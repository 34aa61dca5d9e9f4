"""The Jacobian at initialization in the app: one run's singular values as a histogram
(layers view), and each initializer's spread against depth (depth profile).

Both draw from `RunRecord.spectrum` (the engine's `SpectrumReady`, plain MLPs only) and
say so when there is none. Values span decades, so both use log axes: the histogram's
bins are equal in log10 and its x ticks are values; the spread's y axis is log10.
"""

from __future__ import annotations

import math

from inittui.core.results.axes import axis_position
from inittui.core.results.book import SweepRecord
from inittui.core.results.spectrum_reading import (
    has_spectra,
    log_histogram,
    pooled,
    spread_by_depth,
)
from inittui.tui.groups import PALETTE, RGB, SeedGroup
from inittui.tui.plots import Plot, log_ticks


def spectrum_title(inputs: int, width: int) -> str:
    """What the histogram counts, in the longest form that fits over the plot (plotext
    leaves out a title wider than the plot); the layers view's header says it in full."""
    forms = (f"singular values of ∂h_L/∂x at init, {inputs} input{'s' if inputs != 1 else ''}",
             f"σ(∂h_L/∂x) at init, {inputs} in", "σ(∂h_L/∂x) at init", "σ(∂h_L/∂x)")
    return next((form for form in forms if len(form) <= width - 2), forms[-1])


def spectrum_note(group: SeedGroup | None) -> str | None:
    """The header's line on the spectrum panel: what it counts, of which run, in full."""
    record = next((r for r in group.records if r.spectrum), None) if group else None
    if group is None or record is None:
        return None
    inputs = len(record.spectrum)
    values = pooled(record)
    zeros = sum(1 for value in values if value == 0)
    unresolved = f"; {zeros} below 1e-6 × the largest, counted as 0" if zeros else ""
    return (f"far right: {group.label}'s ∂h_L/∂x at init, {len(values)} singular values of "
            f"{inputs} inputs, log bins{unresolved}")


SPREAD_NOTE = ("right: the Jacobian ∂h_L/∂x at init, each initializer's largest singular "
               "value (line) and 5–95 % range (band), all inputs and seeds")
"""The depth profile's header line for the spread plot, whose own title is short."""


class SpectrumPlot(Plot):
    """A histogram of one run's Jacobian singular values (its group's first seed)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.group: SeedGroup | None = None

    def show(self, group: SeedGroup | None) -> None:
        self.group = group
        self.stale()

    def draw(self) -> str | None:
        group = self.group
        record = next((r for r in group.records if r.spectrum), None) if group else None
        if group is None or record is None:
            return "no Jacobian spectrum: taken at initialization for plain MLPs"
        histogram = log_histogram(pooled(record))
        if not histogram.counts:
            return f"{group.label}: every singular value of ∂h_L/∂x is 0"
        xs = [math.log10(center) for center in histogram.centers]
        counts = list(histogram.counts)
        self.plt.bar(xs, counts, color=self.colors.line(group.color), width=1.0)
        self.plt.yticks([0, max(counts) // 2, max(counts)])
        low, high = histogram.edges[0], histogram.edges[-1]
        ticks, labels = log_ticks(low, high, max(3, self.size.width // 8))
        self.plt.xticks([math.log10(t) for t in ticks], labels)
        self.plt.xlim(math.log10(low), math.log10(high))
        self.plt.title(spectrum_title(len(record.spectrum), self.size.width))
        return None


class SpectrumDepthPlot(Plot):
    """Each initializer's largest singular value (line) and 5–95 % range (band) against
    depth, on a log axis; colours as the depth profile's other plots give them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sweep: SweepRecord | None = None

    def draw(self) -> str | None:
        sweep = self.sweep
        if sweep is None or not has_spectra(sweep):
            return "no Jacobian spectra in this grid (plain MLPs, diagnostics on)"
        series = [line for line in spread_by_depth(sweep) if line.points]
        colors: dict[str, RGB] = {}
        for line in spread_by_depth(sweep):
            colors.setdefault(line.name, PALETTE[len(colors) % len(PALETTE)])
        values = [v for line in series for p in line.points
                  for v in (p.spread.largest, p.spread.p5, p.spread.p95) if v > 0]
        if not values:
            return "every singular value of ∂h_L/∂x is 0"
        low, high = min(values) / 1.5, max(values) * 1.5
        self.y_axis(low, high, log=True, most=max(2, self.size.height // 3))
        theme = self.colors
        for line in series:
            xs = [p.x for p in line.points]
            p5 = [max(p.spread.p5, low) for p in line.points]
            p95 = [max(p.spread.p95, low) for p in line.points]
            self.band(xs, p5, p95, theme.faint(colors[line.name]), (low, high))
        for line in series:
            self.line([p.x for p in line.points], [p.spread.largest for p in line.points],
                      theme.line(colors[line.name]), run=colors[line.name])
        values_x = sweep.spec.axis_values("hidden")
        xs = [axis_position("hidden", v, values_x) for v in values_x]
        self.plt.xticks(xs, [str(round(x)) if x == round(x) else f"{x:g}" for x in xs])
        title = "∂h_L/∂x at init: max (line), 5–95 % (band)"
        self.plt.title(title if len(title) <= self.size.width - 4 else "σ(∂h_L/∂x): max, 5–95%")
        self.plt.xlabel("hidden layers")
        return None
