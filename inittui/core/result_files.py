"""Results on disk: the per-epoch CSV, the per-layer statistics CSV, and reading them back.

What a user can rely on (each is a test):
- one writer per file: a lock next to the file refuses a second inittui process, and a
  new file is created exclusively (an existing one is replaced only with overwrite);
- nothing half-written: an epoch's rows go out as one buffer, and a write that fails
  part-way (full disk, file size limit) is cut back to the last complete row;
- nothing clobbered: rows go to a temporary file in the same folder, which takes the
  target's name only once the first epoch's rows are in, so a sweep that fails or is
  stopped before that leaves an earlier file as it was; results and statistics files are
  swapped in together;
- only regular files: a symbolic link, pipe or device at the path is refused before
  anything is touched;
- cells are data: text cells that a spreadsheet would run as a formula are quoted, and
  control characters are dropped.
Reading is the mirror image: streamed row by row, every malformed row counted and
skipped with the line and the problem, never an exception for bad content.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import operator
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inittui.core.errors import (
    InittuiError,
    ResultFileError,
    SpecError,
    option,
    shown,
    shown_path,
)
from inittui.core.events import (
    EpochFinished,
    Event,
    LayerStatsReady,
    RunDiverged,
    RunFinished,
    SweepStarted,
)
from inittui.core.init_registry import read_initializer
from inittui.core.printable import printable
from inittui.core.results import ResultsBook, RunRecord, SweepRecord
from inittui.core.specs import (
    GRID_FIELDS,
    NORMED_MODELS,
    ExperimentSpec,
    RunPlan,
    parse_architecture,
    parse_field,
)

RESULT_COLUMNS = (
    "sweep_id",
    "run_id",
    "init",
    "bias_init",
    "output_init",
    "seed",
    "dataset",
    "model",
    "hidden",
    "activation",
    "optimizer",
    "lr",
    "momentum",
    "batch_size",
    "epochs",
    "param",
    "base_width",
    "norm",
    "residual_init",
    "epoch",
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "test_acc",
    "status",
    "wall_s",
    "device",
    "cell",
)
STATS_COLUMNS = (
    "run_id", "init", "seed", "epoch", "layer", "act_mean", "act_std", "grad_std", "wgrad_std",
    "dead_frac", "distinct_units", "pre_grad_std", "dead_units", "pre_act_std",
    "mf_pre_act_std", "mf_pre_grad_std", "mf_act_std",
)
"""grad_std: std of ∂L/∂h (after the activation); pre_grad_std: std of ∂L/∂s (before it);
distinct_units counts live units, dead_units (ReLU family) apart; pre_act_std: std of s;
mf_*: mean-field predictions at epoch 0 (`core.theory`), empty where theory does not
apply; mf_pre_grad_std is anchored at the last hidden layer's measured pre_grad_std;
mf_act_std predicts act_std (the std of φ(s), s ~ N(0, q^l))."""
REQUIRED_COLUMNS = tuple(c for c in RESULT_COLUMNS if c not in (
    "sweep_id", "output_init", "momentum", "epochs", "cell", "param", "base_width", "norm",
    "residual_init"))
"""Files written before sweep_id and the spec columns existed still load."""

STATUSES = ("ok", "diverged", "stopped", "failed")
TEXT_COLUMNS = frozenset({
    "sweep_id", "run_id", "init", "bias_init", "output_init", "dataset", "model",
    "activation", "optimizer", "status", "device", "cell", "param", "norm", "residual_init",
})
"""Cells written through `neutralize`; the others are numbers."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""OWASP's CSV-injection rule: a cell starting with one of these is a formula to Excel."""
_INTEGER = re.compile(r"[+]?[0-9]+")


# ── writing ──────────────────────────────────────────────────────────────────────────────

