"""A stand-in engine that replays fixed events, so pictures of the app never drift.

The curves are made up but shaped like a real comparison: he-normal leads xavier-normal by
a few thousandths (the gap the y-axis fit and ticks must show), normal learns slowly, and
zeros never breaks symmetry. Per-step losses come in reports of a few steps, as the engine
sends them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from inittui.core.events import (
    EpochFinished,
    EventSink,
    LayerStats,
    LayerStatsReady,
    RunFinished,
    RunStarted,
    SpectrumReady,
    StepLosses,
    SweepFinished,
    SweepStarted,
)
from inittui.core.spec.experiment import ExperimentSpec, RunPlan

STEPS_PER_EPOCH = 40
REPORT_EVERY = 8
SHAPES: dict[str, tuple[float, float]] = {
    "he-normal": (0.938, 1.2), "xavier-normal": (0.934, 1.6), "normal": (0.86, 4.0),
    "zeros": (0.113, 1.0), "orthogonal": (0.925, 1.8), "lecun-normal": (0.93, 1.7),
}
"""init → (accuracy it tends to, epochs it takes to get most of the way)."""


def accuracy(run: RunPlan, epoch: float) -> float:
    top, pace = SHAPES.get(run.init, (0.8, 2.0))
    if run.init == "zeros":
        return top
    wiggle = 0.004 * math.sin(3.1 * epoch + 1.7 * run.seed) * (1 + run.seed % 2)
    return 0.1 + (top - 0.1) * (1 - math.exp(-epoch / pace)) + wiggle


def loss(run: RunPlan, epoch: float) -> float:
    return -math.log(max(accuracy(run, epoch) * 0.97, 1e-3)) + 0.02 * (run.seed + 1)


def canned_engine(spec: ExperimentSpec, on_event: EventSink,
                  stop: threading.Event | None = None) -> None:
    """The events run_sweep would send for spec, with the made-up curves above."""
    runs = tuple(spec.runs())
    on_event(SweepStarted(spec, runs, "cpu", STEPS_PER_EPOCH, 1234))
    for run in runs:
        on_event(RunStarted(run))
    for epoch in range(1, spec.epochs + 1):
        for first in range(1, STEPS_PER_EPOCH + 1, REPORT_EVERY):
            steps = range(first, min(first + REPORT_EVERY, STEPS_PER_EPOCH + 1))
            step0 = (epoch - 1) * STEPS_PER_EPOCH
            on_event(StepLosses(epoch, step0 + first, tuple(
                tuple(loss(run, epoch - 1 + s / STEPS_PER_EPOCH) * (1 + 0.05 * math.sin(s))
                      for s in steps) for run in runs)))
        last = epoch == spec.epochs
        for run in runs:
            acc = accuracy(run, epoch)
            on_event(EpochFinished(run, epoch, loss(run, epoch - 0.5), acc - 0.01, loss(run, epoch),
                                   acc, 0.5, test_acc=acc - 0.005 if last else None))
            if last:
                on_event(RunFinished(run, "ok", epoch, acc - 0.005))
    on_event(SweepFinished(stopped=False, wall_s=float(spec.epochs)))


LAYER_SHAPES: dict[str, tuple[float, float]] = {
    "he-normal": (1.0, 1.0), "xavier-normal": (0.7, 0.75), "normal": (1.6, 1.5),
    "zeros": (0.0, 0.0), "orthogonal": (0.9, 0.95), "lecun-normal": (0.72, 0.78),
}
"""init → (act std gained per layer, grad std gained per layer going deeper): He et al.'s
picture — he-normal keeps a ReLU net's signal level, xavier-normal halves it every two
layers, normal explodes, zeros is 0 everywhere (off a log axis)."""


def canned_layers(run: RunPlan, depth: int, epoch: int) -> tuple[LayerStats, ...]:
    """Per-layer statistics of a run: act std near 1 times its gain per layer, grad std
    near 1e-4 (its first layer's) times its gain; training pulls both a little to 1."""
    act_gain, grad_gain = LAYER_SHAPES.get(run.init, (1.0, 1.0))
    relax = 0.1 * epoch
    layers = []
    for layer in range(1, depth + 1):
        act = act_gain ** ((layer - 1) * (1 - relax)) if act_gain else 0.0
        grad = 1e-4 * grad_gain ** ((depth - layer) * (1 - relax)) if grad_gain else 0.0
        layers.append(LayerStats(layer, 0.0, act, grad, grad * 3, 0.0, 16, 16,
                                 (-2.0 * max(act, 1e-3), 2.0 * max(act, 1e-3)),
                                 (1, 4, 9, 12, 9, 4, 1), 0, grad * 2))
    return tuple(layers)


def canned_engine_with_layers(spec: ExperimentSpec, on_event: EventSink,
                              stop: threading.Event | None = None) -> None:
    """canned_engine's events plus per-layer statistics at initialization and each epoch,
    as the engine sends them with diagnostics on."""
    depth = len(spec.hidden)

    def relay(event: object) -> None:
        on_event(event)  # type: ignore[arg-type]
        if isinstance(event, RunStarted):
            on_event(LayerStatsReady(event.run, 0, canned_layers(event.run, depth, 0)))
        elif isinstance(event, EpochFinished):
            on_event(LayerStatsReady(event.run, event.epoch,
                                     canned_layers(event.run, depth, event.epoch)))

    canned_engine(spec, relay, stop)


SPECTRUM_SHAPES: dict[str, tuple[float, float]] = {
    "orthogonal": (1.0, 0.0), "he-normal": (1.0, 0.25), "xavier-normal": (0.5, 0.2),
    "normal": (3.0, 0.3), "zeros": (0.0, 0.0),
}
"""init → (median singular value at 10 layers, log10 spread per √(layers/10)): Pennington
et al.'s picture — orthogonal keeps every value at 1, Gaussian nets spread with depth."""
SPECTRUM_VALUES = 16
"""Singular values per probe input (min(width, input size) in the engine)."""


def canned_spectrum(run: RunPlan, depth: int, inputs: int = 4) -> tuple[tuple[float, ...], ...]:
    """Singular values, largest first, one tuple per input: log10-normal around the median
    (scaled by depth as a power law), at the normal quantiles, so the spread is exact."""
    from statistics import NormalDist

    median, spread = SPECTRUM_SHAPES.get(run.init, (1.0, 0.2))
    if median == 0:
        return tuple((0.0,) * SPECTRUM_VALUES for _ in range(inputs))
    center = math.log10(median) * depth / 10
    width = spread * math.sqrt(depth / 10)
    quantiles = [NormalDist().inv_cdf((i + 0.5) / SPECTRUM_VALUES) for i in range(SPECTRUM_VALUES)]
    return tuple(tuple(sorted((10 ** (center + width * q + 0.01 * sample) for q in quantiles),
                              reverse=True)) for sample in range(inputs))


def with_spectra(engine: Callable[[ExperimentSpec, EventSink, threading.Event | None], None]
                 ) -> Callable[[ExperimentSpec, EventSink, threading.Event | None], None]:
    """The engine's events plus a SpectrumReady per run at its start, as the engine sends
    them for plain MLPs with diagnostics on (depth: the run's hidden layers)."""

    def spectra(spec: ExperimentSpec, on_event: EventSink,
                stop: threading.Event | None = None) -> None:
        def relay(event: object) -> None:
            on_event(event)  # type: ignore[arg-type]
            if isinstance(event, RunStarted):
                depth = len(event.run.setting("hidden", spec))
                on_event(SpectrumReady(event.run, depth, canned_spectrum(event.run, depth)))

        engine(spec, relay, stop)

    return spectra
