"""`inittui --headless --preset mup2022`: a learning-rate transfer study, width by width.

Each width of each parametrization trains as one batched group (core/studies/lr_transfer.py); when
it ends, a line per cell and its rows in the CSV (through `RecordFile`: the results file's
contract), so Ctrl+C keeps every finished width. Then the final training loss per lr and
width and the best lr per width, for each parametrization.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import TransferStudy
from inittui.core.studies.records import (
    TRANSFER_COLUMNS,
    TransferCell,
    best_lrs,
    depth_label,
    lr_shift,
    row,
)
from inittui.headless.figures import FigureRequest
from inittui.headless.sweep import end_of_study, run_writing
from inittui.interrupts import StopSignals


def loss_table(cells: Sequence[TransferCell], param: str) -> Table:
    """Final training loss per lr (rows) and width (columns); * marks each width's best."""
    mine = [cell for cell in cells if cell.param == param]
    widths = sorted({cell.width for cell in mine})
    best = best_lrs(cells)
    seeds = mine[0].seeds
    table = Table(title=f"{param}: final train loss, {seeds} seed{'s' * (seeds != 1)} "
                        "(* lowest)", title_justify="left")
    table.add_column("lr", justify="right")
    for width in widths:
        table.add_column(f"width {width}", justify="right")
    for lr in sorted({cell.lr for cell in mine}):
        row = [f"{lr:g}"]
        for width in widths:
            cell = next((c for c in mine if c.width == width and c.lr == lr), None)
            if cell is None or cell.status == "stopped":
                row.append("-")
            elif cell.status == "diverged":
                row.append("diverged")
            else:
                mark = "*" if best.get((param, width)) == cell else " "
                row.append(f"{cell.final_train_loss:.4f}{mark}")
        table.add_row(*row)
    return table


def best_lr_table(cells: Sequence[TransferCell]) -> Table:
    """The leaderboard of a study: the best lr at every width, per parametrization."""
    widths = sorted({cell.width for cell in cells})
    best = best_lrs(cells)
    table = Table(title="Best lr per width (lowest final train loss)", title_justify="left")
    table.add_column("param", justify="left")
    for width in widths:
        table.add_column(f"width {width}", justify="right")
    table.add_column("shift", justify="right")
    for param in dict.fromkeys(cell.param for cell in cells):
        row = [param]
        for width in widths:
            cell = best.get((param, width))
            row.append(f"{cell.lr:g}" if cell else "-")
        shift = lr_shift(cells, param)
        row.append("-" if shift is None else f"{shift:+.1f} decades")
        table.add_row(*row)
    return table


def run_study_headless(spec: ExperimentSpec, study: TransferStudy, out: Path | None,
                       overwrite: bool, signals: StopSignals | None = None,
                       figures: FigureRequest | None = None) -> int:
    """Run every cell, write `out` as widths finish, print the tables; return the exit code.

    Ctrl+C and SIGTERM (caught by `signals`) stop the width in training: finished cells stay
    in `out` (the stopped width's too, marked stopped), and the exit code is 130 or 143.
    """
    own_signals = signals is None
    signals = signals or StopSignals().install()
    try:
        return _run(spec, study, out, overwrite, signals, figures)
    finally:
        if own_signals:
            signals.restore()


def _run(spec: ExperimentSpec, study: TransferStudy, out: Path | None, overwrite: bool,
         signals: StopSignals, figures: FigureRequest | None = None) -> int:
    from inittui.core.results.writing import RecordFile
    from inittui.core.studies.lr_transfer import run_study

    records = RecordFile(out, TRANSFER_COLUMNS, overwrite) if out is not None else None
    console = Console(highlight=False)
    stop = signals.event
    cells: list[TransferCell] = []
    total = len(study.params) * len(study.widths) * len(study.lrs)
    started = time.monotonic()

    def on_cell(cell: TransferCell) -> None:
        if records is not None:
            records.write([row(cell)])
        cells.append(cell)
        print(f"cell {len(cells)}/{total} {cell.param} width {cell.width} lr {cell.lr:g}: "
              f"final train_loss {cell.final_train_loss:.4f} best val_acc "
              f"{cell.best_val_acc:.4f} {cell.status} (its width's group: {cell.wall_s:.1f}s)",
              flush=True)

    def work() -> None:
        run_study(spec, study, on_cell, stop)

    print(f"learning-rate transfer: {total} cells ({', '.join(study.params)} × widths "
          f"{', '.join(map(str, study.widths))} × lr {', '.join(f'{lr:g}' for lr in study.lrs)})"
          f"; {spec.model} of {depth_label(spec.model, len(spec.first_cell().hidden))}, "
          f"{spec.optimizer}, "
          f"{spec.epochs} epoch{'s' * (spec.epochs != 1)}, {spec.inits[0]}, {spec.dataset}; "
          f"{len(study.params) * len(study.widths)} batched groups (a width each) of "
          f"{len(study.lrs) * spec.seeds} runs", flush=True)
    run_writing(work, "inittui-study", records, "study")
    for param in dict.fromkeys(cell.param for cell in cells):
        console.print(loss_table(cells, param))
    if cells:
        console.print(best_lr_table(cells))
    console.print(f"{len(cells)} cells in {time.monotonic() - started:.0f}s")
    write_figures = None
    if figures is not None:
        from inittui.headless.figures import write_study_figures

        write_figures = partial(write_study_figures, figures, spec, cells, stop)
    return end_of_study(signals, records, out, "cells", "cells", console, write_figures)
