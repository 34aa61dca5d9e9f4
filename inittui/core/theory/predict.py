"""What mean-field theory predicts for one planned run, or why it predicts nothing.

A prediction holds for a plain MLP with standard parametrization whose weights are
i.i.d., zero-mean and fan-in scaled (`weights`). Elsewhere, for residual, normalized,
convolutional, transformer or user models, μP, LSUV and zero or constant weights,
`run_theory` returns a `NoTheory` whose reason the front ends show instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.theory.activation_std import activation_stds
from inittui.core.theory.activations import FUNCTIONS
from inittui.core.theory.mean_field import (
    Phase,
    first_variance,
    gradient_factors,
    phase_of,
    variance_profile,
)
from inittui.core.theory.weights import LayerVariances, NotMeanField, layer_variances


@dataclass(frozen=True)
class NoTheory:
    """No mean-field prediction for this run; reason says why, in a few words."""

    reason: str


@dataclass(frozen=True)
class RunTheory:
    """A run's mean-field picture: its variances, its phase and per-layer predictions."""

    activation: str
    widths: tuple[int, ...]
    """Input size, then every hidden layer's."""
    variances: LayerVariances
    phase: Phase
    pre_act_std: tuple[float, ...]
    """√q^l for every hidden layer l, q averaged over the probe's inputs (at initialization)."""
    gradient_factors: tuple[float, ...]
    """std of ∂L/∂s^l relative to the last hidden layer's (the last is 1)."""
    act_std: tuple[float, ...] = ()
    """Pooled std of h^l = φ(s^l) for every hidden layer (`activation_std`)."""

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    def pre_grad_std(self, last_measured: float) -> tuple[float, ...]:
        """Predicted std of ∂L/∂s per layer, anchored at the last hidden layer's measure."""
        return tuple(last_measured * factor for factor in self.gradient_factors)


def why_not(spec: ExperimentSpec, plan: RunPlan) -> str | None:
    """The reason mean-field theory says nothing about this run, or None when it applies."""
    model = plan.setting("model", spec)
    if model != "mlp":
        kinds = {"cnn": "convolutional", "resmlp": "residual", "resnet": "residual",
                 "gpt": "transformer"}
        kind = kinds.get(model, "user-defined")
        return f"mean field covers plain MLPs, not {kind} models ({model})"
    if plan.setting("param", spec) == "mup":
        return "μP rescales initialization and learning rates with width"
    if plan.setting("activation", spec) not in FUNCTIONS:
        return f"no mean-field moments for {plan.setting('activation', spec)}"
    return None


def run_theory(spec: ExperimentSpec, plan: RunPlan, input_size: int,
               sample_mean_squares: np.ndarray | float) -> RunTheory | NoTheory:
    """The run's prediction at initialization, from its initializers and the data.

    sample_mean_squares: mean(x²) over the features of each probe input, so that
    q¹ = σ_w² mean(x²) + σ_b² per input; the reported √q^l averages q over inputs.
    """
    reason = why_not(spec, plan)
    if reason is not None:
        return NoTheory(reason)
    activation = plan.setting("activation", spec)
    widths = (input_size, *plan.setting("hidden", spec))
    try:
        variances = layer_variances(plan.init, plan.bias_init, activation, widths)
    except NotMeanField as error:
        return NoTheory(str(error))
    q1 = first_variance(sample_mean_squares, variances.sigma_w2[0], variances.sigma_b2[0])
    qs = variance_profile(activation, np.atleast_1d(q1), list(variances.sigma_w2),
                          list(variances.sigma_b2))
    factors = gradient_factors(activation, qs, list(variances.sigma_w2), list(widths[1:]))
    at = variances.hidden_index
    start = float(f"{float(np.mean(qs[at])):.6g}")  # rounded: phase_of is cached
    phase = phase_of(activation, variances.sigma_w2[at], variances.sigma_b2[at], start)
    return RunTheory(activation, widths, variances, phase,
                     tuple(math.sqrt(float(np.mean(q))) for q in qs),
                     tuple(math.sqrt(f) for f in factors), activation_stds(activation, qs))
