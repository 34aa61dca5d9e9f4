"""A sweep's thread as the app runs it: the worker's own cancelled event stops the engine,
the sweep counts as running until that thread has returned, and however the app closes,
the results file is closed by the thread after its last row.

The engine is the real one on tiny data; where a test needs the thread to stay busy after
the engine stopped (as a slow disk would keep it), the engine is followed by a wait on a
gate the test opens.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from inittui.core.events import EventSink
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep
from inittui.tui import main_showing
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.messages import SweepEvent
from tests.conftest import ready, status, wait_until

LONG = ExperimentSpec(inits=("zeros", "he-normal"), dataset="synthetic:train=200,val=50,"
                      "test=50,side=8", hidden=(16,), epochs=500, device="cpu",
                      diagnostics=False)
"""A sweep that would train for minutes: every test here ends it early."""

StopSeen = list[threading.Event]


def gated_engine(gate: threading.Event, stops: StopSeen) -> Callable[..., None]:
    """The real engine, then a wait for `gate`: its thread outlives the engine's stop."""
    def engine(spec: ExperimentSpec, sink: EventSink, stop: threading.Event) -> None:
        stops.append(stop)
        run_sweep(spec, sink, stop)
        gate.wait(60)

    return engine


def epochs_done(app: InittuiApp) -> int:
    return sum(len(record.epochs) for record in app.book.records())


def sweep_worker(app: InittuiApp):  # type: ignore[no-untyped-def]
    return next(worker for worker in app.workers if worker.group == "sweep")


async def test_the_workers_cancelled_event_stops_the_engine_and_running_lasts_until_it_returns(
) -> None:
    gate, stops = threading.Event(), []
    app = create_app(LONG, engine=gated_engine(gate, stops))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: epochs_done(app) >= 2, "two epochs")
        worker = sweep_worker(app)
        assert stops == [worker.cancelled_event]  # no separate threading.Event

        await pilot.press("ctrl+x")
        await wait_until(pilot, lambda: "stopped" in status(app), "the engine's stop")
        assert worker.is_cancelled  # Textual marks the worker cancelled at once ...
        assert app.running  # ... but its thread has not returned: still running
        assert app.check_action("run", ()) is False  # no second sweep beside it
        assert app.check_action("stop", ()) is True

        gate.set()
        await wait_until(pilot, lambda: not app.running, "the thread to return")
        assert app.check_action("run", ()) is True
        assert all(record.status == "stopped" for record in app.book.records())


async def test_quit_while_training_waits_for_the_stop_and_the_file_is_whole(
        tmp_path: Path) -> None:
    out = tmp_path / "quit.csv"
    gate, stops = threading.Event(), []
    app = create_app(LONG, out=out, engine=gated_engine(gate, stops))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: epochs_done(app) >= 2, "two epochs")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: "stopped" in status(app) or "to quit" in status(app),
                         "the stop")
        assert app.is_running and app.running  # the quit waits for the thread
        gate.set()
        await wait_until(pilot, lambda: not app.is_running, "the app to quit by itself")
    assert_whole(out, epochs_done(app))


async def test_closing_the_app_mid_training_leaves_the_file_to_the_thread(
        tmp_path: Path) -> None:
    out = tmp_path / "closed.csv"
    app = create_app(LONG, out=out)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: epochs_done(app) >= 2, "two epochs")
        app.exit()  # not a quit key: the app closes with the engine mid-epoch
    # The app is gone; its training thread stops at the next step and then closes the file
    # (a process would wait for it on exit). The lock is released by that close.
    assert_whole(out, None, wait_s=30)


def assert_whole(out: Path, epochs_seen: int | None, wait_s: float = 0) -> None:
    """The file's lock released (within wait_s), then every run's epochs and its `stopped`
    row in the file."""
    lock = FileLock(out.parent / f".{out.name}.lock", timeout=wait_s)
    lock.acquire()  # raises Timeout if the file was never closed
    lock.release()
    with out.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    by_run: dict[str, list[str]] = {}
    for row in rows:
        by_run.setdefault(row["run_id"], []).append(row["status"])
    assert set(by_run) == {"zeros/s0", "he-normal/s0"}
    for statuses in by_run.values():
        assert statuses[-1] == "stopped" and set(statuses[:-1]) == {"ok"}
    if epochs_seen is not None:
        assert sum(status == "ok" for s in by_run.values() for status in s) >= epochs_seen


async def test_the_book_is_grouped_and_ranked_once_per_event(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = {"groups": 0, "ranking": 0}
    real_groups, real_ranking = main_showing.seed_groups, main_showing.leaderboard

    def counting_groups(book):  # type: ignore[no-untyped-def]
        calls["groups"] += 1
        return real_groups(book)

    def counting_ranking(book, **options):  # type: ignore[no-untyped-def]
        calls["ranking"] += 1
        return real_ranking(book, **options)

    monkeypatch.setattr(main_showing, "seed_groups", counting_groups)
    monkeypatch.setattr(main_showing, "leaderboard", counting_ranking)
    events = []
    app = create_app(ExperimentSpec(
        inits=("zeros", "xavier-normal", "he-normal"), dataset=LONG.dataset, hidden=(16,),
        epochs=3, seeds=2, device="cpu"))
    async with app.run_test(size=(120, 40), message_hook=lambda m: events.append(m)
                            if isinstance(m, SweepEvent) else None) as pilot:
        await ready(pilot)
        before = dict(calls)
        await pilot.press("ctrl+r")
        await ready(pilot)
        await pilot.press("down", "down")  # the layers view follows the highlighted row
        await pilot.pause()
    shown = calls["groups"] - before["groups"]
    assert len(events) > 20 and shown > 0
    assert shown <= len(events)  # at most once per event, the cursor's moves included
    assert calls["ranking"] - before["ranking"] == shown  # one ranking with each grouping
