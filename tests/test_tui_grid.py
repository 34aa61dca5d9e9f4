"""The grid views in the app: sensitivity, heatmap and depth profile, from canned events."""

from __future__ import annotations

from collections.abc import Callable

from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Input, Static

from inittui.core.events import GridStarted, GroupStarted, RunFinished, StepProgress
from inittui.core.training.plan import plan_grid
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.results.curves import CurvesView
from inittui.tui.results.grid_progress import GridProgress
from inittui.tui.results.heatmap import Heatmap
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.results.sensitivity import SensitivityPlot
from tests.canned_grid import canned_grid_engine
from tests.conftest import grid_app, grid_spec, trained

SnapCompare = Callable[..., bool]




async def test_g_h_d_switch_to_the_grid_views_and_back() -> None:
    app = grid_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot)
        await pilot.press("g")
        assert app.main.view == "sensitivity"
        plot = app.query_one(SensitivityPlot)
        assert plot.axis == "lr" and plot.metric == "best_val_acc"
        await pilot.press("m")
        assert plot.metric == "final_train_loss"
        await pilot.press("g")
        assert app.main.view == "curves"
        await pilot.press("h")
        assert app.main.view == "heatmap" and app.query_one(Heatmap).has_focus
        await pilot.press("d")
        assert app.main.view == "depth"
        await pilot.press("d")
        assert app.main.view == "curves"


async def test_heatmap_arrows_move_and_enter_opens_that_cells_curves() -> None:
    app = grid_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot)
        await pilot.press("h")
        table = app.query_one(Heatmap)
        assert table.row_count == 3 and len(table.columns) == 5  # 3 inits × 4 learning rates
        assert table.cursor_coordinate.column == 1
        await pilot.press("right", "right", "down")
        assert table.cell_under_cursor == "lr=1e-2"
        await pilot.press("enter")
        assert app.main.view == "curves"
        assert app.query_one("#filter", Input).value == "@ lr=1e-2"
        shown = {group.label for group in app.query_one(CurvesView).shown_groups}
        assert shown == {"zeros @ lr=1e-2", "xavier-normal @ lr=1e-2", "he-normal @ lr=1e-2"}


async def test_b_ranks_each_initializers_best_cell() -> None:
    app = grid_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot)
        board = app.query_one(Leaderboard)
        assert board.row_count == 12
        await pilot.press("b")
        assert board.by == "init" and board.row_count == 3
        assert board.highlighted_key == "1:lr=1e-3/he-normal"


def test_grid_progress_counts_cells_and_time_left() -> None:
    spec = grid_spec(hidden="16;8,8", lr="1e-3,1e-2")
    events: list[object] = []
    canned_grid_engine(spec, events.append)
    progress = GridProgress()
    group_two = next(e for e in events if isinstance(e, GroupStarted) and e.group == 1)
    for event in events[:events.index(group_two) + 1]:
        progress.apply(event)  # type: ignore[arg-type]
    assert isinstance(events[1], GridStarted) and progress.cells_total == 4
    assert progress.cells_done == 2  # the first group's two cells
    line = progress.line(StepProgress(epoch=2, step=10, steps=20, elapsed_s=2.0, group=1))
    assert line.startswith("grid: 2/4 cells done · group 2/2 hidden=8,8 · epoch 2/3 · step "
                           "10/20 · ETA ")
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert len(finished) == len(plan_grid(spec).runs)


def test_sensitivity_view_of_a_learning_rate_grid(snap_compare: SnapCompare) -> None:
    async def run(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press("g")
        await pilot.pause()

    assert snap_compare(grid_app(), terminal_size=(120, 40), run_before=run)


def test_heatmap_of_a_learning_rate_grid(snap_compare: SnapCompare) -> None:
    async def run(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press("h")
        await pilot.pause()

    assert snap_compare(grid_app(), terminal_size=(120, 40), run_before=run)


def test_depth_profile_of_a_depth_grid(snap_compare: SnapCompare) -> None:
    async def run(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press("d")
        await pilot.pause()

    app = create_app(grid_spec(lr="1e-3", hidden="64x10;64x20;64x30",
                               inits="xavier-normal,he-normal"), engine=canned_grid_engine)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def two_axis_app() -> InittuiApp:
    """lr × depth for two initializers: the grid the heatmap can show axis against axis."""
    return create_app(grid_spec(hidden="64x10;64x20;64x30", inits="xavier-normal,he-normal"),
                      engine=canned_grid_engine)


def header(app: InittuiApp) -> str:
    return str(app.query_one("#heatmap-header", Static).content)


def row_labels(table: Heatmap) -> list[str]:
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def test_n_steps_through_each_axis_then_axis_against_axis_and_i_picks_the_init() -> None:
    app = two_axis_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await trained(pilot)
        await pilot.press("h")
        table = app.query_one(Heatmap)
        # Each initializer at each lr down, depth across: 2 × 4 rows, 3 depths.
        assert (table.axis, table.init, table.row_count, len(table.columns)) == \
            ("hidden", None, 8, 4)
        assert row_labels(table)[:2] == ["xavier-normal @ lr=1e-4", "he-normal @ lr=1e-4"]
        await pilot.press("i")  # the rows name their initializers here: none to pick
        assert table.init is None and table.row_count == 8
        await pilot.press("n")
        assert (table.axis, table.init, table.row_count, len(table.columns)) == \
            ("lr", None, 6, 5)
        await pilot.press("n")  # lr down, depth across, for the first initializer
        assert (table.axis, table.init, table.row_count) == ("hidden", "xavier-normal", 4)
        assert row_labels(table) == ["lr=1e-4", "lr=1e-3", "lr=1e-2", "lr=1e-1"]
        assert header(app).startswith(
            "best val acc by learning rate × hidden layers for xavier-normal · mean of 2 seeds")
        await pilot.press("down", "right", "enter")  # lr 1e-3 at 20 layers
        assert app.main.view == "curves"
        assert app.query_one("#filter", Input).value == "@ lr=1e-3,hidden=64x20"
        await pilot.press("h", "n")  # depth down, lr across
        assert (table.axis, table.init) == ("lr", "xavier-normal")
        assert row_labels(table) == ["hidden=64x10", "hidden=64x20", "hidden=64x30"]
        assert [str(c.label) for c in table.columns.values()][1:] == [
            "1e-4", "1e-3", "1e-2", "1e-1"]
        assert "i initializer" in header(app)
        xavier = [str(table.get_cell_at(Coordinate(row, 2))).strip() for row in range(3)]
        await pilot.press("i")
        assert table.init == "he-normal" and "for he-normal" in header(app)
        he = [str(table.get_cell_at(Coordinate(row, 2))).strip() for row in range(3)]
        # In the canned grid xavier fades with depth at lr 1e-3, he does not.
        assert float(xavier[0]) > float(xavier[1]) > float(xavier[2])
        assert len(set(he)) == 1 and float(he[0]) > float(xavier[0])
        await pilot.press("i")
        assert table.init == "xavier-normal"
        await pilot.press("n")
        assert (table.axis, table.init) == ("hidden", None)  # round the four layouts


def test_heatmap_of_depth_against_learning_rate_for_one_initializer(
        snap_compare: SnapCompare) -> None:
    async def run(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press("h", "n", "n", "n", "i")  # depth down, lr across, for he-normal
        await pilot.pause()

    assert snap_compare(two_axis_app(), terminal_size=(120, 40), run_before=run)
