"""canned_engine_with_layers' events with mean field's predictions at initialization.

Each run's epoch-0 statistics carry a predicted act std a fixed factor from its measured one
(1.6 for xavier-normal, 0.6 for others: far enough apart to sit on rows of their own on a
log axis) and its ∂L/∂s, as the engine fills them in, after a TheoryReady with its real
mean-field picture (zeros: one saying why it has none), as the engine sends them.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from inittui.core.events import EventSink, LayerStatsReady, RunStarted, TheoryReady
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.theory.predict import NoTheory, run_theory
from tests.canned import canned_engine_with_layers
from tests.canned_grid import canned_grid_engine

PREDICTED_OVER_MEASURED = {"xavier-normal": 1.6}
OTHERWISE = 0.6
ZEROS_REASON = "zero weights: every unit computes the same, not i.i.d. (σ_w² = 0)"


def with_theory(event: LayerStatsReady) -> LayerStatsReady:
    if event.epoch != 0 or event.run.init == "zeros":
        return event
    factor = PREDICTED_OVER_MEASURED.get(event.run.init, OTHERWISE)
    return replace(event, layers=tuple(
        replace(s, mf_act_std=s.act_std * factor,
                mf_pre_act_std=s.act_std * 2.0, mf_pre_grad_std=s.pre_grad_std)
        for s in event.layers))


def _relay_with_theory(spec: ExperimentSpec, on_event: EventSink) -> EventSink:
    """Each run's real mean-field picture after its start (as for 64 inputs of mean square
    1: its activation, phase and 6ξ_c; zeros: the reason for none), and the predictions in
    its epoch-0 statistics."""
    def relay(event: object) -> None:
        if isinstance(event, RunStarted):
            on_event(event)
            theory = NoTheory(ZEROS_REASON) if event.run.init == "zeros" else \
                run_theory(spec, event.run, 64, 1.0)
            on_event(TheoryReady(event.run, theory))
            return
        on_event(with_theory(event) if isinstance(event, LayerStatsReady) else event)  # type: ignore[arg-type]

    return relay  # type: ignore[return-value]


def canned_engine_with_theory(spec: ExperimentSpec, on_event: EventSink,
                              stop: threading.Event | None = None) -> None:
    """canned_engine_with_layers' events with theory (`_relay_with_theory`)."""
    canned_engine_with_layers(spec, _relay_with_theory(spec, on_event), stop)


def canned_grid_engine_with_theory(spec: ExperimentSpec, on_event: EventSink,
                                   stop: threading.Event | None = None) -> None:
    """canned_grid_engine's events with theory (`_relay_with_theory`)."""
    canned_grid_engine(spec, _relay_with_theory(spec, on_event), stop)
