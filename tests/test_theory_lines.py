"""Mean field's prediction drawn under each measured line, from canned events.

The depth profile draws each initializer's predicted last-layer act std against depth in
small faint dots ("·"), apart from the measured ones at initialization ("•").

The layers view at initialization draws each run's predicted act std (`mf_act_std`) as
faint dots in its own colour under its measured line; the ∂L/∂h plot gets none (nothing
predicts ∂L/∂h) and the note says so; a run without a prediction is named with its reason.
"""

from __future__ import annotations

from textual.widgets import Static

from inittui.core.results.axes import axis_position, depth_series
from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import create_app
from inittui.tui.results.depth_profile import PREDICTION_MARKER, DepthStatPlot, depth_colors
from inittui.tui.results.layers_view import DepthPlot, layers_at
from inittui.tui.results.predicted_lines import expected_spread, spread_text
from tests.canned_theory import (
    ZEROS_REASON,
    canned_engine_with_theory,
    canned_grid_engine_with_theory,
)
from tests.conftest import WIDE, trained
from tests.plot_reader import assert_series, read_plot

DATA = "synthetic:train=256,val=64,test=64,side=8"


def spec_activation(app) -> str:
    return app.book.current.spec.activation


def _app(inits: tuple[str, ...] = ("xavier-normal", "he-normal", "zeros")):
    return create_app(ExperimentSpec(inits=inits, epochs=1, device="cpu", dataset=DATA,
                                     hidden=(32,) * 8), engine=canned_engine_with_theory)


async def test_the_prediction_is_drawn_faint_in_each_runs_colour_where_its_values_are():
    app = _app()
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("L", "left_square_bracket")  # at initialization
        await pilot.pause()
        plot = app.query_one("#act-std", DepthPlot)
        canvas = read_plot(plot)
        assert canvas.log
        predicted = [g for g in plot._groups if g.init != "zeros"]
        for group in predicted:
            layers = layers_at(group, 0)[0]
            color = plot.colors.line(group.color)
            faint = plot.colors.faint(color, 0.5)
            xs = [s.layer for s in layers]
            assert_series(canvas, faint, xs, [s.mf_act_std for s in layers],
                          f"{group.label} prediction", marker="•")
            assert_series(canvas, color, xs, [s.act_std for s in layers], group.label)
            # layer 1: the dots are on another row than the measured line, by their ratio
            first = min(c for _, c in canvas.cells(faint, "•"))
            dot = next(r for r, c in canvas.cells(faint, "•") if c == first)
            assert abs(canvas.row_of(layers[0].mf_act_std) - dot) <= 1
            assert abs(canvas.row_of(layers[0].act_std) - dot) >= 1.5
        zeros = next(g for g in plot._groups if g.init == "zeros")
        assert not canvas.cells(plot.colors.faint(plot.colors.line(zeros.color), 0.5))
        grad = read_plot(app.query_one("#grad-std", DepthPlot))
        assert not grad.cells(marker="•"), "∂L/∂h has no prediction to draw"
        header = str(app.query_one("#layers-header", Static).render())
        width = layers_at(predicted[0], 0)[0][0].units  # the canned stats say 16 units
        assert spec_activation(app) == "relu"
        typical, worst = expected_spread("relu", width)  # type: ignore[misc]
        assert "faint • dots: mean-field prediction at initialization" in header
        assert f"at width {width}, relu's act std lies within ~{typical:.1%} of it " \
               f"(worst layer ~{worst:.0%}), measured at 10 layers" in header
        assert "∂L/∂h has none (theory predicts ∂L/∂s" in header
        assert f"no prediction for zeros: {ZEROS_REASON}" in header


async def test_after_training_the_prediction_of_the_initialization_is_not_drawn():
    app = _app(("xavier-normal",))
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("L")  # the newest epoch: 1
        await pilot.pause()
        plot = app.query_one("#act-std", DepthPlot)
        assert plot._epoch == 1 and not plot.predictions()
        assert not read_plot(plot).cells(marker="•")
        header = str(app.query_one("#layers-header", Static).render())
        assert "prediction" not in header


async def test_the_depth_profile_draws_the_predicted_last_layer_act_std_against_depth():
    spec = ExperimentSpec(inits=("zeros", "xavier-normal", "he-normal"), dataset=DATA,
                          epochs=2, seeds=2, device="cpu").with_text(
        lr="1e-3", hidden="64x10;64x20;64x30")
    app = create_app(spec, engine=canned_grid_engine_with_theory)
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("d")
        await pilot.pause()
        plot = app.query_one("#depth-act", DepthStatPlot)
        canvas = read_plot(plot)
        assert canvas.log and plot.sweep is not None
        values = plot.sweep.spec.axis_values("hidden")
        colors = depth_colors(depth_series(plot.sweep, "act_std", after_training=False))
        lines = {line.name: line for line in
                 depth_series(plot.sweep, "mf_act_std", after_training=False)}
        for name in ("xavier-normal", "he-normal"):
            line = lines[name]
            xs = [axis_position("hidden", p.value, values) for p in line.points]
            ys = [p.mean for p in line.points if p.mean is not None]
            assert len(ys) == 3
            faint = plot.colors.faint(plot.colors.line(colors[name]), 0.5)
            assert_series(canvas, faint, xs, ys, f"{name} prediction",
                          marker=PREDICTION_MARKER)
        assert all(p.mean is None for p in lines["zeros"].points)
        grad = read_plot(app.query_one("#depth-grad", DepthStatPlot))
        assert not grad.cells(marker=PREDICTION_MARKER), "∂L/∂h has no prediction to draw"
        header = str(app.query_one("#depth-header", Static).render())
        typical, worst = expected_spread("relu", 64)  # type: ignore[misc]
        assert f"faint {PREDICTION_MARKER} dots: mean-field prediction at initialization; " \
               f"at width 64, relu's act std lies within ~{typical:.1%} of it (worst layer " \
               f"~{worst:.0%})" in header
        assert f"no prediction for zeros: {ZEROS_REASON}" in header


def test_the_spread_to_expect_is_the_measured_one_per_activation():
    assert spread_text(["tanh"], 256) == ("at width 256, tanh's act std lies within ~0.9% of "
                                          "it (worst layer ~10%), measured at 10 layers, "
                                          "~1/√width")
    assert "relu's act std lies within ~6.9%" in spread_text(["relu", "relu"], 256)
    assert "gelu: not measured" in spread_text(["gelu"], 256)
    assert spread_text([], 256) == "" and spread_text(["tanh"], 0) == ""
