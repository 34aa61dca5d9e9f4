"""The one module that imports textual-plotext, so the plotting library can be swapped.

`Plot` redraws lazily: views call `stale()` as often as events arrive, and the figure is
rebuilt once, when the next frame renders it. A burst of epoch events costs one build.

Colours follow the app's theme: the canvas, axes and ticks are the terminal's default
colours inside the widget (so `ansi-dark` never paints black ticks on black), and line
colours are darkened on light themes and faded towards the theme's background when faint.
Without colour (NO_COLOR) each run draws with a marker of its own instead of braille.

A log y axis is our own log10 transform on a linear plotext axis: plotext's `yscale("log")`
takes the data and ticks in data units but `ylim` as log10 units, so a limit given in data
units hid every value below 1. Here lines, bands, limits and ticks all go through `y_axis`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.app import App, RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot

from inittui.tui.groups import PALETTE, RGB

BAND_MARKER = "▒"
"""Fills a seed band cell by cell: half-shaded, so the mean line over it stays legible."""

RUN_MARKERS: tuple[str, ...] = ("●", "x", "+", "■", "▲", "o", "◆", "*")
"""One marker per palette colour, for terminals without colour: runs stay told apart."""


def run_marker(color: RGB) -> str:
    """The marker that stands for a run of this palette colour when colour is off."""
    try:
        return RUN_MARKERS[PALETTE.index(color) % len(RUN_MARKERS)]
    except ValueError:
        return RUN_MARKERS[sum(color) % len(RUN_MARKERS)]


def run_mark(color: RGB, monochrome: bool) -> str:
    """A legend's mark for a run: its line `━`, or its marker when colour is off."""
    return run_marker(color) if monochrome else "━"


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
        self.log_y = False
        """y values are drawn as log10 (set by `y_axis`, reset before each `draw`)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.stale())

    @property
    def colors(self) -> ThemeColors:
        theme = self.app.current_theme
        return theme_colors(theme.dark, self.app.theme_variables.get("background"))

    @property
    def monochrome(self) -> bool:
        """No colour reaches the terminal (NO_COLOR): runs are told apart by marker."""
        return monochrome(self.app)

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
            self.log_y = False
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

    def line(self, xs: list[float], ys: list[float], color: RGB, *, dim: bool = False,
             run: RGB | None = None, marker: str | None = None) -> None:
        """One series as a braille line (a single point as a visible dot). dim: faded, for a
        second series of the same run (a prediction beside a measurement). run: the run's
        palette colour, whose marker draws the line when the terminal has no colour. marker:
        a character of its own, for a third series of a run (with or without colour). On a
        log axis, values that are not positive are left out."""
        points = [(x, y) for x, y in zip(xs, ys, strict=True) if math.isfinite(y)
                  and (y > 0 or not self.log_y)]
        if not points:
            return
        chosen, marker = marker, "braille" if len(points) > 1 else "dot"
        if run is not None and self.monochrome:
            marker = "." if dim else run_marker(run)
        elif dim:
            color, marker = self.colors.faint(color, 0.5), "dot"
        if chosen is not None:
            marker = chosen
        self.plt.plot([x for x, _ in points], self.to_y([y for _, y in points]), color=color,
                      marker=marker)

    def to_y(self, ys: list[float]) -> list[float]:
        """Data values → plotext's y coordinates (log10 on a log axis)."""
        return [math.log10(y) for y in ys] if self.log_y else list(ys)

    def y_axis(self, low: float, high: float, *, log: bool = False, most: int = 5) -> None:
        """The y limits in data units, with round ticks inside them: call before drawing
        lines (it sets the scale they are drawn in)."""
        self.log_y = log
        ticks, labels = (log_ticks if log else value_ticks)(low, high, most)
        self.plt.ylim(*self.to_y([low, high]))
        self.plt.yticks(self.to_y(ticks), labels)

    def band(self, xs: list[float], low: list[float], high: list[float], color: RGB,
             y_range: tuple[float, float]) -> None:
        """Fill between low and high, one shaded mark per character cell it covers."""
        width, height = max(self.size.width, 2), max(self.size.height, 2)
        log = self.log_y
        if len(xs) < 2 or xs[-1] <= xs[0] or (log and min(*low, *high) <= 0):
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
                points_y.append(y)
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
    if value == 0:
        return "0"
    if magnitude >= 1e5 or magnitude < 1e-3:
        return plain_number(value, 2)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if step * 10 ** decimals % 1 > 1e-6:  # 2.5 × 10^k needs one more
        decimals += 1
    return f"{value:.{decimals}f}"


def plain_number(value: float, digits: int = 2) -> str:
    """A number as a person writes it: `0.5`, `20`, `5e-3`, `2.5e-5`, `3e6` (no `e-05`,
    no `0.00001`)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if 1e-2 <= abs(value) < 1e5:
        return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:.0f}"
    mantissa, exponent = f"{value:.{max(digits - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def log_ticks(low: float, high: float, most: int) -> tuple[list[float], list[str]]:
    """Ticks on a log axis at 1, 2, 5 × 10^k, whole decades or every few decades when the
    range is wide, and round linear steps when it is narrower than 1, 2, 5 can mark."""
    if low <= 0 or high <= low or not math.isfinite(high):
        return [high], [plain_number(high)]
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    most = max(most, 2)
    candidates = [(1, 2, 5), (1, 3), (1,)]
    ticks: list[float] = []
    for factors in candidates:
        ticks = [f * 10.0 ** d for d in decades for f in factors
                 if low * (1 - 1e-9) <= f * 10.0 ** d <= high * (1 + 1e-9)]
        if len(ticks) <= most:
            break
    every = 1
    while len(ticks) > most:  # very wide: every 2nd, 3rd … decade
        every += 1
        ticks = [10.0 ** d for d in decades if d % every == 0 and low <= 10.0 ** d <= high]
    if len(ticks) < 2:  # narrower than a 1, 2, 5 step: round linear values
        linear = [(t, label) for t, label in zip(*value_ticks(low, high, most), strict=True)
                  if t > 0]
        if len(linear) >= 2:
            return [t for t, _ in linear], [label for _, label in linear]
        ticks = ticks or [high]
    return ticks, [plain_number(t, 2 if t > 0 and len(ticks) > 1 else 3) for t in ticks]


def monochrome(app: App[object]) -> bool:
    """Whether the app draws without colour: NO_COLOR, or a terminal without colours."""
    return bool(getattr(app, "no_color", False)) or app.console.color_system is None
