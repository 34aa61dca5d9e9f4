"""The leaderboard: one row per initializer of each sweep, best first, driven by the keyboard.

Columns have fixed widths: a table whose rows are replaced on every epoch, with widths
recomputed from its contents, jumps about as it renders. The cursor stays on the leader
while rows are re-ranked, until the user moves it: from then on it stays on the group
they chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from inittui.core.results.book import LeaderRow, format_accuracy
from inittui.tui.groups import SeedGroup, group_key, hex_color
from inittui.tui.plots import monochrome, run_marker
from inittui.tui.results.labels import fit

STATE_STYLES = {"running": "cyan", "stopped": "yellow", "diverged": "bold red", "done": "green",
                "failed": "bold red"}
INIT_WIDTH = (12, 28)
"""Least and most characters of the init column; labels longer than the most are cut."""
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("shown", "", 1), ("rank", "#", 2), ("init", "init", 0), ("best", "best val", 10),
    ("final", "final", 5), ("epoch", "epoch", 5), ("to90", "ep→90", 5), ("test", "test", 10),
    ("state", "state", 8),
)
"""(key, header, width) per column; the init column's width follows the labels."""
CELL_PADDING = 1
"""DataTable's default padding on each side of every cell."""


def init_room(table_width: int) -> int:
    """The init column's most characters in a table this wide, so that every other column
    (the state's included) is shown whole: the labels are cut instead."""
    others = sum(width for _, _, width in COLUMNS) + 2 * CELL_PADDING * len(COLUMNS)
    return table_width - others - 1  # a column for the vertical scrollbar


class Leaderboard(DataTable[Text | str]):
    """Ranked by mean best validation accuracy; space hides a line, enter opens its epochs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open", id="open-run", show=False,
                tooltip="leaderboard: the highlighted initializer's epochs, seed by seed"),
        Binding("space", "toggle_shown", "Show", key_display="␣", id="toggle-shown",
                tooltip="leaderboard: hide or show the highlighted initializer in the plots"),
        # The table scrolls no columns: left/right stay the curves' cursor keys here.
        Binding("left", "screen.move_cursor(-1)", "Cursor", show=False, id="board-cursor-back"),
        Binding("right", "screen.move_cursor(1)", "Cursor", show=False, id="board-cursor-next"),
    ]

    DEFAULT_CSS = """
    Leaderboard { height: auto; max-height: 14; scrollbar-size-vertical: 1; }
    """

    @dataclass
    class VisibilityToggled(Message):
        """The user hid or showed a group in the plots."""

        key: str

    @dataclass
    class GroupHighlighted(Message):
        """The cursor moved to another group (the layers view follows it)."""

        key: str

    @dataclass
    class RunOpened(Message):
        """The user asked for a group's per-epoch table."""

        key: str

    def __init__(self, *, id: str | None = None) -> None:
        # The cells' own colours win over the cursor's, so the highlighted row keeps its
        # colour dot (the one link between a row and its line) and its state colour.
        super().__init__(cursor_type="row", zebra_stripes=True, id=id,
                         cursor_foreground_priority="renderable")
        self._init_width = 0
        self._shown: tuple[list[LeaderRow], list[SeedGroup], frozenset[str]] | None = None
        self._chosen: str | None = None  # the group the user put the cursor on
        self._rebuilding = False
        self.by = "cell"
        """A grid's rows: every (cell, initializer), or `init`: each one's best cell."""

    def on_mount(self) -> None:
        self._set_columns(INIT_WIDTH[0] + 4)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    @property
    def highlighted_key(self) -> str | None:
        """The group under the cursor, if there are rows."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return row_key.value

    def show(self, rows: list[LeaderRow], groups: list[SeedGroup],
             hidden: frozenset[str]) -> None:
        """Replace the rows by the ranking (`leaderboard(book)`), keeping the cursor on its
        group; the app computes the ranking once per event for every view."""
        by_key = {group.key: group for group in groups}
        ranked = [(row, by_key[group_key(row.sweep, row.init, row.cell)]) for row in rows]
        self._shown = (rows, groups, hidden)
        widest = max((len(group.label) for _, group in ranked), default=0)
        width = min(max(widest, INIT_WIDTH[0]), INIT_WIDTH[1])
        if self.size.width:
            width = max(min(width, init_room(self.size.width)), 4)
        self._rebuilding = True
        try:
            if width != self._init_width:
                self._set_columns(width)
            else:
                self.clear()
            labels = fit([group.label for _, group in ranked], self._init_width)
            for rank, ((row, group), label) in enumerate(zip(ranked, labels), start=1):
                self.add_row(*self._cells(rank, row, group, label, group.key in hidden),
                             key=group.key)
            keys = [group.key for _, group in ranked]
            if self._chosen not in keys:
                self._chosen = None
            self.move_cursor(row=keys.index(self._chosen) if self._chosen else 0, animate=False)
        finally:
            self._rebuilding = False

    def _set_columns(self, init_width: int) -> None:
        self._init_width = init_width
        self.clear(columns=True)
        for key, header, width in COLUMNS:
            self.add_column(header, width=width or init_width, key=key)

    def _cells(self, rank: int, row: LeaderRow, group: SeedGroup, label: str,
               hidden: bool) -> tuple[Text | str, ...]:
        color = hex_color(group.color)
        dot = run_marker(group.color) if monochrome(self.app) else "●"
        marker = Text("○", style="dim") if hidden else Text(dot, style=color)
        return (
            marker, Text(str(rank), justify="right"),
            Text(label, style="dim" if hidden else ""),
            format_accuracy(row.best_val_mean, row.best_val_std, row.seeds),
            format_accuracy(row.final_val_mean),
            Text(str(row.best_epoch or "-"), justify="right"),
            Text(str(row.epoch_to_90_of_best or "-"), justify="right"),
            format_accuracy(row.test_acc_mean, row.test_acc_std, row.seeds),
            Text(row.label, style=STATE_STYLES[row.label]),
        )

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self._rebuilding and old != new and new.row < self.row_count:
            self._chosen = self.highlighted_key

    def action_open_run(self) -> None:
        if self.highlighted_key is not None:
            self.post_message(self.RunOpened(self.highlighted_key))

    def action_toggle_shown(self) -> None:
        if self.highlighted_key is not None:
            self.post_message(self.VisibilityToggled(self.highlighted_key))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.GroupHighlighted(event.row_key.value))
