"""mup2022 as batched grid groups against the cell-by-cell loop it replaced, in one run.

The study (core/lr_transfer.py) trains each parametrization as a grid: one stacked model per
width, its runs every lr × seed, the lrs a per-run tensor. The baseline is the old loop:
every (parametrization, width, lr) cell its own sweep (`run_sweep` of a one-cell spec),
one after another. Both run here on the same data, in turn, and print wall and CPU seconds
side by side, and whether they found the same best lr per width.

    python benchmarks/bench_study.py                 # mup2022's shape, 1 epoch
    python benchmarks/bench_study.py --epochs 5      # the full preset (both ways: long)
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from inittui.core.data import load_dataset
from inittui.core.engine import run_sweep
from inittui.core.events import EpochFinished
from inittui.core.lr_transfer import cell_specs, run_study
from inittui.core.presets import PRESETS, TransferStudy, apply_preset
from inittui.core.specs import ExperimentSpec
from inittui.core.width_records import best_lrs


def old_loop(spec: ExperimentSpec, study: TransferStudy, data,
             seconds: dict[tuple[str, int], float]) -> dict[tuple, float]:
    """Each cell as its own sweep: (param, width, lr) → mean final train loss; seconds
    collects the wall time per (param, width)."""
    losses = {}
    for cell in cell_specs(spec, study):
        last: dict[int, float] = {}
        started = time.perf_counter()

        def keep(event, into=last) -> None:
            if isinstance(event, EpochFinished):
                into[event.run.index] = event.train_loss

        run_sweep(cell, keep, data=data)
        key = (cell.param, cell.hidden[0])
        seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - started
        losses[cell.param, cell.hidden[0], cell.lr] = sum(last.values()) / len(last)
    return losses


def timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--widths", default="64,256,1024")
    parser.add_argument("--dataset", default="mnist-5k")
    args = parser.parse_args()
    preset = PRESETS["mup2022"]
    assert preset.study is not None
    study = replace(preset.study, widths=tuple(int(w) for w in args.widths.split(",")))
    spec = replace(apply_preset(ExperimentSpec(device="cpu"), "mup2022"),
                   epochs=args.epochs, dataset=args.dataset)
    data = load_dataset(spec.dataset, None, False, spec.val_split)
    cells = len(study.params) * len(study.widths) * len(study.lrs)
    print(f"mup2022's shape: {cells} cells ({', '.join(study.params)} × widths {args.widths} × "
          f"{len(study.lrs)} lrs), {spec.epochs} epoch(s), {spec.dataset}, "
          f"{torch.get_num_threads()} torch threads", flush=True)
    grid_cells, grid_wall, grid_cpu = timed(lambda: run_study(spec, study, data=data))
    print(f"  batched grid ({len(study.params) * len(study.widths)} groups): "
          f"{grid_wall:7.1f} s wall {grid_cpu:7.1f} s CPU", flush=True)
    per_width: dict[tuple[str, int], float] = {}
    loop, loop_wall, loop_cpu = timed(lambda: old_loop(spec, study, data, per_width))
    print(f"  cell-by-cell loop ({cells} sweeps): {loop_wall:7.1f} s wall "
          f"{loop_cpu:7.1f} s CPU", flush=True)
    group_s = {(c.param, c.width): c.wall_s for c in grid_cells}  # a group's, per cell
    for key in group_s:
        print(f"    {key[0]} width {key[1]:5d}: grid group {group_s[key]:6.1f} s, "
              f"loop's {len(study.lrs)} sweeps {per_width[key]:6.1f} s")
    print(f"  the loop takes {loop_wall / grid_wall:.2f}× the grid's wall time, "
          f"{loop_cpu / grid_cpu:.2f}× its CPU time")
    worst = max(abs(c.final_train_loss - loop[c.param, c.width, c.lr])
                / abs(loop[c.param, c.width, c.lr]) for c in grid_cells)
    print(f"  largest relative difference of a cell's final train loss: {worst:.2e}")
    best = best_lrs(grid_cells)
    for param in study.params:
        mine = [f"{best[param, w].lr:g}" for w in study.widths]
        theirs = [f"{min(study.lrs, key=lambda lr, w=w: loop[param, w, lr]):g}"
                  for w in study.widths]
        print(f"  best lr per width, {param}: grid {', '.join(mine)}; loop {', '.join(theirs)}")


if __name__ == "__main__":
    main()
