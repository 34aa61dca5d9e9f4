"""What each attempt to bring the MLP's step nearer its roofline gave, side by side.

    python benchmarks/bench_floor.py [--rounds N] [--only adam,step,layout,threads]

Issue 25's speed goals (a grid never slower than the same runs as separate sweeps; within
1.3x of the roofline at 16 and 64 runs) named three things to try. Each is timed here
against what the engine runs today, in interleaved rounds (so machine load hits both),
as paired ratios, median [min-max]:

- adam: one Adam step over a stacked MLP's parameters (random gradients) at 16 and 64
  runs with per-run learning rates (a grid's runs): the fused kernel with one shared lr
  (the floor: one pass over memory), today's per-run path (the fused kernel at lr 1 into a
  zeroed buffer, then one multiply-add per tensor), that path without the zeroing pass
  (the buffer accumulates and the weights are anchor + step size x buffer), today's three
  passes taken block by block so the buffer stays in cache between them, and the same
  arithmetic as one `torch.compile`d (inductor, C++) pass per tensor. Also whether the
  fused kernel takes a per-run lr tensor itself, and whether it may be handed a strided
  view (a first-layer run's columns), printed as found.
- step: one training step (forward, backward, Adam with one lr) of the default 16-run
  sweep (4 initializers x 4 seeds, batch 64): the written-out `BatchedMLP`, the same with
  `torch.compile` of its `loss_and_gradients`, the general `StackedModel` of the plain MLP
  (vmap + autograd), and that as a compiled `torch.func.grad_and_value` of the vmapped
  loss. The first call's seconds (compilation, on a fresh inductor cache) are printed.
- layout: the first layer's four products (forward, weight gradient, 16 runs x batch 64):
  today's one product per seed over (seeds, in, inits x out), one product per run over
  (runs, in, out) (the layout in which a per-run lr's slices would be contiguous, so the
  fused kernel could take each lr's runs in one call), and (seeds, inits x out, in), the
  weight transposed; and the output layer's weight gradient written straight into its
  (runs, in, classes) buffer against today's transposed product and copy.
- threads: today's 16-run training step at 2 threads against 1.

A script that prints figures, never a timed test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor
from torch.func import functional_call, grad_and_value

from inittui.core.models import MLP, BatchedMLP
from inittui.core.models.stacked import StackedModel
from inittui.core.training.optimizers import ADAM_BETAS, ADAM_EPS, FusedAdam, PerRunAdam

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import load, spread  # a sibling script, not a package

BETA1, BETA2 = ADAM_BETAS
HIDDEN, CLASSES, INPUTS, BATCH = (128, 64), 10, 784, 64


def timed_rounds(variants: dict[str, Callable[[], None]], rounds: int,
                 repeats: int) -> dict[str, list[float]]:
    """ms per call of each variant, per round; variants interleaved within a round."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, call in variants.items():
            started = time.perf_counter()
            for _ in range(repeats):
                call()
            times[name].append((time.perf_counter() - started) / repeats * 1e3)
    return times


def print_times(title: str, times: dict[str, list[float]]) -> None:
    base = next(iter(times.values()))
    print(f"\n{title}, ms, median [min-max] over {len(base)} interleaved rounds, and paired "
          f"x the first line ({load()}):")
    for name, values in times.items():
        paired = [value / first for value, first in zip(values, base)]
        print(f"  {name:<52} {spread(values, 3):>22}   x {spread(paired)}")


def warm(variants: dict[str, Callable[[], None]], calls: int = 3) -> None:
    """First calls (compilation where there is one), their seconds printed."""
    for name, call in variants.items():
        started = time.perf_counter()
        for _ in range(calls):
            call()
        print(f"  first {calls} calls of {name}: {time.perf_counter() - started:.1f} s")


# --------------------------------------------------------------------------- adam


def one_pass_adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
                  exp_avg_sqs: list[Tensor], sizes: list[Tensor], correction1: Tensor,
                  correction2_sqrt: Tensor) -> None:
    """Adam with per-number step sizes, written to be compiled into one loop per tensor."""
    for p, g, m, v, size in zip(params, grads, exp_avgs, exp_avg_sqs, sizes):
        m.lerp_(g, 1 - BETA1)
        v.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
        p.sub_(size * (m / correction1) / (v.sqrt() / correction2_sqrt + ADAM_EPS))


