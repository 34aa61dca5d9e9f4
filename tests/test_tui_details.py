"""The small things a new user trips over, each as a short story driven with the pilot.

Fed canned engine events (tests/canned.py): these stories are about the screen, not training.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rich.segment import Segment
from textual.widgets import Footer, Input, SelectionList, Static

from inittui.core.results.book import ResultsBook
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.commands import InittuiCommands
from inittui.tui.groups import PALETTE, hex_color
from inittui.tui.results.hints_panel import HintsPanel
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.screens.run_detail import RunDetailScreen
from tests.canned import canned_engine
from tests.conftest import trained

WIDE = (120, 40)
DATA = "synthetic:train=256,val=64,test=64,side=8"


def spec(**changes: object) -> ExperimentSpec:
    values: dict[str, object] = dict(inits=("zeros", "he-normal"), dataset=DATA, epochs=3,
                                     device="cpu")
    values.update(changes)
    return ExperimentSpec(**values)  # type: ignore[arg-type]


def hints(app: InittuiApp) -> str:
    return str(app.query_one(HintsPanel).render())


async def test_hints_belong_to_their_sweep_and_leave_with_it() -> None:
    app = create_app(spec(activation="tanh"), engine=canned_engine)
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        assert "he-normal is derived for ReLU" in hints(app)
        app.query_one("#field-activation").value = "relu"  # type: ignore[attr-defined]
        await trained(pilot)
        assert "derived for ReLU" not in hints(app)  # the tanh sweep's hint is gone
        assert "sweep 2: zeros" in hints(app)  # the newest sweep's own, said as its own


async def test_the_highlighted_row_keeps_its_colour_dot_and_details_have_a_footer() -> None:
    app = create_app(spec(), engine=canned_engine)
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        board = app.query_one(Leaderboard)
        assert board.highlighted_key == "1:he-normal"
        row = board.render_line(1)  # the header is line 0; the cursor is on the first row
        dots = [s for s in row if isinstance(s, Segment) and s.text.strip() == "●"]
        assert dots and dots[0].style is not None and dots[0].style.color is not None
        assert dots[0].style.color.name == hex_color(PALETTE[1])  # he-normal's, listed second

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.query(Footer)  # its own keys (escape goes back), not the app's
        await pilot.press("escape")


async def test_form_errors_show_in_view_and_an_empty_layer_size_is_refused() -> None:
    app = create_app(spec(), engine=canned_engine)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.app.workers.wait_for_complete()
        app.query_one("#field-hidden", Input).value = "128,,64"
        await pilot.pause()
        errors = app.query_one("#form-errors", Static)
        assert "empty layer size" in str(errors.render())
        assert errors.display and errors.region.y >= 0 and errors.region.bottom <= WIDE[1] - 2
        assert errors.region.height >= 1  # on screen at 120×40, not below Device


async def test_a_custom_initializer_is_scrolled_into_view() -> None:
    app = create_app(spec(), engine=canned_engine)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.app.workers.wait_for_complete()
        app.query_one("#init-custom", Input).focus()
        await pilot.press(*"normal:std=0.3", "enter")
        await pilot.pause()
        options = app.query_one("#init-list", SelectionList)
        last = options.option_count - 1
        assert options.get_option_at_index(last).value == "normal:std=0.3"
        assert options.highlighted == last
        assert options.scroll_offset.y <= last < options.scroll_offset.y + options.size.height


async def test_the_palette_offers_only_what_can_run_now() -> None:
    app = create_app(spec(), engine=canned_engine)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.app.workers.wait_for_complete()
        names = [name for name, _, _ in InittuiCommands(app.screen)._commands()]
        assert "Run" in names and "Stop" not in names  # idle: nothing to stop
        assert "Filter runs" in names and "Smoothing" in names


async def test_focus_starts_on_the_results_after_load(tmp_path: Path) -> None:
    book = ResultsBook()
    canned_engine(spec(), book.apply, threading.Event())
    earlier = tmp_path / "earlier.csv"
    write_results(book, earlier)
    app = create_app(spec(), load=earlier, engine=canned_engine)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.focused is app.query_one(Leaderboard)
        await pilot.press("enter")  # so enter opens the row the status line speaks of
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)


def test_a_grid_runs_details_name_its_own_cells_settings() -> None:
    """The detail line of a run in a grid says the lr, sizes and activation it trained with,
    not the grid's first cell's."""
    from inittui.core.training.plan import plan_grid
    from inittui.tui.screens.run_detail import describe

    grid = spec(hidden=(16,)).with_text(lr="1e-3,1e-2", hidden="16;8x2", activation="relu,tanh")
    run = next(run for run in plan_grid(grid).runs
               if run.cell == "lr=1e-2,hidden=8,8,activation=tanh")
    assert describe(grid, run, "cpu") == (f"{DATA} · mlp 8,8 tanh · adam lr 0.01 · batch 64 "
                                          "· cpu")
    one = spec(hidden=(16,))
    assert describe(one, one.runs()[0], "") == f"{DATA} · mlp 16 relu · adam lr 0.001 · batch 64"
