"""Reads a rendered plot back: which cells each colour drew, and what value a row stands for.

A snapshot only proves that a screen has not changed; this reads the figure a person sees.
`read_plot` renders a `Plot` widget of a running app (the same `render` the screen calls),
finds plotext's box (┌ ┐ └ ┘), the y ticks (`┤` on the box's left edge, their labels beside
it) and the x ticks (`┬` on its bottom edge), and records per cell inside the box the
character and its colour. Rows map to values by interpolating between the tick rows
(in log10 on a log axis), so a test can say "this series sits between 1e-4 and 1e-3".
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from rich.console import Console
from rich.text import Text
from textual.app import App

from inittui.tui.plots import Plot

RGB = tuple[int, int, int]
BRAILLE = range(0x2801, 0x2900)  # U+2800 is the empty pattern


@dataclass
class Canvas:
    """The inside of a plot's box, cell by cell, with its axes read off the border."""

    lines: list[str]
    colors: list[list[RGB | None]]
    top: int
    bottom: int
    left: int
    right: int
    """Rows top..bottom and columns left..right are inside the box (inclusive)."""
    y_ticks: list[tuple[int, str]] = field(default_factory=list)
    x_ticks: list[tuple[int, str]] = field(default_factory=list)
    log: bool = False

    def cells(self, color: RGB | None = None, marker: str | None = None) -> set[tuple[int, int]]:
        """(row, column) of every drawn cell inside the box, of this colour and/or marker."""
        found = set()
        for row in range(self.top, self.bottom + 1):
            for column in range(self.left, self.right + 1):
                char = self.lines[row][column] if column < len(self.lines[row]) else " "
                if char == " " or (marker is not None and char != marker):
                    continue
                if marker is None and ord(char) not in BRAILLE and char not in "•●·▒.":
                    continue
                if color is not None and self.colors[row][column] != color:
                    continue
                found.add((row, column))
        return found

    def markers(self) -> dict[str, int]:
        """Every non-blank character inside the box and how many cells it fills."""
        counts: dict[str, int] = {}
        for row in range(self.top, self.bottom + 1):
            for char in self.lines[row][self.left:self.right + 1]:
                if char != " ":
                    counts[char] = counts.get(char, 0) + 1
        return counts

    def tick_values(self) -> list[tuple[int, float]]:
        return [(row, parse_number(label)) for row, label in self.y_ticks]

    def row_value(self, row: float) -> float:
        """The value at a row (its centre), from the two nearest y ticks."""
        ticks = sorted(self.tick_values())
        assert len(ticks) >= 2, f"need two y ticks to read values, got {self.y_ticks}"
        scale = (lambda v: math.log10(v)) if self.log else (lambda v: v)
        (r0, v0), (r1, v1) = ticks[0], ticks[-1]
        s0, s1 = scale(v0), scale(v1)
        value = s0 + (s1 - s0) * (row - r0) / (r1 - r0)
        return 10 ** value if self.log else value

    def row_of(self, value: float) -> float:
        """The (fractional) row where a value sits: row_value's inverse."""
        ticks = sorted(self.tick_values())
        (r0, v0), (r1, v1) = ticks[0], ticks[-1]
        scale = (lambda v: math.log10(v)) if self.log else (lambda v: v)
        return r0 + (r1 - r0) * (scale(value) - scale(v0)) / (scale(v1) - scale(v0))

    def value_span(self, cells: set[tuple[int, int]]) -> tuple[float, float]:
        """The lowest and highest value these cells can stand for (half a row either side)."""
        rows = [row for row, _ in cells]
        ends = (self.row_value(max(rows) + 0.5), self.row_value(min(rows) - 0.5))
        return min(ends), max(ends)

    def column_of_x(self, x: float, log: bool = False) -> float:
        """The column where an x value sits, from the two outermost x ticks (log: the x axis
        is log10 of the labelled values, as the lr and width axes are)."""
        scale = (lambda v: math.log10(v)) if log else (lambda v: v)
        ticks = [(column, scale(parse_number(label))) for column, label in self.x_ticks]
        assert len(ticks) >= 2, f"need two x ticks to place values, got {self.x_ticks}"
        (c0, x0), (c1, x1) = ticks[0], ticks[-1]
        return c0 + (c1 - c0) * (scale(x) - x0) / (x1 - x0)


