"""The inittui app: what each key does, and what the panels show of the results.

Data flows one way. The setup panel builds an ExperimentSpec; the sweep controller trains
it in a thread worker, whose events come back as messages; the app applies each to its
ResultsBook (the single source of truth, kept across sweeps) and tells the main screen's
panels to show the book, grouped and ranked once per event. `create_app` is the one way
in, shared by the command line and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from inittui.core.errors import InittuiError, SpecError, shown_path
from inittui.core.events import (
    EpochFinished,
    LayerStatsReady,
    RunFinished,
    StepLosses,
    SweepFinished,
    SweepStarted,
)
from inittui.core.init.registry import registry
from inittui.core.results.book import LeaderRow, ResultsBook, leaderboard
from inittui.core.results.reading import LoadedResults, load_results
from inittui.core.results.safe_files import check_writable
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import MUP_MODELS, ExperimentSpec, check_spec
from inittui.core.theory.readings import phase_rows
from inittui.tui.app_signals import SignalsAndCtrlC
from inittui.tui.commands import InittuiCommands
from inittui.tui.coord_choice import coord_check_choice
from inittui.tui.groups import SeedGroup, group_key, run_groups
from inittui.tui.main_screen import GRID_VIEWS, WIDE, MainScreen
from inittui.tui.messages import SweepEnded, SweepEvent, SweepProgress
from inittui.tui.results.curve_series import METRICS, SMOOTHING
from inittui.tui.results.grid_progress import GridProgress
from inittui.tui.results.heatmap import Heatmap, HeatmapView
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.results.sensitivity import SensitivityView
from inittui.tui.screens.confirm import ConfirmScreen
from inittui.tui.screens.export import ExportScreen, default_export_path
from inittui.tui.screens.help import HelpScreen
from inittui.tui.screens.phase import PhaseScreen
from inittui.tui.screens.run_detail import RunDetailScreen
from inittui.tui.sweep_controller import SWEEP_GROUP, Engine, SweepController

__all__ = ["GRID_VIEWS", "WIDE", "Engine", "InittuiApp", "create_app"]

CURVE_ACTIONS = frozenset({"cycle_metric", "toggle_log", "toggle_x", "cycle_smoothing",
                           "toggle_crop", "toggle_focus", "filter", "move_cursor"})
"""Actions of the curves view: offered only while it shows."""


@dataclass(frozen=True)
class Shown:
    """The book grouped and ranked once, for every panel that shows it until it changes."""

    groups: list[SeedGroup]
    rows: list[LeaderRow]

    def group(self, key: str | None) -> SeedGroup | None:
        return next((group for group in self.groups if group.key == key), None)


def field_label(field: str) -> str:
    """How the app words a setting the core names: the form's label, else the option."""
    from inittui.tui.setup.spec_form import FIELDS

    labels = dict(FIELDS)
    if field in labels:
        return f"the {labels[field]} field"
    return f"--{field.replace('_', '-')}"


def error_text(error: BaseException) -> str:
    """An error as one line for a notification: the core's wording, or the exception."""
    if isinstance(error, InittuiError):
        return error.worded(field_label)
    return f"{type(error).__name__}: {error}"


