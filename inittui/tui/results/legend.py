"""A one-line legend in the lines' colours, drawn above a plot rather than inside it.

plotext puts its legend in the plot's top-left corner, which is exactly where rising
accuracy curves end; a legend of its own line never hides data.
"""

from __future__ import annotations

from rich.text import Text

from inittui.tui.groups import SeedGroup, hex_color
from inittui.tui.plots import run_mark


def legend(title: str, groups: list[SeedGroup], monochrome: bool = False) -> Text:
    """`title  ━ he-normal ━ zeros …`, each mark in its group's colour (without colour,
    each group's plot marker instead)."""
    text = Text(title, style="bold")
    text.append(" ")
    for group in groups:
        text.append(f" {run_mark(group.color, monochrome)}", style=hex_color(group.color))
        text.append(f" {group.label}")
    return text
