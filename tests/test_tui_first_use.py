"""What a new user trips on in the app: the form's hidden sizes follow the model, every
preset can be found, every key is in help, one metric for the grid views, keys from any
focus, and a coordinate check that says whose settings it took."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from inittui.core.results.axes import axis_series, format_metric
from inittui.core.spec.experiment import MODEL_HIDDEN, ExperimentSpec
from inittui.core.spec.presets import PRESETS
from inittui.core.studies.records import COORD_COLUMNS, read_coord_points
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.main_screen import MainScreen
from inittui.tui.results.curves import CurvesView
from inittui.tui.results.heatmap import Heatmap
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.screens.help import HelpScreen
from inittui.tui.screens.width_study import CoordCheckScreen, LrTransferScreen
from inittui.tui.width_app import WidthStudyApp
from tests.canned_grid import canned_grid_engine
from tests.conftest import (
    COORD_CSV,
    WIDE,
    form_app,
    grid_app,
    grid_spec,
    palette_search,
    ready,
    trained,
    type_into,
    wait_until,
)


async def test_the_forms_hidden_sizes_follow_the_model_until_the_user_sets_them() -> None:
    app = form_app(hidden=(128, 64))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        hidden = app.query_one("#field-hidden", Input)
        for model, sizes in (("gpt", "64x4"), ("resnet", "16x3,32x3,64x3"),
                             ("resmlp", "128x4"), ("mlp", "128,64")):
            await type_into(pilot, "field-model", model)
            await pilot.pause()
            assert hidden.value == sizes, model
            assert app.main.setup.spec().hidden == MODEL_HIDDEN[model]
        await type_into(pilot, "field-hidden", "32,16")
        await type_into(pilot, "field-model", "gpt")
        await pilot.pause()
        assert hidden.value == "32,16"  # the user's own sizes stay


async def palette_matches(pilot: Pilot, query: str) -> list[str]:
    """The command palette's entries for a query, as the user reads them."""
    await pilot.press("ctrl+p", *query)
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    results = palette.query_one(CommandList)
    await wait_until(pilot, lambda: results.option_count > 0 or not palette.is_running,
                     f"the palette's answer to {query!r}", timeout_s=10)
    await pilot.pause(0.2)
    found = [str(results.get_option_at_index(index).prompt)
             for index in range(results.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return found


async def test_every_preset_is_found_in_the_command_palette_and_the_form() -> None:
    app = form_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert any("Preset: mup2022" in line for line in await palette_matches(pilot, "mup"))
        listed = await palette_matches(pilot, "preset")
        for name in PRESETS:
            assert any(line.startswith(f"Preset: {name}") for line in listed), name
        select = app.query_one("#field-preset", Select)
        assert [value for _, value in select._options if value is not Select.NULL] == \
            list(PRESETS)


@pytest.mark.slow
async def test_a_study_preset_chosen_in_the_app_trains_its_study_on_ctrl_r() -> None:
    app = form_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await palette_search(pilot, "mup2022")
        await pilot.press("enter")
        await pilot.pause()
        note = str(app.query_one("#preset-note", Static).render())
        assert "ctrl+r trains the study: widths 64, 256, 1024 × lr 1e-4" in note
        await type_into(pilot, "field-dataset", "synthetic:train=64,val=16,test=16,side=4")
        await type_into(pilot, "field-epochs", "1")
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LrTransferScreen)
        assert screen.study == PRESETS["mup2022"].study
        await pilot.press("ctrl+r")  # while it trains: no second study on top
        assert app.screen is screen and len(app.screen_stack) == 2
        await wait_until(pilot, lambda: len(screen.cells) == 30 and not screen.note,
                         "the study's 30 cells")
        assert {(cell.param, cell.width) for cell in screen.cells} == {
            (param, width) for param in ("sp", "mup") for width in (64, 256, 1024)}
        assert not app.book.sweeps  # a study, not a sweep of the main screen


def help_lines(app: InittuiApp) -> list[str]:
    """The help screen's key table as it is drawn, at the width its widget has."""
    table = app.screen.query_one("#help-keys", Static)
    console = Console(width=table.size.width, record=True, file=io.StringIO())
    console.print(app.screen.keys_table())  # type: ignore[attr-defined]
    return console.export_text().splitlines()


def pressed_bindings() -> list[Binding]:
    """Every key a user presses: the app's, the main screen's, the leaderboard's, the
    heatmap's, the width check's (not the system's, nor one that only forwards to the app's
    or the screen's own key)."""
    return [binding for owner in (InittuiApp, MainScreen, Leaderboard, Heatmap, CoordCheckScreen)
            for binding in owner.BINDINGS if isinstance(binding, Binding)
            and not binding.system and not binding.action.startswith(("app.", "screen."))]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_help_lists_every_key_and_every_row_has_its_key(size: tuple[int, int]) -> None:
    app = form_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = help_lines(app)
        assert "…" not in "".join(lines)  # nothing cut off
        column = next(line for line in lines if line.startswith("^r ")).index("train the")

        def keys(line: str) -> list[str]:
            return [key.strip() for key in line[:column].split(" / ")]

        for binding in pressed_bindings():
            what = binding.tooltip or binding.description
            first_words = " ".join(what.split()[:3])
            if ": " in what and not any(first_words in line for line in lines):
                first_words = " ".join(what.partition(": ")[2].split()[:3])  # in its section
            for key in binding.key.split(","):
                shown = app.get_key_display(Binding(key, binding.action))
                assert any(shown in keys(line) and first_words in line for line in lines), \
                    (shown, what)
        for line in lines:  # a line without a key only goes on with the row above, indented
            if line.strip() and line.startswith(" "):
                assert not line[:column + 2].strip() and line[column + 2] != " ", line


def header(app: InittuiApp, view: str) -> str:
    """The first line a grid view draws above its plot or table."""
    return str(app.query_one(f"#{view}-header", Static).render()).splitlines()[0]


async def test_m_in_one_grid_view_is_the_metric_of_the_other() -> None:
    app = grid_app()
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("g")
        assert header(app, "sensitivity").startswith("best val acc vs learning rate")
        await pilot.press("m")
        assert header(app, "sensitivity").startswith("final train loss vs learning rate")
        await pilot.press("h")  # the heatmap shows the metric chosen in the sensitivity view
        assert header(app, "heatmap").startswith("final train loss by initializer")
        losses = axis_series(app.book.sweeps[-1], "lr", "final_train_loss")
        drawn = app.query_one(Heatmap).get_cell_at(Coordinate(1, 1)).plain.strip()
        assert drawn == format_metric("final_train_loss", losses[1].points[0].mean)
        await pilot.press("m")
        assert header(app, "heatmap").startswith("epochs to 90 % of the grid's best val acc")
        await pilot.press("g")
        assert header(app, "sensitivity").startswith("epochs to 90 % of the grid's best")
        await pilot.press("g", "m")  # m on the curves is the curves' own metric
        assert app.query_one(CurvesView).metric == "train_acc"
        await pilot.press("h")
        assert header(app, "heatmap").startswith("epochs to 90 %")


async def test_a_presets_grid_metric_is_where_both_grid_views_start() -> None:
    from inittui.core.spec.presets import apply_preset

    spec = apply_preset(grid_spec(), "saxe2013", keep=frozenset({"dataset", "lr", "hidden",
                                                                 "epochs", "seeds"}))
    app = create_app(spec, engine=canned_grid_engine, preset="saxe2013")
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("g")
        assert header(app, "sensitivity").startswith("steps to train loss ≤")
        await pilot.press("h")
        assert header(app, "heatmap").startswith("steps to train loss ≤")


@pytest.mark.slow
async def test_w_on_a_grid_checks_the_highlighted_rows_cell_and_says_so() -> None:
    app = grid_app(hidden="16")
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        board = app.query_one(Leaderboard)
        board.focus()
        await pilot.press("down", "down")
        row = app.main.shown.group(board.highlighted_key)
        assert row is not None and row.cell
        lr = dict(row.records[0].plan.settings)["lr"]
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CoordCheckScreen) and screen.spec is not None
        drawn = " ".join(str(screen.query_one("#width-header", Static).render()).split())
        await pilot.press("escape")  # stops after the first width
        assert screen.spec.inits == (row.init,) and screen.spec.lr == lr
        assert not screen.spec.is_grid
        assert f"settings of the highlighted row: {row.init}, mlp 16 relu, adam lr " \
               f"{row.cell[3:]}, batch 64" in drawn
        assert f"{row.init} · adam lr {lr:g} · " in drawn


