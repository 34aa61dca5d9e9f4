"""The help screen: every key, built from the bindings themselves so it cannot drift."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inittui.tui.key_order import in_key_order
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.styles import stylesheet

MORE_KEYS: tuple[tuple[str, str], ...] = (
    ("tab / shift+tab", "move between setup, leaderboard and the form's fields"),
    ("space (setup list)", "choose or drop the highlighted initializer"),
    ("ctrl+p", "command palette: run, stop, export, presets, views and more"),
    ("escape", "close this screen, a dialog or the unfolded setup"),
)
READING = (
    "Every initializer trains on the same minibatches, so the gap between two curves is "
    "the initializer's alone. With seeds > 1 the curve is the mean and the shaded band the "
    "min–max over seeds. The leader and the highlighted row are drawn last, on top. "
    "Leaderboard: best val is the mean over seeds of each run's best val acc; ep→90 is the "
    "first epoch whose mean val acc reaches 90 % of the top row's best (- if never). "
    "The layers view (L) shows why: an initializer that keeps the activation and gradient "
    "std flat across depth trains; zeros never breaks symmetry. "
    "grad std is of ∂L/∂h (h: a layer's output after its activation); the header also "
    "gives ∂L/∂s (s: before it, Glorot & Bengio's Fig. 7). 'distinct' counts live units "
    "with different responses on 128 training images; dead ReLU units are counted apart."
)


SECTIONS: dict[str, str] = {
    "curves": "Curves", "layers view": "Layers view (L)", "grid": "Grid views",
    "leaderboard": "Leaderboard", "heatmap": "Heatmap (h)",
}
"""A key's tooltip prefix (`curves: ...`) → the section of help it is listed in, the
prefix dropped."""
QUALIFIED: dict[str, str] = {
    "grid over --hidden": SECTIONS["grid"], "sensitivity and heatmap": SECTIONS["grid"],
    "leaderboard of a grid": SECTIONS["grid"], "heatmap, axis against axis": SECTIONS["heatmap"],
}
"""Prefixes that say more than their section's name: listed there, the prefix kept."""
CONTINUED = "  "
"""A wrapped description's further lines are indented this much more, so they read as the
row above, not as a row whose key is missing."""


def key_rows(bindings: list[BindingType], display: Callable[[Binding], str]
             ) -> list[tuple[str, str, str]]:
    """(section, keys, what) for each binding a user presses (not the system's, not one that
    only forwards to the app's or the screen's own key)."""
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding) or binding.system or \
                binding.action.startswith(("app.", "screen.")):
            continue
        keys = " / ".join(display(Binding(key, binding.action))
                          for key in binding.key.split(","))
        what = binding.tooltip or binding.description
        prefix, colon, rest = what.partition(": ")
        section = SECTIONS.get(prefix, "") if colon else ""
        qualified = QUALIFIED.get(prefix, "") if colon else ""
        rows.append((section or qualified, keys, rest if section else what))
    return rows


def wrapped(text: str, width: int) -> str:
    """text in lines of at most width, the further ones indented by CONTINUED."""
    lines = textwrap.wrap(text, width) or [""]
    return "\n".join([lines[0], *textwrap.wrap(" ".join(lines[1:]), width - len(CONTINUED),
                                               initial_indent=CONTINUED,
                                               subsequent_indent=CONTINUED)])


class HelpScreen(ModalScreen[None]):
    """Keys by area, and how to read the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close", id="close-help"),
    ]

    DEFAULT_CSS = stylesheet("help.tcss")

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "inittui · keys"
            box.border_subtitle = "escape closes"
            yield Static(self.keys_table(), id="help-keys")
            yield Static(Text(READING, style="dim"))

    def on_resize(self) -> None:
        self.query_one("#help-keys", Static).update(self.keys_table())

    def rows(self) -> list[tuple[str, str, str]]:
        """Every key the app, the main screen, the leaderboard, the heatmap and the width
        screens answer."""
        from inittui.tui.main_screen import MainScreen
        from inittui.tui.results.heatmap import Heatmap
        from inittui.tui.screens.width_study import CoordCheckScreen

        display = self.app.get_key_display
        main_keys = in_key_order([*self.app.BINDINGS, *MainScreen.BINDINGS])
        rows = [(section or "Everywhere", keys, what)
                for section, keys, what in key_rows(main_keys, display)]
        rows += key_rows(Leaderboard.BINDINGS, display)
        rows += key_rows(Heatmap.BINDINGS, display)
        rows += [("Width check (w)", keys, what)
                 for _, keys, what in key_rows(CoordCheckScreen.BINDINGS, display)]
        rows += [("More", key, what) for key, what in MORE_KEYS]
        return rows

    def keys_table(self) -> Table:
        """Keys by section, each description wrapped to the width the screen leaves it."""
        rows = self.rows()
        key_width = max(len(text) for row in rows for text in row[:2])  # titles too
        box = min(84, self.app.size.width)
        width = max(box - 2 - 2 - 2 - key_width - 2, 20)  # border, padding, scrollbar, gap
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True, width=key_width)
        table.add_column(no_wrap=True)  # wrapped here, continuations indented
        sections: dict[str, list[tuple[str, str]]] = {}
        for section, keys, what in rows:
            sections.setdefault(section, []).append((keys, what))
        for section, entries in sections.items():
            table.add_row(Text.assemble((section, "underline")), "")
            for keys, what in entries:
                table.add_row(keys, wrapped(what, width))
        return table
