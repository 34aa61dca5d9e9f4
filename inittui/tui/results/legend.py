"""A one-line legend in the lines' colours, drawn above a plot rather than inside it.

plotext puts its legend in the plot's top-left corner, which is exactly where rising
accuracy curves end; a legend of its own line never hides data.
"""

from __future__ import annotations

from rich.text import Text

from inittui.tui.groups import SeedGroup, hex_color
from inittui.tui.plots import run_mark
from inittui.tui.results.labels import compact


def legend(title: str, groups: list[SeedGroup], monochrome: bool = False) -> Text:
    """`title  ━ he-normal ━ zeros …`, each mark in its group's colour (without colour,
    each group's plot marker instead). A grid cell's label is written without its field
    names (`he-normal 64x10`), so a grid's legend takes a line or two, not a screenful."""
    text = Text(title, style="bold")
    text.append(" ")
    for group in groups:
        text.append(f" {run_mark(group.color, monochrome)}", style=hex_color(group.color))
        text.append(f" {compact(group.label)[-1]}")
    return text