class CompiledAdam:
    """`one_pass_adam` through torch.compile; the corrections are tensors (no recompiles)."""

    def __init__(self, params: list[Tensor], sizes: list[Tensor]) -> None:
        self.params, self.sizes = params, sizes
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.steps = 0
        self.corrections = torch.zeros(()), torch.zeros(())
        self.compiled = torch.compile(one_pass_adam, fullgraph=True, dynamic=False)

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        self.corrections[0].fill_(1 - BETA1 ** self.steps)
        self.corrections[1].fill_((1 - BETA2 ** self.steps) ** 0.5)
        self.compiled(self.params, [p.grad for p in self.params], self.exp_avgs,
                      self.exp_avg_sqs, self.sizes, *self.corrections)


class AnchoredAdam(PerRunAdam):
    """Today's per-run path without its zeroing pass: the kernel's buffer accumulates the
    updates, and each weight is its starting value plus step size x buffer."""

    def __init__(self, params: list[Tensor], sizes: list[Tensor]) -> None:
        super().__init__(params, sizes, fused=True)
        self.anchors = [p.detach().clone() for p in self.params]

    def _fused_step(self, grads: list[Tensor]) -> None:
        self.step_count.add_(1)
        torch._fused_adam_(
            self.updates, grads, self.exp_avgs, self.exp_avg_sqs, [],
            [self.step_count] * len(self.updates), amsgrad=False, lr=1.0, beta1=BETA1,
            beta2=BETA2, weight_decay=0.0, eps=ADAM_EPS, maximize=False, grad_scale=None,
            found_inf=None)
        for p, anchor, update, size in zip(self.params, self.anchors, self.updates,
                                           self.step_sizes):
            torch.addcmul(anchor, update, size, out=p)


