"""Engine speed against the classic notebook loop, side by side, on the same data.

    python benchmarks/bench_engine.py [--repeats N] [--epochs N] [--quick]

Writes 60,000 + 10,000 synthetic MNIST-shaped digits in torchvision's raw IDX layout,
so that both sides read them through the real `torchvision.datasets.MNIST`, then, in
every round (rounds interleave the variants, so machine load hits them alike):

1. the reference: the notebook loop as written -- `DataLoader` over PIL images with
   `ToTensor` + `Normalize`, one MLP 784-128-64-10 per initializer, Adam 1e-3, batch 64,
   shuffled, `loss.item()` per batch -- one model after another, so its epoch for the 4
   initializers is 4 model-epochs; to bound the run time each round trains one epoch of
   2 of them, in turn (all 4 every two rounds);
2. inittui's engine through its public path (`GroupTraining` on an `ExperimentSpec`) on
   the same work: the 4 initializers as one stacked model, and 16 runs (4 initializers x
   4 seeds).

An engine epoch is timed by the engine itself (`EpochFinished.wall_s`: training only,
from the permutation to the epoch's metrics on the host); "cycle" adds what the engine
does between two epochs (validation, per-layer diagnostics, events). The engine holds
1% of the training digits out for validation and trains on the rest, so its seconds are
scaled to 60,000 samples and its model-samples per second are exact.

The floor is the time one epoch's matrix products take at this machine's measured fp32
matmul rate (a large square `torch.mm`). FLOPs per sample and model, for dense layers
of sizes (n_0, ..., n_L): forward sum_l 2 n_(l-1) n_l, backward weight gradients the
same again, and input gradients sum_(l>=2) 2 n_(l-1) n_l (the images need no
gradient); biases, activations, the loss and the optimizer are left out of the floor.

Also printed: the time of one Adam step on its own (the part of a step no matrix product
can hide), the cost of diagnostics (on 60,000-sample epochs, and as a share of default
mnist-5k sweeps, where the probe weighs most), the peak memory of a 16-run mnist-5k sweep
(`inittui --headless` in a child process) and the wall time of `inittui --help`.
A script that prints figures, never a timed test: this machine is shared, so read the
medians and the spreads, and the load average printed with them.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

from inittui.core.events import (
    EpochFinished,
    Event,
    GroupFinished,
    GroupStarted,
    LayerStatsReady,
)
from inittui.core.models import BatchedMLP
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.engine import GroupTraining, single_group
from inittui.core.training.optimizers import make_optimizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from idx_files import write_mnist_raw  # test helper: torchvision's raw file layout

TRAIN, TEST, SIDE, CLASSES = 60_000, 10_000, 28, 10
LAYERS = (SIDE * SIDE, 128, 64, CLASSES)
INITS = ("zeros", "normal", "xavier-normal", "he-normal")
SEEDS = 4
REFERENCE_PER_ROUND = 2  # initializers the notebook loop trains per round, taken in turn
ENGINE_VAL_SPLIT = 0.01
MATMUL_SIZE = 4096
CUDA_REPEATS = 3
TARGET_4_INITS = 15.0  # x the reference, per epoch of all 4 initializers
TARGET_16_RUNS = 20.0  # x the reference, per model-epoch
TARGET_FLOOR = 1.5  # 16 runs within this factor of the FLOP floor
TARGET_HELP_S = 0.5
TARGET_DIAGNOSTICS = 0.10


def flops_per_sample(layers: Sequence[int]) -> int:
    """Matmul FLOPs of one training step per sample and model (see the module docstring)."""
    products = [2 * a * b for a, b in pairwise(layers)]
    return 2 * sum(products) + sum(products[1:])


# --------------------------------------------------------------------------- data


@contextmanager
def digits_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder holding `write_digits`' files, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        write_digits(root)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def write_digits(root: Path) -> None:
    """Class-dependent blurred strokes plus noise, as uint8 IDX files under root/MNIST/raw.

    Any images would time the same; these are learnable so a reader can check that both
    sides train (their losses are printed).
    """
    rng = np.random.default_rng(0)
    coarse = rng.random((CLASSES, 7, 7)) ** 3
    prototypes = np.kron(coarse, np.ones((4, 4))) * 255

    def draw(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, CLASSES, count).astype(np.uint8)
        noise = rng.normal(0, 60, (count, SIDE, SIDE))
        images = np.clip(prototypes[labels] * 0.8 + noise, 0, 255).astype(np.uint8)
        return images, labels

    write_mnist_raw(root, *draw(TRAIN), *draw(TEST))


# --------------------------------------------------------------------------- reference


def reference_epoch(root: Path, init: str, seed: int) -> tuple[float, float]:
    """One epoch of the notebook loop for one initializer: (seconds, mean loss)."""
    from torch import nn
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    torch.manual_seed(seed)
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
    ])
    train_set = datasets.MNIST(str(root), train=True, download=False, transform=transform)
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )
    for module in model:
        if isinstance(module, nn.Linear):
            if init == "zeros":
                nn.init.zeros_(module.weight)
            elif init == "normal":
                nn.init.normal_(module.weight, std=0.01)
            elif init == "xavier-normal":
                nn.init.xavier_normal_(module.weight)
            else:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    started = time.perf_counter()
    model.train()
    running_loss = 0.0
    for images, labels in train_loader:
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    return time.perf_counter() - started, running_loss / len(train_loader)


# --------------------------------------------------------------------------- engine


@dataclass
class EngineTiming:
    """What one engine sweep took, per epoch, read off its own events."""

    runs: int
    samples: int = 0  # training samples per epoch
    train_s: list[float] = field(default_factory=list)  # EpochFinished.wall_s
    cycle_s: list[float] = field(default_factory=list)  # epoch end to epoch end
    diagnostics_s: list[float] = field(default_factory=list)  # per-layer statistics
    final_loss: float = math.nan  # train loss of the last initializer's run, last epoch
    wall_s: float = 0.0  # GroupStarted to GroupFinished (the one batched model)


def engine_sweep(spec: ExperimentSpec) -> EngineTiming:
    """Run one sweep and time it from its events (stamped as they arrive)."""
    stamped: list[tuple[float, Event]] = []
    sweep = GroupTraining(single_group(spec),
                          lambda event: stamped.append((time.perf_counter(), event)))
    sweep.run()
    timing = EngineTiming(runs=len(sweep.runs), samples=len(sweep.data.x_train))
    last_end = next(t for t, e in stamped if isinstance(e, GroupStarted))
    previous_t = last_end
    previous: Event | None = None
    for t, event in stamped:
        if isinstance(event, EpochFinished) and event.run.index == 0:
            timing.train_s.append(event.wall_s)
            timing.cycle_s.append(t - last_end)
            last_end = t
        if isinstance(event, EpochFinished) and event.run.init == INITS[-1]:
            timing.final_loss = event.train_loss
        if isinstance(event, LayerStatsReady) and not isinstance(previous, LayerStatsReady):
            timing.diagnostics_s.append(t - previous_t)  # all statistics come out at once
        if isinstance(event, GroupFinished):
            timing.wall_s = t - next(t for t, e in stamped if isinstance(e, GroupStarted))
        previous_t, previous = t, event
    if device_of(spec).type == "cuda":
        torch.cuda.synchronize()
    return timing


def device_of(spec: ExperimentSpec) -> torch.device:
    return torch.device("cuda" if spec.device.startswith("cuda") else spec.device)


# --------------------------------------------------------------------------- floor


def matmul_rate(device: torch.device, repeats: int = 5) -> float:
    """Median fp32 FLOP/s of a large square matrix product on device."""
    a = torch.randn(MATMUL_SIZE, MATMUL_SIZE, device=device)
    b = torch.randn(MATMUL_SIZE, MATMUL_SIZE, device=device)
    out = torch.empty_like(a)

    def once() -> float:
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        torch.mm(a, b, out=out)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    once()
    return 2 * MATMUL_SIZE**3 / statistics.median(once() for _ in range(repeats))


def adam_step_seconds(seeds: int, repeats: int = 300) -> float:
    """Median time of one optimizer step over a sweep's stacked MLP (memory-bound)."""
    model = BatchedMLP(LAYERS[0], LAYERS[1:-1], LAYERS[-1], "relu", seeds, len(INITS))
    for parameter in model.parameters():
        parameter.grad = torch.randn_like(parameter)
    optimizer = make_optimizer(ExperimentSpec(seeds=seeds), list(model.parameters()))
    for _ in range(20):
        optimizer.step()
    times = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeats):
            optimizer.step()
        times.append((time.perf_counter() - started) / repeats)
    return statistics.median(times)


