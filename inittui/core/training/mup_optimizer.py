"""The optimizer a parametrization asks for: μP's per-layer learning rates over the stack.

μP's multipliers come from `inittui.core.init.mup` (how a run starts and scales with width);
this module turns them into the optimizer step, which is training's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from torch import Tensor, nn

from inittui.core.init.mup import DataShape, lr_multipliers
from inittui.core.models import BatchedNet
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.optimizers import Optimizer, make_optimizer


class GroupedOptimizer:
    """One optimizer per distinct learning-rate multiplier, stepped together.

    The adapter until the stacked optimizer takes a per-tensor multiplier list itself: each
    group is the ordinary optimizer with lr·multiplier, so every tensor steps exactly as it
    would alone.
    """

    def __init__(self, spec: ExperimentSpec, parameters: Sequence[nn.Parameter],
                 multipliers: Sequence[float]) -> None:
        groups: dict[float, list[Tensor]] = {}
        for parameter, multiplier in zip(parameters, multipliers, strict=True):
            groups.setdefault(multiplier, []).append(parameter)
        self.optimizers = [make_optimizer(replace(spec, lr=spec.lr * multiplier), tensors)
                           for multiplier, tensors in groups.items()]

    def step(self) -> None:
        for optimizer in self.optimizers:
            optimizer.step()


ParametrizedOptimizer = Optimizer | GroupedOptimizer


def make_parametrized_optimizer(spec: ExperimentSpec, model: BatchedNet,
                                lrs: Sequence[float] | None = None,
                                momenta: Sequence[float] | None = None,
                                data: DataShape | None = None) -> ParametrizedOptimizer:
    """The spec's optimizer over the model, with μP's per-layer learning rates when asked.

    lrs and momenta give each run its own (a grid group's cells); with several, μP's
    multipliers go into the one per-run optimizer step instead of one optimizer per group.
    data is needed under μP for models other than the plain MLP (see rescale_initialization).
    """
    parameters = list(model.parameters())
    shared = len(set(lrs or ())) <= 1 and len(set(momenta or ())) <= 1
    if spec.param != "mup":
        return make_optimizer(spec, model, lrs, momenta)
    if shared:
        base = replace(spec, lr=lrs[0] if lrs else spec.lr,
                       momentum=momenta[0] if momenta else spec.momentum)
        return GroupedOptimizer(base, parameters, lr_multipliers(model, base, data))
    return make_optimizer(spec, model, lrs, momenta, lr_multipliers(model, spec, data))