def check_writable(path: str | Path, overwrite: bool) -> Path:
    """Refuse before any training, touching nothing at the path itself.

    An existing entry must be a regular file (never a symbolic link, pipe or device) and
    is refused unless overwrite; the folder must accept a new file, which is probed with
    a temporary file of its own rather than by opening the target.
    """
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise ResultFileError(f"cannot write '{shown_path(target)}': {_reason(error)}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ResultFileError(f"'{shown_path(target)}' is a symbolic link; give the path of "
                                  "the file itself")
        if stat.S_ISDIR(info.st_mode):
            raise ResultFileError(f"cannot write results to '{shown_path(target)}': it is a "
                                  "directory")
        if not stat.S_ISREG(info.st_mode):
            raise ResultFileError(f"'{shown_path(target)}' is not a regular file (a pipe, socket "
                                  "or device); choose a file name")
        if not overwrite:
            raise ResultFileError(f"'{shown_path(target)}' already exists; pass "
                                  f"{option('overwrite')} to replace it")
    folder = _folder(target)
    if not folder.is_dir():
        raise ResultFileError(f"cannot write results to '{shown_path(target)}': folder "
                              f"'{shown_path(folder)}' does not exist")
    try:  # a real file in the folder also catches read-only mounts and root-proof folders
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".inittui-probe-"):
            pass
    except OSError as error:
        raise ResultFileError(f"cannot write results to '{shown_path(target)}': "
                              f"{_reason(error)}") from None
    return target


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _lock_path(target: Path) -> Path:
    return _folder(target) / f".{target.name}.lock"


def neutralize(text: str) -> str:
    """A text cell as data: control characters dropped, a formula start quoted with `'`."""
    clean = printable(text)
    return "'" + clean if clean.startswith(FORMULA_STARTS) or clean.startswith("'") else clean


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(value) if math.isfinite(value) else str(value)


def _prediction(value: float) -> str:
    """A prediction's cell: empty where there is none (after epoch 0, or no theory)."""
    return _number(value) if math.isfinite(value) else ""


