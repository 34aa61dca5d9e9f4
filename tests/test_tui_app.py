"""The app's behaviour, driven with Textual's pilot and the real engine on tiny data.

Each test is a short user story: what is pressed, then what the user sees or gets on
disk. Stories share one app session where they naturally follow each other, because an
app session costs seconds on a slow machine.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable, Input, SelectionList, Static

from inittui.core.events import Event, StepProgress
from inittui.core.results.book import ResultsBook, leaderboard
from inittui.core.results.reading import read_results
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep
from inittui.tui.app import create_app
from inittui.tui.results.curves import CurvesView
from inittui.tui.results.layers_view import LayersView
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.screens.export import ExportScreen
from inittui.tui.screens.help import HelpScreen
from inittui.tui.screens.run_detail import RunDetailScreen
from inittui.tui.setup.initializer_picker import InitializerPicker
from tests.conftest import (
    TUI_DATA,
    WIDE,
    notes,
    palette_search,
    ready,
    status,
    trained,
    tui_spec,
    wait_until,
)

NARROW = (80, 24)


async def test_setup_is_prefilled_and_an_invalid_field_refuses_the_run() -> None:
    app = create_app(tui_spec(epochs=3, lr=0.01))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert app.query_one(InitializerPicker).chosen == ("zeros", "he-normal")
        assert app.query_one("#field-epochs", Input).value == "3"
        assert app.query_one("#field-dataset", Input).value == TUI_DATA
        assert app.query_one("#init-list", SelectionList).option_count >= 10  # the registry

        lr = app.query_one("#field-lr", Input)
        lr.value = "-1"
        await pilot.pause()
        assert lr.has_class("-invalid")
        assert "lr must be greater than 0" in str(app.query_one("#form-errors", Static).render())
        await pilot.press("ctrl+r")
        await ready(pilot)
        assert app.book.sweeps == []
        assert any("lr must be greater than 0" in note for note in notes(app, "error"))
        assert app.focused is lr

        lr.value = "0.01"
        app.query_one("#init-list", SelectionList).deselect_all()
        await pilot.pause()
        assert not lr.has_class("-invalid")
        await pilot.press("ctrl+r")
        await ready(pilot)
        assert app.book.sweeps == []
        assert any("at least one initializer" in note for note in notes(app, "error"))


async def test_ctrl_r_trains_the_chosen_initializers_from_a_form_field(tmp_path: Path) -> None:
    out = tmp_path / "live.csv"
    app = create_app(tui_spec(), out=out)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        options = app.query_one("#init-list", SelectionList)
        options.focus()
        options.highlighted = 0  # zeros
        await pilot.press("space")  # drop zeros
        names = [options.get_option_at_index(i).value for i in range(options.option_count)]
        options.highlighted = names.index("xavier-normal")
        await pilot.press("space")  # add xavier-normal
        app.query_one("#field-epochs", Input).focus()
        await pilot.press("ctrl+r")
        await ready(pilot)

        assert {r.plan.init for r in app.book.records()} == {"xavier-normal", "he-normal"}
        assert all(r.status == "ok" and len(r.epochs) == 2 for r in app.book.records())
        assert app.query_one(Leaderboard).row_count == 2
        assert "finished" in status(app) and "ETA" not in status(app)
        assert not app.running and notes(app, "error") == []
        assert len(read_results(out).records()) == 2  # --out was written as epochs finished


async def test_ctrl_x_stops_training_and_keeps_finished_epochs() -> None:
    app = create_app(tui_spec(epochs=500))
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: any(r.epochs for r in app.book.records()),
                         "a finished epoch")
        await pilot.press("ctrl+x")
        await ready(pilot)
        records = app.book.records()
        assert records and all(r.status == "stopped" for r in records)
        assert all(1 <= len(r.epochs) < 500 for r in records)
        assert "stopped" in status(app)


async def test_progress_and_eta_show_only_while_training() -> None:
    gate = threading.Event()

    def slow_engine(spec: ExperimentSpec, sink: object, stop: threading.Event) -> None:
        def emit(event: Event) -> None:
            sink(event)  # type: ignore[operator]
            if isinstance(event, StepProgress):
                gate.wait(5)

        run_sweep(spec, emit, stop)

    app = create_app(tui_spec(dataset="synthetic:train=4096,val=64,test=64,side=8",
                              batch_size=8, epochs=1), engine=slow_engine)
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "ETA" in status(app), "an ETA in the status line")
        assert "ETA" in status(app) and "epoch 1/1" in status(app)
        await pilot.press("ctrl+x")
        gate.set()
        await ready(pilot)
        assert "ETA" not in status(app) and "stopped" in status(app)


async def test_comparing_finished_runs_with_the_keyboard() -> None:
    app = create_app(tui_spec(hidden=(16, 8)))
    async with app.run_test(size=NARROW) as pilot:
        await trained(pilot)
        board = app.query_one(Leaderboard)
        assert app.focused is board
        curves = app.query_one(CurvesView)

        first = board.highlighted_key
        await pilot.press("space")  # hide the leader from the plots
        assert app.main.hidden_groups == frozenset({first}) and len(curves.shown_groups) == 1
        await pilot.press("space")
        assert app.main.hidden_groups == frozenset() and len(curves.shown_groups) == 2

        await pilot.press("enter")  # its per-epoch table
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.query_one(DataTable).row_count == 3  # two epochs and the end
        await pilot.press("escape")
        assert not isinstance(app.screen, RunDetailScreen)

        await pilot.press("m", "m")
        assert curves.metric == "val_loss"
        await pilot.press("l")
        assert curves.uses_log

        await pilot.press("L")
        layers = app.query_one(LayersView)
        assert app.main.view == "layers" and layers.shown_epoch == 2
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert layers.shown_epoch == 0  # the initialization
        await pilot.press("full_stop", "full_stop")
        assert layers.histogram_layer == 2  # there are two hidden layers
        await pilot.press("L")
        assert app.main.view == "curves"


async def test_the_cursor_stays_on_the_leader_until_the_user_picks_a_row() -> None:
    app = create_app(tui_spec(inits=("zeros", "normal", "he-normal"), epochs=3, lr=0.01))
    async with app.run_test(size=NARROW) as pilot:
        await trained(pilot)  # zeros is listed first, and ranks last
        board = app.query_one(Leaderboard)
        ranking = [f"{row.sweep}:{row.init}" for row in leaderboard(app.book)]
        assert ranking[-1] == "1:zeros"
        assert board.cursor_row == 0 and board.highlighted_key == ranking[0]
        await pilot.press("down", "down")
        assert board.highlighted_key == "1:zeros"
        app.query_one("#field-lr", Input).value = "0.003"
        await pilot.press("ctrl+r")  # a second sweep: six rows, ranked anew
        await ready(pilot)
        assert board.row_count == 6 and board.highlighted_key == "1:zeros"


async def test_runs_stay_comparable_across_starts_export_and_clear(tmp_path: Path) -> None:
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me")
    app = create_app(tui_spec())
    async with app.run_test(size=NARROW) as pilot:
        await trained(pilot)
        app.query_one("#field-lr", Input).value = "0.01"
        await pilot.press("ctrl+r")
        await ready(pilot)
        assert len(app.book.sweeps) == 2
        board = app.query_one(Leaderboard)
        assert board.row_count == 4
        assert {str(cell)[:2] for cell in board.get_column("init")} == {"1:", "2:"}

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        field = app.screen.query_one(Input)
        assert Path(field.value).name.startswith("inittui-results-")
        field.value = str(taken)
        await pilot.press("enter")
        await pilot.pause()
        assert taken.read_text() == "keep me"
        assert any("already exists" in note for note in notes(app, "error"))

        target = tmp_path / "export.csv"
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert len(read_results(target).records()) == 4
        assert any("Wrote" in note for note in notes(app, "information"))

        await pilot.press("c")  # asks first
        await pilot.pause()
        assert len(app.book.sweeps) == 2
        await pilot.press("n")
        await pilot.pause()
        assert len(app.book.sweeps) == 2 and board.row_count == 4
        await pilot.press("c", "y")
        await pilot.pause()
        assert app.book.sweeps == [] and board.row_count == 0


async def test_an_existing_out_file_is_refused_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "exists.csv"
    out.write_text("old")
    app = create_app(tui_spec(), out=out)
    async with app.run_test(size=NARROW) as pilot:
        await trained(pilot)
        assert app.book.sweeps == [] and out.read_text() == "old"
        assert any("already exists" in note for note in notes(app, "error"))


async def test_load_shows_earlier_results_without_training(tmp_path: Path) -> None:
    book = ResultsBook()
    run_sweep(tui_spec(inits=("xavier-normal", "he-normal")), book.apply, threading.Event())
    earlier = tmp_path / "earlier.csv"
    write_results(book, earlier)
    app = create_app(tui_spec(), load=earlier)
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        board = app.query_one(Leaderboard)
        assert board.row_count == 2
        assert {str(cell) for cell in board.get_column("state")} == {"done"}
        assert "loaded 2 runs in 1 sweep from" in status(app)


async def test_a_bad_results_file_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("not,an,inittui,file\n1,2,3,4\n")
    app = create_app(tui_spec(), load=bad)
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        assert any("not an inittui results file" in note for note in notes(app, "error"))
        await trained(pilot)  # and the app still trains
        assert app.query_one(Leaderboard).row_count == 2


async def test_an_engine_error_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    app = create_app(tui_spec(dataset="mnist", data_dir=str(tmp_path)))
    async with app.run_test(size=NARROW) as pilot:
        await trained(pilot)
        assert app.is_running and not app.running
        errors = notes(app, "error")
        assert len(errors) == 1 and "\n" not in errors[0]
        assert "failed" in status(app)


async def test_an_unexpected_engine_exception_is_reported_and_the_next_run_allowed() -> None:
    def broken(spec: ExperimentSpec, sink: object, stop: threading.Event) -> None:
        raise RuntimeError("boom")

    app = create_app(tui_spec(), engine=broken)
    async with app.run_test(size=NARROW) as pilot:
        await trained(pilot)
        assert any("RuntimeError: boom" in note for note in notes(app, "error"))
        await pilot.press("ctrl+r")
        await ready(pilot)
        assert len(notes(app, "error")) == 2


async def test_help_lists_every_key_and_the_narrow_setup_unfolds() -> None:
    app = create_app(tui_spec())
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(app.screen.keys_table())
        text = console.export_text()
        for key in ("^r", "^x", "^q", "m", "L", "e", "[", "space", "⏎", "ctrl+p"):
            assert key in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        body, results = app.query_one("#setup-body"), app.query_one("#results")
        assert not body.display and results.display
        assert app.focused is app.query_one(Leaderboard)
        await pilot.press("s")
        assert body.display and not results.display
        await pilot.press("escape")
        assert not body.display
        await pilot.press("s", "ctrl+r")  # training folds the setup so the curves show
        await ready(pilot)
        assert not body.display and len(app.book.records()) == 2


async def test_command_palette_applies_a_preset() -> None:
    app = create_app(tui_spec())
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await palette_search(pilot, "glorot2010")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#field-activation").value == "tanh"  # type: ignore[attr-defined]
        assert app.query_one("#field-hidden", Input).value == "1000,1000,1000,1000,1000"
        assert set(app.query_one(InitializerPicker).chosen) == {"pytorch-default",
                                                               "xavier-uniform"}


async def test_a_preset_from_the_command_line_is_named_with_its_expectation() -> None:
    from inittui.core.spec.presets import apply_preset

    spec = apply_preset(tui_spec(), "he2015", keep=frozenset({"dataset", "hidden"}))
    app = create_app(spec, preset="he2015")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert app.query_one("#field-preset").value == "he2015"  # type: ignore[attr-defined]
        note = str(app.query_one("#preset-note", Static).render())
        assert "He et al. 2015" in note and "expect:" in note
        assert app.query_one("#field-hidden", Input).value == "16"  # the user's, kept
        assert app.query_one("#field-momentum", Input).value == "0.9"  # the preset's
        assert app.query_one(InitializerPicker).chosen == ("xavier-normal", "he-normal")

        app.query_one("#field-preset").clear()  # type: ignore[attr-defined]  # "none"
        await pilot.pause()
        assert app.query_one("#preset-note").has_class("-empty")
        assert app.query_one("#field-hidden", Input).value == "16"  # nothing reapplied
        assert notes(app, "error") == []


def test_the_app_module_imports_without_torch() -> None:
    """The screen must appear at once: torch loads in a worker, not at import."""
    code = "import sys, inittui.tui.app; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
