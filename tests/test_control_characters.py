"""Text from a file never drives the terminal: control characters in a loaded CSV and in
the names of files are stripped (cells) or escaped (names) before they are shown."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from inittui.core.printable import printable
from inittui.core.results.book import ResultsBook
from inittui.core.results.reading import load_results
from inittui.core.results.schema import RESULT_COLUMNS
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.results.leaderboard import Leaderboard
from tests.conftest import settled

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "X\x1b[2J\x1b[H\x9b31m\r\nY\u202e"
SPEC = ExperimentSpec(inits=("zeros", "he-normal"), hidden=(16,), epochs=1, device="cpu",
                      dataset="synthetic:train=200,val=50,test=50,side=8")


def crafted_file(path: Path) -> Path:
    """A real results file whose text cells carry escape codes, newlines and overrides."""
    book = ResultsBook()
    run_sweep(SPEC, book.apply, threading.Event())
    write_results(book, path)
    with path.open(newline="") as handle:
        table = list(csv.reader(handle))
    for row in table[1:]:
        for column in ("init", "run_id", "device", "sweep_id"):
            row[RESULT_COLUMNS.index(column)] += HOSTILE
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(table)
    assert "\x1b[2J" in path.read_text()
    return path


def screen_text(app: InittuiApp) -> str:
    """Every character the app would send to the terminal for its screen."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def test_printable_removes_c0_c1_and_bidi_controls_only() -> None:
    assert printable(HOSTILE) == "X[2J[H31mY"
    assert printable("résumé ∑ 漢字 'quoted'") == "résumé ∑ 漢字 'quoted'"


def test_the_reader_strips_control_characters_from_text_cells(tmp_path: Path) -> None:
    loaded = load_results(crafted_file(tmp_path / "r.csv"))
    assert loaded.skipped == 0
    (sweep,) = loaded.book.sweeps
    names = [record.plan.init for record in sweep.runs.values()] + list(sweep.runs)
    assert all(not any(ord(c) < 32 or c == "\x1b" for c in name) for name in names)
    assert {record.plan.init for record in sweep.runs.values()} == {
        "zerosX[2J[H31mY", "he-normalX[2J[H31mY"}
    assert "\x1b" not in sweep.device and "\n" not in sweep.device


async def test_a_loaded_csv_with_escape_codes_never_reaches_the_screen(tmp_path: Path) -> None:
    app = create_app(SPEC, load=crafted_file(tmp_path / "r.csv"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        board = app.query_one(Leaderboard)
        assert board.row_count == 2
        text = screen_text(app)
        assert "zerosX" in text  # the name, less its control characters
        assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
        board.focus()
        await pilot.press("enter")  # the run's detail: its config, device, sweep
        await pilot.pause()
        detail = screen_text(app)
        assert "\x1b" not in detail and "\x9b" not in detail


def headless(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", "--dataset",
         "synthetic:train=100,val=50,test=50,side=4", "--hidden", "8", "--epochs", "1",
         "--init", "zeros", "--device", "cpu", "--no-diagnostics", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.slow  # two interpreters importing torch
def test_an_out_name_with_an_escape_code_or_newline_is_escaped_in_the_success_line(
        tmp_path: Path) -> None:
    result = headless("--out", "\x1b[31mred.csv", "--stats-out", "q\nr.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "\x1b[31mred.csv").exists() and (tmp_path / "q\nr.csv").exists()
    assert "\x1b" not in result.stdout + result.stderr
    assert "results written to \\x1b[31mred.csv" in result.stdout
    result = headless("--out", "q\nr2.csv", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert "results written to q\\x0ar2.csv" in lines
