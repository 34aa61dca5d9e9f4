"""The initializer registry as a multi-select list, with the highlighted entry explained.

The app hands the (torch-free, instant) registry over with `set_registry` when it mounts;
until then the list holds the spec's own choices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from inittui.core.errors import InittuiError

if TYPE_CHECKING:
    from inittui.core.init.registry import InitializerInfo


class InitializerPicker(Vertical):
    """Pick the initializers to compare; custom parameters via the `add` input."""

    DEFAULT_CSS = """
    InitializerPicker {
        height: auto;
        & > SelectionList {
            height: auto; max-height: 10; padding: 0; scrollbar-size-vertical: 1;
            border: none; &:focus { border: none; }
            /* unchosen: an empty box; chosen: a bold check mark, and the label bright */
            & > .selection-list--button, & > .selection-list--button-highlighted {
                color: $panel;
            }
            & > .selection-list--button-selected,
            & > .selection-list--button-selected-highlighted {
                color: $text-success; text-style: bold;
            }
        }
        & > #init-info { height: auto; padding: 0 1; color: $text-muted; }
        & > #init-custom { margin: 0 0 0 1; }
    }
    """

    class Changed(Message):
        """The set of chosen initializers changed."""

        def __init__(self, picker: InitializerPicker) -> None:
            super().__init__()
            self.picker = picker

    def __init__(self, chosen: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = chosen
        self._infos: dict[str, InitializerInfo] = {}

    def compose(self) -> ComposeResult:
        yield SelectionList[str](*(Selection(label, label, True) for label in self._initial),
                                 id="init-list")
        yield Static("", id="init-info")
        yield Input(placeholder="add: e.g. normal:std=0.1", id="init-custom", compact=True)

    @property
    def chosen(self) -> tuple[str, ...]:
        """Chosen labels in list order (the order runs and colours follow)."""
        selection_list = self.query_one("#init-list", SelectionList)
        selected = set(selection_list.selected)
        return tuple(
            selection_list.get_option_at_index(index).value
            for index in range(selection_list.option_count)
            if selection_list.get_option_at_index(index).value in selected
        )

    @property
    def loaded(self) -> bool:
        return bool(self._infos)

    def set_registry(self, infos: tuple[InitializerInfo, ...]) -> None:
        """Replace the provisional list by the registry, keeping the choices made so far."""
        self._infos = {info.name: info for info in infos}
        chosen = self.chosen
        selection_list = self.query_one("#init-list", SelectionList)
        highlighted = selection_list.highlighted
        extras = [label for label in chosen if label not in self._infos]
        selection_list.clear_options()
        selection_list.add_options(
            [Selection(name, name, name in chosen) for name in self._infos]
            + [Selection(label, label, True) for label in extras]
        )
        selection_list.highlighted = highlighted or 0
        self._describe(selection_list.highlighted)

    def choose(self, labels: tuple[str, ...]) -> None:
        """Select exactly these labels (from a preset), adding any that are not listed."""
        selection_list = self.query_one("#init-list", SelectionList)
        values = {selection_list.get_option_at_index(i).value
                  for i in range(selection_list.option_count)}
        for label in labels:
            if label not in values:
                selection_list.add_option(Selection(label, label, False))
        selection_list.deselect_all()
        for label in labels:
            selection_list.select(label)

    def reveal(self, label: str) -> None:
        """Highlight the option and scroll it into view (a custom one is added last)."""
        selection_list = self.query_one("#init-list", SelectionList)
        for index in range(selection_list.option_count):
            if selection_list.get_option_at_index(index).value == label:
                selection_list.highlighted = index
                selection_list.scroll_to_highlight()
                return

    def _describe(self, index: int | None) -> None:
        info_widget = self.query_one("#init-info", Static)
        if not self._infos:
            return
        if index is None:
            info_widget.update("")
            return
        label = self.query_one("#init-list", SelectionList).get_option_at_index(index).value
        info = self._infos.get(label.partition(":")[0])
        if info is None:
            info_widget.update(label)
            return
        text = Text.assemble((label, "bold"), "  ", info.formula, "\n", info.paper, "\n",
                             ("suits ", "dim"), ", ".join(info.suits))
        if info.note:
            text.append(f"\n{info.note}", style="dim italic")
        info_widget.update(text)

    @on(SelectionList.SelectionHighlighted, "#init-list")
    def _on_highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        self._describe(event.selection_index)

    @on(SelectionList.SelectedChanged, "#init-list")
    def _on_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    @on(Input.Submitted, "#init-custom")
    def _on_custom(self, event: Input.Submitted) -> None:
        """Parse a custom initializer (`normal:std=0.1`) and add it, chosen."""
        event.stop()
        text = event.value.strip()
        if not text:
            return
        from inittui.core.init.registry import parse_initializer

        try:
            label = parse_initializer(text).label
        except InittuiError as error:
            event.input.add_class("-invalid")
            self.notify(str(error), severity="error", title="Initializer")
            return
        event.input.remove_class("-invalid")
        event.input.value = ""
        self.choose((*self.chosen, label))
        self.reveal(label)
