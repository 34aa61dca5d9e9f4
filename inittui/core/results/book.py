"""Run records built from engine events, and the leaderboard both front ends show.

A ResultsBook holds every sweep of a session, so runs from earlier starts stay comparable
with the newest; the leaderboard groups runs by (sweep, initializer) and summarizes seeds
as mean ± std.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from inittui.core.events import (
    EpochFinished,
    Event,
    GroupStarted,
    LayerStats,
    LayerStatsReady,
    RunFinished,
    SpectrumReady,
    StepLosses,
    SweepStarted,
    TheoryReady,
)
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.theory.predict import NoTheory, RunTheory

STATUS_ORDER = ("running", "failed", "stopped", "diverged", "ok")
STATUS_LABELS = {"running": "running", "failed": "failed", "stopped": "stopped",
                 "diverged": "diverged", "ok": "done"}


@dataclass
class RunRecord:
    """Everything known about one run; status is running, ok, diverged, stopped or failed
    (its group's worker died on a cluster)."""

    plan: RunPlan
    sweep: int
    epochs: list[EpochFinished] = field(default_factory=list)
    status: str = "running"
    test_acc: float | None = None
    layer_stats: dict[int, tuple[LayerStats, ...]] = field(default_factory=dict)
    step_losses: list[float] = field(default_factory=list)
    """Training loss at steps 1, 2, ... (empty for runs loaded from a results file)."""
    theory: RunTheory | NoTheory | None = None
    """Mean-field theory's picture at initialization (None: not sent, e.g. a loaded file)."""
    spectrum: tuple[tuple[float, ...], ...] = ()
    """Jacobian singular values at initialization, per probe input (empty: none taken)."""

    @property
    def key(self) -> str:
        """Unique across a session's sweeps."""
        return f"{self.sweep}:{self.plan.run_id}"

    @property
    def finite_epochs(self) -> list[EpochFinished]:
        return [e for e in self.epochs if math.isfinite(e.val_acc) and math.isfinite(e.train_loss)]

    @property
    def best_val_acc(self) -> float | None:
        finite = self.finite_epochs
        return max(e.val_acc for e in finite) if finite else None

    @property
    def final_val_acc(self) -> float | None:
        finite = self.finite_epochs
        return finite[-1].val_acc if finite else None


@dataclass
class SweepRecord:
    number: int
    spec: ExperimentSpec
    device: str
    runs: dict[str, RunRecord] = field(default_factory=dict)
    steps_per_epoch: int = 0
    """0 when unknown (a sweep loaded from a results file)."""
    sweep_id: str = ""
    group_runs: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """A grid's batched groups: the run ids of each, in the order its events index them."""


class ResultsBook:
    """Collects events from any number of sweeps; the front ends' single source of truth."""

    def __init__(self) -> None:
        self.sweeps: list[SweepRecord] = []

    def apply(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            sweep = SweepRecord(len(self.sweeps) + 1, event.spec, event.device,
                                steps_per_epoch=event.steps_per_epoch,
                                sweep_id=event.sweep_id)
            sweep.runs = {run.run_id: RunRecord(run, sweep.number) for run in event.runs}
            self.sweeps.append(sweep)
        elif isinstance(event, EpochFinished):
            self.current.runs[event.run.run_id].epochs.append(event)
        elif isinstance(event, RunFinished):
            record = self.current.runs[event.run.run_id]
            record.status = event.status
            record.test_acc = event.test_acc
        elif isinstance(event, LayerStatsReady):
            self.current.runs[event.run.run_id].layer_stats[event.epoch] = event.layers
        elif isinstance(event, TheoryReady):
            self.current.runs[event.run.run_id].theory = event.theory
        elif isinstance(event, SpectrumReady):
            self.current.runs[event.run.run_id].spectrum = event.singular_values
        elif isinstance(event, GroupStarted):
            self.current.group_runs[event.group] = tuple(run.run_id for run in event.runs)
        elif isinstance(event, StepLosses):
            sweep = self.current
            run_ids = sweep.group_runs.get(event.group) or tuple(sweep.runs)
            for run_id in run_ids:
                record = sweep.runs[run_id]
                del record.step_losses[event.first_step - 1:]  # a repeated report replaces
                record.step_losses.extend(event.losses[record.plan.index])

    @property
    def current(self) -> SweepRecord:
        return self.sweeps[-1]

    def records(self) -> list[RunRecord]:
        return [record for sweep in self.sweeps for record in sweep.runs.values()]

    def clear(self) -> None:
        self.sweeps.clear()


@dataclass(frozen=True)
class LeaderRow:
    """One initializer in one cell of one sweep, summarized over its seeds."""

    sweep: int
    init: str
    seeds: int
    best_val_mean: float | None
    best_val_std: float
    final_val_mean: float | None
    final_val_std: float
    best_epoch: int | None
    epoch_to_90_of_best: int | None
    """First epoch whose mean val acc reaches 90 % of the best row's best mean val acc."""
    test_acc_mean: float | None
    test_acc_std: float
    status: str
    cell: str = ""
    """The grid cell (`lr=1e-3,hidden=128x30`); empty outside a grid."""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def series(self) -> str:
        """The initializer and its cell: what one line or one leaderboard row stands for."""
        return f"{self.init} @ {self.cell}" if self.cell else self.init


def mean_std(values: list[float]) -> tuple[float | None, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    if not values:
        return None, 0.0
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def mean_curve(records: list[RunRecord], metric: str = "val_acc") -> list[float]:
    """The metric per epoch averaged over the runs that reached that epoch finitely."""
    by_epoch: dict[int, list[float]] = {}
    for record in records:
        for epoch in record.finite_epochs:
            by_epoch.setdefault(epoch.epoch, []).append(getattr(epoch, metric))
    return [statistics.fmean(by_epoch[e]) for e in sorted(by_epoch)]


def summarize(sweep: int, init: str, records: list[RunRecord],
              target: float | None = None, cell: str = "") -> LeaderRow:
    """One row; target is the accuracy `epoch_to_90_of_best` waits for (None: this
    row's own best mean, so a row alone on the board is its own best)."""
    best = mean_std([r.best_val_acc for r in records if r.best_val_acc is not None])
    final = mean_std([r.final_val_acc for r in records if r.final_val_acc is not None])
    test = mean_std([r.test_acc for r in records if r.test_acc is not None])
    curve = mean_curve(records)
    best_epoch = epoch_to_90 = None
    if curve:
        peak = max(curve)
        best_epoch = curve.index(peak) + 1
        goal = 0.9 * (peak if target is None else target)
        epoch_to_90 = next((i for i, value in enumerate(curve, start=1) if value >= goal), None)
    status = min((r.status for r in records), key=STATUS_ORDER.index)
    return LeaderRow(sweep, init, len(records), best[0], best[1], final[0], final[1],
                     best_epoch, epoch_to_90, test[0], test[1], status, cell)


LEADERBOARD_MODES = ("cell", "init")
"""by cell: every (cell, initializer) ranked; by init: each initializer's best cell."""


def leaderboard(book: ResultsBook, by: str = "cell") -> list[LeaderRow]:
    """Rows sorted by mean best validation accuracy; runs that never had one come last.

    by="cell" ranks every initializer in every cell (outside a grid: every initializer);
    by="init" keeps each initializer's best cell, the question "how good can it get".
    """
    groups: dict[tuple[int, str, str], list[RunRecord]] = {}
    for record in book.records():
        groups.setdefault((record.sweep, record.plan.cell, record.plan.init), []).append(record)
    peaks = [max(curve) for curve in map(mean_curve, groups.values()) if curve]
    target = max(peaks) if peaks else None
    rows = sorted((summarize(sweep, init, records, target, cell)
                   for (sweep, cell, init), records in groups.items()), key=_rank)
    if by == "init":
        best: dict[tuple[int, str], LeaderRow] = {}
        for row in rows:
            best.setdefault((row.sweep, row.init), row)
        rows = list(best.values())
    return rows


def _rank(row: LeaderRow) -> tuple[bool, float]:
    return row.best_val_mean is None, -(row.best_val_mean or 0)


def format_accuracy(mean: float | None, std: float = 0.0, seeds: int = 1) -> str:
    """`0.962` or `0.962±.004` (with spread only when there are several seeds)."""
    if mean is None or not math.isfinite(mean):
        return "-"
    if seeds < 2:
        return f"{mean:.3f}"
    return f"{mean:.3f}±{std:.3f}".replace("±0.", "±.")
