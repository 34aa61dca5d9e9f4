"""Ray's overhead on this machine, beside the same grid's wall time when trained locally.

    python benchmarks/bench_ray.py                 # 6 groups on mnist-5k, 3 epochs
    python benchmarks/bench_ray.py --epochs 1 --cpus 2

Times, in one run: the groups trained one after another in this process (what a local
run does), with torch's default threads and with one thread (as a 1-CPU Ray task);
starting a local Ray on 127.0.0.1; a task that does nothing, first on a fresh worker and
then warm (median of 20); the same groups as Ray tasks (run_groups_on_ray, events streamed
home); and shutting Ray down. All runs' numbers are checked equal.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import torch

from inittui.core.events import EpochFinished, Event
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.ray_tasks import ray_session, run_groups_on_ray
from inittui.core.training.sweep import run_sweep


def _noop() -> int:
    return 0


def groups(epochs: int) -> list[ExperimentSpec]:
    """A grid's groups: hidden width × activation, the default initializers in each."""
    base = ExperimentSpec(epochs=epochs, device="cpu")
    return [replace(base, hidden=(width, width // 2), activation=activation)
            for width in (64, 128, 256) for activation in ("relu", "tanh")]


def numbers(events: list[Event]) -> list[tuple[object, ...]]:
    return [(e.run.run_id, e.epoch, e.train_loss, e.val_acc, e.test_acc)
            for e in events if isinstance(e, EpochFinished)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=None, help="local Ray's CPUs (all)")
    args = parser.parse_args()
    grid = groups(args.epochs)

    run_sweep(replace(grid[0], epochs=1), lambda _: None)  # warm: data file, kernels
    threads = torch.get_num_threads()
    local: list[Event] = []
    started = time.perf_counter()
    for group in grid:
        run_sweep(group, local.append)
    local_s = time.perf_counter() - started
    torch.set_num_threads(1)  # as a Ray task with 1 CPU runs
    local_one: list[Event] = []
    started = time.perf_counter()
    for group in grid:
        run_sweep(group, local_one.append)
    local_one_s = time.perf_counter() - started
    torch.set_num_threads(threads)

    started = time.perf_counter()
    with ray_session(num_cpus=args.cpus) as ray:
        startup_s = time.perf_counter() - started
        cpus = ray.cluster_resources().get("CPU", 0)
        noop = ray.remote(num_cpus=1)(_noop)
        started = time.perf_counter()
        ray.get(noop.remote())
        first_task_s = time.perf_counter() - started
        warm = []
        for _ in range(20):
            started = time.perf_counter()
            ray.get(noop.remote())
            warm.append(time.perf_counter() - started)
        on_ray: list[Event] = []
        started = time.perf_counter()
        run_groups_on_ray(grid, on_ray.append, ray=ray)
        ray_s = time.perf_counter() - started
        started = time.perf_counter()
    shutdown_s = time.perf_counter() - started

    same = numbers(on_ray) == numbers(local) == numbers(local_one)
    print(f"grid: {len(grid)} groups × 4 initializers, mnist-5k, {args.epochs} epochs, cpu; "
          f"local Ray with {cpus:g} CPUs (1 per task)")
    print(f"{'':<44} {'seconds':>8}")
    print(f"{f'grid, locally ({threads} torch threads)':<44} {local_s:>8.2f}")
    print(f"{'grid, locally (1 torch thread)':<44} {local_one_s:>8.2f}")
    print(f"{'grid, as Ray tasks (events streamed home)':<44} {ray_s:>8.2f}")
    print(f"{'Ray start-up (local instance)':<44} {startup_s:>8.2f}")
    print(f"{'empty task, first (fresh worker)':<44} {first_task_s:>8.3f}")
    print(f"{'empty task, warm (median of 20)':<44} {statistics.median(warm):>8.4f}")
    print(f"{'Ray shutdown':<44} {shutdown_s:>8.2f}")
    print(f"same numbers locally and on Ray: {same}")


if __name__ == "__main__":
    main()
