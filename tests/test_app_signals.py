"""The app on SIGTERM and SIGHUP (real signals to this process, caught on the app's event
loop) quits as ctrl+q does, `stopped` rows included; Ctrl+C, a key inside the app, says
how to quit wherever the focus is."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from textual.widgets import Input

from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import create_app
from tests.conftest import csv_rows, wait_until

SPEC = ExperimentSpec(inits=("zeros", "he-normal"), hidden=(16,), epochs=200, device="cpu",
                      dataset="synthetic:train=2000,val=100,test=100,side=8")


async def test_sigterm_in_the_app_writes_stopped_rows_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    app = create_app(SPEC, out=out)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: all(w.is_finished for w in app.workers),
                         "the app's workers to end")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: out.exists() and len(csv_rows(out)) >= 2,
                         "two rows in the results file")
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_until(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_code == 143
    table = csv_rows(out)
    stopped = [row for row in table if row["status"] == "stopped"]
    finished = [row for row in table if row["status"] == "ok"]
    assert sorted(row["init"] for row in stopped) == ["he-normal", "zeros"]
    assert {int(row["epoch"]) for row in stopped} == {len(finished) // 2 + 1}


async def test_sighup_when_idle_exits_129_at_once() -> None:
    # Under nohup pytest ignores SIGHUP and the app rightly leaves it so: start from the default.
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        app = create_app(SPEC)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: all(w.is_finished for w in app.workers),
                             "the app's workers to end")
            os.kill(os.getpid(), signal.SIGHUP)
            await wait_until(pilot, lambda: not app.is_running, "the app to exit", 10)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert app.return_code == 129


async def test_ctrl_c_says_ctrl_q_quits_even_in_a_text_field() -> None:
    app = create_app(SPEC)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        field = app.query_one("#field-lr", Input)
        field.focus()
        await pilot.pause()
        for _ in range(3):
            await pilot.press("ctrl+c")
        await pilot.pause()
        assert [n.message for n in app._notifications] == [
            "ctrl+q quits (ctrl+c copies the selected text of a field)"] * 3
        assert app.is_running and field.value == "0.001"
