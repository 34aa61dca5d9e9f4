"""The general batched path against the same K models trained one after another.

    python benchmarks/bench_models.py [--steps N] [--rounds N] [--runs 4,16] [--only mlp,gpt]
    python benchmarks/bench_models.py --sweep [--rounds N] [--epochs N] [--runs 4,16]

For each architecture (mlp, resnet, gpt) and K runs, one training step (forward,
backward, Adam) is timed three or two ways, in interleaved rounds so that machine load
hits them alike:

- stacked: inittui's general path, K copies stacked with `torch.func.stack_module_state`
  and run as one `torch.vmap(functional_call)`, autograd's backward, one fused Adam step
  over the stacked tensors (what the engine runs);
- loop: K ordinary `nn.Module`s, each with its own `torch.optim.Adam`, stepped one after
  another on the same minibatch (what a notebook comparing K initializers does);
- fast (mlp only): the written-out MLP path the engine uses for the plain MLP.

Per-layer diagnostics cost too: once per epoch the engine computes every run's layer
statistics on a probe batch of 128 samples (forward and backward hooks, run by run, on the
general path; written out on the fast path). "diag ms" times that call for the stacked
model, and "diag/epoch" sets it against an epoch of mnist-5k's 4,000 training samples at
the table's batch size (the stacked step's time × steps per epoch).

Shapes: mlp 784-128-64-10 (batch 64, bench_engine's model); resnet 8,8,16,16 channels
on 1×28×28 images (batch 32); gpt 2 blocks of width 64 on 64 characters of a 65-symbol
vocabulary (batch 16). Figures are medians over rounds of the mean step time in
milliseconds; "speed-up" is loop / stacked. A script that prints figures, never a
timed test: this machine is shared, so read them with the load average printed first.

`--sweep` is the decision figure for the MLP's two paths: the default sweep (MLP
784-128-64-10, Adam 1e-3, batch 64, 60,000 MNIST-shaped digits, 4 initializers x 1 and x 4
seeds) trained through the real engine (`GroupTraining`) on (a) the written-out `BatchedMLP` the
engine builds for the plain MLP, and (b) `StackedModel(plain_model(spec, ...))`, the general
vmapped path every other model takes (the benchmark swaps the engine's `build_model` for
it); beside them the notebook loop (bench_engine.py's, one model-epoch a round, in turn
through the initializers, times the runs) and the roofline (bench_grid.py's: the epoch's
matrix-product FLOPs at the measured matmul rate plus Adam's 28 bytes per parameter and
step at the measured stream rate). Seconds per epoch are the engine's own training time
(EpochFinished.wall_s) scaled to 60,000 samples; ratios are paired within a round (the
variants of a round run back to back), then median [min-max] over rounds. Also one call of
each path's per-layer diagnostics (`diagnostics.stats.layer_statistics` on the engine's probe of
128 training images: hooks run by run on (b), the written-out trace on (a)).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import (  # sibling scripts, not a package
    TRAIN,
    digits_folder,
    engine_sweep,
    load,
    matmul_rate,
    reference_epoch,
    spread,
)
from bench_grid import floor_seconds, stream_rate

from inittui.core.data.datasets import load_dataset
from inittui.core.diagnostics.stats import layer_statistics
from inittui.core.models import GPT, MLP, BatchedMLP, ResNet
from inittui.core.models.plain import plain_model
from inittui.core.models.stacked import StackedModel
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training import engine
from inittui.core.training.engine import PROBE_SIZE, GroupTraining, single_group
from inittui.core.training.optimizers import FusedAdam

LR = 1e-3
EPOCH_SAMPLES = 4000  # mnist-5k's training split, the default data set


Batch = tuple[torch.Tensor, torch.Tensor]


def images(batch: int) -> Batch:
    return torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))


def tokens(batch: int) -> Batch:
    return torch.randint(0, 65, (batch, 64)), torch.randint(0, 65, (batch, 64))


def data_of(name: str, samples: int) -> Batch:
    """A probe batch for an architecture: images, or token sequences for gpt."""
    return tokens(samples) if name == "gpt" else images(samples)


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
    return _stacked(StackedModel(make, "relu", 1, runs), runs, batch)


def _stacked(model: StackedModel | BatchedMLP, runs: int,
             batch: tuple[torch.Tensor, torch.Tensor]) -> Callable[[], None]:
    optimizer = FusedAdam(list(model.parameters()), LR)
    x, y = batch[0].unsqueeze(0), batch[1].unsqueeze(0)
    active = torch.ones(runs, dtype=torch.bool)

    def step() -> None:
        model.loss_and_gradients(x, y, active)
        optimizer.step()
    return step


def diagnostics_ms(model: StackedModel | BatchedMLP, probe: Batch, rounds: int) -> float:
    """Median milliseconds of one epoch's layer statistics of every run (what the engine
    computes after each epoch), on the general path's hooks or the fast path's trace."""
    x, y = probe[0].unsqueeze(0), probe[1]
    layer_statistics(model, x, y)  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        layer_statistics(model, x, y)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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


def fast_model(runs: int) -> BatchedMLP:
    model = BatchedMLP(784, (128, 64), 10, "relu", 1, runs)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.05)
    return model


# --------------------------------------------------------------------------- --sweep

SWEEP_INITS = ("zeros", "normal", "xavier-normal", "he-normal")
PATHS = {"fast": "(a) BatchedMLP, written-out backward",
         "general": "(b) StackedModel(MLP), vmap + autograd"}


def general_build(spec: ExperimentSpec, input_shape: tuple[int, ...], classes: int,
                  runs_per_seed: int | None = None) -> StackedModel:
    """`build_model` as it would be without the fast path: the plain MLP, stacked."""
    return StackedModel(plain_model(spec, input_shape, classes), spec.activation,
                        spec.seeds, runs_per_seed or len(spec.inits))


@contextmanager
def model_path(path: str) -> Iterator[None]:
    """The engine builds its models through (a) or (b) inside this block."""
    original = engine.build_model
    if path == "general":
        engine.build_model = general_build  # type: ignore[assignment]
    try:
        yield
    finally:
        engine.build_model = original


def diagnostics_call_ms(spec: ExperimentSpec, data: object, repeats: int = 5) -> float:
    """Median ms of one call of the engine's per-layer statistics, on its own probe."""
    sweep = GroupTraining(single_group(spec), lambda event: None, data=data)  # type: ignore[arg-type]
    layer_statistics(sweep.model, sweep.probe_x, sweep.probe_y)  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        layer_statistics(sweep.model, sweep.probe_x, sweep.probe_y)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def compare_paths(run_counts: list[int], rounds: int, epochs: int) -> None:
    """The decision figure: see the module docstring (`--sweep`)."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads ({load()})")
    with digits_folder("inittui-bench-paths-") as root:
        _compare(root, run_counts, rounds, epochs)


def _compare(root: Path, run_counts: list[int], rounds: int, epochs: int) -> None:
    base = ExperimentSpec(inits=SWEEP_INITS, dataset="mnist", data_dir=str(root),
                          val_split=0.01, epochs=epochs, device="cpu")
    specs = {runs: replace(base, seeds=runs // len(SWEEP_INITS)) for runs in run_counts}
    epoch_s = {(runs, path): [] for runs in run_counts for path in PATHS}
    diag_ms = {(runs, path): [] for runs in run_counts for path in PATHS}
    notebook: list[float] = []  # one model-epoch
    floors: dict[int, list[float]] = {runs: [] for runs in run_counts}
    loads = []
    data = load_dataset("mnist", str(root), False, 0.01)
    for index in range(rounds):
        loads.append(os.getloadavg()[0])
        flop_rate, byte_rate = matmul_rate(torch.device("cpu"), repeats=3), stream_rate(
            torch.device("cpu"))
        for runs in run_counts:
            floors[runs].append(sum(floor_seconds(runs, TRAIN, flop_rate, byte_rate)))
        seconds, _ = reference_epoch(root, SWEEP_INITS[index % len(SWEEP_INITS)], seed=index)
        notebook.append(seconds)
        for runs in run_counts:
            for path in PATHS:
                with model_path(path):
                    timing = engine_sweep(specs[runs])
                    diag_ms[runs, path].append(diagnostics_call_ms(specs[runs], data))
                epoch_s[runs, path].append(
                    statistics.median(timing.train_s) * TRAIN / timing.samples)
        print(f"round {index + 1}/{rounds} ({load()}): notebook {seconds:.2f} s/model-epoch; "
              + "; ".join(f"{runs} runs {path} {epoch_s[runs, path][-1]:.2f} s"
                          for runs in run_counts for path in PATHS))
    print(f"\nthe default sweep, one epoch of {TRAIN:,} samples of all runs (MLP 784-128-64-10, "
          f"Adam 1e-3, batch 64), s/epoch and ratios paired per round: median [min-max] over "
          f"{rounds} interleaved rounds (1-min load {min(loads):.2f}-{max(loads):.2f}):")
    header = (f"  {'runs':>4}  {'variant':<40} {'s/epoch':>19} {'x (a)':>18} "
              f"{'(notebook) x faster':>20} {'x roofline':>18}")
    print(header)
    for runs in run_counts:
        fast = epoch_s[runs, "fast"]
        loop = [seconds * runs for seconds in notebook]
        rows = [("notebook loop, models in a row", loop)]
        rows += [(PATHS[path], epoch_s[runs, path]) for path in PATHS]
        rows.append(("roofline (matmul + Adam bytes)", floors[runs]))
        for name, values in rows:
            versus = [v / f for v, f in zip(values, fast)]
            faster = [n / v for n, v in zip(loop, values)]
            roof = [v / r for v, r in zip(values, floors[runs])]
            print(f"  {runs:>4}  {name:<40} {spread(values):>19} {spread(versus):>18} "
                  f"{spread(faster, 1):>20} {spread(roof):>18}")
    print("\nper-layer diagnostics, one call on the 128-image probe (ms), paired x (a):")
    for runs in run_counts:
        fast = diag_ms[runs, "fast"]
        for path in PATHS:
            values = diag_ms[runs, path]
            print(f"  {runs:>4}  {PATHS[path]:<40} {spread(values, 1):>19} "
                  f"{spread([v / f for v, f in zip(values, fast)]):>18}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="steps per timing")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--runs", default="4,16", help="K values, comma-separated")
    parser.add_argument("--only", default="mlp,resnet,gpt", help="architectures")
    parser.add_argument("--sweep", action="store_true",
                        help="the MLP's two paths through the engine on the default sweep")
    parser.add_argument("--epochs", type=int, default=2, help="engine epochs (--sweep)")
    args = parser.parse_args()
    if args.sweep:
        compare_paths([int(k) for k in args.runs.split(",")], args.rounds, args.epochs)
        return
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {os.getloadavg()[0]:.1f}, {args.steps} steps x {args.rounds} rounds")
    print(f"{'model':<8}{'K':>4}{'stacked ms':>12}{'loop ms':>10}{'speed-up':>10}"
          f"{'fast ms':>10}{'diag ms':>10}{'diag/epoch':>12}{'fast diag/epoch':>17}")
    table = architectures()
    for name in args.only.split(","):
        make, data = table[name]
        for runs in (int(k) for k in args.runs.split(",")):
            batch = data()
            stacked = StackedModel(make, "relu", 1, runs)
            variants = {"stacked": _stacked(stacked, runs, batch),
                        "loop": loop_step(make, runs, batch)}
            fast = fast_model(runs) if name == "mlp" else None
            if fast is not None:
                variants["fast"] = _stacked(fast, runs, batch)
            times: dict[str, list[float]] = {key: [] for key in variants}
            for _ in range(args.rounds):
                for key, step in variants.items():
                    times[key].append(time_steps(step, args.steps))
            median = {key: statistics.median(values) for key, values in times.items()}
            steps_per_epoch = EPOCH_SAMPLES // len(batch[0])
            probe = data_of(name, PROBE_SIZE)
            diag = diagnostics_ms(stacked, probe, args.rounds)
            share = diag / (median["stacked"] * steps_per_epoch)
            fast_ms, fast_share = f"{'-':>10}", f"{'-':>17}"
            if fast is not None:
                fast_ms = f"{median['fast']:>10.1f}"
                fast_diag = diagnostics_ms(fast, probe, args.rounds)
                fast_share = f"{fast_diag / (median['fast'] * steps_per_epoch):>16.1%} "
            print(f"{name:<8}{runs:>4}{median['stacked']:>12.1f}{median['loop']:>10.1f}"
                  f"{median['loop'] / median['stacked']:>9.2f}x{fast_ms}{diag:>10.1f}"
                  f"{share:>11.1%} {fast_share}", flush=True)


if __name__ == "__main__":
    main()
