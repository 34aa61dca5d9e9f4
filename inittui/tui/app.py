"""The inittui app: the session's book, its sweeps, and the global keys.

Data flows one way. The setup panel builds an ExperimentSpec; the sweep controller trains
it in a thread worker, whose events come back as messages; the app applies each to its
ResultsBook (the single source of truth, kept across sweeps) and asks the main screen to
show the book, which it groups and ranks once per change. The app keeps the keys that
act everywhere (run, stop, help, quit, ctrl+c); every key of the results is the main
screen's. `create_app` is the one way in, shared by the command line and the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from inittui.core.errors import InittuiError, SpecError, shown_path
from inittui.core.events import (
    EpochFinished,
    LayerStatsReady,
    RunFinished,
    StepLosses,
    SweepFinished,
    SweepStarted,
    SweepTrainer,
)
from inittui.core.results.book import ResultsBook
from inittui.core.results.reading import LoadedResults, load_results
from inittui.core.spec.experiment import ExperimentSpec, check_spec
from inittui.tui.app_signals import SignalsAndCtrlC
from inittui.tui.commands import InittuiCommands
from inittui.tui.error_text import error_text
from inittui.tui.main_screen import GRID_VIEWS, WIDE, MainScreen
from inittui.tui.messages import SweepEnded, SweepEvent, SweepProgress
from inittui.tui.results.grid_progress import GridProgress
from inittui.tui.screens.confirm import ConfirmScreen
from inittui.tui.screens.help import HelpScreen
from inittui.tui.sweep_controller import SWEEP_WORKERS, SweepController

__all__ = ["GRID_VIEWS", "WIDE", "InittuiApp", "create_app"]


class InittuiApp(SignalsAndCtrlC, App[None]):
    """Compare weight initializers: pick, train side by side, see who wins and why."""

    TITLE = "inittui"
    COMMANDS = App.COMMANDS | {InittuiCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run", priority=True, id="run",
                tooltip="train the chosen initializers, from any panel"),
        Binding("ctrl+x", "stop", "Stop", priority=True, id="stop",
                tooltip="stop training; finished epochs are kept"),
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="this screen"),
        Binding("q", "quit", "Quit", show=False, id="quit-q",
                tooltip="quit (when no text field has the focus)"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="quit"),
        *SignalsAndCtrlC.SIGNAL_BINDINGS,
    ]
    """The keys that act everywhere; the results' keys are MainScreen.BINDINGS (help and
    the footer list both in `key_order.KEY_ORDER`)."""

    running: reactive[bool] = reactive(False)
    """A sweep is training: from ctrl+r until its thread has returned (stopping included)."""

    def __init__(self, spec: ExperimentSpec, out: Path | None = None, overwrite: bool = False,
                 load: Path | None = None, engine: SweepTrainer | None = None,
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
        self._quit_when_stopped = False
        self._redraw_pending = False  # a show_book is queued behind the waiting events

    def get_default_screen(self) -> MainScreen:
        self._main = MainScreen(self.spec, self.preset, book=self.book, out=self.out)
        return self._main

    @property
    def main(self) -> MainScreen:
        """The main screen, whichever screen is on top (help, a question, the palette)."""
        assert self._main is not None, "the app has not started"
        return self._main

    @property
    def closing(self) -> bool:
        """The app is shutting down: its panels may be gone already, so messages that
        arrive late (the training thread's) only update the book, never the screen."""
        return not self.is_running

    @on(MainScreen.Ready)
    def _on_main_ready(self) -> None:
        """The panels are mounted: start loading, then let the screen show what there is."""
        main = self.main
        self.install_signal_handlers()
        self.call_after_refresh(self._import_torch)
        if self.load is not None:
            self.loading = True
            main.say(f"loading {self.load}…")
            self._load_results(self.load)
        else:
            main.say_ready()
        main.begin(results_first=self.load is not None)

    def on_unmount(self) -> None:
        self.sweeps.close()  # stops the engine; its thread closes the file after its last row

    # ── the global keys ────────────────────────────────────────────────────────────────

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Stop while training; run while not (nor while a file loads)."""
        if action == "stop":
            return self.running
        if action == "run":
            return not self.running and not self.loading
        return True

    def action_target(self, action: str) -> DOMNode:
        """Who answers an action by name (the command palette's): the app its global keys,
        the main screen every other."""
        own = {binding.action for binding in self.BINDINGS if isinstance(binding, Binding)}
        return self if action in own else self.main

    def action_run(self) -> None:
        """Validate the setup and start a sweep in a thread worker (enabled when idle)."""
        from inittui.tui.screens.width_study import CoordCheckScreen, LrTransferScreen

        if isinstance(self.screen, ConfirmScreen | CoordCheckScreen | LrTransferScreen):
            return  # a question is open, or a width study trains on its own screen
        main = self.main
        try:
            spec = main.setup_spec()
            check_spec(spec)
        except SpecError as error:
            self.notify(error_text(error), title="Fix the setup to run", severity="error",
                        markup=False)
            main.show_setup_error()
            return
        study = main.setup_study
        if study is not None:  # a learning-rate transfer study: on its own screen
            self.push_screen(LrTransferScreen(spec=spec, study=study))
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
        self.main.training_started()
        self.main.say(f"starting {self._runs} runs: loading data and building models…")
        self.sweeps.start(spec)

    def action_stop(self) -> None:
        """Ask the engine to stop at its next step (enabled while training)."""
        self.sweeps.stop()
        self.main.say("stopping after the current step…")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

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
        self.main.say("stopping the training to quit (finished epochs are kept)… "
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
        main = self.main
        if isinstance(event, SweepStarted):
            if event.data_source:
                self.notify(f"{event.spec.dataset} read from {event.data_source}",
                            title="Data", markup=False)
            main.say(f"training {len(event.runs)} runs on {event.device} · "
                     f"{event.parameters_per_run:,} parameters each · ctrl+x stops")
        elif isinstance(event, SweepFinished):
            self._say_finished(event.stopped)
        if isinstance(event, (SweepStarted, EpochFinished, RunFinished, LayerStatsReady)) or (
                isinstance(event, StepLosses) and main.draws_steps):
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
            self.main.show_book()

    @on(SweepProgress)
    def _on_sweep_progress(self, message: SweepProgress) -> None:
        if self.running and not self.sweeps.stopping and not self.closing:
            if self._grid.is_grid:
                self.main.say(self._grid.line(message.progress))
            else:
                self.main.show_progress(message.progress, self._epochs, self._runs)

    @on(SweepEnded)
    def _on_sweep_ended(self) -> None:
        """The training thread has returned: ctrl+r again, or the quit that waited for it."""
        self.running = False
        if self._quit_when_stopped:
            self.exit(return_code=self.signal_exit or 0)

    def watch_running(self, running: bool) -> None:
        if self._main is not None:
            self._main.training = running
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker outcomes land: results, and every error as a notification."""
        worker = event.worker
        if event.state == WorkerState.ERROR:
            text = error_text(worker.error) if worker.error is not None else "unknown error"
            title = {SWEEP_WORKERS: "Run failed", "torch": "Cannot load torch"}.get(
                worker.group, "Error")
            self.notify(text, title=title, severity="error", timeout=10, markup=False)
            if worker.group == SWEEP_WORKERS and not self.closing:
                self.main.say(f"run failed: {text}", error=True)
            if worker.group == "load":
                self.loading = False
                self.main.say_ready()
        elif event.state == WorkerState.SUCCESS and worker.group == "load":
            self._show_loaded(worker.result)

    def _say_finished(self, stopped: bool) -> None:
        sweep = self.book.current
        epochs = max((len(r.epochs) for r in sweep.runs.values()), default=0)
        what = "stopped" if stopped else "finished"
        self.main.say(
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
            self.call_from_thread(self.main.say, f"loading {shown_path(path)}… {share:.0%}")

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
            self.main.say_ready()
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
        self.main.say(
            f"loaded {runs} run{'s' if runs != 1 else ''} in {sweeps} "
            f"sweep{'s' if sweeps != 1 else ''} from {self.load} · ctrl+r trains more to "
            "compare")
        self.main.show_book()



def create_app(spec: ExperimentSpec, out: Path | None = None, overwrite: bool = False,
               load: Path | None = None, engine: SweepTrainer | None = None,
               preset: str | None = None) -> InittuiApp:
    """The app for a spec (pre-filled into the setup panel); shared by CLI and tests.

    out: write results there as epochs finish. load: show earlier results to compare.
    engine: None means `inittui.core.training.sweep.run_sweep`, imported when the first run
    starts so that the screen appears before torch has loaded. preset: the preset the
    spec was built from, named in the setup with its source and expected outcome.
    """
    return InittuiApp(spec, out=out, overwrite=overwrite, load=load, engine=engine,
                      preset=preset)
