"""Learning-rate transfer (Yang et al. 2022, Tensor Programs V, Fig. 1): best lr against width.

A study trains the spec's MLP at several widths × learning rates × parametrizations and
reports, per parametrization and width, the learning rate with the lowest final training
loss (the paper's measure). Under SP the best lr moves as the net widens; under μP it
stays where it was at the base width.

Until the grid layer runs width and lr axes as batched groups, each cell is one ordinary
sweep (`run_sweep`) with every seed of the spec's initializer as a run: a small loop here.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import replace
from statistics import fmean

from inittui.core.data import DataSplits, load_dataset
from inittui.core.engine import run_sweep
from inittui.core.errors import SpecError
from inittui.core.events import EpochFinished, Event, SweepFinished
from inittui.core.parametrization import check_parametrization
from inittui.core.presets import TransferStudy
from inittui.core.specs import ExperimentSpec
from inittui.core.width_records import TransferCell


def cell_specs(spec: ExperimentSpec, study: TransferStudy) -> list[ExperimentSpec]:
    """Every cell's sweep: one initializer (the spec's first), its seeds as the runs."""
    if not study.widths or not study.lrs:
        raise SpecError("preset", "a learning-rate transfer study needs widths and lrs")
    specs = [replace(spec, param=param, hidden=(width,) * len(spec.hidden), lr=lr,
                     inits=spec.inits[:1])
             for param in study.params for width in study.widths for lr in study.lrs]
    for cell in specs:
        check_parametrization(cell)
    return specs


def run_study(spec: ExperimentSpec, study: TransferStudy,
              on_cell: Callable[[TransferCell], None] | None = None,
              stop: threading.Event | None = None, data: DataSplits | None = None,
              on_event: Callable[[Event], None] | None = None) -> list[TransferCell]:
    """Train every cell in order (parametrization, width, lr); stops between and inside cells."""
    stop = stop or threading.Event()
    specs = cell_specs(spec, study)
    data = data or load_dataset(spec.dataset, spec.data_dir, spec.download, spec.val_split)
    cells: list[TransferCell] = []
    for cell_spec in specs:
        if stop.is_set():
            break
        cell = _run_cell(cell_spec, stop, data, on_event)
        cells.append(cell)
        if on_cell is not None:
            on_cell(cell)
    return cells


def _run_cell(spec: ExperimentSpec, stop: threading.Event, data: DataSplits,
              on_event: Callable[[Event], None] | None) -> TransferCell:
    epochs: list[EpochFinished] = []
    finished: list[SweepFinished] = []

    def collect(event: Event) -> None:
        if isinstance(event, EpochFinished):
            epochs.append(event)
        elif isinstance(event, SweepFinished):
            finished.append(event)
        if on_event is not None:
            on_event(event)

    run_sweep(spec, collect, stop, data)
    wall_s = finished[0].wall_s if finished else 0.0
    runs = {event.run.index for event in epochs}
    last = {event.run.index: event for event in epochs}
    diverged = any(event.status == "diverged" for event in epochs)
    complete = len(runs) == spec.seeds and all(
        event.epoch == spec.epochs or event.status == "diverged" for event in last.values())
    status = "diverged" if diverged else "ok" if complete else "stopped"
    loss = math.inf if diverged or not last else fmean(e.train_loss for e in last.values())
    best = [max(e.val_acc for e in epochs if e.run.index == run) for run in runs]
    return TransferCell(spec.param, spec.hidden[0], spec.lr, spec.seeds, loss,
                        fmean(best) if best else math.nan, status, wall_s)
