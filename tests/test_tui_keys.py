"""Keys as a user meets them: the footer shows whole keys at any width, the view keys act
from wherever focus starts, and letters typed into a text field stay text."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.widgets import Input, SelectionList
from textual.widgets._footer import FooterKey

from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.key_footer import KeyFooter
from inittui.tui.main_screen import MainScreen
from inittui.tui.screens.help import HelpScreen
from tests.canned_grid import canned_grid_engine
from tests.conftest import ready

KEYS_DATA = "synthetic:train=200,val=50,test=50,side=8"


def keys_app(lr: str = "0.001") -> InittuiApp:
    spec = ExperimentSpec(inits=("zeros", "xavier-normal", "he-normal"), dataset=KEYS_DATA,
                          hidden=(16,), epochs=2, seeds=2, device="cpu").with_text(lr=lr)
    return create_app(spec, engine=canned_grid_engine)


def footer_keys(app: InittuiApp) -> list[FooterKey]:
    return list(app.screen.query_one(KeyFooter).query(FooterKey))


def assert_footer_fits(app: InittuiApp, width: int) -> set[str]:
    """Every key the footer shows is whole on screen; returns their descriptions."""
    keys = footer_keys(app)
    assert keys, "the footer shows no key"
    assert max(key.region.right for key in keys) <= width
    shown = {key.description for key in keys}
    assert {"Run", "Help", "Quit"} <= shown  # the keys that lead to every other one
    return shown


@pytest.mark.parametrize("width", [80, 100, 120, 160])
async def test_the_footer_shows_only_whole_keys_the_essential_ones_first(width: int) -> None:
    app = keys_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await ready(pilot)
        shown = assert_footer_fits(app, width)
        if width >= 120:
            assert "Clear" in shown  # the key Textual's own footer cut off at 120 columns
        if width >= 160:
            assert {"Metric", "Log", "Steps", "EMA", "Crop", "Focus", "Filter", "Layers",
                    "Clear"} <= shown


async def test_the_footer_refits_on_resize_and_in_every_view() -> None:
    app = keys_app(lr="1e-3,1e-2")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        before = assert_footer_fits(app, 120)
        assert "Heatmap" not in before  # no grid trained yet: its keys are ranked last
        await pilot.press("ctrl+r")
        await ready(pilot)
        assert {"Sensitivity", "Heatmap"} <= assert_footer_fits(app, 120)

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await ready(pilot)
        narrow = assert_footer_fits(app, 80)
        assert "Sensitivity" in narrow  # a grid is in the session: its views rank high
        await pilot.press("L")  # the layers view brings its own keys
        await pilot.pause()
        assert "Epoch" in assert_footer_fits(app, 80)
        await pilot.press("L", "h")
        await pilot.pause()
        assert "Axis" in assert_footer_fits(app, 80)

        await pilot.press("L")
        await pilot.pause()
        dropped = {binding.tooltip for binding in [*app.BINDINGS, *MainScreen.BINDINGS]
                   if isinstance(binding, Binding)
                   and binding.show and binding.description not in assert_footer_fits(app, 80)}
        assert dropped  # at 80 columns some keys do not fit ...
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(help_screen.keys_table())
        text = " ".join(console.export_text().split())
        for tooltip in dropped:  # ... help has them (in their view's section, unprefixed)
            assert " ".join(tooltip.split()) in text or \
                " ".join(tooltip.partition(": ")[2].split()) in text, tooltip


async def test_view_keys_act_from_the_initializer_list_where_focus_starts() -> None:
    app = keys_app(lr="1e-3,1e-2")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+r")
        await ready(pilot)
        app.query_one("#init-list", SelectionList).focus()  # where a wide session starts
        await pilot.pause()
        chosen = app.query_one("#init-list", SelectionList).selected
        for key, view in (("g", "sensitivity"), ("g", "curves"), ("d", "depth"),
                          ("d", "curves"), ("L", "layers"), ("L", "curves"),
                          ("h", "heatmap")):
            await pilot.press(key)
            assert app.main.view == view, key
        assert app.query_one("#init-list", SelectionList).selected == chosen  # untouched


async def test_focus_starts_in_the_initializer_list_on_a_wide_empty_session() -> None:
    app = keys_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.focused is app.query_one("#init-list", SelectionList)
        await pilot.press("m")  # a view key, not a jump in the list
        assert app.query_one("#curves").metric == "train_acc"  # type: ignore[attr-defined]


@pytest.mark.parametrize("field_id", ["field-activation", "init-custom", "filter"])
async def test_letters_typed_into_a_text_field_are_text_not_keys(field_id: str) -> None:
    app = keys_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        if field_id == "filter":
            await pilot.press("slash")
        field = app.query_one(f"#{field_id}", Input)
        field.focus()
        await pilot.press("home", "ctrl+k", *"ghdmLsqc")
        assert field.value == "ghdmLsqc"
        assert app.main.view == "curves" and app.is_running and not app.screen.is_modal
