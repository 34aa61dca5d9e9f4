"""The help screen: every key, built from the bindings themselves so it cannot drift."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inittui.tui.results.leaderboard import Leaderboard

MORE_KEYS: tuple[tuple[str, str], ...] = (
    ("tab / shift+tab", "move between setup, leaderboard and the form's fields"),
    ("space (setup list)", "choose or drop the highlighted initializer"),
    ("ctrl+p", "command palette: run, stop, export, presets, views…"),
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


class HelpScreen(ModalScreen[None]):
    """Keys by area, and how to read the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close", id="close-help"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "inittui · keys"
            box.border_subtitle = "escape closes"
            yield Static(self.keys_table())
            yield Static(Text(READING, style="dim"))

    def keys_table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        self._section(table, "Everywhere", self.app.BINDINGS)
        self._section(table, "Leaderboard", Leaderboard.BINDINGS)
        table.add_row(Text("More", style="underline"), "")
        for key, what in MORE_KEYS:
            table.add_row(key, what)
        return table

    def _section(self, table: Table, title: str, bindings: list[BindingType]) -> None:
        table.add_row(Text(title, style="underline"), "")
        for binding in bindings:
            if not isinstance(binding, Binding) or binding.system or \
                    binding.action.startswith("app."):  # the app's own key, listed there
                continue
            keys = " / ".join(self.app.get_key_display(Binding(key, binding.action))
                              for key in binding.key.split(","))
            table.add_row(keys, binding.tooltip or binding.description)
