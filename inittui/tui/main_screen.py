"""The main screen: the setup beside the results, and every key that acts on them.

The screen arranges its panels (side by side from WIDE columns, stacked below, where the
setup folds to one line), owns the keys of its views (metric, log, layers, the grid views,
filter, cursor, ...) and shows the session's ResultsBook, grouped and ranked once per
change. The app owns the book and the training: it asks the screen to show the book again
(`show_book`) and to say what happens (`say`), and keeps the global keys (run, stop, help,
quit). The panel accessors (MainPanels) are the one place that knows how panels are found.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input

from inittui.core.init.registry import registry
from inittui.core.results.book import ResultsBook
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import get_preset
from inittui.tui import main_dialogs
from inittui.tui.grid_metric import GridMetric
from inittui.tui.key_footer import KeyFooter
from inittui.tui.main_panels import GRID_VIEWS, WIDE
from inittui.tui.main_showing import BookShowing, Shown
from inittui.tui.results.curve_series import METRICS, SMOOTHING
from inittui.tui.results.curves import CurvesView
from inittui.tui.results.depth_profile import DepthProfileView
from inittui.tui.results.final_bars import FinalBars
from inittui.tui.results.heatmap import Heatmap, HeatmapView
from inittui.tui.results.hints_panel import HintsPanel
from inittui.tui.results.layers_view import LayersView
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.results.sensitivity import SensitivityView
from inittui.tui.results.status_line import StatusLine
from inittui.tui.setup.setup_panel import SetupPanel
from inittui.tui.styles import stylesheet

__all__ = ["GRID_VIEWS", "WIDE", "MainScreen", "Shown"]

CURVE_ACTIONS = frozenset({"cycle_metric", "toggle_log", "toggle_x", "cycle_smoothing",
                           "toggle_crop", "toggle_focus", "filter", "move_cursor"})
"""Actions of the curves view: offered only while it shows."""


class MainScreen(BookShowing, Screen[None]):
    """Setup, plot views, filter, leaderboard, bars, hints, status line and footer."""

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"), (WIDE, "-wide")]

    SCOPED_CSS = False  # the rules name MainScreen and its layout classes themselves
    DEFAULT_CSS = stylesheet("main_screen.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "toggle_setup", "Setup", id="setup",
                tooltip="unfold the setup panel (narrow terminal) or move focus to it"),
        Binding("m", "cycle_metric", "Metric", id="metric",
                tooltip="curves: val acc → train acc → val loss → train loss"),
        Binding("l", "toggle_log", "Log", id="log",
                tooltip="curves: log y axis for the losses (on an accuracy, says so)"),
        Binding("x", "toggle_x", "Steps", id="x-axis",
                tooltip="curves: x by epoch or by optimizer step (per-step training loss)"),
        Binding("a", "cycle_smoothing", "EMA", id="smooth",
                tooltip="curves: EMA smoothing off → 0.6 → 0.8 → 0.9; the raw line stays faint"),
        Binding("z", "toggle_crop", "Crop", id="crop",
                tooltip="curves: y axis cropped to the best 20 % of its range, or fitted to all"),
        Binding("f", "toggle_focus", "Focus", id="focus",
                tooltip="curves: the highlighted leaderboard row alone in colour, the rest faint"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter",
                tooltip="curves: show only runs whose label contains a text; escape clears"),
        Binding("left", "move_cursor(-1)", "Cursor", show=False, id="cursor-back",
                tooltip="curves: cursor one epoch (step) back, with every run's value"),
        Binding("right", "move_cursor(1)", "Cursor", key_display="←→", id="cursor-next",
                tooltip="curves: cursor one epoch (step) on; escape removes it"),
        Binding("L", "toggle_layers", "Layers", id="layers",
                tooltip="switch between curves and the per-layer diagnostics"),
        Binding("left_square_bracket", "step_epoch(-1)", "Epoch", show=False, id="epoch-back",
                tooltip="layers view: previous epoch (0 is the initialization)"),
        Binding("right_square_bracket", "step_epoch(1)", "Epoch", key_display="[]",
                id="epoch-next", tooltip="layers view: next epoch"),
        Binding("comma", "step_layer(-1)", "Layer", show=False, id="layer-back",
                tooltip="layers view: histogram of the previous layer"),
        Binding("full_stop", "step_layer(1)", "Layer", key_display=",.", id="layer-next",
                tooltip="layers view: histogram of the next layer"),
        Binding("g", "toggle_view('sensitivity')", "Sensitivity", id="sensitivity",
                tooltip="grid: a metric against one axis (log x for lr), a line per "
                        "initializer with its seed band"),
        Binding("h", "toggle_view('heatmap')", "Heatmap", id="heatmap",
                tooltip="grid: initializer × axis value, coloured by the metric; arrows move, "
                        "enter opens that cell's curves"),
        Binding("d", "toggle_view('depth')", "Depth", id="depth",
                tooltip="grid over --hidden: last hidden layer's act and grad std against "
                        "depth, at initialization and after training"),
        Binding("p", "phase", "Phase", id="phase", show=False,
                tooltip="mean field: the sweep's initializers on the (σ_w², σ_b²) plane, the "
                        "χ₁ = 1 line, ξ_c shaded, a reading per run"),
        Binding("n", "next_axis", "Axis", id="next-axis",
                tooltip="sensitivity and heatmap: the next axis of the grid"),
        Binding("b", "toggle_rank_by", "Rank by", id="rank-by",
                tooltip="leaderboard of a grid: every cell, or each initializer's best cell"),
        Binding("w", "coord_check", "Width", show=False, id="coord-check",
                tooltip="coordinate check (activation size against width, sp and mup) of the "
                        "highlighted leaderboard row's settings, else the setup's"),
        Binding("e", "export", "Export", id="export", show=False,
                tooltip="write every run of this session to a CSV file"),
        Binding("S", "save_figure", "Figure", show=False, id="save-figure",
                tooltip="save the view as a figure (PNG) and the screen as SVG, beside "
                        "--out or in the current folder"),
        Binding("c", "clear", "Clear", id="clear",
                tooltip="forget the results of this session, after asking (not while training)"),
        Binding("escape", "escape", "Back", show=False, id="escape",
                tooltip="clear the filter, then the cursor, then fold the setup panel back"),
    ]
    """The keys of the screen's panels; the app's global keys are InittuiApp.BINDINGS, and
    help and the footer list both in `key_order.KEY_ORDER`."""

    setup_open: reactive[bool] = reactive(False, init=False)
    """On a narrow terminal: the setup panel is unfolded in place of the results."""

    view: reactive[str] = reactive("curves", init=False)
    """What the plot area shows: `curves`, `layers`, or a grid view (GRID_VIEWS)."""

    hidden_groups: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    """Keys of the groups the user hid from the plots."""

    filter_text: reactive[str] = reactive("", init=False)
    """Only groups whose label contains this (any case) are plotted; empty: all."""

    class Ready(Message):
        """Every panel is mounted: the app may fill them (its own mount comes earlier)."""

    def __init__(self, spec: ExperimentSpec, preset: str | None = None,
                 book: ResultsBook | None = None, out: Path | None = None) -> None:
        super().__init__()
        self._spec = spec
        self._preset = preset
        self.book = book if book is not None else ResultsBook()
        """The session's results: the app's book, which the app alone applies events to."""
        self.out = out
        """The --out file: exports and figures go beside it (else to the current folder)."""
        self.training = False
        """A sweep is training (set by the app): the book may not be cleared meanwhile."""
        self.grid_metric = GridMetric.starting(get_preset(preset).axis_metric if preset else None)
        """The metric the sensitivity view and the heatmap share (m in either)."""
        self.shown = Shown([], [])
        """The book as the latest `show_book` grouped and ranked it."""
        self._panels_ready = False

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
        self._panels_ready = True
        self.post_message(self.Ready())

    def begin(self, results_first: bool) -> None:
        """Fill the picker, show the book and place the focus, in one go (the setup scrolls
        to the focus as the list fills): on the results when there are some to look at
        (after --load) or no room for both."""
        self.picker.set_registry(registry())  # torch-free, instant
        self.show_book()
        wide_and_empty = self.app.size.width >= WIDE and not results_first
        (self.initializer_list if wide_and_empty else self.leaderboard).focus()

    # ── what the app tells the screen ─────────────────────────────────────────────────

    def show_setup_error(self) -> None:
        """The setup cannot run: unfold it at its first invalid field."""
        self.setup_open = True
        self.setup.focus_first_invalid()

    def training_started(self) -> None:
        """The setup is committed: fold it, and give the keys to the results."""
        self.setup_open = False
        self.leaderboard.focus()

    @property
    def draws_steps(self) -> bool:
        """The curves are drawn by step, so each step's losses change the picture."""
        return self.curves.by_step

    def apply_preset(self, name: str) -> None:
        """Load a preset into the setup (from the command palette)."""
        self.setup.apply_preset(name)
        if self.is_narrow:
            self.setup_open = True

    def watch_hidden_groups(self) -> None:
        self.show_book()

    def watch_filter_text(self) -> None:
        self.show_book()

    def watch_view(self, view: str) -> None:
        self.views.current = view
        self.set_class(view in GRID_VIEWS, "-grid-view")  # room for the grid's plot
        self._show_grid_view()
        if view == "heatmap":
            self.heatmap.focus()
        elif self.heatmap.has_focus:
            self.leaderboard.focus()
        self.refresh_bindings()

    def watch_setup_open(self, open_: bool) -> None:
        self.set_class(open_, "-setup-open")
        if open_:
            self.initializer_list.focus()
        else:
            self._keep_focus_visible()

    def on_resize(self) -> None:
        if self._panels_ready:
            self.call_after_refresh(self._keep_focus_visible)

    def _keep_focus_visible(self) -> None:
        """A folded setup panel must not keep the focus (its keys would be invisible)."""
        if self.is_narrow and not self.setup_open and self.setup.has_focus_within:
            self.leaderboard.focus()

    # ── keys ──────────────────────────────────────────────────────────────────────────

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Layer keys only in the layers view; curve keys only with the curves."""
        if action in ("step_epoch", "step_layer"):
            return self.view == "layers"
        if action == "next_axis" or (action == "cycle_metric" and self.view in GRID_VIEWS):
            return self.view in ("sensitivity", "heatmap")
        if action in CURVE_ACTIONS:
            return self.view == "curves"
        return True

    def action_cycle_metric(self) -> None:
        if self.view in ("sensitivity", "heatmap"):
            self.grid_metric.cycle()  # one choice for both views
            self._show_grid_view()
            return
        curves = self.curves
        names = list(METRICS)
        curves.metric = names[(names.index(curves.metric) + 1) % len(names)]

    def action_toggle_log(self) -> None:
        curves = self.curves
        if not curves.metric.endswith("loss"):
            self.notify("Accuracies stay on a linear axis; the log axis is for losses "
                        "(m cycles to val loss).")
            return
        curves.log_scale = not curves.log_scale

    def action_toggle_x(self) -> None:
        curves = self.curves
        curves.by_step = not curves.by_step
        if curves.by_step and curves.metric != "train_loss":
            self.notify("By step, train loss is drawn per step; other metrics keep one "
                        "point per epoch (m cycles to train loss).")

    def action_cycle_smoothing(self) -> None:
        curves = self.curves
        curves.smoothing = SMOOTHING[(SMOOTHING.index(curves.smoothing) + 1) % len(SMOOTHING)]

    def action_toggle_crop(self) -> None:
        self.curves.crop = not self.curves.crop

    def action_toggle_focus(self) -> None:
        self.curves.focus_chosen = not self.curves.focus_chosen

    def action_move_cursor(self, delta: int) -> None:
        self.curves.move_cursor(delta)

    def action_filter(self) -> None:
        field = self.filter_field
        field.remove_class("-hidden")
        field.focus()

    @on(Input.Changed, "#filter")
    def _on_filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _on_filter_submitted(self, event: Input.Submitted) -> None:
        event.input.set_class(not event.value.strip(), "-hidden")
        self.leaderboard.focus()

    def action_escape(self) -> None:
        """Undo the latest narrowing: the filter, then the cursor, then the unfolded setup."""
        field, curves = self.filter_field, self.curves
        if self.filter_text or not field.has_class("-hidden"):
            field.value = ""
            self.filter_text = ""
            field.add_class("-hidden")
            if field.has_focus:
                self.leaderboard.focus()
        elif curves.cursor is not None:
            curves.cursor = None
        else:
            self.setup_open = False

    def action_toggle_layers(self) -> None:
        self.view = "layers" if self.view == "curves" else "curves"

    def action_toggle_view(self, view: str) -> None:
        self.view = view if self.view != view else "curves"

    def action_next_axis(self) -> None:
        if self.view in ("sensitivity", "heatmap"):
            view = self.grid_view(self.view)
            assert isinstance(view, SensitivityView | HeatmapView)
            view.next_axis()

    def action_toggle_rank_by(self) -> None:
        board = self.leaderboard
        board.by = "init" if board.by == "cell" else "cell"
        self.notify("Leaderboard: each initializer's best cell" if board.by == "init"
                    else "Leaderboard: every cell", timeout=3)
        self.show_book()

    def action_step_epoch(self, delta: int) -> None:
        self.layers_view.step_epoch(delta)

    def action_step_layer(self, delta: int) -> None:
        self.layers_view.step_layer(delta)

    def action_toggle_setup(self) -> None:
        if self.is_narrow:
            self.setup_open = not self.setup_open
        elif self.setup.has_focus_within:
            self.leaderboard.focus()
        else:
            self.initializer_list.focus()

    def action_coord_check(self) -> None:
        main_dialogs.open_coord_check(self)

    def action_phase(self) -> None:
        main_dialogs.open_phase(self)

    def action_clear(self) -> None:
        main_dialogs.ask_to_clear(self)

    def action_save_figure(self) -> None:
        from inittui.tui.figure_saving import save_view

        save_view(self)

    def action_export(self) -> None:
        main_dialogs.ask_where_to_export(self)

    # ── the panels' messages ──────────────────────────────────────────────────────────

    @on(Heatmap.CellOpened)
    def _on_cell_opened(self, message: Heatmap.CellOpened) -> None:
        """The curves of one grid cell: its runs' labels end in `@ cell`."""
        if not self.app.is_running:
            return
        field = self.filter_field
        field.value = f"@ {message.cell}"
        field.remove_class("-hidden")
        self.filter_text = field.value
        self.view = "curves"

    @on(Leaderboard.VisibilityToggled)
    def _on_visibility_toggled(self, message: Leaderboard.VisibilityToggled) -> None:
        if self.app.is_running:
            self.hidden_groups = self.hidden_groups ^ {message.key}

    @on(Leaderboard.GroupHighlighted)
    def _on_group_highlighted(self, message: Leaderboard.GroupHighlighted) -> None:
        if self.app.is_running:
            self.curves.highlight(message.key)
            self._show_layers()

    @on(Leaderboard.RunOpened)
    def _on_run_opened(self, message: Leaderboard.RunOpened) -> None:
        if self.app.is_running:
            main_dialogs.open_run(self, message.key)
