"""The one order in which help and the footer list the app's keys and the main screen's.

The app keeps the global keys (InittuiApp.BINDINGS) and the main screen the keys of its
panels (MainScreen.BINDINGS); a reader sees them as one list, in this order of binding
ids, so moving a key between the two classes never reorders help or the footer.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType

KEY_ORDER: tuple[str, ...] = (
    "run", "stop", "setup", "help", "metric", "log", "x-axis", "smooth", "crop", "focus",
    "filter", "cursor-back", "cursor-next", "layers", "epoch-back", "epoch-next", "layer-back",
    "layer-next", "sensitivity", "heatmap", "depth", "phase", "next-axis", "rank-by",
    "coord-check", "export", "save-figure", "clear", "escape", "quit-q", "quit", "ctrl-c",
)
"""Binding ids of InittuiApp and MainScreen, as help and the footer list them."""


def in_key_order(bindings: Iterable[BindingType]) -> list[Binding]:
    """The bindings sorted by KEY_ORDER (those it does not name last, in their order)."""
    listed = [binding for binding in bindings if isinstance(binding, Binding)]

    def place(binding: Binding) -> int:
        return KEY_ORDER.index(binding.id) if binding.id in KEY_ORDER else len(KEY_ORDER)

    return sorted(listed, key=place)


def action_places(bindings: Iterable[BindingType]) -> dict[str, int]:
    """Each action's place in KEY_ORDER (its first binding's): how the footer sorts keys."""
    places: dict[str, int] = {}
    for place, binding in enumerate(in_key_order(bindings)):
        places.setdefault(binding.action, place)
    return places
