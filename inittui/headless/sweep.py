"""`inittui --headless`: the engine with a progress display, CSV files and a leaderboard.

The engine runs in a worker thread so that Ctrl+C only sets its stop event: the engine
ends between two steps, reports the stopped runs, and every finished epoch is on disk
before the process exits with 130.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from inittui.core.errors import InittuiError, shown, shown_path
from inittui.core.events import (
    EpochFinished,
    Event,
    GridStarted,
    GroupFinished,
    GroupStarted,
    RunDiverged,
    RunFinished,
    StepProgress,
    SweepFinished,
    SweepStarted,
)
from inittui.core.results.book import LeaderRow, ResultsBook, format_accuracy, leaderboard
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.plan import plural
from inittui.interrupts import Abandoned, StopSignals, run_to_the_end

if TYPE_CHECKING:
    from inittui.core.events import SweepTrainer
    from inittui.core.results.writing import RecordFile, ResultFiles
    from inittui.headless.figures import FigureRequest

EXIT_OK, EXIT_ERROR = 0, 1


def leaderboard_table(rows: list[LeaderRow], by: str = "cell") -> Table:
    """The ranking; with a grid, a cell column (by init: each initializer's best cell)."""
    cells = any(row.cell for row in rows)
    title = "Leaderboard" if not cells else \
        "Leaderboard by cell" if by == "cell" else "Leaderboard: best cell per initializer"
    table = Table(title=title, title_justify="left", caption_justify="left",
                  caption="ep→90: first epoch whose mean val acc reaches 90 % of the "
                          "top row's best")
    names = ("#", "init", *(("cell",) if cells else ()), "best val", "final val", "best ep",
             "ep→90", "test", "status")
    widest = {"init": max((len(row.init) for row in rows), default=4),
              "cell": max((len(row.cell) for row in rows), default=4)}
    for name in names:
        table.add_column(name, justify="left" if name in ("init", "cell", "status") else "right",
                         min_width=widest.get(name))
    for rank, row in enumerate(rows, start=1):
        table.add_row(
            str(rank), Text(row.init), *((Text(row.cell),) if cells else ()),
            format_accuracy(row.best_val_mean, row.best_val_std, row.seeds),
            format_accuracy(row.final_val_mean, row.final_val_std, row.seeds),
            str(row.best_epoch or "-"), str(row.epoch_to_90_of_best or "-"),
            format_accuracy(row.test_acc_mean, row.test_acc_std, row.seeds),
            Text(row.label),
        )
    return table


class ProgressReporter:
    """Turns events into a live bar on a terminal, or into plain lines for pipes and logs."""

    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("steps"), TimeRemainingColumn(), console=console, transient=True,
        )
        self.task = self.progress.add_task("loading data", total=None)
        self.epochs = 0
        self.steps = 0
        self.runs = 0
        self.groups = 1
        self.group = 0
        self.group_runs = 0
        self.done_steps = 0  # steps of the groups already trained
        self.started = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            self.epochs, self.steps = event.spec.epochs, event.steps_per_epoch
            self.runs = self.group_runs = len(event.runs)
            if event.data_source:
                self._say(f"data: {event.spec.dataset} from {event.data_source}")
            param = f" (mup, base width {event.spec.base_width})" \
                if event.spec.param == "mup" else ""
            if not event.spec.is_grid:
                self._say(f"training {self.runs} runs of {event.parameters_per_run:,} "
                          f"parameters{param} on {event.device}: {', '.join(event.spec.inits)}")
            else:
                self._say(f"training a grid{param} on {event.device}: "
                          f"{', '.join(event.spec.inits)}")
        elif isinstance(event, GridStarted):
            self.groups = event.groups
            if self.live:
                self.progress.update(self.task, description=self._describe(1),
                                     total=event.total_steps, completed=0)
                self.progress.start()
                self.started = True
        elif isinstance(event, GroupStarted):
            self.steps, self.group_runs = event.steps_per_epoch, len(event.runs)
            self.group = event.group
            if self.groups > 1 or event.label or len(event.cells) > 1:
                self._say(f"group {event.group + 1}/{event.groups}: "
                          f"{event.label or 'one shape'}: {len(event.runs)} runs of "
                          f"{event.parameters_per_run:,} parameters, "
                          f"{plural(len(event.cells), 'cell')}")
        elif isinstance(event, GroupFinished):
            self.done_steps += self.epochs * self.steps
        elif isinstance(event, StepProgress) and self.live:
            self.progress.update(self.task, description=self._describe(event.epoch),
                                 completed=self.done_steps + (event.epoch - 1) * self.steps
                                 + event.step)
        elif isinstance(event, EpochFinished):
            test = f" test_acc {event.test_acc:.4f}" if event.test_acc is not None else ""
            self._say(f"epoch {event.epoch}/{self.epochs} {event.run.run_id}: "
                      f"train_loss {event.train_loss:.4f} train_acc {event.train_acc:.4f} "
                      f"val_loss {event.val_loss:.4f} val_acc {event.val_acc:.4f}{test} "
                      f"({event.wall_s:.1f}s)")
            if self.live:
                self.progress.update(self.task,
                                     completed=self.done_steps + event.epoch * self.steps)
        elif isinstance(event, RunDiverged):
            self._say(f"{event.run.run_id} diverged: {event.reason}")
        elif isinstance(event, SweepFinished):
            self.close()

    def close(self) -> None:
        """Take the bar down; a bar never shown is left alone (stopping it prints a line)."""
        if self.started:
            self.progress.stop()
            self.started = False

    def _describe(self, epoch: int) -> str:
        group = f"group {self.group + 1}/{self.groups} · " if self.groups > 1 else ""
        return f"{group}{self.group_runs} runs · epoch {epoch}/{self.epochs}"

    def _say(self, line: str) -> None:
        """A line above the live bar on a terminal; a plain flushed line in a pipe or log."""
        if self.live:
            self.console.print(line, markup=False, highlight=False)
        else:
            print(line, flush=True)


