"""One elementwise optimizer over the stacked tensors: exactly one optimizer per run.

Adam and SGD act on each number on its own, so a single optimizer over tensors stacked
on a run axis updates every run exactly as its own optimizer would (a float64 test holds
the engine to it). That stays true when every run has its own learning rate and momentum
(a grid's runs): they become tensors on the run axis, in the same elementwise step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import torch
from torch import Tensor, nn

from inittui.core.spec.experiment import ExperimentSpec

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


class PerRunAdam:
    """Adam with its own step size for every number: a per-run lr, times a per-tensor factor.

    Adam's update m̂ / (√v̂ + ε) does not depend on the learning rate, so the fused kernel
    computes it at lr 1 into a zeroed buffer, and one multiply-add per tensor scales it by
    the step sizes (tensors shaped to broadcast over each parameter's layout) into the
    weights. That is two extra passes over memory against the fused kernel's one, where
    the same arithmetic in separate foreach operations takes nine: a grid's runs with
    different learning rates then cost about what one shared lr costs
    (benchmarks/bench_grid.py). On a device without the fused kernel, the foreach form
    of torch.optim.Adam's single-tensor path runs instead.
    """

    def __init__(self, params: Sequence[Tensor], step_sizes: Sequence[Tensor],
                 fused: bool | None = None) -> None:
        """fused: None takes the fused kernel wherever the device has it."""
        self.params = list(params)
        self.step_sizes = list(step_sizes)
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        self.steps = 0
        self.fused = self.params[0].device.type in FUSED_DEVICES if fused is None else fused
        # The kernel's output, -m̂ / (√v̂ + ε) for every number, before the step sizes.
        self.updates = [torch.zeros_like(p) for p in self.params] if self.fused else []
        self.step_count = torch.zeros((), dtype=torch.float32, device=self.params[0].device)

    @torch.no_grad()
    def step(self) -> None:
        grads = _grads(self.params)
        self.steps += 1
        if self.fused:
            self._fused_step(grads)
        else:
            self._foreach_step(grads)

    def _fused_step(self, grads: list[Tensor]) -> None:
        self.step_count.add_(1)
        torch._foreach_zero_(self.updates)
        torch._fused_adam_(
            self.updates, grads, self.exp_avgs, self.exp_avg_sqs, [],
            [self.step_count] * len(self.updates), amsgrad=False, lr=1.0,
            beta1=ADAM_BETAS[0], beta2=ADAM_BETAS[1], weight_decay=0.0, eps=ADAM_EPS,
            maximize=False, grad_scale=None, found_inf=None,
        )
        # One tensor at a time: foreach kernels fall back to this loop for broadcast
        # operands anyway, and the loop skips their checks.
        for parameter, update, size in zip(self.params, self.updates, self.step_sizes):
            parameter.addcmul_(update, size)

    def _foreach_step(self, grads: list[Tensor]) -> None:
        beta1, beta2 = ADAM_BETAS
        bias_correction1 = 1 - beta1 ** self.steps
        bias_correction2_sqrt = (1 - beta2 ** self.steps) ** 0.5
        torch._foreach_lerp_(self.exp_avgs, grads, 1 - beta1)
        torch._foreach_mul_(self.exp_avg_sqs, beta2)
        torch._foreach_addcmul_(self.exp_avg_sqs, grads, grads, 1 - beta2)
        denom = torch._foreach_sqrt(self.exp_avg_sqs)
        torch._foreach_div_(denom, bias_correction2_sqrt)
        torch._foreach_add_(denom, ADAM_EPS)
        update = torch._foreach_div(self.exp_avgs, denom)
        torch._foreach_mul_(update, self.step_sizes)
        torch._foreach_add_(self.params, update, alpha=-1 / bias_correction1)


class PerRunSGD:
    """SGD with momentum (PyTorch's form, no dampening), per-run lr and momentum tensors."""

    def __init__(self, params: Sequence[Tensor], step_sizes: Sequence[Tensor],
                 momenta: Sequence[Tensor]) -> None:
        self.params = list(params)
        self.negative_steps = [-size for size in step_sizes]
        self.momenta = list(momenta)
        # buffer = momentum * buffer + grad starts from zeros: the first step's buffer is
        # the gradient itself, as torch.optim.SGD's clone of it.
        self.buffers = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        grads = _grads(self.params)
        torch._foreach_mul_(self.buffers, self.momenta)
        torch._foreach_add_(self.buffers, grads)
        torch._foreach_addcmul_(self.params, self.buffers, self.negative_steps)


def _grads(params: list[Tensor]) -> list[Tensor]:
    grads = [p.grad for p in params]
    if any(grad is None for grad in grads):
        raise RuntimeError("every stacked parameter needs its gradient before a step")
    return grads  # type: ignore[return-value]


Optimizer = FusedAdam | PerRunAdam | PerRunSGD | torch.optim.Optimizer


class RunLayout(Protocol):
    """A stacked model that can spread per-run values over its parameters' layouts."""

    runs: int

    def parameters(self) -> Iterator[nn.Parameter]: ...

    def per_run(self, values: Tensor) -> list[Tensor]: ...


def make_optimizer(spec: ExperimentSpec, model: RunLayout | Sequence[Tensor],
                   lrs: Sequence[float] | None = None,
                   momenta: Sequence[float] | None = None,
                   lr_multipliers: Sequence[float] | None = None) -> Optimizer:
    """Adam or SGD (with momentum) over a stacked model's parameters.

    lrs and momenta give every run its own (a grid group's runs'); without them every run
    takes the one lr and momentum a one-cell spec asks for. lr_multipliers scale the lr of
    each parameter tensor, in `parameters()` order (μP's per-layer learning rates). With one
    lr and momentum for all and no multipliers, the fused kernels run; otherwise the
    per-run optimizers, which need the model's layout.
    """
    params = list(model.parameters()) if hasattr(model, "parameters") else list(model)
    lrs = list(lrs) if lrs else [spec.only("lr")]
    momenta = list(momenta) if momenta else [spec.only("momentum")]
    if len(set(lrs)) == 1 and len(set(momenta)) == 1 and lr_multipliers is None:
        return _shared_optimizer(spec.optimizer, params, lrs[0], momenta[0])
    if not hasattr(model, "per_run"):
        raise TypeError("per-run learning rates need the stacked model, not its parameters")
    layout: RunLayout = model  # type: ignore[assignment]
    device, dtype = params[0].device, params[0].dtype
    run_lrs = torch.tensor(lrs if len(lrs) > 1 else lrs * layout.runs,
                           dtype=dtype, device=device)
    step_sizes = layout.per_run(run_lrs)
    if lr_multipliers is not None:
        if len(lr_multipliers) != len(params):
            raise ValueError(f"{len(lr_multipliers)} lr multipliers for {len(params)} "
                             "parameter tensors")
        step_sizes = [size * factor for size, factor in zip(step_sizes, lr_multipliers)]
    if spec.optimizer == "adam":
        return PerRunAdam(params, step_sizes)
    run_momenta = torch.tensor(momenta if len(momenta) > 1 else momenta * layout.runs,
                               dtype=dtype, device=device)
    return PerRunSGD(params, step_sizes, layout.per_run(run_momenta))


def _shared_optimizer(name: str, params: list[Tensor], lr: float,
                      momentum: float) -> Optimizer:
    """One lr for every run: the fused kernels, as fast as a step gets."""
    device_type = params[0].device.type
    if name == "adam" and device_type in FUSED_DEVICES:
        return FusedAdam(params, lr=lr)
    if name == "adam":
        try:
            return torch.optim.Adam(params, lr=lr, fused=True)
        except (RuntimeError, TypeError):  # a device without the fused kernel (older MPS)
            return torch.optim.Adam(params, lr=lr)
    try:
        return torch.optim.SGD(params, lr=lr, momentum=momentum,
                               fused=device_type in (*FUSED_DEVICES, "mps"))
    except (RuntimeError, TypeError):
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
