"""Running a planned grid: its groups through a backend, reported as one sweep.

The plan (`plan.py`) says what will train and never imports the engine; this module trains
it, group by group, here (`LocalBackend`) or as Ray tasks (`ray_tasks.RayBackend`), and
always ends with the sweep's end events.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import torch

from inittui.core.data.datasets import load_dataset
from inittui.core.data.splits import DataSplits
from inittui.core.errors import DeviceError, InittuiError, SpecError, option, shown
from inittui.core.events import EventSink, GridStarted, RunFinished, SweepFinished, SweepStarted
from inittui.core.models import build_model
from inittui.core.results.writing import new_sweep_id
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.device import check_fits, is_out_of_memory, resolve_device
from inittui.core.training.engine import estimated_bytes, run_group
from inittui.core.training.plan import Backend, BatchedGroup, GridPlan, plan_grid


class LocalBackend:
    """Groups one after another in this process, sharing the loaded data."""

    def run_groups(self, groups: Sequence[BatchedGroup], on_event: Any,
                   stop: threading.Event, data: Any = None) -> None:
        for group in groups:
            if stop.is_set():
                return
            run_group(group, on_event, stop, data)


def parameters_per_run(group: BatchedGroup, data: Any) -> int:
    """One run's parameter count, from a model built without memory."""
    with torch.device("meta"):
        return build_model(group.spec, data.input_shape, data.num_classes,
                           group.runs_per_seed).parameters_per_run


def check_grid_fits(plan: GridPlan, data: Any) -> None:
    """Refuse a grid with a group that would not fit on the device, before any training.

    For a grid, a usage error (the listed values ask for too much); for a single model, the
    device's error, as the engine has always refused it.
    """
    device = resolve_device(plan.spec.device)
    for group in plan.groups:
        with torch.device("meta"):
            model = build_model(group.spec, data.input_shape, data.num_classes,
                                group.runs_per_seed)
        try:
            check_fits(estimated_bytes(group.spec, model, data), device,
                       f"group {group.index + 1} ({group.label or 'one shape'}: "
                       f"{model.runs} runs of {model.parameters_per_run:,} parameters)")
        except DeviceError as error:
            if not plan.spec.is_grid:
                raise
            raise SpecError("grid", f"the grid does not fit: {error}") from None


def total_steps(plan: GridPlan, train_size: int) -> int:
    """Optimizer steps of the whole grid: what a progress bar counts."""
    return sum(plan.spec.epochs * math.ceil(train_size / g.spec.batch_size)
               for g in plan.groups)


def run_grid(spec: ExperimentSpec, on_event: Any, stop: threading.Event | None = None,
             data: Any = None, backend: Backend | None = None) -> None:
    """Train every run of a grid through backend, reported as one sweep.

    Always ends with SweepFinished, and runs of groups that never started (after a stop or
    a failure) are reported stopped, so a front end never shows a run as still training.
    """
    stop = stop or threading.Event()
    plan = plan_grid(spec)
    device = resolve_device(spec.device)
    data = data or load_dataset(spec.dataset, spec.data_dir, spec.download, spec.val_split)
    check_grid_fits(plan, data)
    finished: set[str] = set()

    def forward(event: Any) -> None:
        if isinstance(event, RunFinished):
            finished.add(event.run.run_id)
        on_event(event)

    started = time.monotonic()
    first = plan.groups[0]
    on_event(SweepStarted(spec, plan.runs, str(device),
                          math.ceil(len(data.x_train) / first.spec.batch_size),
                          parameters_per_run(first, data), sweep_id=new_sweep_id(),
                          data_source=data.source))
    on_event(GridStarted(tuple(cell.label for cell in plan.cells), len(plan.groups),
                         len(plan.runs), total_steps(plan, len(data.x_train))))
    failed = False
    try:
        (backend or LocalBackend()).run_groups(plan.groups, forward, stop, data)
    except BaseException:
        failed = True
        raise
    finally:
        end = [RunFinished(run, "stopped", 0, None) for run in plan.runs
               if run.run_id not in finished]
        end.append(SweepFinished(stopped=failed or stop.is_set(),
                                 wall_s=time.monotonic() - started))
        for event in end:
            if failed:  # the original error is the one to report, not a second one here
                with contextlib.suppress(Exception):
                    on_event(event)
            else:
                on_event(event)


def run_sweep(spec: ExperimentSpec, on_event: EventSink,
              stop: threading.Event | None = None, data: DataSplits | None = None) -> None:
    """Train every run of spec (every cell of a grid), reporting through on_event.

    An allocation failure, however PyTorch or the C library words it, comes out as one
    DeviceError saying so, whether it happens while setting up or while training.
    """
    try:
        run_grid(spec, on_event, stop, data)
    except InittuiError:
        raise
    except Exception as error:
        if is_out_of_memory(error):
            raise DeviceError(
                f"out of memory while training ({_first_line(error)}); use fewer or smaller "
                f"hidden layers, initializers or seeds, or a smaller {option('batch_size')}"
            ) from None
        raise


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return shown(lines[0] if lines else type(error).__name__, 120)
