"""Writing results files: nothing half-written, nothing clobbered, cells as data.

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
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

from inittui.core.errors import (
    InittuiError,
    ResultFileError,
    option,
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
from inittui.core.results.book import ResultsBook
from inittui.core.results.safe_files import (
    SafeCsv,
    lock_for_writing,
    neutralize,
    same_file,
)
from inittui.core.results.schema import RESULT_COLUMNS, STATS_COLUMNS
from inittui.core.spec.experiment import NORMED_MODELS, ExperimentSpec, RunPlan


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(value) if math.isfinite(value) else str(value)


def _prediction(value: float) -> str:
    """A prediction's cell: empty where there is none (after epoch 0, or no theory)."""
    return _number(value) if math.isfinite(value) else ""


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
        if out is not None and stats_out is not None and same_file(out, stats_out):
            raise ResultFileError(f"{option('out')} and {option('stats_out')} name one file "
                                  f"('{shown_path(out)}' and '{shown_path(stats_out)}'); "
                                  "give two different files")
        self.locks: list[FileLock] = []
        try:
            for path in paths:
                self.locks.append(lock_for_writing(path, overwrite))
        except InittuiError:
            self.release()
            raise
        kept = list(_book_rows(keep)) if keep is not None else []
        self.results = SafeCsv(out, RESULT_COLUMNS, overwrite, kept) if out else None
        self.stats = SafeCsv(stats_out, STATS_COLUMNS, overwrite) if stats_out else None
        self.spec = ExperimentSpec()
        self.device = ""
        self.sweep_id = ""
        self.epoch_rows = False

    @property
    def files(self) -> list[SafeCsv]:
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


class RecordFile:
    """Any other table of records (the width studies' CSVs) under ResultFiles' contract.

    One writer (the lock), a new file created exclusively unless overwrite, only regular
    files, rows written whole, a batch at a time; the rows go to a temporary file that takes
    the name once the first batch is in, so a run that stops before leaves the target as it
    was. Text cells are the caller's to neutralize (`neutralize`).
    """

    def __init__(self, path: Path, columns: tuple[str, ...], overwrite: bool = False):
        self.lock = lock_for_writing(Path(path), overwrite)
        self.file = SafeCsv(Path(path), columns, overwrite)

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
