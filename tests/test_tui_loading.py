"""Loading results in the app: any file, never a crash, and the loaded rows are kept.

The real app driven by Textual's pilot, real files, and the real engine on tiny data.
"""

from __future__ import annotations

import csv
import threading
from pathlib import Path

from textual.widgets import Static

from inittui.core.results.book import ResultsBook
from inittui.core.results.reading import load_results
from inittui.core.results.schema import RESULT_COLUMNS
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep
from inittui.tui.app import create_app
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.screens.run_detail import RunDetailScreen
from tests.conftest import notes, settled, status

NARROW = (80, 24)


def tiny(**changes: object) -> ExperimentSpec:
    values: dict[str, object] = dict(inits=("zeros", "he-normal"), hidden=(16,), epochs=2,
                                     dataset="synthetic:train=200,val=50,test=50,side=8",
                                     device="cpu")
    values.update(changes)
    return ExperimentSpec(**values)  # type: ignore[arg-type]


def results_file(path: Path, spec: ExperimentSpec) -> Path:
    book = ResultsBook()
    run_sweep(spec, book.apply, threading.Event())
    write_results(book, path)
    return path


async def test_a_malformed_file_loads_its_good_rows_with_one_notification(
        tmp_path: Path) -> None:
    good = results_file(tmp_path / "good.csv", tiny())
    header, *rows = good.read_text().splitlines()
    path = tmp_path / "mixed.csv"
    path.write_text("\r\n".join([header, rows[0], rows[1][:30], "x,y", header, *rows[2:]])
                    + "\r\n")
    app = create_app(tiny(), load=path)
    async with app.run_test(size=NARROW) as pilot:
        await settled(pilot)
        (warning,) = notes(app, "warning")
        assert str(path) in warning and "skipped 3 malformed rows" in warning
        assert "line 3: " in warning
        assert app.query_one(Leaderboard).row_count == 2
        assert "loaded 2 runs in 1 sweep" in status(app)


async def test_labels_are_shown_as_text_never_as_markup(tmp_path: Path) -> None:
    path = results_file(tmp_path / "r.csv", tiny(epochs=1))
    with path.open(newline="") as handle:
        table = list(csv.reader(handle))
    init = RESULT_COLUMNS.index("init")
    run_id = RESULT_COLUMNS.index("run_id")
    for row, label in zip(table[1:], ("[/]x", "[red]y")):
        row[run_id] = row[run_id].replace(row[init], label)
        row[init] = label
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(table)
    app = create_app(tiny(), load=path)
    async with app.run_test(size=NARROW) as pilot:
        await settled(pilot)
        assert notes(app, "warning") == [] and notes(app, "error") == []
        board = app.query_one(Leaderboard)
        assert {str(cell) for cell in board.get_column("init")} == {"[/]x", "[red]y"}
        board.focus()
        for _ in range(2):
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, RunDetailScreen)
            assert app.screen.query_one("#detail-config", Static).render()
            await pilot.press("escape")
            await pilot.press("down")
        assert app.return_code in (None, 0)


async def test_training_more_adds_to_the_file_it_loaded(tmp_path: Path) -> None:
    """Even after the session is cleared: the file keeps what it held, byte for byte."""
    path = results_file(tmp_path / "r.csv", tiny())
    before, before_bytes = load_results(path), path.read_bytes()
    app = create_app(tiny(epochs=1), load=path, out=path, overwrite=True)
    async with app.run_test(size=NARROW) as pilot:
        await settled(pilot)
        assert len(app.book.sweeps) == 1
        await pilot.press("c", "y")  # clear, and confirm
        await pilot.pause()
        assert app.book.sweeps == []
        await pilot.press("ctrl+r")
        await settled(pilot)
        assert len(app.book.sweeps) == 1
    after = load_results(path)
    assert after.skipped == 0 and len(after.book.sweeps) == 2
    assert after.rows == before.rows + 2
    assert path.read_bytes().startswith(before_bytes)


async def test_a_file_that_cannot_be_read_is_one_error_and_the_app_still_trains(
        tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    app = create_app(tiny(epochs=1), load=path)
    async with app.run_test(size=NARROW) as pilot:
        await settled(pilot)
        (error,) = notes(app, "error")
        assert str(path) in error and "\n" not in error
        await pilot.press("ctrl+r")
        await settled(pilot)
        assert app.query_one(Leaderboard).row_count == 2
