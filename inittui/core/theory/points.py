"""Each run's place on the (σ_w², σ_b²) plane, from what a results file keeps of it.

A results file holds a run's initializer, bias initializer, activation and hidden widths,
and that is all the phase needs: σ_w², σ_b² of the first hidden→hidden layer (as the
engine's theory takes them, `weights.LayerVariances.hidden_index`) and the phase there.
The input size is not in the file, and is not needed for a net of two or more hidden
layers; a one-hidden-layer net has no hidden→hidden layer and is left out, saying why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inittui.core.theory.mean_field import Phase, phase_of
from inittui.core.theory.predict import why_not
from inittui.core.theory.weights import NotMeanField, layer_variances

if TYPE_CHECKING:
    from inittui.core.results.book import RunRecord
    from inittui.core.spec.experiment import ExperimentSpec


@dataclass(frozen=True)
class PhasePoint:
    """One initializer (with its bias initializer) on one activation's plane."""

    label: str
    activation: str
    phase: Phase


@dataclass(frozen=True)
class PhasePoints:
    points: list[PhasePoint]
    left_out: list[str]
    """One line per initializer without a point, saying why."""

    def activations(self) -> list[str]:
        return list(dict.fromkeys(point.activation for point in self.points))


def phase_points(runs: Iterable[tuple[RunRecord, ExperimentSpec]]) -> PhasePoints:
    """A point per (initializer, bias initializer, activation); seeds, depths and other
    axis values with the same variances share it."""
    points: dict[tuple[str, str, float, float], PhasePoint] = {}
    left_out: dict[str, str] = {}
    for record, spec in runs:
        plan = record.plan
        activation = plan.setting("activation", spec)
        hidden = tuple(plan.setting("hidden", spec))
        init, bias = str(plan.init), str(plan.bias_init)
        label = init if bias == "zeros" else f"{init}, bias {bias}"
        reason = why_not(spec, plan)
        if reason is None and len(hidden) < 2:
            reason = "one hidden layer: no hidden→hidden layer to place"
        if reason is None:
            try:
                variances = layer_variances(init, bias, activation,
                                            (hidden[0], *hidden))
            except NotMeanField as error:
                reason = str(error)
        if reason is not None:
            left_out.setdefault(f"{label}, {activation}", reason)
            continue
        at = variances.hidden_index
        w2, b2 = variances.sigma_w2[at], variances.sigma_b2[at]
        key = (label, activation, round(w2, 9), round(b2, 9))
        if key not in points:
            points[key] = PhasePoint(label, activation, phase_of(activation, w2, b2))
    kept = {f"{point.label}, {point.activation}" for point in points.values()}
    return PhasePoints(list(points.values()),
                       [f"{name}: {why}" for name, why in left_out.items() if name not in kept])
