"""A learning-rate grid as one batched model, against the ways it is trained without one.

    python benchmarks/bench_grid.py [--epochs N] [--reference-models N] [--rounds N]
                                    [--no-roofline] [--steps-only]

The grid: 5 learning rates (1e-4 .. 1e-1) x 4 initializers = 20 runs of the MLP
784-128-64-10 with Adam, batch 64, on 60,000 MNIST-shaped digits (the data and the
notebook loop are bench_engine.py's, imported, not copied). Side by side, per epoch of all
20 runs:

1. one batched model of 20 runs: lr is a per-run tensor of one optimizer step;
2. five separate 4-run sweeps, one per learning rate (the engine before grids);
3. the notebook loop: one model after another, 20 model-epochs (timed on a few models,
   `--reference-models`, and multiplied up: it is the same loop every time).

Then the engine against a roofline floor for 4, 16 and 64 runs (4 initializers x 1, 4 and
16 learning rates): an epoch's matrix-product FLOPs at the measured fp32 matmul rate, plus
the optimizer's bytes at the measured memory-stream rate. Adam reads a parameter, its
gradient and two moments and writes back three: 7 x 4 bytes per parameter and step. The
stream rate is that of a large `torch.add(a, b, out=c)` (12 bytes per element).
Also the cost of per-run learning rates alone: one Adam step of 16 runs through the fused
kernel with one lr, with per-run lrs as the engine takes them (the fused kernel's lr-free
update, then the step sizes), and with per-run lrs in foreach operations (the path of a
device without the fused kernel).

First, and alone with `--steps-only` (seconds, and steady on a busy machine): one training
step (forward, backward, Adam) of the 20 runs as one model against the same step as five
4-run models, rounds interleaving the variants; the one model with the per-run lr through
the fused kernel (as the engine runs it), in foreach operations (as it ran before), and
with one shared lr (the fused kernel alone: the floor the per-run path can reach).

A script that prints figures, never a timed test; the machine may be shared, so the load
average is printed with the figures, and `--rounds` repeats the grid and the split sweeps
in turn (medians and ranges), so that load hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import (  # a sibling script, not a package
    LAYERS,
    TRAIN,
    digits_folder,
    engine_sweep,
    flops_per_sample,
    load,
    matmul_rate,
    reference_epoch,
    spread,
)

from inittui.core.models import BatchedMLP
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.engine import train_step
from inittui.core.training.optimizers import PerRunAdam, make_optimizer

INITS = ("zeros", "normal", "xavier-normal", "he-normal")
LRS = (1e-4, 1e-3, 3e-3, 1e-2, 1e-1)
ROOFLINE_LRS = {4: (1e-3,), 16: (1e-4, 1e-3, 1e-2, 1e-1),
                64: tuple(10 ** (-4 + 3 * i / 15) for i in range(16))}
ADAM_BYTES = 7 * 4
STREAM_ELEMENTS = 32 * 2**20
VAL_SPLIT = 0.01


def stream_rate(device: torch.device, repeats: int = 5) -> float:
    """Median bytes/s of an elementwise add over large tensors (2 reads, 1 write)."""
    a, b = (torch.randn(STREAM_ELEMENTS, device=device) for _ in range(2))
    out = torch.empty_like(a)
    torch.add(a, b, out=out)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.add(a, b, out=out)
        times.append(time.perf_counter() - started)
    return 12 * STREAM_ELEMENTS / statistics.median(times)


def parameters_per_run(layers: Sequence[int]) -> int:
    return sum(a * b + b for a, b in pairwise(layers))


def floor_seconds(runs: int, samples: int, flop_rate: float, byte_rate: float,
                  batch: int = 64) -> tuple[float, float]:
    """(matmul seconds, optimizer-bytes seconds) of one epoch of `runs` models."""
    steps = -(-samples // batch)
    matmul = flops_per_sample(LAYERS) * samples * runs / flop_rate
    optimizer = ADAM_BYTES * parameters_per_run(LAYERS) * runs * steps / byte_rate
    return matmul, optimizer


def epoch_seconds(spec: ExperimentSpec) -> float:
    """The engine's own training time per epoch (median), scaled to TRAIN samples."""
    timing = engine_sweep(spec)
    return statistics.median(timing.train_s) * TRAIN / timing.samples


