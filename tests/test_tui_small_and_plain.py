"""Runs stay told apart without colour, and every view at 80×24 shows whole words.

Without colour (NO_COLOR, a monochrome terminal) braille lines all look alike: each run
draws with a marker of its own and the legends show that marker. At 80×24 the screen is
read as text (tests/plot_reader.py `screen_text`), the way a person reads it.
"""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input, Static

from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.plots import RUN_MARKERS, run_marker
from inittui.tui.results.curves import CurvesPlot
from inittui.tui.results.layers_view import DepthPlot
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.results.spectrum_plots import SpectrumPlot
from inittui.tui.setup.spec_form import PLACEHOLDERS
from tests.canned import canned_engine, canned_engine_with_layers, with_spectra
from tests.conftest import trained
from tests.plot_reader import read_plot, screen_text

DATA = "synthetic:train=256,val=64,test=64,side=8"
INITS = ("zeros", "normal", "xavier-normal", "he-normal")


def app_of(engine: object = canned_engine, **changes: object) -> InittuiApp:
    values: dict[str, object] = dict(inits=INITS, epochs=4, device="cpu", dataset=DATA)
    values.update(changes)
    return create_app(ExperimentSpec(**values), engine=engine)  # type: ignore[arg-type]


async def test_without_colour_every_run_draws_with_a_marker_of_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_of()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot, then_escape=True)
        assert app.no_color
        plot = app.query_one(CurvesPlot)
        canvas = read_plot(plot)
        markers = {run_marker(group.color) for group in plot.groups}
        assert len(markers) == len(INITS)  # one each
        drawn = canvas.markers()
        for group in plot.groups:
            assert drawn.get(run_marker(group.color), 0) >= 3, (group.label, drawn)
        assert not any("⠁" <= char <= "⣿" for char in drawn)  # no braille: it has no marker
        header = str(app.query_one("#curves-header", Static).render())
        for group in plot.groups:
            assert f"{run_marker(group.color)} {group.label}" in header
        board = screen_text(app)
        for group in plot.groups:  # the leaderboard's dot is the run's marker too
            row = rf"{re.escape(run_marker(group.color))}\s+\d+\s+{re.escape(group.label)} "
            assert re.search(row, board), (group.label, board)


async def test_without_colour_the_layers_view_tells_runs_apart_by_marker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_of(canned_engine_with_layers, hidden=(16,) * 4, epochs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("L")
        await pilot.pause()
        canvas = read_plot(app.query_one("#grad-std", DepthPlot))
        shown = {char for char in canvas.markers() if char in RUN_MARKERS}
        assert len(shown) == 3  # zeros' grad std is 0: off the log axis
        header = str(app.query_one("#layers-header", Static).render())
        assert all(marker in header for marker in shown)


async def test_at_80x24_the_leaderboard_shows_every_state_whole() -> None:
    """Two sweeps label their runs `1:xavier-normal`, a grid `he-normal @ lr=…`: the init
    column gives way, cutting labels in the middle so that rows stay told apart, and the
    state column keeps its whole word."""
    app = app_of(inits=("xavier-uniform", "lecun-normal", "he-normal"), lr=(1e-3, 1e-2),
                 epochs=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        board = app.query_one(Leaderboard)
        text = screen_text(app)
        assert " state" in text
        rows = [line for line in text.splitlines() if " done" in line]
        assert len(rows) >= min(board.row_count, 5), text
        for line in rows:
            assert line.rstrip().endswith("done"), line
        assert " st\n" not in text and "runnin " not in text
        shown = [str(board.get_row_at(row)[2]) for row in range(board.row_count)]
        assert len(set(shown)) == len(shown), shown  # cut in the middle: cells told apart
        assert all(label in text for label in shown)


async def test_at_80x24_the_layers_header_takes_two_lines() -> None:
    app = app_of(canned_engine_with_layers, hidden=(32,) * 8, epochs=1,
                 inits=("xavier-normal", "he-normal", "normal"))
    async with app.run_test(size=(80, 24)) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("L")
        await pilot.pause()
        header = app.query_one("#layers-header", Static)
        assert header.size.height <= 2
        text = screen_text(app)
        for word in str(header.render()).split():
            assert word in text, word


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_data_dir_placeholder_is_shown_whole(size: tuple[int, int]) -> None:
    app = app_of()
    async with app.run_test(size=size) as pilot:
        await pilot.app.workers.wait_for_complete()
        if size == (80, 24):
            await pilot.press("s")
        await pilot.pause()
        field = app.query_one("#field-data_dir", Input)
        assert field.size.width >= len(PLACEHOLDERS["data_dir"])
        assert PLACEHOLDERS["data_dir"] in screen_text(app)


async def test_at_80x24_the_layers_view_keeps_its_plots_room_and_120x40_shows_the_spectrum(
        ) -> None:
    """The spectrum's panel and the long notes need room: at 80×24 the three plots keep the
    height (one short line stands for the notes), at 120×40 the spectrum has its panel."""
    for size, spectrum_shown in (((80, 24), False), ((120, 40), True)):
        app = app_of(with_spectra(canned_engine_with_layers), hidden=(32,) * 8, epochs=1,
                     inits=("xavier-normal", "he-normal"))
        async with app.run_test(size=size) as pilot:
            await trained(pilot, then_escape=True)
            await pilot.press("L")
            await pilot.pause()
            assert app.query_one(SpectrumPlot).display is spectrum_shown, size
            assert min(plot.size.height for plot in app.query(DepthPlot)) >= 8, size
