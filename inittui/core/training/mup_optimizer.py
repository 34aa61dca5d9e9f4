"""The optimizer a parametrization asks for: μP's per-layer learning rates over the stack.

μP's multipliers come from `inittui.core.init.mup` (how a run starts and scales with width);
this module turns them into the optimizer step, which is training's business.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from inittui.core.init.mup import DataShape, lr_multipliers
from inittui.core.models import BatchedNet
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.optimizers import Optimizer, make_optimizer


class MultiplierOptimizers:
    """One optimizer per distinct learning-rate multiplier, stepped together.

    The adapter until the stacked optimizer takes a per-tensor multiplier list itself: each
    set of tensors sharing a multiplier gets the ordinary optimizer with lr·multiplier, so
    every tensor steps exactly as it would alone. lr and momentum are every run's (one
    value for all runs: otherwise the per-run step takes the multipliers).
    """

    def __init__(self, spec: ExperimentSpec, parameters: Sequence[nn.Parameter],
                 multipliers: Sequence[float], lr: float, momentum: float) -> None:
        by_multiplier: dict[float, list[Tensor]] = {}
        for parameter, multiplier in zip(parameters, multipliers, strict=True):
            by_multiplier.setdefault(multiplier, []).append(parameter)
        self.optimizers = [make_optimizer(spec, tensors, [lr * multiplier], [momentum])
                           for multiplier, tensors in by_multiplier.items()]

    def step(self) -> None:
        for optimizer in self.optimizers:
            optimizer.step()


ParametrizedOptimizer = Optimizer | MultiplierOptimizers


def make_parametrized_optimizer(spec: ExperimentSpec, model: BatchedNet,
                                lrs: Sequence[float] | None = None,
                                momenta: Sequence[float] | None = None,
                                data: DataShape | None = None) -> ParametrizedOptimizer:
    """The spec's optimizer over the model, with μP's per-layer learning rates when asked.

    lrs and momenta give each run its own (a batched group's runs); without them every run
    takes the one lr and momentum a one-cell spec asks for. With several, μP's multipliers
    go into the one per-run optimizer step instead of one optimizer per multiplier.
    data is needed under μP for models other than the plain MLP (see rescale_initialization).
    """
    if spec.param != "mup":
        return make_optimizer(spec, model, lrs, momenta)
    lrs = list(lrs) if lrs else [spec.only("lr")]
    momenta = list(momenta) if momenta else [spec.only("momentum")]
    multipliers = lr_multipliers(model, spec, data)
    if len(set(lrs)) == 1 and len(set(momenta)) == 1:
        return MultiplierOptimizers(spec, list(model.parameters()), multipliers, lrs[0],
                                    momenta[0])
    return make_optimizer(spec, model, lrs, momenta, multipliers)