def adam_step_ms(path: str, runs_per_seed: int = 16, repeats: int = 200) -> float:
    """One Adam step of a 16-run stack: `fused` (one lr for all), `per-run` (the per-run
    lr path as the engine takes it) or `foreach` (the per-run path without the fused
    kernel, as on a device that lacks it, and as every per-run step was before)."""
    model = BatchedMLP(LAYERS[0], LAYERS[1:-1], LAYERS[-1], "relu", 1, runs_per_seed)
    for parameter in model.parameters():
        parameter.grad = torch.randn_like(parameter)
    lrs = [1e-3 * (1 + run % 5) for run in range(model.runs)]
    if path == "fused":
        optimizer = make_optimizer(ExperimentSpec(), model, [1e-3] * model.runs)
    else:
        optimizer = PerRunAdam(list(model.parameters()), model.per_run(torch.tensor(lrs)),
                               fused=path == "per-run")
    for _ in range(10):
        optimizer.step()
    started = time.perf_counter()
    for _ in range(repeats):
        optimizer.step()
    return (time.perf_counter() - started) / repeats * 1e3


def step_variants(batch: int = 64) -> dict[str, list]:
    """Closures that each take one training step; 5 x 4 runs is a list of five."""
    images = torch.randn(1, batch, LAYERS[0])
    labels = torch.randint(0, LAYERS[-1], (1, batch))

    def stepper(runs_per_seed: int, path: str, lrs: Sequence[float]):
        model = BatchedMLP(LAYERS[0], LAYERS[1:-1], LAYERS[-1], "relu", 1, runs_per_seed)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_(0, 0.05)
        active = torch.ones(model.runs, dtype=torch.bool)
        model.loss_and_gradients(images, labels, active)  # every .grad exists
        if path == "fused":
            optimizer = make_optimizer(ExperimentSpec(), model, [lrs[0]] * model.runs)
        else:
            optimizer = PerRunAdam(list(model.parameters()), model.per_run(torch.tensor(
                [lrs[run // len(INITS)] for run in range(model.runs)])),
                fused=path == "per-run")
        return lambda: train_step(model, optimizer, images, labels, active)

    grid = len(LRS) * len(INITS)
    return {
        "one model, per-run lr (fused kernel)": [stepper(grid, "per-run", LRS)],
        "one model, per-run lr (foreach, before)": [stepper(grid, "foreach", LRS)],
        "one model, one lr (fused kernel alone)": [stepper(grid, "fused", LRS)],
        "five 4-run models, one per lr": [stepper(len(INITS), "fused", (lr,)) for lr in LRS],
    }


def step_times(rounds: int = 7, steps: int = 20) -> dict[str, list[float]]:
    """ms per training step of all 20 runs, per round; variants interleaved in each."""
    variants = step_variants()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for steppers in variants.values():
        for step in steppers:
            for _ in range(3):
                step()
    for _ in range(rounds):
        for name, steppers in variants.items():
            started = time.perf_counter()
            for step in steppers:
                for _ in range(steps):
                    step()
            times[name].append((time.perf_counter() - started) / steps * 1e3)
    return times


def print_step_times(rounds: int) -> None:
    times = step_times(rounds=max(rounds, 5))
    base = statistics.median(times["one model, per-run lr (fused kernel)"])
    print(f"\none training step of 20 runs (batch 64, Adam), ms, median [min-max] of "
          f"{len(next(iter(times.values())))} interleaved rounds ({load()}):")
    for name, values in times.items():
        print(f"  {name:<42} {spread(values)}   {statistics.median(values) / base:.2f}x")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="engine epochs per variant")
    parser.add_argument("--reference-models", type=int, default=2,
                        help="notebook-loop model-epochs to time (multiplied up to 20)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="times the grid and the split sweeps are timed, in turn")
    parser.add_argument("--steps-only", action="store_true",
                        help="only the interleaved training-step comparison (seconds)")
    parser.add_argument("--no-roofline", action="store_true",
                        help="skip the roofline table (4, 16 and 64 runs)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come
    print(f"CPU, {torch.get_num_threads()} threads ({load()})")
    print_step_times(args.rounds)
    if args.steps_only:
        return
    with digits_folder("inittui-bench-grid-") as root:
        run(root, args.epochs, args.reference_models, args.rounds, not args.no_roofline)


def run(root: Path, epochs: int, reference_models: int, rounds: int = 1,
        roofline: bool = True) -> None:
    cpu = torch.device("cpu")
    base = ExperimentSpec(inits=INITS, dataset="mnist", data_dir=str(root), val_split=VAL_SPLIT,
                          epochs=epochs, device="cpu")
    flop_rate, byte_rate = matmul_rate(cpu), stream_rate(cpu)
    print(f"matmul {flop_rate / 1e9:.1f} GFLOP/s, memory stream {byte_rate / 1e9:.1f} GB/s")

    grids, splits, separate = [], [], []
    for _ in range(rounds):  # in turn, so that the machine's load hits both alike
        grids.append(epoch_seconds(base.with_axis("lr", LRS)))
        sweeps = [epoch_seconds(replace(base, lr=lr)) for lr in LRS]
        splits.append(sum(sweeps))
        separate.extend(sweeps)
    grid, split = statistics.median(grids), statistics.median(splits)
    reference = [reference_epoch(root, INITS[i % len(INITS)], seed=i)[0]
                 for i in range(reference_models)]
    runs = len(LRS) * len(INITS)
    notebook = statistics.median(reference) * runs
    print(f"\n5 lr x 4 init = {runs} runs, one epoch of {TRAIN:,} samples each, median of "
          f"{rounds} round{'s' if rounds != 1 else ''} ({load()}):")
    print(f"  {'one batched model (20 runs)':<40} {grid:8.2f} s   1.00x  "
          f"(rounds {spread(grids)} s)")
    print(f"  {'five 4-run sweeps, one per lr':<40} {split:8.2f} s   "
          f"{split / grid:.2f}x  (rounds {spread(splits)} s; each sweep {spread(separate)} s)")
    print(f"  {'notebook loop, 20 models in a row':<40} {notebook:8.2f} s   "
          f"{notebook / grid:.2f}x  (one model-epoch: {spread(reference)} s, "
          f"{reference_models} timed)")

    if roofline:
        print(f"\nroofline floor per epoch: matmul FLOPs at {flop_rate / 1e9:.1f} GFLOP/s + Adam's "
              f"{ADAM_BYTES} bytes/parameter/step at {byte_rate / 1e9:.1f} GB/s ({load()}):")
        print(f"  {'runs':>4}  {'engine s':>9}  {'floor s':>8}  {'(matmul':>8} {'+ optim)':>8}  "
              f"{'engine/floor':>12}")
        for count, lrs in ROOFLINE_LRS.items():
            spec = base if len(lrs) == 1 else base.with_axis("lr", lrs)
            seconds = epoch_seconds(replace(spec, lr=lrs[0]) if len(lrs) == 1 else spec)
            matmul, optimizer = floor_seconds(count, TRAIN, flop_rate, byte_rate)
            floor = matmul + optimizer
            print(f"  {count:>4}  {seconds:9.2f}  {floor:8.2f}  {matmul:8.2f} {optimizer:8.2f}   "
                  f"{seconds / floor:11.2f}x")

    fused, per_run, foreach = (adam_step_ms(path) for path in ("fused", "per-run", "foreach"))
    print(f"\nAdam step, 16 runs ({load()}): fused kernel, one lr {fused:.2f} ms; per-run lr "
          f"through the fused kernel {per_run:.2f} ms ({per_run / fused:.2f}x); per-run lr in "
          f"foreach operations (devices without the kernel) {foreach:.2f} ms "
          f"({foreach / fused:.2f}x)")


if __name__ == "__main__":
    main()
