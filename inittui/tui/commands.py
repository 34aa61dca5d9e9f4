"""The command palette's entries: the main actions and the presets, searchable by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from inittui.core.spec.presets import PRESETS

if TYPE_CHECKING:
    from inittui.tui.app import InittuiApp

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Run", "train the chosen initializers (ctrl+r)", "run"),
    ("Stop", "stop training; finished epochs are kept (ctrl+x)", "stop"),
    ("Export results", "write every run of this session to a CSV file (e)", "export"),
    ("Clear results", "forget earlier sweeps of this session (c)", "clear"),
    ("Next metric", "val acc → train acc → val loss → train loss (m)", "cycle_metric"),
    ("Toggle log scale", "logarithmic y axis for the losses (l)", "toggle_log"),
    ("By epoch / by step", "x axis; by step, training loss at every step (x)", "toggle_x"),
    ("Smoothing", "EMA off → 0.6 → 0.8 → 0.9, raw line faint (a)", "cycle_smoothing"),
    ("Crop to the best 20 %", "y axis: the best fifth of its range, or all (z)",
     "toggle_crop"),
    ("Focus on the highlighted run", "the rest faint (f)", "toggle_focus"),
    ("Filter runs", "by a text in their label; escape clears (/)", "filter"),
    ("Layers view", "activation and gradient std by depth, histograms (L)", "toggle_layers"),
    ("Setup", "open or close the setup panel (s)", "toggle_setup"),
    ("Help", "every key and how to read the screen (? or f1)", "help"),
)
"""(name, help, action) of each palette command: the app's action or the main screen's."""


class InittuiCommands(Provider):
    """Run, stop, export, clear, metric, log scale, layers, setup, help and presets."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("InittuiApp", self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            (name, help_text, partial(app.run_action, action, app.action_target(action)))
            for name, help_text, action in ACTIONS
            if app.action_target(action).check_action(action, ()) is not False  # no Stop idle
        ]
        commands += [
            (f"Preset: {preset.name}", preset.source,
             partial(app.main.apply_preset, preset.name))
            for preset in PRESETS.values()  # a study's opens its own screen on ctrl+r
        ]
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
