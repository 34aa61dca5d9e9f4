"""Launch-to-first-frame of the real app, side by side with `python -c "import torch"`.

    python benchmarks/bench_startup.py              # 5 rounds
    python benchmarks/bench_startup.py --rounds 3 --size 80x24

Each round starts the app in a pseudo-terminal (the real `inittui` command line, offline
synthetic data so nothing is read from disk but the code), waits until its first frame has
been painted (the status line's text is on the terminal), and quits it with ctrl+q; then it
times a fresh interpreter importing torch. Rounds alternate, so machine load hits both.
An import watcher in the app's process also notes when torch starts and finishes loading:
both should come after the first frame, since the app loads torch in a worker thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from startup_probe import Launch, launch_app, time_torch_import

APP_ARGS = ("--dataset", "synthetic:train=200,val=50,test=50,side=8")


def _row(label: str, values: list[float]) -> str:
    return (f"{label:<42} {statistics.median(values):>7.2f} {min(values):>7.2f} "
            f"{max(values):>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="120x40", help="terminal COLUMNSxROWS")
    args = parser.parse_args()
    columns, rows = (int(part) for part in args.size.split("x"))

    launches: list[Launch] = []
    imports: list[float] = []
    for round_number in range(1, args.rounds + 1):
        launches.append(launch_app(APP_ARGS, size=(columns, rows)))
        imports.append(time_torch_import())
        launch = launches[-1]
        print(f"round {round_number}: first frame {launch.first_frame_s:.2f} s, "
              f"import torch alone {imports[-1]:.2f} s", file=sys.stderr)

    print(f"\nseconds after launch, {args.rounds} rounds, terminal {columns}x{rows}, "
          f"Python {sys.version.split()[0]}")
    print(f"{'':<42} {'median':>7} {'min':>7} {'max':>7}")
    print(_row("app: first frame painted", [launch.first_frame_s for launch in launches]))
    started = [launch.torch_started_s for launch in launches if launch.torch_started_s]
    finished = [launch.torch_finished_s for launch in launches if launch.torch_finished_s]
    if started:
        print(_row("app: torch import starts (worker)", started))
    if finished:
        print(_row("app: torch import done (worker)", finished))
    print(_row('python -c "import torch" (whole process)', imports))
    before = sum(1 for launch in launches
                 if launch.torch_started_s is not None
                 and launch.torch_started_s < launch.first_frame_s)
    print(f"rounds where torch started loading before the first frame: {before} of "
          f"{args.rounds}")


if __name__ == "__main__":
    main()
