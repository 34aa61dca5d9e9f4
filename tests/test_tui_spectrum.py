"""The Jacobian spectrum in the app, from canned SpectrumReady events: the layers view's
histogram of the highlighted run's singular values (log-spaced bins, the run's colour, a
title that says what it counts) and the depth profile's spread against depth."""

from __future__ import annotations

import math

from textual.pilot import Pilot

from inittui.core.results.spectrum_summary import spread
from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.groups import PALETTE
from inittui.tui.results.layers_view import LayersView
from inittui.tui.results.spectrum_plots import SpectrumDepthPlot, SpectrumPlot
from tests.canned import canned_engine_with_layers, canned_spectrum, with_spectra
from tests.canned_grid import canned_grid_engine
from tests.conftest import trained
from tests.plot_reader import RGB, Canvas, assert_series, read_plot

SIZE = (120, 40)
DATA = "synthetic:train=256,val=64,test=64,side=8"


def bar_columns(canvas: Canvas, color: RGB) -> dict[int, int]:
    """column → the top row of the bar drawn there in this colour."""
    tops: dict[int, int] = {}
    for row, column in canvas.cells(color, "█"):
        tops[column] = min(row, tops.get(column, row))
    return tops


def deep_net_with_spectra() -> InittuiApp:
    """A 40-layer he-normal and orthogonal sweep whose canned events carry spectra."""
    spec = ExperimentSpec(inits=("he-normal", "orthogonal"), epochs=1, device="cpu",
                          dataset=DATA, hidden=(32,) * 40)
    return create_app(spec, engine=with_spectra(canned_engine_with_layers))


async def layers_shown(pilot: Pilot) -> None:
    """Trained, then the layers view open."""
    await trained(pilot, then_escape=True)
    await pilot.press("L")
    await pilot.pause()


async def test_the_layers_view_draws_the_highlighted_runs_singular_values_on_a_log_axis(
        ) -> None:
    app = deep_net_with_spectra()
    async with app.run_test(size=SIZE) as pilot:
        await layers_shown(pilot)
        plot = app.query_one(SpectrumPlot)
        assert plot.display and plot.group is not None
        group = plot.group
        canvas = read_plot(plot)
        title = "\n".join(canvas.lines[:canvas.top])
        assert "σ(∂h_L/∂x) at init" in title  # the short form: four plots share 85 columns
        header = str(app.query_one("#layers-header").render())
        assert f"far right: {group.label}'s ∂h_L/∂x at init, 64 singular values of 4 inputs, " \
            "log bins" in header
        tops = bar_columns(canvas, plot.colors.line(group.color))
        assert len(tops) > 10, "\n".join(canvas.lines)
        assert set(canvas.cells(marker="█")) == set(canvas.cells(plot.colors.line(group.color),
                                                                  "█"))  # one run's bars only
        values = [v for row in group.records[0].spectrum for v in row]
        first, last = (canvas.column_of_x(v, log=True) for v in (min(values), max(values)))
        assert first - 2 <= min(tops) and max(tops) <= last + 2  # bars span its values
        # log-normal values in log bins: the tallest bar in the middle, short ones at the ends
        middle = canvas.column_of_x(math.sqrt(min(values) * max(values)), log=True)
        tallest = min(tops.values())
        assert any(abs(c - middle) <= (last - first) / 4 for c, r in tops.items() if r == tallest)
        assert tops[min(tops)] > tallest and tops[max(tops)] > tallest


async def test_moving_the_leaderboard_cursor_shows_the_other_runs_spectrum() -> None:
    app = deep_net_with_spectra()
    async with app.run_test(size=SIZE) as pilot:
        await layers_shown(pilot)
        plot = app.query_one(SpectrumPlot)
        assert plot.group is not None
        shown = [plot.group.init]
        await pilot.press("down")
        await pilot.pause()
        shown.append(plot.group.init)
        assert sorted(shown) == ["he-normal", "orthogonal"]
        if shown[-1] != "orthogonal":
            await pilot.press("up")
            await pilot.pause()
        assert plot.group.init == "orthogonal"
        canvas = read_plot(plot)  # every value near 1: ticks in a narrow range around it
        labels = [float(label) for _, label in canvas.x_ticks]
        assert len(labels) >= 2 and all(0.9 <= label <= 1.1 for label in labels), labels
        assert canvas.cells(plot.colors.line(plot.group.color), "█")

async def test_without_spectra_the_layers_view_has_no_spectrum_panel() -> None:
    spec = ExperimentSpec(inits=("he-normal",), epochs=1, device="cpu", dataset=DATA,
                          hidden=(16, 16))
    app = create_app(spec, engine=canned_engine_with_layers)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("L")
        await pilot.pause()
        assert not app.query_one(LayersView).query_one(SpectrumPlot).display


async def test_the_depth_profile_draws_each_inits_largest_value_and_range_against_depth(
        ) -> None:
    base = ExperimentSpec(inits=("he-normal", "orthogonal"), dataset=DATA, epochs=1,
                          seeds=2, device="cpu")
    spec = base.with_text(hidden="64x10;64x20;64x40")
    app = create_app(spec, engine=with_spectra(canned_grid_engine))
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("d")
        await pilot.pause()
        plot = app.query_one(SpectrumDepthPlot)
        assert plot.display
        canvas = read_plot(plot)
        assert canvas.log
        title = "\n".join(canvas.lines[:canvas.top])
        assert "σ(∂h_L/∂x): max, 5–95%" in title  # short; the header says it in full
        header = str(app.query_one("#depth-header").render())
        assert "largest singular value (line) and 5–95 % range (band)" in header
        depths = [10, 20, 40]
        plans = {r.plan.init: r.plan for r in app.book.current.runs.values()}
        for index, init in enumerate(("he-normal", "orthogonal")):
            largest = [spread(canned_spectrum(plans[init], d)).largest for d in depths]
            assert_series(canvas, plot.colors.line(PALETTE[index]), depths, largest, init)
        # he-normal's band reaches from its 5 % to its 95 % point at depth 40
        he = spread(canned_spectrum(plans["he-normal"], 40))
        he_band = canvas.cells(plot.colors.faint(PALETTE[0]), "▒")
        low, high = canvas.value_span(he_band)
        assert low <= he.p5 * 1.3 and high >= he.p95 / 1.3
        assert he.p95 / he.p5 > 5
        # orthogonal's line and band (a sliver, under the line) stay at 1 at every depth
        ortho = canvas.cells(plot.colors.line(PALETTE[1])) | canvas.cells(
            plot.colors.faint(PALETTE[1]), "▒")
        assert ortho and all(abs(row - canvas.row_of(1.0)) <= 1.5 for row, _ in ortho)
