"""Starting, stopping and ending a sweep: the one owner of the training thread and its file.

Not a widget: it holds no screen state, so the app keeps what to show and this keeps how a
sweep runs. The engine runs in a Textual thread worker and gets that worker's own
`cancelled_event` as its stop signal, as toolong hands it to its non-UI layer. Cancelling a
worker marks it cancelled at once, while its thread may still be finishing an epoch and
writing its rows; so the sweep counts as running until the thread itself has returned,
which it says with a `SweepEnded` message. The results file is written from that thread,
and closed by it when the app is closing, after its last write.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from inittui.core.events import Event, StepProgress, SweepTrainer
from inittui.core.results.book import ResultsBook
from inittui.core.results.writing import ResultFiles
from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.messages import SweepEnded, SweepEvent, SweepProgress

SWEEP_WORKERS = "sweep"
"""The worker group of training threads (the app words their failures)."""


class SweepController:
    """Runs one sweep at a time for the app; the `--out` file is shared by its sweeps."""

    def __init__(self, app: App[object], engine: SweepTrainer | None = None,
                 out: Path | None = None, overwrite: bool = False,
                 load: Path | None = None) -> None:
        self._app = app
        self._engine = engine
        self._out = out
        self._overwrite = overwrite
        self._load = load
        self._writer: ResultFiles | None = None
        self._worker: Worker[None] | None = None
        self._lock = threading.Lock()
        self._thread_running = False  # from start() until the thread has returned
        self._closing = False

    @property
    def running(self) -> bool:
        """A sweep was started and its thread has not returned yet (stopping included)."""
        with self._lock:
            return self._thread_running

    @property
    def stopping(self) -> bool:
        """A stop was asked for the running sweep (its thread is finishing)."""
        return self.running and self._worker is not None and self._worker.is_cancelled

    def open_results(self, kept: ResultsBook | None) -> None:
        """Open the `--out` file at the first run (a refused file raises InittuiError).

        When the file is the one the app loaded, `kept` (its rows) are written back first,
        so the file grows with the new sweeps instead of losing what it held.
        """
        if self._out is None or self._writer is not None:
            return
        load = self._load
        same = load is not None and load.exists() and self._out.exists() and \
            load.resolve() == self._out.resolve()
        self._writer = ResultFiles(self._out, overwrite=self._overwrite,
                                   keep=kept if same else None)

    def start(self, spec: ExperimentSpec) -> None:
        """Train spec in a thread worker; its events come back as messages to the app."""
        if self.running:
            raise RuntimeError("a sweep is already running")
        with self._lock:
            self._thread_running = True
        self._worker = self._app.run_worker(
            lambda: self._train(spec, self._writer), name="sweep", group=SWEEP_WORKERS,
            thread=True, exclusive=True, exit_on_error=False)

    def stop(self) -> None:
        """Ask the engine to stop at its next step; `SweepEnded` says when it has."""
        worker = self._worker
        if worker is None or not self.running:
            return
        never_started = worker.state == WorkerState.PENDING
        worker.cancel()
        if never_started:  # cancelled before its thread began: no thread will end it
            self._thread_ended(self._writer)

    def close(self) -> None:
        """The app is closing: stop the engine; the file closes after the last write."""
        with self._lock:
            self._closing = True
            busy = self._thread_running
        if busy:
            self.stop()  # the thread closes the file when it returns
        elif self._writer is not None:
            self._writer.close()

    def _train(self, spec: ExperimentSpec, writer: ResultFiles | None) -> None:
        """Runs in the worker's thread: the engine blocks here until it ends or stops."""
        try:
            stop = get_current_worker().cancelled_event
            engine = self._engine
            if engine is None:
                from inittui.core.training.sweep import run_sweep

                engine = run_sweep

            def sink(event: Event) -> None:
                if writer is not None:
                    writer(event)
                if isinstance(event, StepProgress):
                    self._app.post_message(SweepProgress(event))
                else:
                    self._app.post_message(SweepEvent(event))

            engine(spec, sink, stop)
        finally:
            self._thread_ended(writer)

    def _thread_ended(self, writer: ResultFiles | None) -> None:
        with self._lock:
            if not self._thread_running:
                return
            self._thread_running = False
            closing = self._closing
        if closing and writer is not None:
            writer.close()
        self._app.post_message(SweepEnded())