def run_headless(spec: ExperimentSpec, out: Path | None, stats_out: Path | None,
                 overwrite: bool, signals: StopSignals | None = None,
                 trainer: SweepTrainer | None = None, rank_by: str = "cell",
                 axis_metric: str | None = None, spectrum_out: Path | None = None,
                 figures: FigureRequest | None = None) -> int:
    """Train spec, write the files as it goes, print the leaderboard; return the exit code.

    axis_metric: a grid's metric to print by initializer × each axis (headless/grids.py).
    spectrum_out: a CSV of every run's Jacobian singular values at initialization.
    figures: where to draw the figures of what ran, at the end (headless/figures.py).

    trainer: what trains the spec (default: the local engine; `inittui.headless.cluster` has Ray's).

    signals: the command line installs them before anything slow is imported, so that a
    Ctrl+C during start-up is caught too; without them, they are installed here.
    """
    own_signals = signals is None
    signals = signals or StopSignals().install()
    try:
        return _run(spec, out, stats_out, overwrite, signals, trainer, rank_by, axis_metric,
                    spectrum_out, figures)
    finally:
        if own_signals:
            signals.restore()


def _run(spec: ExperimentSpec, out: Path | None, stats_out: Path | None, overwrite: bool,
         signals: StopSignals, trainer: SweepTrainer | None, rank_by: str = "cell",
         axis_metric: str | None = None, spectrum_out: Path | None = None,
         figures: FigureRequest | None = None) -> int:
    from inittui.core.results.writing import ResultFiles
    from inittui.headless.theory import spectrum_file

    spectra = spectrum_file(spectrum_out, (out, stats_out), overwrite)
    try:
        files = ResultFiles(out, stats_out, overwrite) if out or stats_out else None
    except BaseException:
        if spectra is not None:
            spectra.close()
        raise
    console = Console(highlight=False)
    if spec.is_grid:
        from inittui.core.training.plan import plan_grid

        console.print(plan_grid(spec).describe(), markup=False, soft_wrap=True)
    book = ResultsBook()
    reporter = ProgressReporter(console)
    sinks = [*([files] if files else []), *([spectra] if spectra else []), book.apply,
             reporter]  # on disk first, then on screen
    stop = signals.event
    outlet = Outlet(sinks)

    def train() -> None:
        if trainer is None:
            from inittui.core.training.sweep import run_sweep as local_trainer
        if not stop.is_set():
            (trainer or local_trainer)(spec, outlet, stop)

    try:
        failure = run_to_the_end(train, "inittui-engine", signals)
        if isinstance(failure, Abandoned):
            outlet.close_with_stopped_runs(book)
    finally:
        try:
            if files is not None:
                files.close()
            if spectra is not None:
                spectra.close()
        finally:
            reporter.close()
    if failure is not None and not isinstance(failure, Abandoned):
        raise one_line(failure)
    if book.sweeps:
        _print_table(console, leaderboard_table(leaderboard(book, by=rank_by), by=rank_by))
        if axis_metric is not None and book.current.spec.is_grid:
            from inittui.headless.grids import axis_tables

            for table in axis_tables(book.current, axis_metric):
                _print_table(console, table)
        _print_phases(console, book)
    if figures is not None:
        from inittui.headless.figures import write_sweep_figures

        write_sweep_figures(figures, book)
    if signals.received is not None:
        print(_interrupted_line(signals, files, out, stats_out), file=sys.stderr)
        if isinstance(failure, Abandoned):
            leave(signals.exit_code)
        return signals.exit_code
    if out is not None:
        console.print(Text(f"results written to {shown_path(out)}"), soft_wrap=True)
    if spectra is not None and not spectra.rows:
        console.print(Text(f"no Jacobian spectrum: it is taken of plain MLPs only, so "
                           f"{shown_path(spectrum_out)} was not written"), soft_wrap=True)
    return EXIT_OK


