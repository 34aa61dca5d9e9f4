"""The footer: the keys that fit the terminal's width, the most useful ones first.

Textual's footer shows every key in one row and cuts it at the screen's edge, so on a
narrow terminal the keys at its end simply vanish half-drawn. This one drops the least
useful keys until the row fits, keeping the row's own order; help (`?`) lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from inittui.tui.key_order import action_places


def key_width(key: FooterKey) -> int:
    """Columns a compact footer key takes: `^r Run` and the one-column gap after it."""
    description = f" {key.description}" if key.description else ""
    return cell_len(key.key_display) + cell_len(description) + 1


def fitting(keys: list[FooterKey], width: int, ranking: tuple[str, ...]) -> set[int]:
    """Indices of the keys to show: by rank (unranked keys after the ranked ones, in row
    order) while they fit in `width` columns."""
    def rank(index: int) -> tuple[int, int]:
        action = keys[index].action
        return (ranking.index(action) if action in ranking else len(ranking), index)

    shown: set[int] = set()
    used = 0
    for index in sorted(range(len(keys)), key=rank):
        needed = key_width(keys[index])
        if used + needed <= width + 1:  # the last key's gap may fall off the edge
            shown.add(index)
            used += needed
    return shown


def in_row_order(keys: list[FooterKey], places: dict[str, int]) -> list[FooterKey]:
    """The keys as one row: the focused widget's first (as Textual gives them), then the
    keys Textual's App binds itself (ctrl+q: Textual's merge puts them before the app's
    own), then the app's and the main screen's keys in their KEY_ORDER places."""
    textual_keys = {key for binding in App.BINDINGS if isinstance(binding, Binding)
                    for key in binding.key.split(",")}

    def place(indexed: tuple[int, FooterKey]) -> tuple[int, int]:
        index, key = indexed
        if key.action not in places:
            return (0, index)
        if key.key in textual_keys:
            return (1, index)
        return (2, places[key.action])

    return [key for _, key in sorted(enumerate(keys), key=place)]


class KeyFooter(Footer):
    """A compact footer that shows as many keys as fit, by `RANKING`."""

    RANKING: ClassVar[tuple[str, ...]] = (
        "run", "stop", "help", "quit", "toggle_setup", "cycle_metric", "toggle_layers",
        "step_epoch(1)", "step_layer(1)", "next_axis", "next_init", "toggle_shown", "open_cell",
        "toggle_view('sensitivity')", "toggle_view('heatmap')", "toggle_view('depth')",
        "filter", "toggle_focus", "toggle_log", "toggle_x", "cycle_smoothing", "toggle_crop",
        "move_cursor(1)", "toggle_rank_by", "clear",
    )
    """Actions from the most to the least useful to see; keys of a focused widget that are
    not listed come after these."""

    GRID_ACTIONS: ClassVar[tuple[str, ...]] = (
        "next_axis", "next_init", "toggle_view('sensitivity')", "toggle_view('heatmap')",
        "toggle_view('depth')", "toggle_rank_by",
    )
    """The grid views' keys: ranked last until the session holds a grid."""

    has_grid: reactive[bool] = reactive(False, recompose=True)
    """The session holds a grid sweep, so the grid views' keys are worth their room."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._composed_width = 0

    def compose(self) -> ComposeResult:
        composed: Iterable[Widget] = super().compose()
        widgets = list(composed)
        if all(isinstance(widget, FooterKey) for widget in widgets):  # no key groups
            widgets = list(in_row_order(
                [widget for widget in widgets if isinstance(widget, FooterKey)],
                action_places([*self.app.BINDINGS, *self.screen.BINDINGS])))
        keys = [widget for widget in widgets if isinstance(widget, FooterKey)]
        self._composed_width = self._width()
        shown = fitting(keys, self._composed_width, self.ranking)
        shown_keys = {id(keys[index]) for index in shown}
        for widget in widgets:
            if not isinstance(widget, FooterKey) or id(widget) in shown_keys:
                yield widget

    @property
    def ranking(self) -> tuple[str, ...]:
        if self.has_grid:
            return self.RANKING
        return (*(a for a in self.RANKING if a not in self.GRID_ACTIONS), *self.GRID_ACTIONS)

    def _width(self) -> int:
        return self.size.width or self.app.size.width

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._composed_width:
            self.call_after_refresh(self.recompose)
