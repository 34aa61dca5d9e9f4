"""Every view draws its data: each plot is rendered from canned events and read back.

A snapshot only says a screen is unchanged (they kept a blank log axis for months); these
read the figure itself (tests/plot_reader.py): every series has cells in its colour, they
sit between the rows of its smallest and largest value on the plot's own tick scale, they
fill every column its x values span, and the tick labels stay in the box and read as a
person writes numbers. Linear and log axes, in the curves, layers, depth profile,
sensitivity, heatmap and width views.
"""

from __future__ import annotations

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult

from inittui.core.results.axes import axis_position, axis_series, depth_series
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.studies.records import read_coord_points, read_transfer_cells
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.results.curves import CurvesPlot
from inittui.tui.results.depth_profile import DepthStatPlot, depth_colors
from inittui.tui.results.heatmap import BEST, WORST, Heatmap
from inittui.tui.results.layers_view import DepthPlot, HistogramPlot, layers_at
from inittui.tui.results.sensitivity import SensitivityPlot, series_colors, x_positions
from inittui.tui.results.width_plots import Line, LogLogPanel
from inittui.tui.screens.width_study import CoordCheckScreen, LrTransferScreen
from inittui.tui.width_app import WidthStudyApp
from tests.canned import canned_engine, canned_engine_with_layers
from tests.canned_grid import canned_grid_engine
from tests.conftest import COORD_CSV, GPT_TRANSFER_CSV, TRANSFER_CSV, trained
from tests.plot_reader import (
    Canvas,
    assert_series,
    read_plot,
    tick_labels_read_well,
    ticks_inside,
)

SIZE = (120, 40)
DATA = "synthetic:train=256,val=64,test=64,side=8"


def assert_axes_read_well(canvas: Canvas) -> None:
    assert ticks_inside(canvas), "a y tick label fell below the box:\n" + "\n".join(canvas.lines)
    labels = [label for _, label in canvas.y_ticks]
    assert len(labels) >= 2 and tick_labels_read_well(labels), labels


def curves_app(**changes: object) -> InittuiApp:
    values: dict[str, object] = dict(inits=("zeros", "normal", "he-normal"), epochs=6,
                                     device="cpu", dataset=DATA)
    values.update(changes)
    return create_app(ExperimentSpec(**values), engine=canned_engine)  # type: ignore[arg-type]


@pytest.mark.parametrize("log", [False, True], ids=["linear", "log"])
async def test_every_learning_curve_is_drawn_where_its_losses_are(log: bool) -> None:
    app = curves_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("m", "m", *(["l"] if log else []))  # val loss
        await pilot.pause()
        plot = app.query_one(CurvesPlot)
        canvas = read_plot(plot)
        assert canvas.log == log
        assert_axes_read_well(canvas)
        for group in plot.groups:
            epochs = group.records[0].epochs
            assert_series(canvas, plot.colors.line(group.color), [e.epoch for e in epochs],
                          [e.val_loss for e in epochs], group.label)


async def test_a_loss_far_below_1_fills_the_lower_part_of_a_log_axis() -> None:
    """He-normal's loss falls to about 0.1 and zeros' stays near 2.3: on a log axis both
    are drawn, he-normal's in the lower half, zeros' at the top."""
    app = curves_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("m", "m", "l")
        await pilot.pause()
        plot = app.query_one(CurvesPlot)
        canvas = read_plot(plot)
        middle = (canvas.top + canvas.bottom) / 2
        by_init = {group.init: canvas.cells(plot.colors.line(group.color))
                   for group in plot.groups}
        assert min(row for row, _ in by_init["he-normal"]) > canvas.top + 2
        assert max(row for row, _ in by_init["he-normal"]) > middle
        assert max(row for row, _ in by_init["zeros"]) < middle


