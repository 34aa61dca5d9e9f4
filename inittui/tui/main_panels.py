"""The main screen's panels, each handed out by type: the one place that knows how they
are found, so neither the screen's keys nor the app ever spell a widget id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import ContentSwitcher, Input, SelectionList

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import TransferStudy
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

WIDE = 110
"""Terminal width from which the setup panel stays open beside the results."""

GRID_VIEWS = ("sensitivity", "heatmap", "depth")
"""Views of a grid's axes (each key toggles its view and the curves)."""

GridView = SensitivityView | HeatmapView | DepthProfileView


class MainPanels:
    """The panels of MainScreen by type (a mixin: `self` is that screen)."""

    if TYPE_CHECKING:  # supplied by the Screen that MainScreen also is
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def has_class(self, *class_names: str) -> bool: ...

    @property
    def is_narrow(self) -> bool:
        """The setup folds to one line: a terminal narrower than WIDE."""
        return self.has_class("-narrow")

    @property
    def setup(self) -> SetupPanel:
        return self.query_one(SetupPanel)

    def setup_spec(self) -> ExperimentSpec:
        """The spec the setup panel describes (SpecError names a field that does not parse)."""
        return self.setup.spec()

    @property
    def setup_study(self) -> TransferStudy | None:
        """The study ctrl+r trains instead of one sweep: the chosen preset's, if it is one."""
        return self.setup.study

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
