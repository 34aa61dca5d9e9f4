"""A grid: the product of initializers, seeds and every listed axis value, as batched groups.

Runs that share shapes (one architecture, activation and batch size) differ only in their
initial weights, seed, learning rate and momentum, so they train as ONE stacked model whose
optimizer takes the lr and momentum as per-run tensors. Each such set is a `BatchedGroup`; groups
run one after another here (`LocalBackend`), or elsewhere through any object with the same
`run_groups` method (the Ray backend). Either way the driver, `run_grid`, reports one
sweep: one SweepStarted, every group's events, one SweepFinished.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from inittui.core.errors import SpecError, option
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.spec.fields import GRID_FIELDS, SHAPE_FIELDS
from inittui.core.spec.labels import LABEL_NAMES, format_value

MAX_RUNS_WITHOUT_CONFIRM = 10_000
"""A grid larger than this is more likely a typo than a plan; `--yes` confirms it."""
LABEL_ORDER = ("lr", "momentum", "hidden", "activation", "batch_size")
"""The order of a cell label's parts: the optimizer axes read first."""
AXIS_NOUNS = {"hidden": ("architecture", "architectures"), "activation": ("activation",),
              "lr": ("lr",), "momentum": ("momentum", "momenta"),
              "batch_size": ("batch size",)}
"""What a plan counts along each axis: `2 architectures (64x10, 64x20) × 3 lrs (...)`."""


@dataclass(frozen=True)
class Cell:
    """One point of the grid: a value for every grid field (lr, hidden, ...)."""

    values: tuple[tuple[str, Any], ...]
    varying: tuple[str, ...]
    """The fields that are axes of the grid: the only ones the label names."""

    def value(self, name: str) -> Any:
        return dict(self.values)[name]

    @property
    def label(self) -> str:
        """`lr=1e-3,hidden=128x30`: the axes' values; empty for a grid of one cell."""
        return ",".join(f"{LABEL_NAMES.get(name, name)}={format_value(name, self.value(name))}"
                        for name in LABEL_ORDER if name in self.varying)

    @property
    def shape_key(self) -> tuple[Any, ...]:
        """What a cell shares with the others of its batched group."""
        return tuple(self.value(name) for name in SHAPE_FIELDS)


@dataclass(frozen=True)
class BatchedGroup:
    """One batched model: the spec of its shapes and its runs, each with its own lr and momentum.

    `spec` holds what the runs share (one architecture, activation and batch size, and every
    field that is no axis); the lr and momentum a run trains with are the run's own
    (`run_lrs`, `run_momenta`), never the spec's.

    Runs are seed-major, then cell, then initializer, so one seed's runs (every cell and
    initializer of it) share one minibatch order: the comparison is paired across cells too.
    Picklable, so a group can train in another process or on another machine.
    """

    index: int
    spec: ExperimentSpec
    cells: tuple[Cell, ...]
    runs: tuple[RunPlan, ...]
    groups: int = 1
    """How many groups its grid has (for "group 2 of 3")."""

    @property
    def runs_per_seed(self) -> int:
        return len(self.cells) * len(self.spec.inits)

    @property
    def label(self) -> str:
        """The shape axes this group stands for (`hidden=64x10,activation=relu`)."""
        varying = self.cells[0].varying
        return ",".join(f"{LABEL_NAMES.get(name, name)}="
                        f"{format_value(name, getattr(self.spec, name))}"
                        for name in SHAPE_FIELDS if name in varying)

    def run_lrs(self) -> list[float]:
        return [run.setting("lr", self.spec) for run in self.runs]

    def run_momenta(self) -> list[float]:
        return [run.setting("momentum", self.spec) for run in self.runs]


