"""One epoch of an N-run learning-rate grid in the app, side by side with the engine alone.

    python benchmarks/bench_app_events.py              # 100 and 400 runs
    python benchmarks/bench_app_events.py --runs 40 400 1000

The engine reports each run's epoch as its own event, so an epoch of N runs is N events;
the app applies each to its book and shows the book once the events waiting are applied.
The figure to watch is how far the app's wall time (ctrl+r until the sweep has ended on
screen, Textual's Pilot at 120x40) falls behind the engine's own for the same spec: a
drawing per event grows as N². The engine alone runs first in the process and pays its
one-time costs there, so a small grid can read faster in the app than alone.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep
from inittui.tui.app import create_app

INITS = ("zeros", "xavier-normal", "he-normal", "orthogonal")


def grid(runs: int) -> ExperimentSpec:
    """`runs` runs: the four initializers × runs/4 learning rates, one tiny epoch each."""
    rates = ",".join(f"{(index + 1) * 1e-5:.6g}" for index in range(max(runs // 4, 1)))
    return ExperimentSpec(inits=INITS, dataset="synthetic:train=200,val=50,test=50,side=8",
                          hidden=(4,), epochs=1, device="cpu",
                          diagnostics=False).with_text(lr=rates)


def engine_alone(spec: ExperimentSpec) -> float:
    start = time.perf_counter()
    run_sweep(spec, lambda event: None, threading.Event())
    return time.perf_counter() - start


async def in_the_app(spec: ExperimentSpec) -> float:
    app = create_app(spec)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press("ctrl+r")
        while not app.book.sweeps or app.running:
            await pilot.pause(0.02)
        await pilot.pause()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[100, 400])
    args = parser.parse_args()
    print(f"{'runs':>6} {'engine alone s':>15} {'in the app s':>13} {'app / engine':>13}")
    for runs in args.runs:
        spec = grid(runs)
        engine_s = engine_alone(spec)
        app_s = asyncio.run(in_the_app(spec))
        print(f"{4 * max(runs // 4, 1):>6} {engine_s:>15.2f} {app_s:>13.2f} "
              f"{app_s / engine_s:>12.1f}×")


if __name__ == "__main__":
    main()
