"""What the engine reports while it trains: plain frozen dataclasses, safe to pass between threads.

Front ends consume these and nothing else, so any front end sees exactly the same sweep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.theory.predict import NoTheory, RunTheory


@dataclass(frozen=True)
class SweepStarted:
    spec: ExperimentSpec
    runs: tuple[RunPlan, ...]
    device: str
    steps_per_epoch: int
    parameters_per_run: int
    sweep_id: str = ""
    """Names the sweep in result files, so that two sweeps of one model stay apart."""
    data_source: str = ""
    """Which files the data came from, when the data set has a choice (torchvision's)."""


@dataclass(frozen=True)
class GridStarted:
    """Sent once after SweepStarted: what the sweep's grid makes (a one-cell sweep too)."""

    cells: tuple[str, ...]
    """Every cell's label, in grid order (one empty label outside a grid)."""
    groups: int
    runs: int
    total_steps: int
    """Optimizer steps over every group and epoch, for progress and ETA."""


@dataclass(frozen=True)
class GroupStarted:
    """One batched model of the grid starts: its runs train together from here."""

    group: int
    """Counts from 0, in the order groups train."""
    groups: int
    label: str
    """The shape axes it stands for (`hidden=64x10,activation=relu`); empty if none vary."""
    cells: tuple[str, ...]
    runs: tuple[RunPlan, ...]
    steps_per_epoch: int
    parameters_per_run: int


@dataclass(frozen=True)
class GroupFinished:
    group: int
    groups: int
    stopped: bool
    wall_s: float


@dataclass(frozen=True)
class RunStarted:
    """A run's weights are drawn and it starts training; a sweep's runs all start together."""

    run: RunPlan


@dataclass(frozen=True)
class StepProgress:
    """Sent after an epoch's first step, then a few times a second, for progress and ETA."""

    epoch: int
    step: int
    steps: int
    elapsed_s: float
    """Since the group started (the whole sweep, when it is one group)."""
    group: int = 0


@dataclass(frozen=True)
class StepLosses:
    """Training loss of every run at each step since the last report (steps count from 1
    across epochs), so curves can show the first steps, where initializers differ most.

    The losses stay on the device while training and cross to the host only when this is
    sent (with StepProgress), so no step waits on the device. `losses[run.index]` holds a
    run's values for steps first_step, first_step + 1, ...; a masked run's are meaningless.
    """

    epoch: int
    first_step: int
    losses: tuple[tuple[float, ...], ...]
    group: int = 0
    """The grid group whose runs these are (`losses[run.index]` of that group's runs)."""


@dataclass(frozen=True)
class EpochFinished:
    """One run's metrics after an epoch; the last epoch of a finished run carries test_acc."""

    run: RunPlan
    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    wall_s: float
    status: str = "ok"
    test_acc: float | None = None


@dataclass(frozen=True)
class LayerStats:
    """One hidden layer of one run on the probe batch (layer counts from 1).

    grad_std: std of ∂L/∂h, h the layer's output after its activation; pre_grad_std: std of
    ∂L/∂s, s its pre-activation (Glorot & Bengio 2010, Fig. 7). distinct_units counts live
    units with different responses; dead_units (ReLU family: never positive on the probe)
    are counted apart.
    """

    layer: int
    act_mean: float
    act_std: float
    grad_std: float
    wgrad_std: float
    dead_frac: float
    distinct_units: int
    units: int
    hist_range: tuple[float, float] = (0.0, 0.0)
    hist_counts: tuple[int, ...] = ()
    dead_units: int = 0
    pre_grad_std: float = float("nan")
    pre_act_std: float = float("nan")
    """std of s, the activation's input (NaN where a probe has no activation after it)."""
    mf_pre_act_std: float = float("nan")
    """Mean-field √q^l at initialization (epoch 0 only; NaN where theory does not apply)."""
    mf_pre_grad_std: float = float("nan")
    """Mean-field std of ∂L/∂s, anchored at the last hidden layer's measured pre_grad_std."""
    mf_act_std: float = float("nan")
    """Mean-field std of h = φ(s), s ~ N(0, q^l): act_std's prediction (epoch 0 only)."""


@dataclass(frozen=True)
class LayerStatsReady:
    """Per-layer diagnostics of one run at an epoch (0 is the initialization)."""

    run: RunPlan
    epoch: int
    layers: tuple[LayerStats, ...]


@dataclass(frozen=True)
class TheoryReady:
    """Mean-field theory's picture of one run at initialization, sent before its epoch-0
    statistics: a RunTheory, or a NoTheory saying why theory has nothing to say."""

    run: RunPlan
    theory: RunTheory | NoTheory


@dataclass(frozen=True)
class SpectrumReady:
    """Singular values of one run's input → last-hidden-layer Jacobian at initialization,
    largest first, one tuple per probe input (`core/diagnostics/spectrum.py`)."""

    run: RunPlan
    depth: int
    """Hidden layers the Jacobian spans."""
    singular_values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class RunDiverged:
    run: RunPlan
    epoch: int
    reason: str


@dataclass(frozen=True)
class RunFinished:
    """A run's end: status is 'ok', 'diverged', 'stopped' or 'failed' (its worker died on a
    cluster, retries spent); epochs counts finished epochs."""

    run: RunPlan
    status: str
    epochs: int
    test_acc: float | None


@dataclass(frozen=True)
class SweepFinished:
    stopped: bool
    wall_s: float


Event = (
    SweepStarted | GridStarted | GroupStarted | GroupFinished | RunStarted | StepProgress
    | StepLosses | EpochFinished | LayerStatsReady | TheoryReady | SpectrumReady | RunDiverged
    | RunFinished | SweepFinished
)
EventSink = Callable[[Event], None]
SweepTrainer = Callable[[ExperimentSpec, EventSink, threading.Event], None]
"""What trains a spec's sweep, reporting to a sink until the event is set: the core's
`run_sweep`, the Ray trainer of `--cluster ray`, or a test's stand-in."""