def _print_phases(console: Console, book: ResultsBook) -> None:
    """Mean field's phase table and one reading per initializer (headless/theory.py)."""
    from inittui.core.theory.readings import phase_rows
    from inittui.headless.theory import CAPTION, phase_table, spectrum_table

    rows = phase_rows(book.current.runs.values(), book.current.spec)
    if rows:
        _print_table(console, phase_table(rows))
        console.print(Text(CAPTION), soft_wrap=True)
        for row in rows:
            console.print(Text(row.reading), soft_wrap=True)
    spectra = spectrum_table(list(book.current.runs.values()))
    if spectra is not None:
        _print_table(console, spectra)


class Outlet:
    """The engine's events to every sink, until the main thread closes it: work abandoned
    on its thread (a hanging model) can then never write behind the closed files."""

    def __init__(self, sinks: list[Callable[[Event], object]]) -> None:
        self.sinks = sinks
        self.lock = threading.Lock()
        self.closed = False

    def __call__(self, event: Event) -> None:
        with self.lock:
            if not self.closed:
                for sink in self.sinks:
                    sink(event)

    def close_with_stopped_runs(self, book: ResultsBook) -> None:
        """Close, after the runs still training get their `stopped` end as the engine
        would have sent it (each finished epoch stays; rows stay whole)."""
        with self.lock:
            if book.sweeps:
                for record in book.current.runs.values():
                    if record.status == "running":
                        end = RunFinished(record.plan, "stopped", len(record.epochs), None)
                        for sink in self.sinks:
                            sink(end)
            self.closed = True


def leave(code: int) -> None:
    """Exit now although the abandoned worker thread still runs (it may hold locks that a
    normal interpreter shutdown would wait on); the files are closed by then."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _print_table(console: Console, table: Table) -> None:
    """In a pipe or log there is no width to respect: never crop or squeeze a column (rich
    caps `print(width=)` at the console's own width, so a wider console prints it)."""
    if console.is_terminal:
        console.print(table)
        return
    width = max(console.width, console.measure(
        table, options=console.options.update_width(1000)).maximum)
    Console(file=console.file, width=width, highlight=False, color_system=None).print(
        table, crop=False)


def _interrupted_line(signals: StopSignals, files: ResultFiles | None, out: Path | None,
                      stats_out: Path | None) -> str:
    """What a stop left on disk, in one line."""
    head = f"{signals.name}: stopped after the last finished epoch"
    named = " and ".join(shown_path(path) for path in (out, stats_out) if path is not None)
    if files is None:
        return head
    if files.committed:
        return f"{head}; finished epochs are in {named}"
    return f"{signals.name} before the first epoch finished; {named} left as it was"


def run_writing(work: Callable[[], None], thread: str, records: RecordFile | None,
                what: str) -> None:
    """A width study's work to its end on its own thread (signals stop it between steps),
    then its CSV closed, so the rows written are whole; a failure becomes one line."""
    try:
        error = run_to_the_end(work, thread)
    finally:
        if records is not None:
            records.close()
    if error is not None:
        raise one_line(error, what)


def stopped_line(signals: StopSignals, records: RecordFile | None, out: Path | None,
                 finished: str) -> str:
    """What a width study says when a signal stopped it, naming what is saved where."""
    saved = f"; finished {finished} are in {shown_path(out)}" \
        if records is not None and records.rows else ""
    return f"{signals.name}: stopped{saved}"


def end_of_study(signals: StopSignals, records: RecordFile | None, out: Path | None,
                 finished: str, written: str, console: Console,
                 write_figures: Callable[[], None] | None = None) -> int:
    """How a width study ends: its figures (whether it finished or was stopped), then the
    stop line (exit 130 or 143) or where its rows were written (exit 0)."""
    if write_figures is not None:
        write_figures()
    if signals.received is not None:
        print(stopped_line(signals, records, out, finished), file=sys.stderr)
        return signals.exit_code
    if out is not None:
        console.print(f"{written} written to {shown_path(out)}", markup=False)
    return EXIT_OK


def one_line(error: BaseException, what: str = "training") -> InittuiError:
    """Any failure in a headless worker thread, as the one-line error the CLI prints."""
    if isinstance(error, InittuiError):
        return error
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return InittuiError(f"{what} failed: {type(error).__name__}: {shown(first_line, 200)}")