@pytest.mark.slow
async def test_w_before_a_grid_has_trained_checks_its_first_cell_and_says_so() -> None:
    app = grid_app(hidden="16")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CoordCheckScreen) and screen.spec is not None
        drawn = " ".join(str(screen.query_one("#width-header", Static).render()).split())
        await pilot.press("escape")
        assert screen.spec.inits == ("zeros",) and screen.spec.lr == 1e-4
        assert "settings of the setup's first grid cell: zeros, mlp 16 relu, adam lr 1e-4" \
            in drawn


async def test_a_saved_coordinate_check_shows_its_own_lr_not_the_setups(tmp_path: Path) -> None:
    with_lr = read_coord_points(COORD_CSV)  # real output of --lr 0.01
    assert {point.lr for point in with_lr} == {0.01}
    old = tmp_path / "before_the_lr_column.csv"
    columns = [name for name in COORD_COLUMNS if name not in ("model", "lr")]
    old.write_text("\n".join([",".join(columns)] + [
        ",".join(str(getattr(point, name)) for name in columns) for point in with_lr]) + "\n")
    without_lr = read_coord_points(old)
    assert [replace(point, lr=0.01) for point in without_lr] == with_lr  # still loads
    setup = ExperimentSpec(lr=0.001, inits=("he-normal",))
    for points, says in ((with_lr, "adam lr 0.01 · "),
                         (without_lr, "adam lr not recorded in the file · ")):
        app = WidthStudyApp(CoordCheckScreen(points, spec=setup))
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            drawn = str(app.screen.query_one("#width-header", Static).render())
            assert says in drawn and "lr 0.001" not in drawn


