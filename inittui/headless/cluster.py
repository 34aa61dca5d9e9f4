"""`--cluster ray`: the headless run's engine swapped for Ray tasks, with one-line notices.

Builds a trainer with the engine's signature (spec, on_event, stop), so headless and the
app write the same files and show the same progress whichever runs the groups. Ray loads
only when the trainer is called.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Callable

from inittui.core.events import EventSink, SweepTrainer
from inittui.core.spec.experiment import ExperimentSpec

EXTRA_MISSING = "--cluster ray needs the 'cluster' extra: pip install 'inittui[cluster]'"


def ray_available() -> bool:
    try:
        return importlib.util.find_spec("ray") is not None
    except ValueError:  # a module set to None in sys.modules: unimportable
        return False


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ray_trainer(address: str | None, retries: int = 1,
               announce: Callable[[str], None] = say, keep: bool = False) -> SweepTrainer:
    """A sweep trainer that trains each group of a spec as a Ray task (local Ray without address).

    keep: stay connected after a sweep (the app: its next sweep starts at once).
    """

    def run(spec: ExperimentSpec, on_event: EventSink, stop: threading.Event) -> None:
        from inittui.core.training.ray_tasks import (
            GroupFailed,
            GroupRetried,
            RayBackend,
            ray_session,
        )

        def notice(event: object) -> None:
            if isinstance(event, GroupRetried):
                announce(f"ray: group {event.group + 1}'s worker died ({event.reason}); "
                         f"running the group again (attempt {event.attempt})")
            elif isinstance(event, GroupFailed):
                announce(f"ray: group {event.group + 1} failed ({event.reason}); "
                         f"{len(event.runs)} runs without results")

        from inittui.core.training.plan import plan_grid
        from inittui.core.training.sweep import run_grid

        groups = plan_grid(spec).groups
        started = time.monotonic()
        with ray_session(address, keep=keep) as ray:
            resources = ray.cluster_resources()
            where = f"joined the Ray cluster at {address}" if address else \
                "started a local Ray instance on 127.0.0.1"
            announce(f"ray: {where} in {time.monotonic() - started:.1f} s "
                     f"({resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs); "
                     f"{len(groups)} group{'s' if len(groups) != 1 else ''} as tasks")
            run_grid(spec, on_event, stop, backend=RayBackend(ray, retries, notice))

    return run
