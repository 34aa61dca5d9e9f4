"""Where a grid stands: cells done out of all, which batched group trains, the time left.

Fed the same events as the rest of the app; the status line shows its `line`. The time
left is the grid's steps still to go at its average pace so far, over every group.
"""

from __future__ import annotations

from inittui.core.events import (
    Event,
    GridStarted,
    GroupFinished,
    GroupStarted,
    RunFinished,
    StepProgress,
    SweepStarted,
)
from inittui.tui.results.status_line import format_duration


class GridProgress:
    """Counts a grid's finished cells and steps from its events."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.cells_total = 0
        self.runs_per_cell: dict[str, int] = {}
        self.finished: dict[str, int] = {}
        self.groups = 1
        self.group = 0
        self.group_label = ""
        self.epochs = 0
        self.steps = 0
        self.total_steps = 0
        self.done_steps = 0  # steps of the groups that finished
        self.done_wall_s = 0.0

    @property
    def is_grid(self) -> bool:
        return self.cells_total > 1 or self.groups > 1

    @property
    def cells_done(self) -> int:
        return sum(1 for cell, runs in self.runs_per_cell.items()
                   if self.finished.get(cell, 0) >= runs)

    def apply(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            self.reset()  # a new sweep starts the count again
            self.epochs = event.spec.epochs
            for run in event.runs:
                self.runs_per_cell[run.cell] = self.runs_per_cell.get(run.cell, 0) + 1
        elif isinstance(event, GridStarted):
            self.cells_total, self.groups = len(event.cells), event.groups
            self.total_steps = event.total_steps
        elif isinstance(event, GroupStarted):
            self.group, self.group_label, self.steps = event.group, event.label, \
                event.steps_per_epoch
        elif isinstance(event, GroupFinished):
            self.done_steps += self.epochs * self.steps
            self.done_wall_s += event.wall_s
        elif isinstance(event, RunFinished):
            self.finished[event.run.cell] = self.finished.get(event.run.cell, 0) + 1

    def line(self, progress: StepProgress) -> str:
        """`grid: 3/10 cells done · group 2/4 hidden=64x10 · epoch 2/5 · ETA 1:23`."""
        done = self.done_steps + (progress.epoch - 1) * progress.steps + progress.step
        elapsed = self.done_wall_s + progress.elapsed_s
        eta = ""
        if done > 0 and elapsed > 0 and self.total_steps >= done:
            eta = f" · ETA {format_duration(elapsed / done * (self.total_steps - done))}"
        label = f" {self.group_label}" if self.group_label else ""
        return (f"grid: {self.cells_done}/{self.cells_total} cells done · group "
                f"{self.group + 1}/{self.groups}{label} · epoch {progress.epoch}/{self.epochs}"
                f" · step {progress.step}/{progress.steps}{eta} · ctrl+x stops")