class _SafeCsv:
    """One CSV file written whole rows at a time through a temporary file.

    `begin` creates the temporary file (mode 0600 until committed) with the header and
    any rows to keep; `add` buffers a row; `flush` writes the buffer in one go, or cuts
    the file back to its last complete row and raises; `commit` gives the file its name:
    `os.replace` over an old file with overwrite, else a hard link, which fails if
    something appeared at the name meanwhile (an exclusive create).
    """

    def __init__(self, path: Path, columns: tuple[str, ...], overwrite: bool,
                 keep: Iterable[list[str]] = ()):
        self.path = path
        self.columns = columns
        self.overwrite = overwrite
        self.keep = list(keep)
        self.fd: int | None = None
        self.temp: Path | None = None
        self.committed = False
        self.size = 0
        self.buffer = io.StringIO()
        self.rows = 0
        self.pending = 0

    def begin(self) -> None:
        if self.fd is not None:
            return
        try:
            fd, name = tempfile.mkstemp(dir=_folder(self.path), prefix=f".{self.path.name}.",
                                        suffix=".tmp")
        except OSError as error:
            raise self._error(error) from None
        self.fd, self.temp = fd, Path(name)
        self.add(list(self.columns))
        for row in self.keep:
            self.add(row)
        self.pending = 0  # the header and kept rows are not new rows
        self.rows = len(self.keep)
        self.flush()

    def add(self, row: list[str]) -> None:
        csv.writer(self.buffer).writerow(row)
        self.pending += 1

    def flush(self) -> None:
        """Write the buffered rows as one piece; on failure keep only complete rows."""
        data = self.buffer.getvalue().encode("utf-8")
        if not data or self.fd is None:
            return
        self.buffer = io.StringIO()
        written = 0
        try:
            while written < len(data):
                written += os.write(self.fd, data[written:])
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)
            raise self._error(error) from None
        self.size += written
        self.rows += self.pending
        self.pending = 0

    def commit(self) -> None:
        if self.committed or self.fd is None or self.temp is None:
            return
        try:
            os.fchmod(self.fd, 0o666 & ~_umask())
            if self.overwrite:
                os.replace(self.temp, self.path)
            else:
                os.link(self.temp, self.path)
                os.unlink(self.temp)
        except FileExistsError:
            raise ResultFileError(f"'{shown_path(self.path)}' was created by another program "
                                  "while this sweep ran; nothing was written to it") from None
        except OSError as error:
            raise self._error(error) from None
        self.committed = True

    def close(self) -> None:
        """Close; a file never committed is removed, leaving the target as it was."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = None
        if not self.committed and self.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temp)

    def _error(self, error: OSError) -> ResultFileError:
        return ResultFileError(f"cannot write '{shown_path(self.path)}': {_reason(error)}")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def result_row(sweep_id: str, spec: ExperimentSpec, device: str, run: RunPlan, epoch: int,
               metrics: tuple[float | None, ...], status: str, wall_s: float | None,
               ) -> list[str]:
    """One results row; metrics are train loss, train acc, val loss, val acc, test acc."""
    text = {  # the TEXT_COLUMNS
        "sweep_id": sweep_id, "run_id": run.run_id, "init": run.init,
        "bias_init": run.bias_init, "output_init": spec.output_init or "",
        "dataset": spec.dataset, "model": spec.model,
        "activation": run.setting("activation", spec), "optimizer": spec.optimizer,
        "status": status, "device": device, "cell": run.cell,
        "param": spec.param,
        # Empty where --norm does not apply (gpt's LayerNorms are part of the model).
        "norm": spec.norm if spec.model in NORMED_MODELS else "",
        "residual_init": spec.residual_init or "",
    }
    numbers = {  # a grid's runs each have their own lr, hidden, ... (run.setting)
        "seed": str(run.seed), "hidden": ",".join(map(str, run.setting("hidden", spec))),
        "lr": repr(run.setting("lr", spec)), "momentum": repr(run.setting("momentum", spec)),
        "batch_size": str(run.setting("batch_size", spec)),
        "epochs": str(spec.epochs), "epoch": str(epoch), "wall_s": _number(wall_s),
        "base_width": str(spec.base_width),
        **{name: _number(value) for name, value in zip(
            ("train_loss", "train_acc", "val_loss", "val_acc", "test_acc"), metrics)},
    }
    return [neutralize(text[c]) if c in text else numbers[c] for c in RESULT_COLUMNS]


class ResultFiles:
    """The event sink writing `--out` and `--stats-out` (either may be None).

    Construct it before training: it checks both paths and takes their locks, so a
    second writer is refused before any work. Rows are flushed when an epoch's burst of
    events ends; both files take their names together when the first epoch's rows are
    written, so a sweep that ends before that leaves both targets untouched.
    """

    def __init__(self, out: Path | None, stats_out: Path | None = None,
                 overwrite: bool = False, keep: ResultsBook | None = None):
        from filelock import FileLock

        paths = [path for path in (out, stats_out) if path is not None]
        if out is not None and stats_out is not None and _same_file(out, stats_out):
            raise ResultFileError(f"{option('out')} and {option('stats_out')} name one file "
                                  f"('{shown_path(out)}' and '{shown_path(stats_out)}'); "
                                  "give two different files")
        self.locks: list[FileLock] = []
        try:
            for path in paths:
                self.locks.append(_lock_for_writing(path, overwrite))
        except InittuiError:
            self.release()
            raise
        kept = list(_book_rows(keep)) if keep is not None else []
        self.results = _SafeCsv(out, RESULT_COLUMNS, overwrite, kept) if out else None
        self.stats = _SafeCsv(stats_out, STATS_COLUMNS, overwrite) if stats_out else None
        self.spec = ExperimentSpec()
        self.device = ""
        self.sweep_id = ""
        self.epoch_rows = False

    @property
    def files(self) -> list[_SafeCsv]:
        return [f for f in (self.stats, self.results) if f is not None]

    @property
    def committed(self) -> bool:
        """Whether the files have taken their names (the first epoch's rows are in)."""
        return any(file.committed for file in self.files)

    @property
    def rows(self) -> int:
        """Complete result rows on disk (kept rows included)."""
        return self.results.rows if self.results is not None else 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            self.spec, self.device = event.spec, event.device
            self.sweep_id = event.sweep_id or new_sweep_id()
            for file in self.files:
                file.begin()
            return
        if isinstance(event, EpochFinished) and self.results is not None:
            self.results.add(result_row(
                self.sweep_id, self.spec, self.device, event.run, event.epoch,
                (event.train_loss, event.train_acc, event.val_loss, event.val_acc,
                 event.test_acc), event.status, event.wall_s))
        elif isinstance(event, RunFinished) and event.status in ("stopped", "failed") and \
                self.results is not None:
            self.results.add(result_row(self.sweep_id, self.spec, self.device, event.run,
                                        event.epochs + 1, (None,) * 5, event.status, None))
        elif isinstance(event, LayerStatsReady) and self.stats is not None:
            for layer in event.layers:
                self.stats.add([
                    neutralize(event.run.run_id), neutralize(event.run.init),
                    str(event.run.seed), str(event.epoch), str(layer.layer),
                    _number(layer.act_mean), _number(layer.act_std), _number(layer.grad_std),
                    _number(layer.wgrad_std), _number(layer.dead_frac),
                    str(layer.distinct_units), _number(layer.pre_grad_std),
                    str(layer.dead_units), _number(layer.pre_act_std),
                    _prediction(layer.mf_pre_act_std), _prediction(layer.mf_pre_grad_std),
                    _prediction(layer.mf_act_std),
                ])
        in_burst = isinstance(event, (EpochFinished, RunDiverged, RunFinished))
        if self.results is not None and not in_burst:
            self.results.flush()
        if self.stats is not None and not isinstance(event, LayerStatsReady):
            self.stats.flush()
        if isinstance(event, EpochFinished):
            self.epoch_rows = True
        elif self.epoch_rows and not in_burst:
            self.commit()

    def commit(self) -> None:
        """Both files take their names (statistics first, so results never go alone)."""
        for file in self.files:
            file.commit()

    def close(self) -> None:
        """Write what is complete, give uncommitted temporary files up, release the locks."""
        try:
            for file in self.files:
                if file.committed:
                    file.flush()
        finally:
            for file in self.files:
                file.close()
            self.release()

    def release(self) -> None:
        for lock in self.locks:
            with contextlib.suppress(Exception):
                lock.release()
        self.locks = []


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file, through symbolic links and `..` alike."""
    return os.path.realpath(first) == os.path.realpath(second)


def _lock_for_writing(path: Path, overwrite: bool) -> Any:
    """Check the path, take its lock (refusing a second writer), check it again."""
    from filelock import FileLock, Timeout

    check_writable(path, overwrite)
    lock = FileLock(_lock_path(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ResultFileError(f"'{shown_path(path)}' is being written by another "
                              "inittui process; choose another file") from None
    except OSError as error:
        raise ResultFileError(f"cannot lock '{shown_path(path)}': "
                              f"{_reason(error)}") from None
    try:
        check_writable(path, overwrite)  # again: another writer may have just finished
    except InittuiError:
        lock.release()
        raise
    remove_leftovers(path)
    return lock


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the temporary files (`.NAME.XXXXXXXX.tmp`) that a writer of path killed
    before its first epoch (SIGKILL, a power cut) left beside it; returns them.

    Called with path's lock held: no live inittui process is writing any of them.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    folder = _folder(path)
    removed = []
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if pattern.fullmatch(name) and (folder / name).is_file():
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)
                    removed.append(folder / name)
    return removed


class RecordFile:
    """Any other table of records (the width studies' CSVs) under ResultFiles' contract.

    One writer (the lock), a new file created exclusively unless overwrite, only regular
    files, rows written whole, a batch at a time; the rows go to a temporary file that takes
    the name once the first batch is in, so a run that stops before leaves the target as it
    was. Text cells are the caller's to neutralize (`neutralize`).
    """

    def __init__(self, path: Path, columns: tuple[str, ...], overwrite: bool = False):
        self.lock = _lock_for_writing(Path(path), overwrite)
        self.file = _SafeCsv(Path(path), columns, overwrite)

    @property
    def rows(self) -> int:
        return self.file.rows

    def write(self, rows: Iterable[list[str]]) -> None:
        """Append rows as one piece; the file takes its name with the first batch."""
        self.file.begin()
        for row in rows:
            self.file.add(row)
        self.file.flush()
        self.file.commit()

    def close(self) -> None:
        try:
            self.file.close()
        finally:
            with contextlib.suppress(Exception):
                self.lock.release()


def new_sweep_id() -> str:
    """A sweep's identity for rows written without one (the engine's is preferred)."""
    import secrets
    import time

    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def _book_rows(book: ResultsBook) -> Iterator[list[str]]:
    """Every row of a book in the order the writer would have written them."""
    for sweep in book.sweeps:
        sweep_id = sweep.sweep_id or new_sweep_id()
        sweep.sweep_id = sweep_id
        for record in sweep.runs.values():
            for epoch in record.epochs:
                yield result_row(sweep_id, sweep.spec, sweep.device, record.plan, epoch.epoch,
                                 (epoch.train_loss, epoch.train_acc, epoch.val_loss,
                                  epoch.val_acc, epoch.test_acc), epoch.status, epoch.wall_s)
            if record.status in ("stopped", "failed"):
                yield result_row(sweep_id, sweep.spec, sweep.device, record.plan,
                                 len(record.epochs) + 1, (None,) * 5, record.status, None)


def write_results(book: ResultsBook, path: Path, overwrite: bool = False) -> int:
    """Write every run of a book (an export of the app's session); returns the row count."""
    files = ResultFiles(path, overwrite=overwrite, keep=book)
    try:
        assert files.results is not None
        files.results.begin()
        files.results.commit()
        return files.rows
    finally:
        files.close()


# ── reading ──────────────────────────────────────────────────────────────────────────────

@dataclass
class LoadedResults:
    """A book read from a file, and what was skipped on the way."""

    book: ResultsBook
    rows: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    """The first few problems, each `line N: what`."""

    def summary(self, path: Path | str) -> str | None:
        """One line about skipped rows, or None when every row loaded."""
        if not self.skipped:
            return None
        more = "; …" if self.skipped > len(self.problems) else ""
        return (f"{shown_path(path)}: skipped {self.skipped} malformed "
                f"row{'s' if self.skipped != 1 else ''} ({'; '.join(self.problems)}{more})")


class _BadRow(ValueError):
    """One row's problem, worded for the user."""


MAX_PROBLEMS = 3
CONFIG_COLUMNS = ("dataset", "model", "hidden", "activation", "optimizer", "lr", "batch_size",
                  "device")


def _cell_number(row: dict[str, str], name: str, low: float | None = None,
                 high: float | None = None, *, required: bool = False,
                 finite: bool = False) -> float | None:
    """A numeric cell, range-checked; None when empty (and allowed to be)."""
    text = row[name].strip()
    if not text:
        if required:
            raise _BadRow(f"{name} is empty")
        return None
    try:
        if "_" in text:
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise _BadRow(f"{name} '{shown(text, 20)}' is not a number") from None
    if finite and not math.isfinite(value):
        raise _BadRow(f"{name} must be finite, got {shown(text, 20)}")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "" if low is None else f"{low:g}"
        hi = "" if high is None else f"{high:g}"
        raise _BadRow(f"{name} {shown(text, 20)} is outside [{lo}, {hi}]")
    return value


def _metric(row: dict[str, str], name: str, low: float = 0,
            high: float | None = None) -> float:
    value = _cell_number(row, name, low, high)
    return math.nan if value is None else value


def _cell_int(row: dict[str, str], name: str, low: int) -> int:
    text = row[name].strip()
    if not _INTEGER.fullmatch(text):
        raise _BadRow(f"{name} '{shown(text, 20)}' is not a whole number")
    value = int(text)
    if value < low:
        raise _BadRow(f"{name} must be at least {low}, got {value}")
    return value


@dataclass
class _SweepBuilder:
    record: SweepRecord
    config: tuple[str, ...]
    seeds: set[int] = field(default_factory=set)


class _Reader:
    """Builds a book from rows one at a time; memory grows with runs and epochs, not text."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        self.quoted_columns = [c for c in columns if c in TEXT_COLUMNS]
        self.absent = {c: "" for c in RESULT_COLUMNS if c not in columns}
        self.config_of = operator.itemgetter(*CONFIG_COLUMNS, "momentum", "epochs",
                                             "output_init", "param", "base_width")
        self.grid_config_of = operator.itemgetter(*(
            c for c in (*CONFIG_COLUMNS, "momentum", "epochs", "output_init", "param",
                        "base_width")
            if c not in GRID_FIELDS))
        """A grid's rows differ in the grid fields: its sweep is the rest (and its id)."""
        self.sweeps: dict[str, _SweepBuilder] = {}
        self.result = LoadedResults(ResultsBook())

    def take(self, line: int, cells: list[str]) -> None:
        try:
            self._take(cells)
            self.result.rows += 1
        except _BadRow as problem:
            self.bad(line, str(problem))

    def bad(self, line: int, problem: str) -> None:
        self.result.skipped += 1
        if len(self.result.problems) < MAX_PROBLEMS:
            self.result.problems.append(f"line {line}: {problem}")

    def _take(self, cells: list[str]) -> None:
        if cells == self.columns:
            raise _BadRow("a repeated header line")
        if len(cells) != len(self.columns):
            raise _BadRow(f"{len(cells)} fields where the header has {len(self.columns)}")
        row = dict(zip(self.columns, cells))
        for name in self.quoted_columns:  # only text cells reach the screen as text
            text = printable(row[name])  # and only they can carry neutralize's quote
            row[name] = text[1:] if text.startswith("'") else text
        row.update(self.absent)
        status = row["status"]
        if status not in STATUSES:
            raise _BadRow(f"unknown status '{shown(status, 20)}' (expected "
                          f"{', '.join(STATUSES)})")
        if not row["run_id"] or not row["init"]:
            raise _BadRow("run_id and init must not be empty")
        epoch = _cell_int(row, "epoch", 1 if status in ("stopped", "failed") else 0)
        seed = _cell_int(row, "seed", 0)
        metrics = None
        if status not in ("stopped", "failed"):
            metrics = (_metric(row, "train_loss"), _metric(row, "train_acc", 0, 1),
                       _metric(row, "val_loss"), _metric(row, "val_acc", 0, 1),
                       _metric(row, "wall_s"), _cell_number(row, "test_acc", 0, 1))
        cell = row["cell"]
        config = self.grid_config_of(row) if cell else self.config_of(row)
        key = row["sweep_id"] or "\x00".join(config)
        sweep = self.sweeps.get(key)
        if sweep is not None and sweep.config != config:
            raise _BadRow(f"settings differ from earlier rows of sweep "
                          f"{shown(row['sweep_id'], 30)}")
        spec = _spec_of(row) if sweep is None else None
        record = sweep.record.runs.get(row["run_id"]) if sweep is not None else None
        if record is not None:
            if record.status != "running":
                raise _BadRow(f"a row for run {shown(row['run_id'], 30)} after its end")
            if (record.plan.init, record.plan.seed) != (row["init"], seed):
                raise _BadRow(f"run {shown(row['run_id'], 30)} changes its init or seed")
            if metrics is not None and record.epochs and record.epochs[-1].epoch >= epoch:
                raise _BadRow(f"epoch {epoch} of run {shown(row['run_id'], 30)} after "
                              f"epoch {record.epochs[-1].epoch}")
        # Every check passed: only now does the row change the book.
        if sweep is None:
            assert spec is not None
            book = self.result.book
            sweep = _SweepBuilder(SweepRecord(len(book.sweeps) + 1, spec, row["device"],
                                              sweep_id=row["sweep_id"]), config)
            book.sweeps.append(sweep.record)
            self.sweeps[key] = sweep
        settings = _settings_of(row) if cell else ()
        if record is None:
            info = RunPlan(len(sweep.record.runs), row["init"], seed, row["bias_init"], cell,
                           settings)
            record = RunRecord(info, sweep.record.number)
            sweep.record.runs[row["run_id"]] = record
            sweep.seeds.add(seed)
        if metrics is None:
            record.status = status
            return
        train_loss, train_acc, val_loss, val_acc, wall_s, test_acc = metrics
        record.epochs.append(EpochFinished(record.plan, epoch, train_loss, train_acc, val_loss,
                                           val_acc, wall_s, status, test_acc))
        if status == "diverged" or test_acc is not None:
            record.status, record.test_acc = status, test_acc


    def finish(self) -> LoadedResults:
        """Specs take the runs' initializers and seeds; runs without an end row stopped."""
        kept = []
        for builder in self.sweeps.values():
            sweep = builder.record
            if not sweep.runs:
                continue
            inits = tuple(dict.fromkeys(r.plan.init for r in sweep.runs.values()))
            sweep.spec = replace(sweep.spec, inits=inits, seed=min(builder.seeds),
                                 seeds=len(builder.seeds),
                                 bias_init=next(iter(sweep.runs.values())).plan.bias_init)
            grid = [dict(r.plan.settings) for r in sweep.runs.values() if r.plan.settings]
            if grid:  # the axes are the values its rows list, in the order they came
                sweep.spec = sweep.spec.with_values(**{
                    name: tuple(settings[name] for settings in grid) for name in GRID_FIELDS})
            for record in sweep.runs.values():
                if record.status == "running":  # the file ends part-way through this run
                    record.status = "stopped"
            kept.append(sweep)
        for number, sweep in enumerate(kept, start=1):
            sweep.number = number
            for record in sweep.runs.values():
                record.sweep = number
        self.result.book.sweeps[:] = kept
        return self.result


def _spec_of(row: dict[str, str]) -> ExperimentSpec:
    """The settings a row carries; inits and seeds are filled in from the runs at the end."""
    try:
        spec = ExperimentSpec(
            dataset=row["dataset"], model=row["model"], hidden=parse_architecture(row["hidden"]),
            activation=row["activation"], optimizer=row["optimizer"],
            lr=_cell_number(row, "lr", low=0, required=True, finite=True) or 0.0,
            momentum=_cell_number(row, "momentum", 0, 1, required=True, finite=True) or 0.0
            if row.get("momentum") else ExperimentSpec.momentum,
            batch_size=_cell_int(row, "batch_size", 1),
            epochs=_cell_int(row, "epochs", 1) if row.get("epochs") else ExperimentSpec.epochs,
            output_init=read_initializer(row["output_init"]) if row.get("output_init")
            else None,
            param=str(parse_field("param", row["param"])) if row.get("param")
            else ExperimentSpec.param,
            base_width=_cell_int(row, "base_width", 1) if row.get("base_width")
            else ExperimentSpec.base_width,
            norm=str(parse_field("norm", row["norm"])) if row.get("norm")
            else ExperimentSpec.norm,
            residual_init=parse_field("residual_init", row["residual_init"])
            if row.get("residual_init") else None,
        )
    except SpecError as error:
        raise _BadRow(str(error)) from None
    if spec.lr <= 0:
        raise _BadRow(f"lr must be greater than 0, got {shown(row['lr'], 20)}")
    return spec


def _settings_of(row: dict[str, str]) -> tuple[tuple[str, Any], ...]:
    """A grid row's own value of every grid field, in GRID_FIELDS order."""
    try:
        values: dict[str, Any] = {
            "hidden": parse_architecture(row["hidden"]), "activation": row["activation"],
            "batch_size": _cell_int(row, "batch_size", 1),
            "lr": _cell_number(row, "lr", low=0, required=True, finite=True),
            "momentum": _cell_number(row, "momentum", 0, 1, finite=True)
            if row.get("momentum") else ExperimentSpec.momentum,
        }
    except SpecError as error:
        raise _BadRow(str(error)) from None
    return tuple((name, values[name]) for name in GRID_FIELDS)


def _lines(handle: Iterable[str], on_progress: Callable[[int], None] | None,
           every: int = 65536) -> Iterator[str]:
    """The file's lines, reporting the characters read so far every `every` lines."""
    read = 0
    for count, line in enumerate(handle, start=1):
        read += len(line)
        if on_progress is not None and count % every == 0:
            on_progress(read)
        yield line


def load_results(path: str | Path, on_progress: Callable[[int], None] | None = None,
                 ) -> LoadedResults:
    """Read a results CSV row by row: good rows load, malformed ones are counted.

    Raises ResultFileError only when the file as a whole cannot be used (missing, not
    a results file). on_progress receives the characters read so far, now and then.
    """
    source = Path(path)
    try:
        with source.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(_lines(handle, on_progress))
            header = _next_row(reader)
            if header is None:
                raise ResultFileError(f"'{shown_path(source)}' is empty")
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ResultFileError(f"'{shown_path(source)}' is not an inittui results file "
                                      f"(missing columns: {', '.join(missing)})")
            rows = _Reader(header)
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    rows.bad(reader.line_num, str(error))
                    continue
                if cells:
                    rows.take(reader.line_num, cells)
            return rows.finish()
    except OSError as error:
        raise ResultFileError(f"cannot read '{shown_path(source)}': {_reason(error)}") from None


def _next_row(reader: Iterator[list[str]]) -> list[str] | None:
    with contextlib.suppress(StopIteration, csv.Error):
        return next(reader)
    return None


def read_results(path: str | Path) -> ResultsBook:
    """The book of a results file (malformed rows skipped; see load_results)."""
    return load_results(path).book