@pytest.mark.parametrize("stat", ["act_std", "grad_std"])
async def test_the_layers_view_draws_every_run_by_depth_on_its_log_axis(stat: str) -> None:
    """Grad std near 1e-4 and act std from 0.1 to 30: every run of an 8-layer net is drawn."""
    app = create_app(ExperimentSpec(inits=("xavier-normal", "he-normal", "normal"), epochs=2,
                                    device="cpu", dataset=DATA, hidden=(32,) * 8),
                     engine=canned_engine_with_layers)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("L")
        await pilot.pause()
        plot = next(p for p in app.query(DepthPlot) if p.stat == stat)
        canvas = read_plot(plot)
        assert canvas.log
        assert_axes_read_well(canvas)
        for group in plot._groups:
            layers = layers_at(group, 2)[0]
            assert_series(canvas, plot.colors.line(group.color), [s.layer for s in layers],
                          [getattr(s, stat) for s in layers], group.label)


async def test_the_layers_view_shows_xavier_collapsing_with_depth_and_he_staying_level() -> None:
    app = create_app(ExperimentSpec(inits=("xavier-normal", "he-normal"), epochs=1,
                                    device="cpu", dataset=DATA, hidden=(32,) * 8),
                     engine=canned_engine_with_layers)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("L", "left_square_bracket")  # at initialization
        await pilot.pause()
        plot = app.query_one("#act-std", DepthPlot)
        canvas = read_plot(plot)
        rows = {group.init: sorted(canvas.cells(plot.colors.line(group.color)),
                                   key=lambda cell: cell[1]) for group in plot._groups}
        he, xavier = rows["he-normal"], rows["xavier-normal"]
        assert abs(he[0][0] - he[-1][0]) <= 1  # level
        assert xavier[-1][0] - xavier[0][0] >= 6  # falls by many rows with depth
        assert canvas.row_value(xavier[-1][0]) < canvas.row_value(he[-1][0]) / 5


async def test_the_histogram_draws_its_bars_on_a_linear_axis() -> None:
    app = create_app(ExperimentSpec(inits=("he-normal",), epochs=1, device="cpu", dataset=DATA,
                                    hidden=(16, 16)), engine=canned_engine_with_layers)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("L")
        await pilot.pause()
        plot = app.query_one(HistogramPlot)
        canvas = read_plot(plot)
        assert not canvas.log
        assert canvas.markers().get("█", 0) > 20
        assert_axes_read_well(canvas)


def grid_app(**text: str) -> InittuiApp:
    base = ExperimentSpec(inits=("zeros", "xavier-normal", "he-normal"), dataset=DATA,
                          epochs=3, seeds=2, device="cpu")
    return create_app(base.with_text(**{"lr": "1e-4,1e-3,1e-2,1e-1", **text}),
                      engine=canned_grid_engine)


@pytest.mark.parametrize("stat", ["act_std", "grad_std"])
async def test_the_depth_profile_draws_each_init_at_init_and_trained_on_log_axes(
        stat: str) -> None:
    app = grid_app(lr="1e-3", hidden="64x10;64x20;64x30", inits="xavier-normal,he-normal")
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("d")
        await pilot.pause()
        plot = next(p for p in app.query(DepthStatPlot) if p.stat == stat)
        canvas = read_plot(plot)
        assert canvas.log
        assert_axes_read_well(canvas)
        assert any("last hidden layer:" in line for line in canvas.lines[:canvas.top])
        assert plot.sweep is not None
        values = plot.sweep.spec.axis_values("hidden")
        colors = depth_colors(depth_series(plot.sweep, stat, after_training=False))
        for trained_too in (False, True):
            for line in depth_series(plot.sweep, stat, after_training=trained_too):
                xs = [axis_position("hidden", p.value, values) for p in line.points]
                ys = [p.mean for p in line.points if p.mean is not None]
                marker = None if trained_too else "•"
                assert_series(canvas, plot.colors.line(colors[line.name]) if trained_too else
                              plot.colors.faint(plot.colors.line(colors[line.name]), 0.5),
                              xs, ys, f"{line.name} trained={trained_too}", marker=marker)


@pytest.mark.parametrize("metric_presses", [0, 1, 2],
                         ids=["best-val-acc", "final-train-loss", "epochs-to-target"])
