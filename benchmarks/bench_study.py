"""mup2022 as batched grid groups against the cell-by-cell loop it replaced, in one run.

The study (core/studies/lr_transfer.py) trains each (parametrization, width) as one grid group: a
stacked model whose runs are the lrs, the lrs a per-run tensor. The baseline is the old
loop: every (parametrization, width, lr) cell its own sweep (`run_sweep` of a one-cell
spec). On a machine shared with other work, one timing can be off by a factor of two, so
each width is timed both ways in turn, `--rounds` times, and the fastest of each is kept;
the totals are sums of those minima. Also printed: whether both found the same final losses
and the same best lr per width.

    python benchmarks/bench_study.py                 # mup2022's shape, 1 epoch, 2 rounds
    python benchmarks/bench_study.py --epochs 5 --rounds 1   # the full preset, both ways
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from inittui.core.data.datasets import DataSplits, load_dataset
from inittui.core.events import EpochFinished
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import PRESETS, apply_preset
from inittui.core.training.sweep import run_sweep


def final_losses(spec: ExperimentSpec, data: DataSplits) -> tuple[dict[float, float], float]:
    """Train spec (a grid over lr, or one cell): lr → final train loss, and the wall time."""
    last: dict[float, float] = {}

    def keep(event: object) -> None:
        if isinstance(event, EpochFinished):
            last[event.run.setting("lr", spec)] = event.train_loss

    started = time.perf_counter()
    run_sweep(spec, keep, data=data)
    return last, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--widths", default="64,256,1024")
    parser.add_argument("--dataset", default="mnist-5k")
    args = parser.parse_args()
    study = PRESETS["mup2022"].study
    assert study is not None
    widths = tuple(int(w) for w in args.widths.split(","))
    base = replace(apply_preset(ExperimentSpec(device="cpu"), "mup2022"), epochs=args.epochs,
                   dataset=args.dataset)
    data = load_dataset(base.dataset, None, False, base.val_split)
    final_losses(replace(base, hidden=(64, 64)), data)  # first-call costs, in neither column
    print(f"mup2022's shape: {len(study.params) * len(widths) * len(study.lrs)} cells "
          f"({', '.join(study.params)} × widths {args.widths} × {len(study.lrs)} lrs), "
          f"{base.epochs} epoch(s), {base.dataset}, {torch.get_num_threads()} torch threads, "
          f"fastest of {args.rounds} round(s)", flush=True)
    grid_total = loop_total = 0.0
    worst = 0.0
    best: dict[tuple[str, str], list[str]] = {}
    for param in study.params:
        for width in widths:
            cell = replace(base, param=param, hidden=(width,) * len(base.hidden))
            grid_s, loop_s = [], []
            for _ in range(args.rounds):
                grid, seconds = final_losses(cell.with_axis("lr", study.lrs), data)
                grid_s.append(seconds)
                loop: dict[float, float] = {}
                started = time.perf_counter()
                for lr in study.lrs:
                    loop.update(final_losses(replace(cell, lr=lr), data)[0])
                loop_s.append(time.perf_counter() - started)
            worst = max(worst, *(abs(grid[lr] - loop[lr]) / abs(loop[lr]) for lr in study.lrs))
            best.setdefault((param, "grid"), []).append(f"{min(grid, key=grid.get):g}")
            best.setdefault((param, "loop"), []).append(f"{min(loop, key=loop.get):g}")
            grid_total += min(grid_s)
            loop_total += min(loop_s)
            print(f"  {param:3} width {width:5d}: one group of {len(study.lrs)} runs "
                  f"{min(grid_s):7.1f} s, {len(study.lrs)} sweeps {min(loop_s):7.1f} s "
                  f"({min(loop_s) / min(grid_s):.2f}×)", flush=True)
    print(f"  total: batched groups {grid_total:.1f} s, cell-by-cell loop {loop_total:.1f} s: "
          f"the loop takes {loop_total / grid_total:.2f}× as long")
    print(f"  largest relative difference of a cell's final train loss: {worst:.2e}")
    for param in study.params:
        print(f"  best lr per width, {param}: groups {', '.join(best[param, 'grid'])}; "
              f"loop {', '.join(best[param, 'loop'])}")


if __name__ == "__main__":
    main()
