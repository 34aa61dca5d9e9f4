"""The one module that imports textual-plotext, so the plotting library can be swapped.

`Plot` redraws lazily: views call `stale()` as often as events arrive, and the figure is
rebuilt once, when the next frame renders it. A burst of epoch events costs one build.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from inittui.tui.groups import RGB


class Plot(PlotextPlot):
    """A plotext plot whose subclasses describe their figure in `draw`."""

    DEFAULT_CSS = """
    Plot { width: 1fr; height: 1fr; content-align: center middle; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._stale = True
        self._message: str | None = None

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
        try:
            return super().render()
        except (IndexError, ValueError, ZeroDivisionError):  # plotext at an awkward size
            return Text("(too small to draw this plot)", style="dim", justify="center")

    def line(self, xs: list[float], ys: list[float], color: RGB) -> None:
        """A braille line; a single point gets a visible marker instead."""
        marker = "braille" if len(xs) > 1 else "dot"
        self.plt.plot(xs, ys, color=color, marker=marker)

    def on_resize(self) -> None:
        self.stale()


def integer_ticks(last: int, most: int = 8) -> list[int]:
    """Whole-number ticks from 1 to last, at most `most` of them, always showing last."""
    if last <= most:
        return list(range(1, last + 1))
    step = -(-last // most)
    ticks = list(range(1, last + 1, step))
    if ticks[-1] != last:
        ticks[-1] = last
    return ticks
