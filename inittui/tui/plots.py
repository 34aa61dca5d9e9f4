"""The one module that imports textual-plotext, so the plotting library can be swapped.

`Plot` redraws lazily: views call `stale()` as often as events arrive, and the figure is
rebuilt once, when the next frame renders it. A burst of epoch events costs one build.

Colours follow the app's theme: the canvas, axes and ticks are the terminal's default
colours inside the widget (so `ansi-dark` never paints black ticks on black), and line
colours are darkened on light themes and faded towards the theme's background when faint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot

from inittui.tui.groups import RGB

BAND_MARKER = "▒"
"""Fills a seed band cell by cell: half-shaded, so the mean line over it stays legible."""


@dataclass(frozen=True)
class ThemeColors:
    """What a plot needs of the app's theme to choose its colours."""

    dark: bool
    background: RGB

    def line(self, color: RGB) -> RGB:
        """A group's colour as drawn on this theme: darker on light backgrounds."""
        return color if self.dark else blend(color, (0, 0, 0), 0.35)

    def faint(self, color: RGB, amount: float = 0.65) -> RGB:
        """The colour faded towards the background: raw lines, bands, unchosen runs."""
        return blend(self.line(color), self.background, amount)


def blend(color: RGB, towards: RGB, amount: float) -> RGB:
    red, green, blue = (round(c + (t - c) * amount) for c, t in zip(color, towards, strict=True))
    return red, green, blue


def theme_colors(dark: bool, background: str | None) -> ThemeColors:
    """ThemeColors from a theme's darkness and background colour (ANSI ones guessed)."""
    fallback: RGB = (0, 0, 0) if dark else (255, 255, 255)
    try:
        parsed = Color.parse(background) if background else None
    except Exception:  # any unparsable colour just means "guess"
        parsed = None
    if parsed is None or parsed.ansi is not None:
        return ThemeColors(dark, fallback)
    return ThemeColors(dark, parsed.rgb)


class Plot(PlotextPlot):
    """A plotext plot whose subclasses describe their figure in `draw`."""

    DEFAULT_CSS = """
    Plot { width: 1fr; height: 1fr; content-align: center middle; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._stale = True
        self._message: str | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.stale())

    @property
    def colors(self) -> ThemeColors:
        theme = self.app.current_theme
        return theme_colors(theme.dark, self.app.theme_variables.get("background"))

    def stale(self) -> None:
        """The data changed: rebuild the figure before the next frame."""
        self._stale = True
        self.refresh()

    def draw(self) -> str | None:
        """Describe the figure with `self.plt` (cleared beforehand).

        Returns a message to show instead of the figure when there is nothing to plot.
        """
        return None

    def render(self) -> RenderResult:
        if self._stale:
            self._stale = False
            self.plt.clear_figure()
            self._message = self.draw()
        if self._message is not None:
            return Text(self._message, style="dim", justify="center")
        self._plot.plotsize(self.size.width, self.size.height)
        self._plot._set_size(self.size.width, self.size.height)  # see textual-plotext #5
        self.plt.theme("textual-clear")  # canvas, axes and ticks in the widget's own colours
        try:
            return Text.from_ansi(self.plt.build())
        except (IndexError, ValueError, ZeroDivisionError):  # plotext at an awkward size
            return Text("(too small to draw this plot)", style="dim", justify="center")

    def line(self, xs: list[float], ys: list[float], color: RGB) -> None:
        """A braille line; a single point gets a visible marker instead."""
        marker = "braille" if len(xs) > 1 else "dot"
        self.plt.plot(xs, ys, color=color, marker=marker)

    def band(self, xs: list[float], low: list[float], high: list[float], color: RGB,
             y_range: tuple[float, float], log: bool = False) -> None:
        """Fill between low and high, one shaded mark per character cell it covers."""
        width, height = max(self.size.width, 2), max(self.size.height, 2)
        if len(xs) < 2 or xs[-1] <= xs[0]:
            return
        bottom, top = (math.log10(v) for v in y_range) if log else y_range
        if top <= bottom:
            return
        cell_y = (top - bottom) / height
        points_x: list[float] = []
        points_y: list[float] = []
        for column in range(2 * width + 1):  # twice per cell, so no cell is skipped
            x = xs[0] + (xs[-1] - xs[0]) * column / (2 * width)
            lo, hi = (_interpolate(xs, values, x) for values in (low, high))
            if log:
                lo, hi = math.log10(lo), math.log10(hi)
            lo, hi = max(lo, bottom), min(hi, top)
            steps = int((hi - lo) / cell_y * 2) + 1
            for row in range(steps + 1):
                y = lo + (hi - lo) * row / steps if steps else lo
                points_x.append(x)
                points_y.append(10 ** y if log else y)
        if points_x:
            self.plt.scatter(points_x, points_y, color=color, marker=BAND_MARKER)

    def on_resize(self) -> None:
        self.stale()


def _interpolate(xs: list[float], ys: list[float], x: float) -> float:
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:]), strict=False):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ys[-1]


def integer_ticks(last: int, most: int = 8, first: int = 1) -> list[int]:
    """Evenly spaced whole-number ticks over first..last: every number when few fit, else
    the multiples of 1, 2 or 5 × 10^k (`5, 10, 15, 20`) so gaps never differ."""
    if last - first + 1 <= most:
        return list(range(first, last + 1))
    step = nice_step((last - first) / max(most - 1, 1))
    step = max(1, round(step))
    start = -(-first // step) * step
    return list(range(start, last + 1, step))


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at least raw."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw * (1 - 1e-9):
            return factor * power
    return 10 * power


def value_ticks(low: float, high: float, most: int) -> tuple[list[float], list[str]]:
    """Ticks at a round step over [low, high], labelled with just enough decimals to
    tell neighbouring ticks apart (0.934 and 0.938 never both read 0.93)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low], [f"{low:.3g}"]
    step = nice_step((high - low) / max(most - 1, 1))
    first = math.ceil(low / step - 1e-9)
    ticks = [(first + i) * step for i in range(int((high - low) / step + 1e-9) + 1)]
    ticks = [t for t in ticks if low - 1e-12 <= t <= high + 1e-12] or [low]
    return ticks, [format_tick(t, step) for t in ticks]


def format_tick(value: float, step: float) -> str:
    magnitude = max(abs(value), step)
    if magnitude >= 1e5 or magnitude < 1e-4:
        return f"{value:.2g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if step * 10 ** decimals % 1 > 1e-6:  # 2.5 × 10^k needs one more
        decimals += 1
    return f"{value:.{decimals}f}"


def log_ticks(low: float, high: float, most: int) -> tuple[list[float], list[str]]:
    """Ticks on a log axis at 1, 2, 5 × 10^k (or whole decades when the range is wide)."""
    if low <= 0 or high <= low:
        return [high], [f"{high:.3g}"]
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for factors in ((1, 2, 5), (1,)):
        ticks = [f * 10.0 ** d for d in decades for f in factors if low <= f * 10.0 ** d <= high]
        if len(ticks) <= most:
            break
    if len(ticks) < 2:
        ticks = [low, high]
    return ticks, [f"{t:.3g}" for t in ticks]