# --------------------------------------------------------------------------- side figures


def diagnostics_shares(seeds: int, repeats: int) -> list[float]:
    """Per-layer diagnostics' time over the rest of a default mnist-5k sweep (10 epochs).

    The bundled data's epochs are short (57 steps) while the probe costs the same per
    epoch, so this is where diagnostics weigh most; a 60,000-sample epoch hides them.
    """
    shares = []
    for _ in range(repeats):
        timing = engine_sweep(ExperimentSpec(inits=INITS, seeds=seeds, device="cpu"))
        spent = sum(timing.diagnostics_s)
        shares.append(spent / (timing.wall_s - spent))
    return shares



def peak_memory_mib() -> tuple[float, float]:
    """Peak RSS of a 16-run mnist-5k sweep (`inittui --headless`), and of `import torch`.

    Each command runs under a small Python launcher that reports its child's peak: a
    child started straight from this large process would count this process's memory
    too (Linux carries the peak RSS over fork and exec).
    """
    launcher = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                "capture_output=True); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

    def peak(command: list[str]) -> float:
        result = subprocess.run([sys.executable, "-c", launcher, *command], check=True,
                                capture_output=True, text=True)
        return int(result.stdout) / 1024  # ru_maxrss is in kiB on Linux

    with tempfile.TemporaryDirectory() as folder:
        sweep = peak([*inittui_command(), "--headless", "--seeds", str(SEEDS), "--epochs", "2",
                      "--device", "cpu", "--out", str(Path(folder) / "runs.csv")])
    return sweep, peak([sys.executable, "-c", "import torch"])