class ChunkedAdam(PerRunAdam):
    """Today's per-run path taken in contiguous blocks of about `elements` numbers, each
    zeroed, stepped and scaled before the next, so the update buffer's block stays in
    cache between its three passes (bit-identical to today's: the same kernel and ops)."""

    def __init__(self, params: list[Tensor], sizes: list[Tensor], elements: int) -> None:
        super().__init__(params, sizes, fused=True)
        self.elements = elements

    def _fused_step(self, grads: list[Tensor]) -> None:
        self.step_count.add_(1)
        for p, g, m, v, update, size in zip(self.params, grads, self.exp_avgs,
                                            self.exp_avg_sqs, self.updates, self.step_sizes):
            axis = next((i for i, n in enumerate(p.shape) if n > 1), 0)  # leading 1s: contiguous
            rows = max(1, self.elements // (p.numel() // p.shape[axis]))
            for start in range(0, p.shape[axis], rows):
                block = (slice(None),) * axis + (slice(start, start + rows),)
                sizes = block if size.shape[axis] > 1 else (slice(None),) * (axis + 1)
                chunk = update[block]
                chunk.zero_()
                torch._fused_adam_(
                    [chunk], [g[block]], [m[block]], [v[block]], [], [self.step_count],
                    amsgrad=False, lr=1.0, beta1=BETA1, beta2=BETA2, weight_decay=0.0,
                    eps=ADAM_EPS, maximize=False, grad_scale=None, found_inf=None)
                p[block].addcmul_(chunk, size[sizes])


def with_grads(runs_per_seed: int, seeds: int = 1) -> BatchedMLP:
    model = BatchedMLP(INPUTS, HIDDEN, CLASSES, "relu", seeds, runs_per_seed)
    for parameter in model.parameters():
        parameter.grad = torch.randn_like(parameter)
    return model


def kernel_findings() -> None:
    """What the fused kernel accepts: a per-run lr tensor? a strided view?"""
    params, grads = [torch.randn(4, 8)], [torch.randn(4, 8)]
    state = [[torch.zeros(4, 8)], [torch.zeros(4, 8)], [], [torch.ones(())]]
    try:
        torch._fused_adam_(params, grads, *state, amsgrad=False, lr=torch.full((4, 1), 0.1),
                           beta1=BETA1, beta2=BETA2, weight_decay=0.0, eps=ADAM_EPS,
                           maximize=False, grad_scale=None, found_inf=None)
        print("  the fused kernel took a (4, 1) lr tensor")
    except RuntimeError as error:
        print(f"  a per-run lr tensor in the fused kernel: RuntimeError: "
              f"{str(error).splitlines()[0]} (only a 0-d lr tensor is accepted)")
    start = torch.randn(4, 8)
    strided, contiguous = start.clone(), start[:, ::2].contiguous()
    grad = torch.randn(4, 4)
    for target in (strided[:, ::2], contiguous):
        torch._fused_adam_([target], [grad], [torch.zeros(4, 4)], [torch.zeros(4, 4)], [],
                           [torch.ones(())], amsgrad=False, lr=0.1, beta1=BETA1,
                           beta2=BETA2, weight_decay=0.0, eps=ADAM_EPS, maximize=False,
                           grad_scale=None, found_inf=None)
    touched = (strided[:, 1::2] - start[:, 1::2]).abs().max().item()
    print(f"  the fused kernel on a strided view (every other column): the columns outside "
          f"the view moved by up to {touched:.3f}, the view's own differ from a contiguous "
          f"copy's by {(strided[:, ::2] - contiguous).abs().max().item():.3f}: it reads "
          "memory linearly, so a first-layer run's columns cannot be handed to it")


def adam_attempts(rounds: int) -> None:
    print("\nadam: one step, per-run learning rates (fresh inductor cache, "
          f"{os.environ['TORCHINDUCTOR_CACHE_DIR']})")
    kernel_findings()
    for runs, repeats in ((16, 100), (64, 25)):
        lrs = torch.tensor([1e-3 * (1 + run % 4) for run in range(runs)])
        models = [with_grads(runs) for _ in range(5)]
        variants = {
            "fused kernel, one lr (the floor's one pass)":
                FusedAdam(list(models[0].parameters()), 1e-3).step,
            "per-run, today: kernel at lr 1, then multiply-add":
                PerRunAdam(list(models[1].parameters()), models[1].per_run(lrs)).step,
            "per-run, no zeroing pass (anchor + size x buffer)":
                AnchoredAdam(list(models[2].parameters()), models[2].per_run(lrs)).step,
            "per-run, today's passes in cache-sized blocks (256K)":
                ChunkedAdam(list(models[3].parameters()), models[3].per_run(lrs), 1 << 18).step,
            "per-run, torch.compile: one pass per tensor":
                CompiledAdam(list(models[4].parameters()), models[4].per_run(lrs)).step,
        }
        warm(variants)
        print_times(f"Adam step, {runs} runs", timed_rounds(variants, rounds, repeats))


# --------------------------------------------------------------------------- step


def step_attempts(rounds: int, seeds: int = 4, inits: int = 4) -> None:
    runs = seeds * inits
    x = torch.randn(seeds, BATCH, 1, 28, 28)
    y = torch.randint(0, CLASSES, (seeds, BATCH))
    active = torch.ones(runs, dtype=torch.bool)

    def fresh(model: BatchedMLP | StackedModel) -> BatchedMLP | StackedModel:
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_(0, 0.05)
        return model

    def stepper(model: BatchedMLP | StackedModel,
                gradients: Callable[[Tensor, Tensor, Tensor], object]) -> Callable[[], None]:
        optimizer: list[FusedAdam] = []

        def step() -> None:
            gradients(x, y, active)
            if not optimizer:  # every .grad exists after the first call
                optimizer.append(FusedAdam(list(model.parameters()), 1e-3))
            optimizer[0].step()
        return step

    def make() -> MLP:
        return MLP((1, 28, 28), CLASSES, HIDDEN, "relu")

    fast, fast_compiled = (fresh(BatchedMLP(INPUTS, HIDDEN, CLASSES, "relu", seeds, inits))
                           for _ in range(2))
    general, general_compiled = (fresh(StackedModel(make, "relu", seeds, inits))
                                 for _ in range(2))
    skeleton, names = general_compiled.skeleton, general_compiled.names

    def summed_loss(params: dict[str, Tensor], xs: Tensor, labels: Tensor,
                    mask: Tensor) -> tuple[Tensor, Tensor]:
        logits = torch.vmap(lambda p, one: functional_call(skeleton, p, (one,)))(
            params, xs.repeat_interleave(inits, dim=0))
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, CLASSES), labels.repeat_interleave(inits, dim=0).reshape(-1),
            reduction="none").view(runs, -1).mean(dim=1)
        return torch.where(mask, loss, torch.zeros_like(loss)).sum(), loss

    compiled_grads = torch.compile(grad_and_value(summed_loss, has_aux=True), dynamic=False)

    def general_compiled_gradients(xs: Tensor, labels: Tensor, mask: Tensor) -> None:
        grads, _ = compiled_grads(dict(zip(names, general_compiled.stacked)), xs, labels, mask)
        for name, parameter in zip(names, general_compiled.stacked):
            parameter.grad = grads[name]

    variants = {
        "(a) BatchedMLP, written-out backward (today)":
            stepper(fast, fast.loss_and_gradients),
        "(a) + torch.compile(loss_and_gradients)":
            stepper(fast_compiled, torch.compile(fast_compiled.loss_and_gradients,
                                                 dynamic=False)),
        "(b) StackedModel(MLP), vmap + autograd":
            stepper(general, general.loss_and_gradients),
        "(b) as torch.compile(grad_and_value(vmapped loss))":
            stepper(general_compiled, general_compiled_gradients),
    }
    print(f"\nstep: one training step, {runs} runs ({seeds} seeds x {inits} initializers), "
          "batch 64, Adam one lr")
    warm(variants)
    print_times(f"training step, {runs} runs", timed_rounds(variants, rounds, 20))