@dataclass(frozen=True)
class GridPlan:
    """A spec's cells and the groups that train them."""

    spec: ExperimentSpec
    cells: tuple[Cell, ...]
    groups: tuple[BatchedGroup, ...]

    @property
    def runs(self) -> tuple[RunPlan, ...]:
        return tuple(run for group in self.groups for run in group.runs)

    def describe(self) -> str:
        """One line: how many runs, cells and batched groups the grid makes, and its values."""
        spec = self.spec
        seeds = f" × {plural(spec.seeds, 'seed')}" if spec.seeds > 1 else ""
        axes = "".join(f" × {plural(len(values), *AXIS_NOUNS[name])} "
                       f"({listed(format_value(name, value) for value in values)})"
                       for name, values in spec.axes)
        return (f"{plural(len(self.runs), 'run')} = {plural(len(spec.inits), 'initializer')}"
                f" ({listed(spec.inits)}){seeds}{axes}; {plural(len(self.cells), 'cell')}, "
                f"{groups_phrase(len(self.groups))}")

    def settings_line(self) -> str:
        """What every run shares: the model and the settings that are not axes."""
        spec = self.spec
        axes = dict(spec.axes)
        shared = [f"{LABEL_NAMES.get(name, name)}={format_value(name, getattr(spec, name))}"
                  for name in ("hidden", "activation", "lr", "momentum", "batch_size")
                  if name not in axes and (name != "momentum" or spec.optimizer == "sgd")]
        return (f"every run: {spec.model} {spec.param}, {', '.join(shared)}, {spec.optimizer}, "
                f"{plural(spec.epochs, 'epoch')}, {spec.dataset}")

    def group_lines(self) -> list[str]:
        """A line per group: its shapes and its runs."""
        return [f"group {g.index + 1}: {g.label or 'one shape'}: {plural(len(g.runs), 'run')} "
                f"({plural(len(g.cells), 'cell')} × {plural(len(g.spec.inits), 'initializer')}"
                f" × {plural(g.spec.seeds, 'seed')})" for g in self.groups]

    def check_size(self, confirmed: bool) -> None:
        if len(self.runs) > MAX_RUNS_WITHOUT_CONFIRM and not confirmed:
            raise SpecError("grid", f"the grid makes {len(self.runs):,} runs (more than "
                                    f"{MAX_RUNS_WITHOUT_CONFIRM:,}); pass {option('yes')} to "
                                    "train it")


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 run`, `2 runs`: a count as a person writes it (nouns: an irregular plural)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def listed(texts: Iterable[str], most: int = 6) -> str:
    """`a, b, c`; a long list as its first three, `…` and its last."""
    items = list(texts)
    shown = items if len(items) <= most else [*items[:3], "…", items[-1]]
    return ", ".join(shown)


def groups_phrase(count: int) -> str:
    """How the groups of a plan train: one stacked model, or several one after another."""
    if count == 1:
        return "1 batched group (one stacked model)"
    return f"{count} batched groups (one stacked model each, trained one after another)"


def plan_grid(spec: ExperimentSpec) -> GridPlan:
    """Split a spec into cells (the product of the axes) and batched groups (shared shapes)."""
    varying = tuple(name for name, _ in spec.axes)
    cells = tuple(
        Cell(tuple(zip(GRID_FIELDS, combination, strict=True)), varying)
        for combination in itertools.product(*(spec.axis_values(n) for n in GRID_FIELDS))
    )
    by_shape: dict[tuple[Any, ...], list[Cell]] = {}
    for cell in cells:
        by_shape.setdefault(cell.shape_key, []).append(cell)
    groups = tuple(_group(index, len(by_shape), spec, group_cells)
                   for index, group_cells in enumerate(by_shape.values()))
    return GridPlan(spec, cells, groups)


def _group(index: int, count: int, spec: ExperimentSpec, cells: list[Cell]) -> BatchedGroup:
    first = cells[0]
    group_spec = replace(spec, axes=(), **{name: first.value(name) for name in SHAPE_FIELDS})
    grid = spec.is_grid
    runs = []
    for seed in spec.run_seeds:
        for cell in cells:
            for init in spec.inits:
                runs.append(RunPlan(
                    index=len(runs), init=init, seed=seed, bias_init=spec.bias_init,
                    cell=cell.label, settings=cell.values if grid else ()))
    return BatchedGroup(index, group_spec, tuple(cells), tuple(runs), count)


class Backend(Protocol):
    """Where groups train; events come back through on_event in the driver's process."""

    def run_groups(self, groups: Sequence[BatchedGroup], on_event: Any,
                   stop: threading.Event, data: Any = None) -> None: ...