def help_seconds(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([*inittui_command(), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def inittui_command() -> list[str]:
    script = Path(sys.executable).with_name("inittui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "inittui"]


# --------------------------------------------------------------------------- report


def spread(values: Sequence[float], digits: int = 2) -> str:
    return (f"{statistics.median(values):.{digits}f} "
            f"[{min(values):.{digits}f}-{max(values):.{digits}f}]")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


@dataclass
class Variant:
    """One line of the table: seconds per epoch of all its runs, per round."""

    name: str
    runs: int
    epoch_s: list[list[float]] = field(default_factory=list)  # per round, per epoch

    def per_round(self) -> list[float]:
        return [statistics.median(epochs) for epochs in self.epoch_s]

    def flat(self) -> list[float]:
        return [value for epochs in self.epoch_s for value in epochs]


def print_table(variants: list[Variant], reference: Variant | None, rates: list[float],
                device: str) -> dict[str, float]:
    """Print the side-by-side table and return each variant's median ratios."""
    per_sample = flops_per_sample(LAYERS)
    rate = statistics.median(rates)
    print(f"\n{device}: fp32 matmul {rate / 1e9:.1f} GFLOP/s (median; "
          f"{min(rates) / 1e9:.1f}-{max(rates) / 1e9:.1f}), {per_sample:,} FLOP per "
          f"sample and model, so one model-epoch of {TRAIN:,} has a floor of "
          f"{per_sample * TRAIN / rate:.3f} s")
    columns = ("variant", "runs", "s/epoch  median [min-max]", "s/model-epoch",
               "model-samples/s", "x reference", "x floor")
    widths = (36, 4, 26, 13, 15, 20, 20)
    print("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                    for i, (c, w) in enumerate(zip(columns, widths))))
    print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    reference_model_epoch = [] if reference is None else \
        [s / reference.runs for s in reference.per_round()]
    ratios: dict[str, float] = {}
    for variant in variants:
        rounds = variant.per_round()
        model_epoch = [s / variant.runs for s in rounds]
        if reference is None:
            versus = "-"
        elif variant is reference:
            versus = "1"
        else:
            paired = [r / m for r, m in zip(reference_model_epoch, model_epoch)]
            ratios[f"{variant.name} reference"] = statistics.median(paired)
            versus = spread(paired, 1)
        floor = [s / (variant.runs * per_sample * TRAIN / r) for s, r in zip(rounds, rates)]
        ratios[f"{variant.name} floor"] = statistics.median(floor)
        throughput = variant.runs * TRAIN / statistics.median(rounds)
        cells = (variant.name, str(variant.runs), spread(variant.flat()),
                 f"{statistics.median(model_epoch):.3f}", f"{throughput:,.0f}", versus,
                 spread(floor))
        print("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                        for i, (c, w) in enumerate(zip(cells, widths))))
    return ratios


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of every variant (default 3)")
    parser.add_argument("--epochs", type=int, default=2,
                        help="engine epochs per sweep (default 2)")
    parser.add_argument("--quick", action="store_true",
                        help="one round, the reference on one initializer")
    args = parser.parse_args(argv)
    repeats, epochs = (1, args.epochs) if args.quick else (args.repeats, args.epochs)
    reference_per_round = 1 if args.quick else REFERENCE_PER_ROUND

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs; {load()}")
    with digits_folder("inittui-bench-") as root:
        run_benchmark(root, repeats, epochs, reference_per_round)


def run_benchmark(root: Path, repeats: int, epochs: int, reference_per_round: int) -> None:
    base = ExperimentSpec(inits=INITS, dataset="mnist", data_dir=str(root),
                          val_split=ENGINE_VAL_SPLIT, epochs=epochs, device="cpu")
    scale = 0.0  # engine seconds -> seconds per 60,000 samples, set by the first sweep
    reference = Variant("reference: notebook loop", len(INITS))
    four = Variant("engine: 4 initializers", len(INITS))
    sixteen = Variant(f"engine: 16 runs ({len(INITS)} inits x {SEEDS} seeds)",
                      len(INITS) * SEEDS)
    no_diagnostics = Variant("engine: 16 runs, no diagnostics", len(INITS) * SEEDS)
    cycles: dict[str, list[float]] = {four.name: [], sixteen.name: [], no_diagnostics.name: []}
    diagnostics: dict[str, list[float]] = {four.name: [], sixteen.name: []}
    rates: list[float] = []

    def engine(variant: Variant, spec: ExperimentSpec) -> EngineTiming:
        nonlocal scale
        timing = engine_sweep(spec)
        scale = TRAIN / timing.samples
        variant.epoch_s.append([s * scale for s in timing.train_s])
        cycles[variant.name] += [s * scale for s in timing.cycle_s]
        if variant.name in diagnostics:
            diagnostics[variant.name] += timing.diagnostics_s
        return timing

    for round_index in range(1, repeats + 1):
        print(f"\nround {round_index}/{repeats} ({load()})")
        rate = matmul_rate(torch.device("cpu"), repeats=2)
        per_model = []
        for offset in range(reference_per_round):
            init = INITS[((round_index - 1) * reference_per_round + offset) % len(INITS)]
            seconds, loss = reference_epoch(root, init, seed=round_index)
            per_model.append(seconds)
            print(f"  reference, {init:<14} {seconds:6.2f} s/epoch  train loss {loss:.3f}")
        reference.epoch_s.append([s * len(INITS) for s in per_model])  # models in a row
        timing = engine(four, base)
        print(f"  engine, 4 initializers    {spread(four.epoch_s[-1])} s/epoch  "
              f"{INITS[-1]} train loss {timing.final_loss:.3f}")
        timing = engine(sixteen, replace(base, seeds=SEEDS))
        print(f"  engine, 16 runs           {spread(sixteen.epoch_s[-1])} s/epoch  "
              f"{INITS[-1]} train loss {timing.final_loss:.3f}")
        engine(no_diagnostics, replace(base, seeds=SEEDS, diagnostics=False))
        print(f"  engine, 16 runs, no diag. {spread(no_diagnostics.epoch_s[-1])} s/epoch  "
              f"({load()})")
        rates.append((rate + matmul_rate(torch.device("cpu"), repeats=2)) / 2)

    variants = [reference, four, sixteen, no_diagnostics]
    print(f"\nCPU, {torch.get_num_threads()} threads. s/epoch: all runs of the variant, one "
          f"epoch of {TRAIN:,} samples (engine: EpochFinished.wall_s, training only, scaled "
          f"from {TRAIN / scale:,.0f}); the reference's models train one after another, so "
          f"its epoch is {len(INITS)} model-epochs ({reference_per_round} initializers timed "
          "per round, in turn). Ratios: median over rounds [min-max], each round paired; "
          "the matmul rate is measured at the start and the end of each round.")
    ratios = print_table(variants, reference, rates, "CPU")

    print("\nepoch cycle, training + validation + diagnostics (s, scaled to 60,000):")
    for name, values in cycles.items():
        print(f"  {name:<36} {spread(values)}")
    overheads = {}
    for name, values in diagnostics.items():
        cycle = statistics.median(cycles[name])
        overheads[name] = statistics.median(values) / cycle
        print(f"  diagnostics per epoch, {name}: {spread(values, 3)} s = "
              f"{overheads[name]:.1%} of its cycle")
    ab = statistics.median(cycles[sixteen.name]) / statistics.median(
        cycles[no_diagnostics.name]) - 1
    print(f"  diagnostics on vs off, 16 runs (cycle medians): {ab:+.1%}")

    floor_step = flops_per_sample(LAYERS) * 64 * len(INITS) * SEEDS / statistics.median(rates)
    adam = adam_step_seconds(SEEDS)
    print(f"\nAdam alone, 16 runs: {adam * 1e3:.2f} ms per step = {adam / floor_step:.2f}x the "
          f"floor's step ({floor_step * 1e3:.2f} ms): products at the floor plus Adam's "
          f"memory traffic are {1 + adam / floor_step:.2f}x the floor before any activation, "
          "loss or dispatch")
    shares = {runs: diagnostics_shares(runs // len(INITS), repeats=3) for runs in (4, 16)}
    for runs, values in shares.items():
        print(f"diagnostics on mnist-5k, {runs} runs, 10 epochs: "
              f"+{statistics.median(values):.1%} [{min(values):.1%}-{max(values):.1%}] "
              "of the sweep's other time")

    cuda_ratios = run_cuda(base) if torch.cuda.is_available() else None

    memory, torch_only = peak_memory_mib()
    helps = help_seconds(5)
    print(f"\npeak RSS, `inittui --headless --seeds {SEEDS}` on mnist-5k (16 runs, CPU): "
          f"{memory:.0f} MiB (a bare `import torch`: {torch_only:.0f} MiB)")
    print(f"`inittui --help`: {spread(helps, 3)} s")

    four_ratio = ratios[f"{four.name} reference"]
    sixteen_ratio = ratios[f"{sixteen.name} reference"]
    floor_ratio = ratios[f"{sixteen.name} floor"]
    diagnostics_cost = max(statistics.median(values) for values in shares.values())
    print(f"\ntargets ({load()}):")
    print(f"  4 initializers >= {TARGET_4_INITS:.0f}x the reference per epoch: "
          f"{four_ratio:.1f}x  {verdict(four_ratio >= TARGET_4_INITS)}")
    print(f"  16 runs >= {TARGET_16_RUNS:.0f}x the reference per model-epoch: "
          f"{sixteen_ratio:.1f}x  {verdict(sixteen_ratio >= TARGET_16_RUNS)}")
    print(f"  16 runs within {TARGET_FLOOR}x of the FLOP floor: {floor_ratio:.2f}x  "
          f"{verdict(floor_ratio <= TARGET_FLOOR)}")
    print(f"  diagnostics <= {TARGET_DIAGNOSTICS:.0%} of a mnist-5k sweep: {diagnostics_cost:.1%}  "
          f"{verdict(diagnostics_cost <= TARGET_DIAGNOSTICS)}")
    help_s = statistics.median(helps)
    print(f"  inittui --help < {TARGET_HELP_S} s: {help_s:.3f} s  "
          f"{verdict(help_s < TARGET_HELP_S)}")
    if cuda_ratios is not None:
        print(f"  (CUDA, 16 runs: {cuda_ratios:.2f}x its FLOP floor)")


def run_cuda(base: ExperimentSpec) -> float:
    """The engine variants on the GPU; the reference stays the CPU notebook loop."""
    device = torch.device("cuda")
    rates = [matmul_rate(device) for _ in range(CUDA_REPEATS)]
    four = Variant("engine: 4 initializers", len(INITS))
    sixteen = Variant(f"engine: 16 runs ({len(INITS)} inits x {SEEDS} seeds)",
                      len(INITS) * SEEDS)
    for variant, seeds in ((four, 1), (sixteen, SEEDS)):
        for _ in range(CUDA_REPEATS):
            timing = engine_sweep(replace(base, seeds=seeds, device="cuda"))
            variant.epoch_s.append([s * TRAIN / timing.samples for s in timing.train_s])
    name = torch.cuda.get_device_name(device)
    print(f"\nCUDA ({name}): the engine against the GPU's own floor")
    ratios = print_table([four, sixteen], None, rates, f"CUDA {name}")
    return ratios[f"{sixteen.name} floor"]


if __name__ == "__main__":
    main()
