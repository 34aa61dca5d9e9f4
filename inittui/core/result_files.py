"""Results on disk: the per-epoch CSV, the per-layer statistics CSV, and reading them back.

Writers flush every row as its epoch ends, so a file is complete and parseable at any
moment: after Ctrl+C, a crash or a full disk, every finished epoch is there. They create
their file when the sweep starts, once the data, device and memory checks have passed: a
sweep that cannot start leaves no empty file behind and truncates no earlier one.
"""

from __future__ import annotations

import contextlib
import csv
import math
from pathlib import Path
from typing import IO

from inittui.core.errors import InittuiError
from inittui.core.events import (
    EpochFinished,
    Event,
    LayerStatsReady,
    RunFinished,
    SweepStarted,
)
from inittui.core.results import ResultsBook
from inittui.core.specs import ExperimentSpec, RunInfo, parse_architecture

RESULT_COLUMNS = (
    "run_id", "init", "bias_init", "seed", "dataset", "model", "hidden", "activation",
    "optimizer", "lr", "batch_size", "epoch", "train_loss", "train_acc", "val_loss", "val_acc",
    "test_acc", "status", "wall_s", "device", "momentum", "cell",
)
STATS_COLUMNS = (
    "run_id", "init", "seed", "epoch", "layer", "act_mean", "act_std", "grad_std", "wgrad_std",
    "dead_frac", "distinct_units",
)


def check_writable(path: str | Path, overwrite: bool) -> Path:
    """Refuse before any training: an existing file (unless overwrite) or an unwritable place."""
    target = Path(path)
    if target.is_dir():
        raise InittuiError(f"cannot write results to '{target}': it is a directory")
    if target.exists() and not overwrite:
        raise InittuiError(f"'{target}' already exists; pass --overwrite to replace it")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InittuiError(f"cannot write results to '{target}': folder '{folder}' does not exist")
    existed = target.exists()
    try:  # opening for real also catches read-only file systems and root-proof mounts
        with target.open("a", encoding="utf-8"):
            pass
        if not existed:
            target.unlink()
    except OSError as error:
        raise InittuiError(
            f"cannot write results to '{target}': {error.strerror or error}") from None
    return target


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return repr(value) if math.isfinite(value) else str(value)


