"""The general batched path against the same K models trained one after another.

    python benchmarks/bench_models.py [--steps N] [--rounds N] [--runs 4,16] [--only mlp,gpt]

For each architecture (mlp, resnet, gpt) and K runs, one training step (forward,
backward, Adam) is timed three or two ways, in interleaved rounds so that machine load
hits them alike:

- stacked: inittui's general path, K copies stacked with `torch.func.stack_module_state`
  and run as one `torch.vmap(functional_call)`, autograd's backward, one fused Adam step
  over the stacked tensors (what the engine runs);
- loop: K ordinary `nn.Module`s, each with its own `torch.optim.Adam`, stepped one after
  another on the same minibatch (what a notebook comparing K initializers does);
- fast (mlp only): the written-out MLP path the engine uses for the plain MLP.

Shapes: mlp 784-128-64-10 (batch 64, bench_engine's model); resnet 8,8,16,16 channels
on 1×28×28 images (batch 32); gpt 2 blocks of width 64 on 64 characters of a 65-symbol
vocabulary (batch 16). Figures are medians over rounds of the mean step time in
milliseconds; "speed-up" is loop / stacked. A script that prints figures, never a
timed test: this machine is shared, so read them with the load average printed first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from inittui.core.batching import StackedModel
from inittui.core.models import GPT, MLP, BatchedMLP, ResNet
from inittui.core.optimizers import FusedAdam

LR = 1e-3


Batch = tuple[torch.Tensor, torch.Tensor]


def images(batch: int) -> Batch:
    return torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))


def tokens(batch: int) -> Batch:
    return torch.randint(0, 65, (batch, 64)), torch.randint(0, 65, (batch, 64))


def architectures() -> dict[str, tuple[Callable[[], torch.nn.Module], Callable[[], Batch]]]:
    """name -> (constructor of one run's model, a minibatch of (inputs, labels))."""
    return {
        "mlp": (lambda: MLP((1, 28, 28), 10, (128, 64), "relu"), lambda: images(64)),
        "resnet": (lambda: ResNet((1, 28, 28), 10, (8, 8, 16, 16), "relu"),
                   lambda: images(32)),
        "gpt": (lambda: GPT((64,), 65, (64, 64), "gelu"), lambda: tokens(16)),
    }


def time_steps(step: Callable[[], None], steps: int) -> float:
    step()  # warm-up: allocations, autograd graph caches
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1000


def stacked_step(make: Callable[[], torch.nn.Module], runs: int,
                 batch: tuple[torch.Tensor, torch.Tensor]) -> Callable[[], None]:
    model = StackedModel(make, "relu", 1, runs)
    optimizer = FusedAdam(list(model.parameters()), LR)
    x, y = batch[0].unsqueeze(0), batch[1].unsqueeze(0)
    active = torch.ones(runs, dtype=torch.bool)

    def step() -> None:
        model.loss_and_gradients(x, y, active)
        optimizer.step()
    return step


def loop_step(make: Callable[[], torch.nn.Module], runs: int,
              batch: tuple[torch.Tensor, torch.Tensor]) -> Callable[[], None]:
    models = [make() for _ in range(runs)]
    optimizers = [torch.optim.Adam(m.parameters(), lr=LR) for m in models]
    x, y = batch

    def step() -> None:
        for model, optimizer in zip(models, optimizers):
            optimizer.zero_grad()
            logits = model(x)
            F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).backward()
            optimizer.step()
    return step


def fast_step(runs: int, batch: tuple[torch.Tensor, torch.Tensor]) -> Callable[[], None]:
    model = BatchedMLP(784, (128, 64), 10, "relu", 1, runs)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.05)
    optimizer = FusedAdam(list(model.parameters()), LR)
    x, y = batch[0].unsqueeze(0), batch[1].unsqueeze(0)
    active = torch.ones(runs, dtype=torch.bool)

    def step() -> None:
        model.loss_and_gradients(x, y, active)
        optimizer.step()
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="steps per timing")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--runs", default="4,16", help="K values, comma-separated")
    parser.add_argument("--only", default="mlp,resnet,gpt", help="architectures")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {os.getloadavg()[0]:.1f}, {args.steps} steps x {args.rounds} rounds")
    print(f"{'model':<8}{'K':>4}{'stacked ms':>12}{'loop ms':>10}{'speed-up':>10}"
          f"{'fast ms':>10}")
    table = architectures()
    for name in args.only.split(","):
        make, data = table[name]
        for runs in (int(k) for k in args.runs.split(",")):
            batch = data()
            variants = {"stacked": stacked_step(make, runs, batch),
                        "loop": loop_step(make, runs, batch)}
            if name == "mlp":
                variants["fast"] = fast_step(runs, batch)
            times: dict[str, list[float]] = {key: [] for key in variants}
            for _ in range(args.rounds):
                for key, step in variants.items():
                    times[key].append(time_steps(step, args.steps))
            median = {key: statistics.median(values) for key, values in times.items()}
            fast = f"{median['fast']:>10.1f}" if "fast" in median else f"{'-':>10}"
            print(f"{name:<8}{runs:>4}{median['stacked']:>12.1f}{median['loop']:>10.1f}"
                  f"{median['loop'] / median['stacked']:>9.2f}x{fast}", flush=True)


if __name__ == "__main__":
    main()
