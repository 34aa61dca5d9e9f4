"""Log-log panels for the width studies: the coordinate check and learning-rate transfer.

Each panel is a small plot of lines drawn in log10 space with ticks at 1, 2, 5 × 10^k, so
a quantity that grows like a power of width is a straight line and a flat one is flat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from inittui.tui.groups import PALETTE, RGB
from inittui.tui.plots import Plot, log_ticks, plain_number


@dataclass(frozen=True)
class Line:
    """One labelled series; points with a value ≤ 0 or not finite are left out."""

    label: str
    color: RGB
    xs: tuple[float, ...]
    ys: tuple[float, ...]

    def drawable(self) -> tuple[list[float], list[float]]:
        pairs = [(math.log10(x), math.log10(y)) for x, y in zip(self.xs, self.ys)
                 if x > 0 and y > 0 and math.isfinite(y)]
        return [x for x, _ in pairs], [y for _, y in pairs]


def shared_range(values: Sequence[float]) -> tuple[float, float] | None:
    """The positive, finite extent of values: one y axis for a set of panels."""
    usable = [v for v in values if v > 0 and math.isfinite(v)]
    return (min(usable), max(usable)) if usable else None


def line_color(index: int) -> RGB:
    return PALETTE[index % len(PALETTE)]


class LogLogPanel(Plot):
    """One panel: its title, lines on log-log axes, the x label under the plot."""

    DEFAULT_CSS = """
    LogLogPanel { height: 1fr; width: 1fr; }
    """

    def __init__(self, title: str, x_label: str, *, log_y: bool = True,
                 flat_as_decade: bool = True, id: str | None = None) -> None:
        """flat_as_decade: lines within 0.2 decades get a whole decade of y axis, so that a
        flat coordinate check looks flat; off for losses, whose small differences are the
        point (their axis is the data's own extent)."""
        super().__init__(id=id, classes="width-panel")
        self.flat_as_decade = flat_as_decade
        self.title = title
        self.x_label = x_label
        self.log_values = log_y
        self.lines: list[Line] = []
        self.y_range: tuple[float, float] | None = None

    def show(self, lines: Sequence[Line], y_range: tuple[float, float] | None = None) -> None:
        """New lines; y_range (data units) shares one y axis between panels, so that
        flat and rising curves look flat and rising side by side."""
        self.lines = list(lines)
        self.y_range = y_range
        self.stale()

    def draw(self) -> str | None:
        drawn = [(line, *line.drawable()) for line in self.lines]
        drawn = [(line, xs, ys) for line, xs, ys in drawn if xs]
        if not drawn:
            return f"{self.title}\n(no data yet)"
        plt = self.plt
        all_x = [x for _, xs, _ in drawn for x in xs]
        all_y = [y for _, _, ys in drawn for y in ys]
        x_ticks, _ = log_ticks(10 ** min(all_x), 10 ** max(all_x), 5)
        plt.xticks([math.log10(t) for t in x_ticks], [plain_number(t) for t in x_ticks])
        low, high = min(all_y), max(all_y)
        if self.y_range is not None and self.y_range[0] > 0:
            low, high = (math.log10(v) for v in self.y_range)
        if self.flat_as_decade and high - low < 0.2:  # flat lines: a decade around them
            low, high = (low + high) / 2 - 0.5, (low + high) / 2 + 0.5
        elif high - low < 0.2:  # the data's own extent, a little room above and below
            pad = max(high - low, 0.01) * 0.1
            low, high = low - pad, high + pad
        self.y_axis(10 ** low, 10 ** high, log=self.log_values, most=4)
        for line, xs, ys in drawn:
            self.line(xs, [10 ** y for y in ys], self.colors.line(line.color), run=line.color)
        plt.title(self.title)
        plt.xlabel(self.x_label)
        return None