async def test_the_sensitivity_plot_draws_each_init_over_the_log_lr_axis(
        metric_presses: int) -> None:
    app = grid_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("g", *["m"] * metric_presses)
        await pilot.pause()
        plot = app.query_one(SensitivityPlot)
        canvas = read_plot(plot)
        assert not canvas.log
        assert_axes_read_well(canvas)
        assert [label for _, label in canvas.x_ticks] == ["1e-4", "1e-3", "1e-2", "1e-1"]
        assert plot.sweep is not None
        series = axis_series(plot.sweep, "lr", plot.metric)
        colors = series_colors(series)
        values = plot.sweep.spec.axis_values("lr")
        for line in series:
            points = [(10 ** x, p.mean) for x, p in zip(x_positions("lr", line, values),
                                                        line.points, strict=True)
                      if p.mean is not None]
            if not points:
                continue
            xs, ys = [x for x, _ in points], [y for _, y in points]
            assert_series(canvas, plot.colors.line(colors[line.name]), xs, ys, line.name,
                          log_x=True)


async def test_the_heatmap_shows_every_cell_of_every_init_coloured_by_rank() -> None:
    app = grid_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot, then_escape=True)
        await pilot.press("h")
        await pilot.pause()
        table = app.query_one(Heatmap)
        assert table.row_count == 3
        shades: dict[float, tuple[int, int, int]] = {}
        for row in range(table.row_count):
            cells = table.get_row_at(row)
            assert len(cells) == 5  # init, then one cell per lr
            for cell in cells[1:]:
                assert isinstance(cell, Text) and str(cell).strip(), cells
                style = Style.parse(cell.style) if isinstance(cell.style, str) else cell.style
                assert style.bgcolor is not None and style.bgcolor.triplet is not None, cell
                shades[float(str(cell))] = tuple(style.bgcolor.triplet)
        assert shades[max(shades)] == BEST and shades[min(shades)] == WORST


class PanelApp(App[None]):
    """One log-log panel on its own, to read it back."""

    def __init__(self, panel: LogLogPanel, lines: list[Line]) -> None:
        super().__init__()
        self.panel, self.lines = panel, lines

    def compose(self) -> ComposeResult:
        yield self.panel

    def on_mount(self) -> None:
        self.panel.show(self.lines)


@pytest.mark.parametrize("log_y", [True, False], ids=["log-y", "linear-y"])
async def test_a_width_panel_draws_each_line_over_its_widths(log_y: bool) -> None:
    """A quantity from 1e-4 to 1e-3 (log y) or losses near 3 (linear y) against width."""
    widths = (64.0, 128.0, 256.0, 512.0, 1024.0)
    if log_y:
        lines = [Line("rising", (86, 180, 233), widths, (1e-4, 2e-4, 4e-4, 7e-4, 1e-3)),
                 Line("flat", (230, 159, 0), widths, (0.5,) * 5)]
    else:
        lines = [Line("loss", (86, 180, 233), widths, (3.02, 3.0, 2.99, 2.985, 2.98)),
                 Line("other", (230, 159, 0), widths, (3.1, 3.08, 3.07, 3.06, 3.05))]
    panel = LogLogPanel("panel", "width", log_y=log_y, flat_as_decade=log_y)
    app = PanelApp(panel, lines)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        canvas = read_plot(panel)
        assert canvas.log == log_y
        assert_axes_read_well(canvas)
        for line in lines:
            assert_series(canvas, panel.colors.line(line.color), list(line.xs), list(line.ys),
                          line.label, log_x=True)


@pytest.mark.parametrize("screen", ["coord-check", "lr-transfer", "lr-transfer-gpt"])
async def test_the_width_screens_draw_every_line_of_every_panel(screen: str) -> None:
    """The saved real studies of tests/data: every line of every panel is drawn."""
    if screen == "coord-check":
        app = WidthStudyApp(CoordCheckScreen(read_coord_points(COORD_CSV),
                                             spec=ExperimentSpec(lr=0.01)))
    else:
        csv = TRANSFER_CSV if screen == "lr-transfer" else GPT_TRANSFER_CSV
        app = WidthStudyApp(LrTransferScreen(read_transfer_cells(csv)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panels = list(app.screen.query(LogLogPanel))
        assert panels
        for panel in panels:
            canvas = read_plot(panel)
            assert_axes_read_well(canvas)
            for line in panel.lines:
                xs, ys = line.drawable()
                if xs:
                    assert_series(canvas, panel.colors.line(line.color), [10 ** x for x in xs],
                                  [10 ** y for y in ys], f"{panel.title}: {line.label}",
                                  log_x=True)