# --------------------------------------------------------------------------- layout


def layout_attempts(rounds: int, seeds: int = 4, inits: int = 4) -> None:
    runs, width = seeds * inits, HIDDEN[0]
    x = torch.randn(seeds, BATCH, INPUTS)
    per_seed = torch.randn(seeds, INPUTS, inits * width)
    per_run = torch.randn(runs, INPUTS, width)
    transposed = torch.randn(seeds, inits * width, INPUTS)
    bias_seed, bias_run = torch.randn(seeds, 1, inits * width), torch.randn(runs, 1, width)
    grad_seed, grad_run = torch.randn(seeds, BATCH, inits * width), torch.randn(runs, BATCH, width)
    out_seed, out_run = torch.empty_like(per_seed), torch.empty_like(per_run)
    out_transposed = torch.empty_like(transposed)
    x_runs = x.repeat_interleave(inits, dim=0)

    def today() -> None:
        torch.baddbmm(bias_seed, x, per_seed)
        torch.bmm(x.transpose(1, 2), grad_seed, out=out_seed)

    def one_per_run() -> None:
        torch.baddbmm(bias_run, x_runs, per_run)
        torch.bmm(x_runs.transpose(1, 2), grad_run, out=out_run)

    def weight_transposed() -> None:
        torch.baddbmm(bias_seed, x, transposed.transpose(1, 2))
        torch.bmm(grad_seed.transpose(1, 2), x, out=out_transposed)

    hidden, classes = HIDDEN[-1], CLASSES
    inputs = torch.randn(runs, BATCH, hidden)
    grad = torch.randn(runs, classes, BATCH)
    buffer = torch.empty(runs, hidden, classes)

    def output_today() -> None:
        buffer.copy_(torch.bmm(grad, inputs).transpose(1, 2))

    def output_direct() -> None:
        torch.bmm(inputs.transpose(1, 2), grad.transpose(1, 2), out=buffer)

    print(f"\nlayout: the first layer's forward and weight-gradient products, {runs} runs "
          f"({seeds} seeds x {inits}), batch 64")
    print_times("first layer, two products", timed_rounds(
        {"one product per seed, (seeds, in, inits x out) (today)": today,
         "one product per run, (runs, in, out)": one_per_run,
         "weight transposed, (seeds, inits x out, in)": weight_transposed}, rounds, 50))
    print_times("output layer's weight gradient", timed_rounds(
        {"transposed product, then copied into (runs, in, classes) (today)": output_today,
         "product written straight into (runs, in, classes)": output_direct}, rounds, 200))


def thread_attempts(rounds: int) -> None:
    model = BatchedMLP(INPUTS, HIDDEN, CLASSES, "relu", 4, 4)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0, 0.05)
    x, y = torch.randn(4, BATCH, 1, 28, 28), torch.randint(0, CLASSES, (4, BATCH))
    active = torch.ones(16, dtype=torch.bool)
    model.loss_and_gradients(x, y, active)
    optimizer = FusedAdam(list(model.parameters()), 1e-3)
    threads = torch.get_num_threads()

    def step_at(count: int) -> Callable[[], None]:
        def step() -> None:
            torch.set_num_threads(count)
            model.loss_and_gradients(x, y, active)
            optimizer.step()
        return step

    variants = {f"{threads} threads (torch's default here)": step_at(threads),
                "1 thread": step_at(1)}
    print_times("threads: today's training step, 16 runs",
                timed_rounds(variants, rounds, 20))
    torch.set_num_threads(threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--only", default="adam,step,layout,threads")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="inittui-inductor-"))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads ({load()})")
    attempts = {"adam": adam_attempts, "step": step_attempts, "layout": layout_attempts,
                "threads": thread_attempts}
    for name in args.only.split(","):
        attempts[name](args.rounds)


if __name__ == "__main__":
    main()
