"""Learning-rate transfer (Yang et al. 2022, Tensor Programs V, Fig. 1): best lr against width.

A study trains the spec's model at several widths × learning rates × parametrizations and
reports, per parametrization and width, the learning rate with the lowest final training
loss (the paper's measure). Under SP the best lr moves as the net widens; under μP it
stays where it was at the base width.

Each parametrization is one grid (core/training/plan.py) with width and lr as axes: one batched
group per width, whose runs are every lr × seed of the spec's first initializer, trained as
one stacked model with the lrs as a per-run tensor (and μP's per-layer factors on top, in
the same optimizer step). A cell's result is ready when its width's group ends.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import fmean

from inittui.core.data.datasets import DataSplits, load_dataset
from inittui.core.events import EpochFinished, Event, GroupFinished, GroupStarted
from inittui.core.init.mup import check_parametrization
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import TransferStudy
from inittui.core.studies.records import TransferCell
from inittui.core.training.study_plan import study_grids as plan_study_grids
from inittui.core.training.sweep import run_sweep


def study_grids(spec: ExperimentSpec, study: TransferStudy) -> list[ExperimentSpec]:
    """One grid per parametrization (training/study_plan.py), each checked for what μP scales."""
    grids = plan_study_grids(spec, study)
    for grid in grids:
        check_parametrization(grid)
    return grids


def cell_specs(spec: ExperimentSpec, study: TransferStudy) -> list[ExperimentSpec]:
    """Every cell as a single-valued spec (parametrization, width, lr), in training order."""
    return [grid.with_values(hidden=(hidden,), lr=(lr,))
            for grid in study_grids(spec, study)
            for hidden in grid.axis_values("hidden") for lr in grid.axis_values("lr")]


def run_study(spec: ExperimentSpec, study: TransferStudy,
              on_cell: Callable[[TransferCell], None] | None = None,
              stop: threading.Event | None = None, data: DataSplits | None = None,
              on_event: Callable[[Event], None] | None = None) -> list[TransferCell]:
    """Train every parametrization's grid in turn; cells arrive width by width (on_cell).

    A stop ends the group in training (its cells come back `stopped`) and starts no other.
    """
    stop = stop or threading.Event()
    grids = study_grids(spec, study)
    data = data or load_dataset(spec.dataset, spec.data_dir, spec.download, spec.val_split)
    cells: list[TransferCell] = []

    def arrived(cell: TransferCell) -> None:
        cells.append(cell)
        if on_cell is not None:
            on_cell(cell)

    for grid in grids:
        if stop.is_set():
            break
        collector = _CellCollector(grid, arrived, on_event)
        run_sweep(grid, collector, stop, data)
    return cells


@dataclass
class _CellCollector:
    """Turns one grid's events into TransferCells, a group's cells when the group ends."""

    grid: ExperimentSpec
    on_cell: Callable[[TransferCell], None]
    on_event: Callable[[Event], None] | None
    started: dict[int, GroupStarted] = field(default_factory=dict)
    epochs: dict[str, list[EpochFinished]] = field(default_factory=dict)

    def __call__(self, event: Event) -> None:
        if isinstance(event, GroupStarted):
            self.started[event.group] = event
        elif isinstance(event, EpochFinished):
            self.epochs.setdefault(event.run.run_id, []).append(event)
        elif isinstance(event, GroupFinished) and event.group in self.started:
            for cell in self._cells(self.started.pop(event.group), event.wall_s):
                self.on_cell(cell)
        if self.on_event is not None:
            self.on_event(event)

    def _cells(self, group: GroupStarted, wall_s: float) -> list[TransferCell]:
        """The group's cells in lr order; wall_s is the group's, shared by its cells."""
        grid = self.grid
        by_cell: dict[tuple[int, float], list[list[EpochFinished]]] = {}
        for run in group.runs:
            key = (run.setting("hidden", grid)[0], run.setting("lr", grid))
            by_cell.setdefault(key, []).append(self.epochs.pop(run.run_id, []))
        return [_cell(grid, width, lr, runs, wall_s)
                for (width, lr), runs in by_cell.items()]


def _cell(grid: ExperimentSpec, width: int, lr: float, runs: list[list[EpochFinished]],
          wall_s: float) -> TransferCell:
    """One (width, lr): its seeds' last epochs; diverged if any seed did, stopped if any
    seed did not reach the last epoch."""
    last = [epochs[-1] for epochs in runs if epochs]
    diverged = any(event.status == "diverged" for event in last)
    complete = len(last) == len(runs) and all(
        event.epoch == grid.epochs or event.status == "diverged" for event in last)
    status = "diverged" if diverged else "ok" if complete else "stopped"
    loss = math.inf if diverged or not last else fmean(e.train_loss for e in last)
    best = [max(e.val_acc for e in epochs) for epochs in runs if epochs]
    return TransferCell(grid.param, width, lr, grid.seeds, loss,
                        fmean(best) if best else math.nan, status, wall_s)