def assert_series(canvas: Canvas, color: RGB, xs: list[float], ys: list[float], name: str,
                  *, log_x: bool = False, marker: str | None = None) -> None:
    """The series is drawn where its values say: cells of its colour exist, lie between the
    rows of its lowest and highest value (give or take a row), reach both, and fill every
    column from its first x to its last (or another series drew over it there: a cell holds
    one colour, so a series equal to a later one may be hidden, but then every one of its
    points must be drawn by some series)."""
    cells = canvas.cells(color, marker)
    if not cells:  # drawn over entirely by a later series with the same values?
        drawn = canvas.cells()
        for x, y in zip(xs, ys, strict=True):
            row, column = round(canvas.row_of(y)), round(canvas.column_of_x(x, log_x))
            assert any(abs(r - row) <= 1 and abs(c - column) <= 1 for r, c in drawn), \
                f"{name}: no cell at its point ({x:g}, {y:g})\n" + "\n".join(canvas.lines)
        return
    assert cells, f"{name}: no cell drawn in {color}\n" + "\n".join(canvas.lines)
    rows = [row for row, _ in cells]
    top, bottom = canvas.row_of(max(ys)), canvas.row_of(min(ys))
    assert top - 1.5 <= min(rows) <= top + 1.5, \
        f"{name}: highest cell on row {min(rows)}, its largest value {max(ys):g} on {top:.1f}"
    assert bottom - 1.5 <= max(rows) <= bottom + 1.5, \
        f"{name}: lowest cell on row {max(rows)}, its smallest value {min(ys):g} on {bottom:.1f}"
    first = round(canvas.column_of_x(min(xs), log_x))
    last = round(canvas.column_of_x(max(xs), log_x))
    columns = {column for _, column in cells}
    drawn_over = {column for row, column in canvas.cells() - cells
                  if top - 1.5 <= row <= bottom + 1.5}  # a cell holds one colour: the last drawn
    missing = [c for c in range(first + 1, last) if c not in columns | drawn_over]
    assert not missing, f"{name}: no cell in columns {missing} (x from {first} to {last})"


def tick_labels_read_well(labels: list[str]) -> bool:
    """Labels as a person writes them: `0.5`, `20`, `1e-4`; never `1e-05`, `0.00001` or
    `3.00935` (at most four significant digits)."""
    for label in labels:
        mantissa = label.lstrip("-").split("e")[0]
        digits = mantissa.replace(".", "").lstrip("0")
        if "e-0" in label or "e+" in label or label.startswith("0.000") or len(digits) > 4:
            return False
    return True


def parse_number(label: str) -> float:
    return float(label.strip().replace("−", "-"))


def text_grid(text: Text, width: int) -> tuple[list[str], list[list[RGB | None]]]:
    """Rich Text → lines of characters and, per character, its foreground colour."""
    plain = text.plain
    colors: list[RGB | None] = [None] * len(plain)
    for span in text.spans:
        style = span.style
        if isinstance(style, str) or style.color is None or style.color.triplet is None:
            continue
        triplet = tuple(style.color.triplet)
        for index in range(span.start, min(span.end, len(plain))):
            colors[index] = triplet  # type: ignore[assignment]
    lines, grid, start = [], [], 0
    for line in plain.split("\n"):
        lines.append(line.ljust(width))
        grid.append(colors[start:start + len(line)] + [None] * (width - len(line)))
        start += len(line) + 1
    return lines, grid


def read_plot(plot: Plot) -> Canvas:
    """Render the plot now and read its box, ticks and cells back."""
    plot.stale()
    rendered = plot.render()
    assert isinstance(rendered, Text), f"{type(plot).__name__} rendered {rendered!r}"
    lines, colors = text_grid(rendered, plot.size.width)
    top_row = next((i for i, line in enumerate(lines) if "┌" in line), None)
    assert top_row is not None, f"no plot box drawn:\n{rendered.plain}"
    left = lines[top_row].index("┌")
    right = lines[top_row].index("┐")
    bottom_row = next(i for i, line in enumerate(lines) if "└" in line and i > top_row)
    canvas = Canvas(lines, colors, top_row + 1, bottom_row - 1, left + 1, right - 1,
                    log=getattr(plot, "log_y", False))
    for row in range(canvas.top, canvas.bottom + 1):
        if lines[row][left] == "┤":
            canvas.y_ticks.append((row, lines[row][:left].strip()))
    label_row = lines[bottom_row + 1] if bottom_row + 1 < len(lines) else ""
    for column, char in enumerate(lines[bottom_row]):
        if char == "┬":
            canvas.x_ticks.append((column, word_at(label_row, column)))
    return canvas


def word_at(line: str, column: int) -> str:
    """The label under a tick: the run of non-blank characters nearest the column."""
    if not line.strip():
        return ""
    words, start = [], None
    for index, char in enumerate(line + " "):
        if char != " " and start is None:
            start = index
        elif char == " " and start is not None:
            words.append((start, index))
            start = None
    first, end = min(words, key=lambda w: 0 if w[0] <= column < w[1] else
                     min(abs(w[0] - column), abs(w[1] - 1 - column)))
    return line[first:end]


def ticks_inside(canvas: Canvas) -> bool:
    """Every y tick label sits on a row inside the box (none on the x axis rows below)."""
    below = canvas.lines[canvas.bottom + 1:canvas.bottom + 2]
    return bool(canvas.y_ticks) and not any(line[:canvas.left - 1].strip() for line in below)


def screen_text(app: App[object]) -> str:
    """The whole screen as plain text, as export_screenshot composes it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()
