"""What the main screen shows: the book, grouped and ranked once per change, and the
status line's news.

Every panel (curves, leaderboard, bars, hints, layers, the grid view on screen) is shown
from one `Shown`, so an epoch of N runs is grouped and ranked once, not once per panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from inittui.core.events import StepProgress
from inittui.core.results.book import LeaderRow, ResultsBook, leaderboard
from inittui.tui.grid_metric import GridMetric
from inittui.tui.groups import SeedGroup, group_key, seed_groups
from inittui.tui.main_panels import GRID_VIEWS, MainPanels
from inittui.tui.results.sensitivity import SensitivityView


@dataclass(frozen=True)
class Shown:
    """The book grouped and ranked once, for every panel that shows it until it changes."""

    groups: list[SeedGroup]
    rows: list[LeaderRow]

    def group(self, key: str | None) -> SeedGroup | None:
        return next((group for group in self.groups if group.key == key), None)


class BookShowing(MainPanels):
    """Shows the book and the news in MainScreen's panels (a mixin: `self` is that screen)."""

    if TYPE_CHECKING:  # MainScreen's state
        book: ResultsBook
        shown: Shown
        grid_metric: GridMetric
        view: str
        filter_text: str
        hidden_groups: frozenset[str]

    def say(self, message: str, error: bool = False) -> None:
        """One line in the status line (training, loading, a saved file, an error)."""
        self.status.say(message, error)

    def show_progress(self, progress: StepProgress, epochs: int, runs: int) -> None:
        """The step inside the epoch, and the time left once a step has been timed."""
        self.status.progress(progress, epochs, runs)

    def say_ready(self) -> None:
        self.say("ready · ctrl+r trains the chosen initializers · s edits the setup · "
                 "? lists every key")

    def _visible(self, groups: list[SeedGroup]) -> list[SeedGroup]:
        """The groups the plots draw: not hidden, and matching the `/` filter."""
        wanted = self.filter_text.strip().lower()
        return [group for group in groups if group.key not in self.hidden_groups
                and wanted in group.label.lower()]

    def show_book(self) -> None:
        """Group and rank the book (once: the other panels reuse it), then show it all."""
        board = self.leaderboard
        self.shown = Shown(seed_groups(self.book), leaderboard(self.book, by=board.by))
        groups, rows = self.shown.groups, self.shown.rows
        visible = self._visible(groups)
        order = [group_key(row.sweep, row.init, row.cell) for row in rows]
        self.curves.show(
            visible, not_drawn=len(groups) - len(visible), leader=order[0] if order else None,
            highlighted=board.highlighted_key, order=order,
            filter_text=self.filter_text.strip())
        shown = {group.key for group in visible}  # hidden with space, or filtered out
        not_drawn = frozenset(group.key for group in groups if group.key not in shown)
        board.show(rows, groups, not_drawn)
        self.bars.show(rows, groups, not_drawn)
        self.hints.show(self.book)
        self._show_layers()
        self._show_grid_view()
        self.footer.has_grid = any(sweep.spec.is_grid for sweep in self.book.sweeps)

    def _show_grid_view(self) -> None:
        """The grid view on screen shows the newest grid sweep (the others wait until shown)."""
        if self.view not in GRID_VIEWS:
            return
        sweep = next((s for s in reversed(self.book.sweeps) if s.spec.is_grid), None)
        sensitivity = self.grid_view("sensitivity")
        assert isinstance(sensitivity, SensitivityView)
        sensitivity.metric = self.heatmap.metric = self.grid_metric.name  # one for both
        self.grid_view(self.view).show(sweep)

    def _show_layers(self) -> None:
        """The layers view, of the highlighted group (the groups of the latest `show_book`)."""
        visible = self._visible(self.shown.groups)
        selected = self.shown.group(self.leaderboard.highlighted_key) or \
            (visible[0] if visible else None)
        self.layers_view.show(visible, selected)
