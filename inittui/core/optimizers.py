"""One elementwise optimizer over the stacked tensors: exactly one optimizer per run.

Adam and SGD act on each number on its own, so a single optimizer over tensors stacked
on a run axis updates every run exactly as its own optimizer would (a float64 test holds
the engine to it).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from inittui.core.specs import ExperimentSpec

FUSED_DEVICES = ("cpu", "cuda")
"""Devices whose torch builds carry the fused Adam kernel called by `FusedAdam`."""
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
"""torch.optim.Adam's and Keras' defaults."""


class FusedAdam:
    """Adam (Kingma & Ba 2015, PyTorch's defaults) through PyTorch's fused kernel, called directly.

    `torch.optim.Adam(fused=True)` runs this same kernel, but first spends about 0.15 ms of
    Python per step on bookkeeping (grouping tensors by device and dtype, per-parameter
    state lookups): a tenth of a four-initializer step on a 2-core CPU. The stacked model
    has a handful of large tensors that never change, so that bookkeeping is done once.
    """

    def __init__(self, params: Sequence[Tensor], lr: float) -> None:
        self.params = list(params)
        self.lr = lr
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        self.step_count = torch.zeros((), dtype=torch.float32, device=self.params[0].device)

    @torch.no_grad()
    def step(self) -> None:
        grads = [p.grad for p in self.params]
        if any(grad is None for grad in grads):
            raise RuntimeError("every stacked parameter needs its gradient before a step")
        self.step_count.add_(1)
        torch._fused_adam_(  # the kernel reads the step count, shared by every tensor
            self.params, grads, self.exp_avgs, self.exp_avg_sqs, [],
            [self.step_count] * len(self.params), amsgrad=False, lr=self.lr,
            beta1=ADAM_BETAS[0], beta2=ADAM_BETAS[1], weight_decay=0.0, eps=ADAM_EPS,
            maximize=False, grad_scale=None, found_inf=None,
        )


Optimizer = FusedAdam | torch.optim.Optimizer


def make_optimizer(spec: ExperimentSpec, params: Sequence[Tensor]) -> Optimizer:
    """Adam or SGD (with momentum) for the stacked parameters; fused kernels where present."""
    device_type = params[0].device.type
    if spec.optimizer == "adam" and device_type in FUSED_DEVICES:
        return FusedAdam(params, lr=spec.lr)
    if spec.optimizer == "adam":
        try:
            return torch.optim.Adam(params, lr=spec.lr, fused=True)
        except (RuntimeError, TypeError):  # a device without the fused kernel (older MPS)
            return torch.optim.Adam(params, lr=spec.lr)
    try:
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum,
                               fused=device_type in (*FUSED_DEVICES, "mps"))
    except (RuntimeError, TypeError):
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum)
