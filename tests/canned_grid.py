"""A stand-in engine that replays a grid's events, so pictures of the grid views never drift.

Made up but shaped like the real thing: each initializer has a best learning rate and falls
off on either side of it (he-normal peaks high at 1e-3, xavier-normal is flatter, zeros is
at chance everywhere); in a deep ReLU net, xavier's last-layer activation std shrinks by
half per ten layers while he-normal's stays level.
"""

from __future__ import annotations

import math
import threading

from inittui.core.events import (
    EpochFinished,
    EventSink,
    GridStarted,
    GroupFinished,
    GroupStarted,
    LayerStats,
    LayerStatsReady,
    RunFinished,
    RunStarted,
    SweepFinished,
    SweepStarted,
)
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.training.plan import plan_grid

PEAKS: dict[str, tuple[float, float, float]] = {
    "he-normal": (0.95, -3.0, 0.9), "xavier-normal": (0.93, -2.7, 1.6),
    "normal": (0.85, -2.0, 1.0), "lecun-normal": (0.94, -3.0, 1.2),
    "orthogonal": (0.935, -3.2, 1.4), "zeros": (0.113, -3.0, 100.0),
}
"""init → (best accuracy, log10 of its best lr, width of its lr window in decades)."""
STEPS = 20


def accuracy(run: RunPlan, spec: ExperimentSpec, epoch: int) -> float:
    top, best_lr, width = PEAKS.get(run.init, (0.8, -3.0, 1.0))
    lr = run.setting("lr", spec)
    depth = len(run.setting("hidden", spec))
    fall = math.exp(-((math.log10(lr) - best_lr) / width) ** 2)
    if run.init == "xavier-normal" and depth > 10:
        fall *= max(0.1, 1 - (depth - 10) / 25)
    level = 0.1 + (top - 0.1) * fall * (1 - math.exp(-epoch / 1.5))
    return min(level + 0.004 * math.sin(2.3 * epoch + run.seed), 0.99)


def act_std(run: RunPlan, spec: ExperimentSpec, trained: bool) -> float:
    depth = len(run.setting("hidden", spec))
    base = {"xavier-normal": 0.5 ** (depth / 10), "zeros": 1e-6}.get(run.init, 1.0)
    return base * (1.3 if trained else 1.0) * (1 + 0.03 * run.seed)


def stats(run: RunPlan, spec: ExperimentSpec, trained: bool) -> tuple[LayerStats, ...]:
    hidden = run.setting("hidden", spec)
    last = act_std(run, spec, trained)
    return tuple(LayerStats(layer, 0.0, last ** (layer / len(hidden)), last * 0.1, 0.01, 0.3,
                            size, size) for layer, size in enumerate(hidden, start=1))


def canned_grid_engine(spec: ExperimentSpec, on_event: EventSink,
                       stop: threading.Event | None = None) -> None:
    """The events run_sweep sends for a grid spec, with the made-up results above."""
    plan = plan_grid(spec)
    on_event(SweepStarted(spec, plan.runs, "cpu", STEPS, 1234))
    on_event(GridStarted(tuple(c.label for c in plan.cells), len(plan.groups), len(plan.runs),
                         STEPS * spec.epochs * len(plan.groups)))
    for group in plan.groups:
        on_event(GroupStarted(group.index, group.groups, group.label,
                              tuple(c.label for c in group.cells), group.runs, STEPS, 1234))
        for run in group.runs:
            on_event(RunStarted(run))
            on_event(LayerStatsReady(run, 0, stats(run, spec, trained=False)))
        for epoch in range(1, spec.epochs + 1):
            last = epoch == spec.epochs
            for run in group.runs:
                acc = accuracy(run, spec, epoch)
                loss = -math.log(acc * 0.97)
                on_event(EpochFinished(run, epoch, loss + 0.01, acc - 0.01, loss, acc, 0.5,
                                       test_acc=acc - 0.005 if last else None))
                if last:
                    on_event(LayerStatsReady(run, epoch, stats(run, spec, trained=True)))
                    on_event(RunFinished(run, "ok", epoch, acc - 0.005))
        on_event(GroupFinished(group.index, group.groups, False, 1.0))
    on_event(SweepFinished(stopped=False, wall_s=float(spec.epochs)))
