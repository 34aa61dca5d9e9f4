"""The setup form as a user fills it in: typed lists make a grid, every option has a field,
and a grid far larger than intended is asked about before anything trains."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from inittui.tui.results.curves import CurvesView
from inittui.tui.results.heatmap import Heatmap
from inittui.tui.results.leaderboard import Leaderboard
from inittui.tui.screens.confirm import ConfirmScreen
from inittui.tui.setup.setup_panel import SetupPanel
from tests.conftest import WIDE, form_app, notes, ready, status, type_into, wait_until


async def test_lists_typed_into_the_form_train_every_cell_of_the_grid() -> None:
    app = form_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await type_into(pilot, "field-lr", "1e-3,1e-2")
        await type_into(pilot, "field-hidden", "64x3")
        await type_into(pilot, "field-activation", "relu,tanh")
        assert app.query_one(SetupPanel).spec().axes == (
            ("activation", ("relu", "tanh")), ("lr", (0.001, 0.01)))
        await pilot.press("ctrl+r")
        await ready(pilot)

        sweep = app.book.current
        assert len(sweep.runs) == 2 * 2 * 2  # initializers × activations × learning rates
        assert {record.plan.cell for record in sweep.runs.values()} == {
            "lr=1e-3,activation=relu", "lr=1e-2,activation=relu",
            "lr=1e-3,activation=tanh", "lr=1e-2,activation=tanh"}
        assert all(len(record.epochs) == 1 for record in sweep.runs.values())
        labels = {group.label for group in app.query_one(CurvesView).shown_groups}
        assert "he-normal @ lr=1e-2,activation=tanh" in labels and len(labels) == 8
        assert app.query_one(Leaderboard).row_count == 8
        assert "finished · 8 runs" in status(app)

        await pilot.press("h")  # the heatmap: a row per initializer and activation,
        heatmap = app.query_one(Heatmap)  # a column per lr, every cell's value
        assert heatmap.row_count == 4 and len(heatmap.columns) == 1 + 2
        values = [str(cell) for row in range(4) for cell in heatmap.get_row_at(row)[1:]]
        assert len(values) == 8 and all(float(value) >= 0 for value in values)


async def test_norm_residual_init_and_a_model_of_ones_own_are_form_fields() -> None:
    app = form_app(model="resmlp", hidden=(16, 16), norm="layer", residual_init="zeros")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert app.query_one("#field-model", Input).value == "resmlp"
        assert app.query_one("#field-norm", Select).value == "layer"
        assert app.query_one("#field-residual_init", Input).value == "zeros"

        app.query_one("#field-norm", Select).value = "batch"
        await type_into(pilot, "field-residual_init", "normal:std=0.05")
        spec = app.query_one(SetupPanel).spec()
        assert (spec.norm, spec.residual_init) == ("batch", "normal:std=0.05")

        await type_into(pilot, "field-residual_init", "bogus")
        assert app.query_one("#field-residual_init", Input).has_class("-invalid")
        await type_into(pilot, "field-residual_init", "")
        assert app.query_one(SetupPanel).spec().residual_init is None  # each run's own

        await type_into(pilot, "field-model", "my_net.py:Net")
        assert app.query_one(SetupPanel).spec().model == "my_net.py:Net"
        await type_into(pilot, "field-model", "mlp2")
        assert app.query_one("#field-model", Input).has_class("-invalid")


async def test_a_grid_of_more_than_ten_thousand_runs_is_asked_about_first() -> None:
    app = form_app(inits=("zeros", "xavier-normal", "he-normal", "orthogonal"))
    lrs = ",".join(f"{(index + 1) * 1e-6:.6g}" for index in range(2501))  # 4 × 2,501 runs
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        app.query_one("#field-lr", Input).value = lrs
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "makes 10,004 runs, more than 10,000" in question.question
        assert "4 initializers (zeros, xavier-normal, he-normal, orthogonal) × 2501 lrs (1e-6, " \
               "2e-6, 3e-6, …, 2.501e-3)" in question.question
        await pilot.press("ctrl+r")  # again, while the question is open: still one question
        assert app.screen is question and len(app.screen_stack) == 2

        await pilot.press("n")
        await ready(pilot)
        assert app.book.sweeps == [] and not app.running
        assert any("Not started" in note for note in notes(app))

        app.query_one("#field-lr", Input).value = "1e-3,1e-2"  # a grid of sensible size
        await pilot.press("ctrl+r")
        await ready(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert len(app.book.current.runs) == 8



@pytest.mark.slow
async def test_a_confirmed_grid_of_more_than_ten_thousand_runs_trains() -> None:
    app = form_app(inits=("zeros", "xavier-normal", "he-normal", "orthogonal"), hidden=(4,))
    lrs = ",".join(f"{(index + 1) * 1e-6:.6g}" for index in range(2501))  # 4 × 2,501 runs
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        app.query_one("#field-lr", Input).value = lrs
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")  # like --yes: all 10,004 runs, one epoch each
        await wait_until(pilot, lambda: bool(app.book.sweeps) and not app.running,
                         "the sweep", timeout_s=300)
        assert len(app.book.current.runs) == 10_004
        assert all(len(record.epochs) == 1 for record in app.book.records())
        assert "sweep 1 finished · 10004 runs · 1/1 epochs" in status(app)