class InittuiApp(SignalsAndCtrlC, App[None]):
    """Compare weight initializers: pick, train side by side, see who wins and why."""

    TITLE = "inittui"
    COMMANDS = App.COMMANDS | {InittuiCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run", priority=True, id="run",
                tooltip="train the chosen initializers, from any panel"),
        Binding("ctrl+x", "stop", "Stop", priority=True, id="stop",
                tooltip="stop training; finished epochs are kept"),
        Binding("s", "toggle_setup", "Setup", id="setup",
                tooltip="unfold the setup panel (narrow terminal) or move focus to it"),
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="this screen"),
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
        Binding("q", "quit", "Quit", show=False, id="quit-q",
                tooltip="quit (when no text field has the focus)"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="quit"),
        *SignalsAndCtrlC.SIGNAL_BINDINGS,
    ]

    running: reactive[bool] = reactive(False)
    """A sweep is training: from ctrl+r until its thread has returned (stopping included)."""

    setup_open: reactive[bool] = reactive(False, init=False)
    """On a narrow terminal: the setup panel is unfolded in place of the results."""

    view: reactive[str] = reactive("curves", init=False)
    """What the plot area shows: `curves`, `layers`, or a grid view (GRID_VIEWS)."""

    hidden_groups: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    """Keys of the groups the user hid from the plots."""

    filter_text: reactive[str] = reactive("", init=False)
    """Only groups whose label contains this (any case) are plotted; empty: all."""

    def __init__(self, spec: ExperimentSpec, out: Path | None = None, overwrite: bool = False,
                 load: Path | None = None, engine: Engine | None = None,
                 preset: str | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.preset = preset
        self.out = out
        self.load = load
        self.book = ResultsBook()
        self.sweeps = SweepController(self, engine, out=out, overwrite=overwrite, load=load)
        self._main: MainScreen | None = None
        self._loaded: ResultsBook | None = None
        self.loading = False
        self._epochs = spec.epochs
        self._runs = 0
        self._grid = GridProgress()
        self._shown = Shown([], [])
        self._quit_when_stopped = False
        self._panels_ready = False  # the main screen's panels are mounted
        self._redraw_pending = False  # a _show_book is queued behind the waiting events

    def get_default_screen(self) -> MainScreen:
        self._main = MainScreen(self.spec, self.preset)
        return self._main

    @property
    def main(self) -> MainScreen:
        """The main screen, whichever screen is on top (help, a question, the palette)."""
        assert self._main is not None, "the app has not started"
        return self._main

    @property
    def closing(self) -> bool:
        """The app is shutting down: its panels may be gone already, so messages that
        arrive late (the training thread's, a row highlighted by a last redraw) only
        update the book, never the screen."""
        return not self.is_running

    @on(MainScreen.Ready)
    def _on_main_ready(self) -> None:
        """The panels are mounted: fill the picker, start loading, place the focus."""
        main = self.main
        self._panels_ready = True
        self.install_signal_handlers()
        main.picker.set_registry(registry())  # torch-free, instant
        self.call_after_refresh(self._import_torch)
        if self.load is not None:
            self.loading = True
            main.status.say(f"loading {self.load}…")
            self._load_results(self.load)
        else:
            self._say_ready()
        self._show_book()
        # Results first when there are some to look at (after --load) or no room for both.
        wide_and_empty = self.size.width >= WIDE and self.load is None
        (main.initializer_list if wide_and_empty else main.leaderboard).focus()

    def on_unmount(self) -> None:
        self.sweeps.close()  # stops the engine; its thread closes the file after its last row

    # ── training ───────────────────────────────────────────────────────────────────────

    def action_run(self) -> None:
        """Validate the setup and start a sweep in a thread worker (enabled when idle)."""
        from inittui.tui.screens.width_study import CoordCheckScreen, LrTransferScreen

        if isinstance(self.screen, ConfirmScreen | CoordCheckScreen | LrTransferScreen):
            return  # a question is open, or a width study trains on its own screen
        panel = self.main.setup
        try:
            spec = panel.spec()
            check_spec(spec)
        except SpecError as error:
            self.notify(error_text(error), title="Fix the setup to run", severity="error",
                        markup=False)
            self.setup_open = True
            panel.focus_first_invalid()
            return
        if panel.study is not None:  # a learning-rate transfer study: on its own screen
            self.push_screen(LrTransferScreen(spec=spec, study=panel.study))
            return
        from inittui.core.training.plan import MAX_RUNS_WITHOUT_CONFIRM, plan_grid  # torch-free

        plan = plan_grid(spec)
        runs = len(plan.runs)
        if runs > MAX_RUNS_WITHOUT_CONFIRM:  # more likely a typo than a plan: ask, like --yes
            question = (f"The setup makes {runs:,} runs, more than "
                        f"{MAX_RUNS_WITHOUT_CONFIRM:,}: {plan.describe()}. Train them all?")
            self.push_screen(ConfirmScreen("A large grid", question),
                             lambda yes: self._start_if(yes, spec, runs))
            return
        self._start(spec, runs)

    def _start_if(self, yes: bool | None, spec: ExperimentSpec, runs: int) -> None:
        if yes:
            self._start(spec, runs)
        else:
            self.notify(f"Not started; the {runs:,} runs come from the lists in the setup "
                        "(lr, hidden, act, batch, momentum) times initializers and seeds.",
                        markup=False)

    def _start(self, spec: ExperimentSpec, runs: int) -> None:
        """Open the results file and hand a checked spec to the sweep controller."""
        if self.sweeps.running:  # a second start while a question was open
            return
        try:
            self.sweeps.open_results(self._loaded)
        except InittuiError as error:
            self.notify(error_text(error), title="Cannot write results", severity="error",
                        markup=False)
            return
        self._epochs, self._runs = spec.epochs, runs
        self.running = True
        self.setup_open = False
        self.main.leaderboard.focus()  # the setup is committed: results have the keys
        self.main.status.say(f"starting {self._runs} runs: loading data and building models…")
        self.sweeps.start(spec)

    def action_stop(self) -> None:
        """Ask the engine to stop at its next step (enabled while training)."""
        self.sweeps.stop()
        self.main.status.say("stopping after the current step…")

    async def action_quit(self) -> None:
        """Quit; while training, first stop the engine and let it write what it finished.

        Asked again while it stops, quit at once: the training thread still closes the
        results file after its last row (see SweepController.close).
        """
        if not self.sweeps.running or self._quit_when_stopped:
            self.exit(return_code=self.signal_exit or 0)
            return
        self.quit_when_stopped()

    def quit_when_stopped(self) -> None:
        """Stop the engine; the app exits once its thread has returned (SweepEnded)."""
        self._quit_when_stopped = True
        self.sweeps.stop()
        self.main.status.say("stopping the training to quit (finished epochs are kept)… "
                             "ctrl+q again quits at once")

    @work(thread=True, group="torch", exit_on_error=False)
    def _import_torch(self) -> None:
        """Loads torch and the engine in a thread once the first frame is on screen.

        Seconds on a cold start, so the screen never waits for it; by the time the user
        presses ctrl+r the import is usually done (the training worker imports the same
        modules and simply finds them loaded, or waits for this import to finish).
        """
        import inittui.core.training.engine  # noqa: F401

    @on(SweepEvent)
    def _on_sweep_event(self, message: SweepEvent) -> None:
        event = message.event
        self.book.apply(event)
        self._grid.apply(event)
        if self.closing:
            return
        status = self.main.status
        if isinstance(event, SweepStarted):
            if event.data_source:
                self.notify(f"{event.spec.dataset} read from {event.data_source}",
                            title="Data", markup=False)
            status.say(f"training {len(event.runs)} runs on {event.device} · "
                       f"{event.parameters_per_run:,} parameters each · ctrl+x stops")
        elif isinstance(event, SweepFinished):
            self._say_finished(event.stopped)
        if isinstance(event, (SweepStarted, EpochFinished, RunFinished, LayerStatsReady)) or (
                isinstance(event, StepLosses) and self.main.curves.by_step):
            self._book_changed()

    def _book_changed(self) -> None:
        """Show the book once the events already waiting are applied, not after each one.

        An epoch of N runs arrives as N events at once; showing the book after each would
        group, rank and draw it N times for one picture, which grows as N² and left a grid
        of a few hundred runs far behind its engine. Events that arrive later get a drawing
        of their own.
        """
        if not self._redraw_pending:
            self._redraw_pending = True
            self.call_later(self._redraw)

    def _redraw(self) -> None:
        self._redraw_pending = False
        if not self.closing:
            self._show_book()

    @on(SweepProgress)
    def _on_sweep_progress(self, message: SweepProgress) -> None:
        if self.running and not self.sweeps.stopping and not self.closing:
            status = self.main.status
            if self._grid.is_grid:
                status.say(self._grid.line(message.progress))
            else:
                status.progress(message.progress, self._epochs, self._runs)

    @on(SweepEnded)
    def _on_sweep_ended(self) -> None:
        """The training thread has returned: ctrl+r again, or the quit that waited for it."""
        self.running = False
        if self._quit_when_stopped:
            self.exit(return_code=self.signal_exit or 0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker outcomes land: results, and every error as a notification."""
        worker = event.worker
        if event.state == WorkerState.ERROR:
            text = error_text(worker.error) if worker.error is not None else "unknown error"
            title = {SWEEP_GROUP: "Run failed", "torch": "Cannot load torch"}.get(
                worker.group, "Error")
            self.notify(text, title=title, severity="error", timeout=10, markup=False)
            if worker.group == SWEEP_GROUP and not self.closing:
                self.main.status.say(f"run failed: {text}", error=True)
            if worker.group == "load":
                self.loading = False
                self._say_ready()
        elif event.state == WorkerState.SUCCESS and worker.group == "load":
            self._show_loaded(worker.result)

    # ── what the views show ────────────────────────────────────────────────────────────

    def _visible(self, groups: list[SeedGroup]) -> list[SeedGroup]:
        """The groups the plots draw: not hidden, and matching the `/` filter."""
        wanted = self.filter_text.strip().lower()
        return [group for group in groups if group.key not in self.hidden_groups
                and wanted in group.label.lower()]

    def _show_book(self) -> None:
        """Group and rank the book (once: the other panels reuse it), then show it all."""
        main = self.main
        board = main.leaderboard
        self._shown = Shown(run_groups(self.book), leaderboard(self.book, by=board.by))
        groups, rows = self._shown.groups, self._shown.rows
        visible = self._visible(groups)
        order = [group_key(row.sweep, row.init, row.cell) for row in rows]
        main.curves.show(
            visible, not_drawn=len(groups) - len(visible), leader=order[0] if order else None,
            highlighted=board.highlighted_key, order=order,
            filter_text=self.filter_text.strip())
        shown = {group.key for group in visible}  # hidden with space, or filtered out
        not_drawn = frozenset(group.key for group in groups if group.key not in shown)
        board.show(rows, groups, not_drawn)
        main.bars.show(rows, groups, not_drawn)
        main.hints.show(self.book)
        self._show_layers()
        self._show_grid_view()
        main.footer.has_grid = any(sweep.spec.is_grid for sweep in self.book.sweeps)

    def _show_grid_view(self) -> None:
        """The grid view on screen shows the newest grid sweep (the others wait until shown)."""
        if self.view not in GRID_VIEWS:
            return
        sweep = next((s for s in reversed(self.book.sweeps) if s.spec.is_grid), None)
        main = self.main
        sensitivity = main.grid_view("sensitivity")
        assert isinstance(sensitivity, SensitivityView)
        sensitivity.metric = main.heatmap.metric = main.grid_metric.name  # one for both
        main.grid_view(self.view).show(sweep)

    def _show_layers(self) -> None:
        """The layers view, of the highlighted group (the groups of the latest `_show_book`)."""
        main = self.main
        visible = self._visible(self._shown.groups)
        selected = self._shown.group(main.leaderboard.highlighted_key) or \
            (visible[0] if visible else None)
        main.layers_view.show(visible, selected)

    def watch_hidden_groups(self) -> None:
        self._show_book()

    def watch_filter_text(self) -> None:
        self._show_book()

    def watch_running(self) -> None:
        self.refresh_bindings()

    def watch_view(self, view: str) -> None:
        main = self.main
        main.views.current = view
        main.set_class(view in GRID_VIEWS, "-grid-view")  # room for the grid's plot
        self._show_grid_view()
        if view == "heatmap":
            main.heatmap.focus()
        elif main.heatmap.has_focus:
            main.leaderboard.focus()
        self.refresh_bindings()

    def watch_setup_open(self, open_: bool) -> None:
        self.main.set_class(open_, "-setup-open")
        if open_:
            self.main.initializer_list.focus()
        else:
            self._keep_focus_visible()

    def on_resize(self) -> None:
        if self._panels_ready:
            self.call_after_refresh(self._keep_focus_visible)

    def _keep_focus_visible(self) -> None:
        """A folded setup panel must not keep the focus (its keys would be invisible)."""
        main = self.main
        if main.is_narrow and not self.setup_open and main.setup.has_focus_within:
            main.leaderboard.focus()

    def _say_ready(self) -> None:
        self.main.status.say("ready · ctrl+r trains the chosen initializers · "
                             "s edits the setup · ? lists every key")

    def _say_finished(self, stopped: bool) -> None:
        sweep = self.book.current
        epochs = max((len(r.epochs) for r in sweep.runs.values()), default=0)
        what = "stopped" if stopped else "finished"
        self.main.status.say(
            f"sweep {sweep.number} {what} · {len(sweep.runs)} runs · {epochs}/"
            f"{sweep.spec.epochs} epochs · {sweep.device} · ⏎ on the board: details")

    @work(thread=True, group="load", exit_on_error=False)
    def _load_results(self, path: Path) -> LoadedResults | InittuiError:
        """Reads a results file off the UI thread, with its progress in the status line.

        A file that cannot be used at all comes back as its error, to be notified.
        """
        try:
            total = max(path.stat().st_size, 1)
        except OSError:
            total = 1

        def progress(read: int) -> None:
            share = min(read / total, 1.0)
            self.call_from_thread(self.main.status.say, f"loading {shown_path(path)}… {share:.0%}")

        try:
            return load_results(path, progress)
        except InittuiError as error:
            return error

    def _show_loaded(self, loaded: LoadedResults | InittuiError) -> None:
        """The loaded runs join the session; skipped rows are one notification."""
        assert self.load is not None
        self.loading = False
        if isinstance(loaded, InittuiError):
            self.notify(error_text(loaded), title="Cannot load results", severity="error",
                        timeout=10, markup=False)
            self._say_ready()
            return
        self._loaded = loaded.book  # what the file held, even after the session is cleared
        self.book.sweeps[:0] = loaded.book.sweeps  # before anything trained meanwhile
        for number, sweep in enumerate(self.book.sweeps, start=1):
            sweep.number = number
            for record in sweep.runs.values():
                record.sweep = number
        problems = loaded.summary(self.load)
        if problems is not None:
            self.notify(problems, title="Some rows were skipped", severity="warning",
                        timeout=15, markup=False)
        runs, sweeps = len(loaded.book.records()), len(loaded.book.sweeps)
        self.main.status.say(
            f"loaded {runs} run{'s' if runs != 1 else ''} in {sweeps} "
            f"sweep{'s' if sweeps != 1 else ''} from {self.load} · ctrl+r trains more to "
            "compare")
        self._show_book()

    # ── keys ───────────────────────────────────────────────────────────────────────────

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Layer keys only in the layers view; curve keys only with the curves."""
        if action in ("step_epoch", "step_layer"):
            return self.view == "layers"
        if action == "next_axis" or (action == "cycle_metric" and self.view in GRID_VIEWS):
            return self.view in ("sensitivity", "heatmap")
        if action in CURVE_ACTIONS:
            return self.view == "curves"
        if action == "stop":
            return self.running
        if action == "run":
            return not self.running and not self.loading
        return True

    def action_cycle_metric(self) -> None:
        if self.view in ("sensitivity", "heatmap"):
            self.main.grid_metric.cycle()  # one choice for both views
            self._show_grid_view()
            return
        curves = self.main.curves
        names = list(METRICS)
        curves.metric = names[(names.index(curves.metric) + 1) % len(names)]

    def action_toggle_log(self) -> None:
        curves = self.main.curves
        if not curves.metric.endswith("loss"):
            self.notify("Accuracies stay on a linear axis; the log axis is for losses "
                        "(m cycles to val loss).")
            return
        curves.log_scale = not curves.log_scale

    def action_toggle_x(self) -> None:
        curves = self.main.curves
        curves.by_step = not curves.by_step
        if curves.by_step and curves.metric != "train_loss":
            self.notify("By step, train loss is drawn per step; other metrics keep one "
                        "point per epoch (m cycles to train loss).")

    def action_cycle_smoothing(self) -> None:
        curves = self.main.curves
        curves.smoothing = SMOOTHING[(SMOOTHING.index(curves.smoothing) + 1) % len(SMOOTHING)]

    def action_toggle_crop(self) -> None:
        curves = self.main.curves
        curves.crop = not curves.crop

    def action_toggle_focus(self) -> None:
        curves = self.main.curves
        curves.focus_chosen = not curves.focus_chosen

    def action_move_cursor(self, delta: int) -> None:
        self.main.curves.move_cursor(delta)

    def action_filter(self) -> None:
        field = self.main.filter_field
        field.remove_class("-hidden")
        field.focus()

    @on(Input.Changed, "#filter")
    def _on_filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _on_filter_submitted(self, event: Input.Submitted) -> None:
        event.input.set_class(not event.value.strip(), "-hidden")
        self.main.leaderboard.focus()

    def action_escape(self) -> None:
        """Undo the latest narrowing: the filter, then the cursor, then the unfolded setup."""
        main = self.main
        field, curves = main.filter_field, main.curves
        if self.filter_text or not field.has_class("-hidden"):
            field.value = ""
            self.filter_text = ""
            field.add_class("-hidden")
            if field.has_focus:
                main.leaderboard.focus()
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
            view = self.main.grid_view(self.view)
            assert isinstance(view, SensitivityView | HeatmapView)
            view.next_axis()

    def action_toggle_rank_by(self) -> None:
        board = self.main.leaderboard
        board.by = "init" if board.by == "cell" else "cell"
        self.notify("Leaderboard: each initializer's best cell" if board.by == "init"
                    else "Leaderboard: every cell", timeout=3)
        self._show_book()

    @on(Heatmap.CellOpened)
    def _on_cell_opened(self, message: Heatmap.CellOpened) -> None:
        """The curves of one grid cell: its runs' labels end in `@ cell`."""
        if self.closing:
            return
        field = self.main.filter_field
        field.value = f"@ {message.cell}"
        field.remove_class("-hidden")
        self.filter_text = field.value
        self.view = "curves"

    def action_step_epoch(self, delta: int) -> None:
        self.main.layers_view.step_epoch(delta)

    def action_step_layer(self, delta: int) -> None:
        self.main.layers_view.step_layer(delta)

    def action_toggle_setup(self) -> None:
        main = self.main
        if main.is_narrow:
            self.setup_open = not self.setup_open
        elif main.setup.has_focus_within:
            main.leaderboard.focus()
        else:
            main.initializer_list.focus()

    def action_coord_check(self) -> None:
        """The coordinate check of the setup's spec, computed in the screen's own worker."""
        from inittui.tui.screens.width_study import CoordCheckScreen

        try:
            setup = self.main.setup.spec()
        except SpecError as error:
            self.notify(error_text(error), title="Fix the setup first", severity="error",
                        markup=False)
            return
        board = self.main.leaderboard
        row = self._shown.group(board.highlighted_key)
        sweep = next((s for s in self.book.sweeps if row and s.number == row.sweep), None)
        spec, origin = coord_check_choice(setup, row, sweep.spec if sweep else None,
                                          leading=board.cursor_row == 0)
        if spec.model not in MUP_MODELS:
            self.notify(f"The coordinate check is implemented for the "
                        f"{', '.join(MUP_MODELS)} models, not {spec.model}.",
                        severity="warning", markup=False)
            return
        self.notify(f"Coordinate check with the settings of {origin}", markup=False)
        self.push_screen(CoordCheckScreen(spec=spec, compute=True, origin=origin))

    def action_phase(self) -> None:
        if isinstance(self.screen, PhaseScreen) or not self.book.sweeps:
            return
        sweep = self.book.current
        self.push_screen(PhaseScreen(phase_rows(sweep.runs.values(), sweep.spec)))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_clear(self) -> None:
        """Ask, then forget every sweep of the session (the --out file keeps its rows)."""
        if self.running:
            self.notify("Stop the run first (ctrl+x), then clear.", severity="warning")
            return
        if not self.book.sweeps:
            self.notify("Nothing to clear yet.")
            return
        sweeps, runs = len(self.book.sweeps), len(self.book.records())
        question = (f"Forget {runs} run{'s' if runs != 1 else ''} in {sweeps} "
                    f"sweep{'s' if sweeps != 1 else ''}? The curves, leaderboard and layer "
                    "statistics go; a results file already written keeps its rows.")
        self.push_screen(ConfirmScreen("Clear results", question), self._clear_if)

    def _clear_if(self, yes: bool | None) -> None:
        if not yes:
            self.notify("Kept every result.")
            return
        sweeps = len(self.book.sweeps)
        self.book.clear()
        self.hidden_groups = frozenset()
        self._show_book()
        self._say_ready()
        self.notify(f"Cleared {sweeps} sweep{'s' if sweeps != 1 else ''}.")

    def action_save_figure(self) -> None:
        from inittui.tui.figure_saving import save_view

        save_view(self)

    def action_export(self) -> None:
        if not self.book.records():
            self.notify("Nothing to export yet: run a sweep or load results.",
                        severity="warning")
            return
        folder = self.out.parent if self.out is not None else Path.cwd()
        self.push_screen(ExportScreen(default_export_path(folder)), self._export_to)

    def _export_to(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            if path.exists():
                raise InittuiError(f"'{shown_path(path)}' already exists; choose another name")
            rows = write_results(self.book, check_writable(path, overwrite=False))
        except InittuiError as error:
            self.notify(error_text(error), title="Export failed", severity="error",
                        markup=False)
            return
        self.notify(f"Wrote {rows} rows to {shown_path(path)}", title="Exported", markup=False)

    def apply_preset(self, name: str) -> None:
        """Load a preset into the setup (from the command palette)."""
        self.main.setup.apply_preset(name)
        if self.main.is_narrow:
            self.setup_open = True

    @on(Leaderboard.VisibilityToggled)
    def _on_visibility_toggled(self, message: Leaderboard.VisibilityToggled) -> None:
        if self.closing:
            return
        self.hidden_groups = self.hidden_groups ^ {message.key}

    @on(Leaderboard.GroupHighlighted)
    def _on_group_highlighted(self, message: Leaderboard.GroupHighlighted) -> None:
        if self.closing:
            return
        self.main.curves.highlight(message.key)
        self._show_layers()

    @on(Leaderboard.RunOpened)
    def _on_run_opened(self, message: Leaderboard.RunOpened) -> None:
        if self.closing:
            return
        group = self._shown.group(message.key)
        if group is None:
            return
        sweep = next(s for s in self.book.sweeps if s.number == group.sweep)
        self.push_screen(RunDetailScreen(group, sweep.spec, sweep.device))


def create_app(spec: ExperimentSpec, out: Path | None = None, overwrite: bool = False,
               load: Path | None = None, engine: Engine | None = None,
               preset: str | None = None) -> InittuiApp:
    """The app for a spec (pre-filled into the setup panel); shared by CLI and tests.

    out: write results there as epochs finish. load: show earlier results to compare.
    engine: None means `inittui.core.training.sweep.run_sweep`, imported when the first run
    starts so that the screen appears before torch has loaded. preset: the preset the
    spec was built from, named in the setup with its source and expected outcome.
    """
    return InittuiApp(spec, out=out, overwrite=overwrite, load=load, engine=engine,
                      preset=preset)