class _FlushingCsv:
    """A CSV file, created with its header on first use; every row reaches the disk at once."""

    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.path = path
        self.columns = columns
        self.handle: IO[str] | None = None

    def open(self) -> IO[str]:
        """The open file; created with its header the first time (later sweeps append)."""
        if self.handle is None:
            try:
                self.handle = self.path.open("w", newline="", encoding="utf-8")
            except OSError as error:
                raise InittuiError(f"cannot write '{self.path}': {error.strerror or error}") \
                    from None
            self._put(self.handle, self.columns)
        return self.handle

    def write(self, row: tuple[object, ...] | list[object]) -> None:
        self._put(self.open(), row)

    def _put(self, handle: IO[str], row: tuple[object, ...] | list[object]) -> None:
        try:
            csv.writer(handle).writerow(row)
            handle.flush()
        except OSError as error:
            raise InittuiError(f"cannot write '{self.path}': {error.strerror or error}") from None

    def close(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()


class ResultsCsvWriter:
    """An event sink writing one row per run per finished epoch (headless and app alike)."""

    def __init__(self, path: Path):
        self.file = _FlushingCsv(path, RESULT_COLUMNS)
        self.spec = ExperimentSpec()
        self.device = ""
        self.rows = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            self.spec, self.device = event.spec, event.device
            self.file.open()
        elif isinstance(event, EpochFinished):
            self._row(event.run, event.epoch, event.train_loss, event.train_acc,
                      event.val_loss, event.val_acc, event.test_acc, event.status, event.wall_s)
        elif isinstance(event, RunFinished) and event.status == "stopped":
            self._row(event.run, event.epochs + 1, None, None, None, None, None, "stopped", None)

    def _row(self, run: RunInfo, epoch: int, train_loss: float | None, train_acc: float | None,
             val_loss: float | None, val_acc: float | None, test_acc: float | None,
             status: str, wall_s: float | None) -> None:
        spec = self.spec
        hidden = run.setting("hidden", spec)
        self.file.write([
            run.run_id, run.init, run.bias_init, run.seed, spec.dataset, spec.model,
            ",".join(map(str, hidden)), run.setting("activation", spec), spec.optimizer,
            repr(run.setting("lr", spec)), run.setting("batch_size", spec), epoch,
            _number(train_loss), _number(train_acc), _number(val_loss), _number(val_acc),
            _number(test_acc), status, _number(wall_s), self.device,
            repr(run.setting("momentum", spec)), run.cell,
        ])
        self.rows += 1

    def close(self) -> None:
        self.file.close()


class StatsCsvWriter:
    """An event sink writing per-layer diagnostics, one row per run, epoch and layer."""

    def __init__(self, path: Path):
        self.file = _FlushingCsv(path, STATS_COLUMNS)

    def __call__(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            self.file.open()
        elif isinstance(event, LayerStatsReady):
            for layer in event.layers:
                self.file.write([
                    event.run.run_id, event.run.init, event.run.seed, event.epoch, layer.layer,
                    _number(layer.act_mean), _number(layer.act_std), _number(layer.grad_std),
                    _number(layer.wgrad_std), _number(layer.dead_frac), layer.distinct_units,
                ])

    def close(self) -> None:
        self.file.close()


def write_results(book: ResultsBook, path: Path) -> int:
    """Write every run of a book (an export of the app's session); returns the row count."""
    writer = ResultsCsvWriter(path)
    try:
        for sweep in book.sweeps:
            writer(SweepStarted(sweep.spec, tuple(r.info for r in sweep.runs.values()),
                                sweep.device, 0, 0))
            for record in sweep.runs.values():
                for epoch in record.epochs:
                    writer(epoch)
                if record.status == "stopped":
                    writer(RunFinished(record.info, "stopped", len(record.epochs), None))
        return writer.rows
    finally:
        writer.close()


CONFIG_COLUMNS = ("dataset", "model", "hidden", "activation", "optimizer", "lr", "batch_size",
                  "device")
GRID_COLUMNS = ("hidden", "activation", "batch_size", "lr", "momentum")
"""A grid's rows differ in these; its cell column keeps them one sweep."""
LATER_COLUMNS = ("momentum", "cell")
"""Columns that files written before grids lack; such files still load."""


def _sweep_key(row: dict[str, str]) -> tuple[str, ...]:
    if row.get("cell"):
        return tuple(row[c] for c in CONFIG_COLUMNS if c not in GRID_COLUMNS)
    return tuple(row[c] for c in CONFIG_COLUMNS)


def _row_settings(row: dict[str, str]) -> dict[str, object]:
    """A row's value of every grid field, parsed."""
    return {"hidden": parse_architecture(row["hidden"]), "activation": row["activation"],
            "batch_size": int(row["batch_size"]), "lr": float(row["lr"]),
            "momentum": float(row.get("momentum") or ExperimentSpec.momentum)}


def _float(text: str) -> float:
    return float(text) if text else math.nan


def _read_rows(source: Path) -> list[dict[str, str]]:
    try:
        with source.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in RESULT_COLUMNS
                       if c not in (reader.fieldnames or []) and c not in LATER_COLUMNS]
            if missing:
                raise InittuiError(f"'{source}' is not an inittui results file "
                                   f"(missing columns: {', '.join(missing)})")
            return list(reader)
    except OSError as error:
        raise InittuiError(f"cannot read '{source}': {error.strerror or error}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise InittuiError(f"cannot read '{source}': {error}") from None


def _apply_row(book: ResultsBook, info: RunInfo, row: dict[str, str]) -> None:
    epoch, status = int(row["epoch"]), row["status"]
    if status == "stopped":
        book.apply(RunFinished(info, "stopped", epoch - 1, None))
        return
    test = float(row["test_acc"]) if row["test_acc"] else None
    book.apply(EpochFinished(info, epoch, _float(row["train_loss"]), _float(row["train_acc"]),
                             _float(row["val_loss"]), _float(row["val_acc"]),
                             _float(row["wall_s"]), status, test))
    if status == "diverged" or test is not None:
        book.apply(RunFinished(info, status, epoch, test))


def read_results(path: str | Path) -> ResultsBook:
    """Rebuild a ResultsBook from a results CSV: one sweep per distinct configuration."""
    source = Path(path)
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in _read_rows(source):
        groups.setdefault(_sweep_key(row), []).append(row)
    book = ResultsBook()
    try:
        for rows in groups.values():
            first = rows[0]
            settings = [_row_settings(row) for row in rows]
            spec = ExperimentSpec(dataset=first["dataset"], model=first["model"],
                                  optimizer=first["optimizer"]).with_values(
                **{name: tuple(s[name] for s in settings) for name in GRID_COLUMNS})
            infos: dict[str, RunInfo] = {}
            for row, setting in zip(rows, settings):
                cell = row.get("cell") or ""
                infos.setdefault(row["run_id"], RunInfo(
                    len(infos), row["init"], int(row["seed"]), row["bias_init"], cell,
                    tuple(setting.items()) if cell else ()))
            book.apply(SweepStarted(spec, tuple(infos.values()), first["device"], 0, 0))
            for row in rows:
                _apply_row(book, infos[row["run_id"]], row)
            for record in book.current.runs.values():
                if record.status == "running":  # the file ends part-way through this run
                    record.status = "stopped"
    except (ValueError, KeyError) as error:
        raise InittuiError(f"cannot read '{source}': bad value ({error})") from None
    return book
