"""Who owns which key: the app keeps the global keys, the main screen every key of its
panels, and help and the footer list both in one order. The screens' CSS is in .tcss files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.css.stylesheet import Stylesheet
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui import styles
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.key_order import KEY_ORDER, in_key_order
from inittui.tui.main_screen import MainScreen
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.screens.confirm import ConfirmScreen
from inittui.tui.screens.help import HelpScreen
from inittui.tui.screens.width_study import CoordCheckScreen
from tests.canned import canned_engine
from tests.conftest import trained

GLOBAL_KEYS = {"run", "stop", "help", "quit-q", "quit", "ctrl-c"}
TUI = Path(__file__).resolve().parent.parent / "inittui" / "tui"


def ids(owner: type) -> list[str]:
    return [binding.id for binding in owner.BINDINGS
            if isinstance(binding, Binding) and binding.id is not None]


def action_name(binding: Binding) -> str:
    """`toggle_view('heatmap')` → `toggle_view`."""
    return binding.action.partition("(")[0]


def canned_app() -> InittuiApp:
    spec = ExperimentSpec(inits=("zeros", "he-normal"), hidden=(16,), epochs=3, device="cpu")
    return create_app(spec, engine=canned_engine)


def test_the_app_binds_only_the_global_keys() -> None:
    assert set(ids(InittuiApp)) == GLOBAL_KEYS


def test_every_main_screen_key_is_the_screens_own_action_and_not_the_apps() -> None:
    keys = [binding for binding in MainScreen.BINDINGS if isinstance(binding, Binding)]
    assert len(keys) == 26 and not GLOBAL_KEYS & set(ids(MainScreen))
    for binding in keys:
        assert hasattr(MainScreen, f"action_{action_name(binding)}"), binding.action
        assert not hasattr(InittuiApp, f"action_{action_name(binding)}"), binding.action


def test_one_order_names_every_key_of_the_app_and_the_main_screen_once() -> None:
    both = ids(InittuiApp) + ids(MainScreen)
    assert sorted(KEY_ORDER) == sorted(both) and len(set(KEY_ORDER)) == len(KEY_ORDER)
    ordered = [binding.id for binding in in_key_order([*MainScreen.BINDINGS,
                                                       *InittuiApp.BINDINGS])]
    assert ordered == list(KEY_ORDER)  # whichever class is read first


async def test_the_main_screens_keys_change_its_own_view_and_curves() -> None:
    app = canned_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot, then_escape=True)
        main = app.main
        assert app.screen is main and main.view == "curves"
        await pilot.press("m")
        assert main.curves.metric == "train_acc"
        await pilot.press("m", "m", "l")
        assert main.curves.metric == "train_loss" and main.curves.log_scale
        await pilot.press("L")
        assert main.view == "layers" and main.views.current == "layers"
        await pilot.press("L", "slash")
        assert isinstance(app.focused, Input) and app.focused is main.filter_field
        await pilot.press("h", "e", "enter")
        assert main.filter_text == "he" and len(main.curves.shown_groups) == 1
        await pilot.press("escape")
        assert main.filter_text == "" and len(main.curves.shown_groups) == 2


async def test_the_global_keys_act_over_the_main_screen_and_its_keys_stay_on_it() -> None:
    app = canned_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("L")  # a main-screen key does not reach under the help
        assert app.main.view == "curves"
        await pilot.press("escape", "c")
        assert isinstance(app.screen, ConfirmScreen)  # the screen's clear asks first
        await pilot.press("n")
        assert app.screen is app.main and app.book.sweeps


@pytest.mark.slow
async def test_on_a_width_study_the_main_screens_keys_neither_show_nor_act() -> None:
    """The coordinate check covers the main screen: its footer offers its own keys and the
    global ones, and a main-screen key does not change the hidden screen behind it."""
    spec = ExperimentSpec(dataset="synthetic:train=200,val=50,test=50,side=8", hidden=(16,),
                          inits=("he-normal",), device="cpu")
    app = create_app(spec)
    async with app.run_test(size=(300, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("escape", "w")
        await pilot.pause()
        assert isinstance(app.screen, CoordCheckScreen)
        shown = {key.key for key in app.screen.query(FooterKey)}
        assert {"p", "escape", "ctrl+r", "question_mark"} <= shown
        assert not shown & {"s", "m", "L", "c"}
        await pilot.press("L", "m")
        assert app.main.view == "curves" and app.main.curves.metric == "val_acc"
        await pilot.press("escape")
        assert app.screen is app.main


async def test_the_footer_is_one_row_of_the_focused_widgets_then_the_apps_and_screens_keys(
        ) -> None:
    """As when the app bound every key: the leaderboard's, Textual's ctrl+q, then KEY_ORDER."""
    app = canned_app()
    async with app.run_test(size=(400, 40)) as pilot:  # room for every key
        await trained(pilot, then_escape=True)
        assert isinstance(app.focused, Leaderboard)
        assert [key.key for key in app.screen.query(FooterKey)] == [
            "space", "ctrl+q", "ctrl+r", "s", "question_mark", "m", "l", "x", "a", "z", "f",
            "slash", "L", "g", "h", "d", "b", "c"]


def test_every_screen_stylesheet_is_a_tcss_file_that_parses() -> None:
    named = {name for path in TUI.rglob("*.py")
             for name in re.findall(r'stylesheet\("([^"]+)"\)', path.read_text())}
    files = {path.name for path in (TUI / "styles").glob("*.tcss")}
    assert named == files and "main_screen.tcss" in files
    variables = App[None]().get_css_variables()  # the theme's $primary, $warning, ...
    for name in sorted(files):
        sheet = Stylesheet(variables=variables)
        sheet.add_source(styles.stylesheet(name), read_from=(name, ""))
        sheet.parse()  # raises on a CSS error
        assert sheet.rules, name


def test_the_main_screen_reads_its_css_from_its_tcss_file() -> None:
    assert (TUI / "styles" / "main_screen.tcss").read_text() == MainScreen.DEFAULT_CSS
    assert "MainScreen.-narrow.-setup-open" in MainScreen.DEFAULT_CSS