VIEW_KEYS = (("L", "layers"), ("L", "curves"), ("g", "sensitivity"), ("g", "curves"),
             ("d", "depth"), ("d", "curves"), ("h", "heatmap"), ("h", "curves"))
NOT_TEXT = ("#init-list", "#field-preset", "#field-norm", "#field-optimizer", "#leaderboard")
"""Every widget of the main screen that takes the focus and is not a text input."""


async def test_each_view_key_works_from_the_initializer_list_where_focus_starts() -> None:
    app = grid_app(hidden="16")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        listed = app.query_one("#init-list")
        assert app.focused is listed  # where a wide, empty session starts
        for key, view in VIEW_KEYS:
            listed.focus()
            await pilot.press(key)
            assert app.main.view == view, key
        curves = app.query_one(CurvesView)
        for key, changed in (("m", lambda: curves.metric == "train_acc"),
                             ("m", lambda: curves.metric == "val_loss"),
                             ("l", lambda: curves.log_scale)):
            listed.focus()
            await pilot.press(key)
            assert changed(), key


@pytest.mark.slow
async def test_view_keys_work_from_every_focus_that_is_not_a_text_input() -> None:
    app = grid_app(hidden="16")
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        for selector in NOT_TEXT:
            widget = app.query_one(selector)
            for key, view in VIEW_KEYS:
                widget.focus()
                await pilot.press(key)
                assert app.main.view == view, (selector, key)
            assert not app.screen.is_modal and app.is_running
