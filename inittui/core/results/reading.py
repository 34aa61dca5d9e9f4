"""Reading results files back: streamed row by row, tolerant, bounded, never running code.

Every malformed row is counted and skipped with its line and the problem, never an
exception for bad content; text cells lose their control characters before any screen
sees them; a model file a row names is never imported.
"""

from __future__ import annotations

import contextlib
import csv
import math
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from inittui.core.errors import (
    ResultFileError,
    SpecError,
    shown,
    shown_path,
)
from inittui.core.events import (
    EpochFinished,
)
from inittui.core.init.registry import read_initializer
from inittui.core.printable import printable
from inittui.core.results.book import ResultsBook, RunRecord, SweepRecord
from inittui.core.results.safe_files import os_reason
from inittui.core.results.schema import (
    INTEGER_CELL,
    REQUIRED_COLUMNS,
    RESULT_COLUMNS,
    STATUSES,
    TEXT_COLUMNS,
)
from inittui.core.spec.architecture import parse_architecture
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.spec.fields import GRID_FIELDS, parse_field


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
    if not INTEGER_CELL.fullmatch(text):
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
    if spec.only("lr") <= 0:
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
        raise ResultFileError(f"cannot read '{shown_path(source)}': {os_reason(error)}") from None


def _next_row(reader: Iterator[list[str]]) -> list[str] | None:
    with contextlib.suppress(StopIteration, csv.Error):
        return next(reader)
    return None


def read_results(path: str | Path) -> ResultsBook:
    """The book of a results file (malformed rows skipped; see load_results)."""
    return load_results(path).book
