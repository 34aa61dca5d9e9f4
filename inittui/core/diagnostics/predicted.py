"""Mean-field predictions beside the measured statistics at initialization.

The engine's one link to `core.theory`: it turns the probe batch into each input's
mean(x²), asks theory for each run's prediction (once per distinct initializer and cell,
not per seed), and writes the predicted √q^l, std of φ(s) and ∂L/∂s std into epoch 0's LayerStats.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from torch import Tensor

from inittui.core.events import LayerStats
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.theory.predict import NoTheory, RunTheory, run_theory


def run_theories(spec: ExperimentSpec, plans: list[RunPlan],
                 probe_x: Tensor) -> dict[int, RunTheory | NoTheory]:
    """Each run's prediction, by run index, from the probe inputs (runs, samples, ...)."""
    flat = probe_x[0].flatten(1).double().cpu()
    squares = flat.square().mean(dim=1).numpy()
    known: dict[tuple[object, ...], RunTheory | NoTheory] = {}
    found = {}
    for plan in plans:
        key = (plan.init, plan.bias_init, plan.settings)
        if key not in known:
            known[key] = run_theory(spec, plan, flat.shape[1], np.asarray(squares))
        found[plan.index] = known[key]
    return found


def with_predictions(layers: tuple[LayerStats, ...],
                     theory: RunTheory | NoTheory) -> tuple[LayerStats, ...]:
    """The layers with their mf_* predictions filled in where theory applies."""
    if not isinstance(theory, RunTheory) or len(layers) != len(theory.pre_act_std):
        return layers
    anchor = layers[-1].pre_grad_std
    grads = theory.pre_grad_std(anchor) if math.isfinite(anchor) else \
        (math.nan,) * len(layers)
    return tuple(replace(layer, mf_pre_act_std=pre, mf_pre_grad_std=grad, mf_act_std=act)
                 for layer, pre, grad, act in zip(layers, theory.pre_act_std, grads,
                                                  theory.act_std))
