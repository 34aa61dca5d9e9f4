"""Final validation accuracy as horizontal bars, in leaderboard order.

Drawn as text with eighth-block cells rather than as a plot: a bar per group reads at a
glance, stays sharp at any width, and costs nothing to redraw on every epoch.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widget import Widget

from inittui.core.results.book import LeaderRow, format_accuracy
from inittui.tui.groups import SeedGroup, group_key, hex_color
from inittui.tui.results.labels import fit

EIGHTHS = " ▏▎▍▌▋▊▉"
VALUE_WIDTH = 6


def bar(fraction: float, width: int) -> str:
    """A bar of `fraction` (clamped to [0, 1]) of `width` cells, in eighths of a cell."""
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


class FinalBars(Widget):
    """One bar per visible group: the mean final validation accuracy over its seeds."""

    DEFAULT_CSS = """
    FinalBars { height: auto; padding: 0 1; }
    FinalBars.-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._bars: list[tuple[str, tuple[int, int, int], float]] = []

    def show(self, rows: list[LeaderRow], groups: list[SeedGroup],
             hidden: frozenset[str]) -> None:
        """Bars for the ranking's visible rows (`leaderboard(book)`, computed by the app)."""
        by_key = {group.key: group for group in groups}
        self._bars = []
        for row in rows:
            group = by_key[group_key(row.sweep, row.init, row.cell)]
            if group.key not in hidden and row.final_val_mean is not None \
                    and math.isfinite(row.final_val_mean):
                self._bars.append((group.label, group.color, row.final_val_mean))
        self.set_class(not self._bars, "-empty")
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._bars) + 1 if self._bars else 0

    def render(self) -> RenderResult:
        label_width = min(max((len(label) for label, _, _ in self._bars), default=0), 24)
        bar_width = max(self.content_size.width - label_width - VALUE_WIDTH - 2, 4)
        text = Text("final val acc", style="bold")
        labels = fit([label for label, _, _ in self._bars], label_width)
        for label, (_, color, value) in zip(labels, self._bars):
            text.append("\n")
            text.append(label.ljust(label_width) + " ")
            text.append(bar(value, bar_width), style=hex_color(color))
            text.append(f" {format_accuracy(value):>{VALUE_WIDTH - 1}}")
        return text
