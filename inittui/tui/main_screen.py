"""The main screen: the setup panel beside the results, each panel handed out by type.

The screen arranges (side by side from WIDE columns, stacked below, where the setup folds
to one line) and the app decides what each panel shows. The typed accessors are the one
place that knows how panels are found, so the app never spells a widget id.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input, SelectionList

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import get_preset
from inittui.tui.grid_metric import GridMetric
from inittui.tui.key_footer import KeyFooter
from inittui.tui.results.curves import CurvesView
from inittui.tui.results.depth_profile import DepthProfileView
from inittui.tui.results.final_bars import FinalBars
from inittui.tui.results.heatmap import Heatmap, HeatmapView
from inittui.tui.results.hints_panel import HintsPanel
from inittui.tui.results.layers_view import LayersView
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.results.sensitivity import SensitivityView
from inittui.tui.results.status_line import StatusLine
from inittui.tui.setup.initializer_picker import InitializerPicker
from inittui.tui.setup.setup_panel import SetupPanel
from inittui.tui.styles import stylesheet

WIDE = 110
"""Terminal width from which the setup panel stays open beside the results."""

GRID_VIEWS = ("sensitivity", "heatmap", "depth")
"""Views of a grid's axes (each key toggles its view and the curves)."""

GridView = SensitivityView | HeatmapView | DepthProfileView


class MainScreen(Screen[None]):
    """Setup, plot views, filter, leaderboard, bars, hints, status line and footer."""

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"), (WIDE, "-wide")]

    SCOPED_CSS = False  # the rules name MainScreen and its layout classes themselves
    DEFAULT_CSS = stylesheet("main_screen.tcss")

    class Ready(Message):
        """Every panel is mounted: the app may fill them (its own mount comes earlier)."""

    def __init__(self, spec: ExperimentSpec, preset: str | None = None) -> None:
        super().__init__()
        self._spec = spec
        self._preset = preset
        self.grid_metric = GridMetric.starting(get_preset(preset).axis_metric if preset else None)
        """The metric the sensitivity view and the heatmap share (m in either)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield SetupPanel(self._spec, self._preset, id="setup")
            with Vertical(id="results"):
                with ContentSwitcher(initial="curves", id="views"):
                    yield CurvesView(id="curves")
                    yield LayersView(id="layers")
                    yield SensitivityView(id="sensitivity")
                    yield HeatmapView(id="heatmap")
                    yield DepthProfileView(id="depth")
                yield Input(placeholder="filter runs by label (enter keeps, escape clears)",
                            id="filter", classes="-hidden", compact=True)
                yield Leaderboard(id="leaderboard")
                yield FinalBars(id="bars")
                yield HintsPanel(id="hints")
        yield StatusLine(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.post_message(self.Ready())

    # ── layout ────────────────────────────────────────────────────────────────────────

    @property
    def is_narrow(self) -> bool:
        """The setup folds to one line: a terminal narrower than WIDE."""
        return self.has_class("-narrow")

    # ── panels, by type ───────────────────────────────────────────────────────────────

    @property
    def setup(self) -> SetupPanel:
        return self.query_one(SetupPanel)

    @property
    def picker(self) -> InitializerPicker:
        return self.query_one(InitializerPicker)

    @property
    def initializer_list(self) -> SelectionList[str]:
        """The picker's list: where a wide, empty session starts."""
        return self.query_one("#init-list", SelectionList)

    @property
    def views(self) -> ContentSwitcher:
        return self.query_one("#views", ContentSwitcher)

    @property
    def curves(self) -> CurvesView:
        return self.query_one(CurvesView)

    @property
    def layers_view(self) -> LayersView:
        return self.query_one(LayersView)

    @property
    def heatmap(self) -> Heatmap:
        """The heatmap's table (it takes the focus while its view shows)."""
        return self.query_one(Heatmap)

    def grid_view(self, name: str) -> GridView:
        """The view of a grid named in GRID_VIEWS."""
        views: dict[str, type[GridView]] = {"sensitivity": SensitivityView,
                                            "heatmap": HeatmapView,
                                            "depth": DepthProfileView}
        return self.query_one(views[name])

    @property
    def filter_field(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def leaderboard(self) -> Leaderboard:
        return self.query_one(Leaderboard)

    @property
    def bars(self) -> FinalBars:
        return self.query_one(FinalBars)

    @property
    def hints(self) -> HintsPanel:
        return self.query_one(HintsPanel)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def footer(self) -> KeyFooter:
        return self.query_one(KeyFooter)
