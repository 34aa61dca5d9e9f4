"""The curves show the winner: draw order, fitted and cropped axes, smoothing, steps, cursor,
filter, seed bands and theme colours, each driven by its key with Textual's pilot.

The app is fed canned engine events (tests/canned.py), so every number is known.
"""

from __future__ import annotations

import itertools
import math

from rich.text import Text
from textual.widgets import Input, Static

from inittui.core.results.book import RunRecord
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.tui.app import InittuiApp, create_app
from inittui.tui.groups import SeedGroup
from inittui.tui.plots import integer_ticks, log_ticks, theme_colors, value_ticks
from inittui.tui.results.curve_series import draw_order, fitted_range, smoothed, step_series
from inittui.tui.results.curves import CurvesPlot, CurvesView
from inittui.tui.results.leaderboard import Leaderboard
from tests.canned import STEPS_PER_EPOCH, canned_engine
from tests.conftest import notes, trained

SIZE = (120, 40)
INITS = ("zeros", "normal", "xavier-normal", "he-normal")


def canned_app(**changes: object) -> InittuiApp:
    values: dict[str, object] = dict(inits=INITS, epochs=20, device="cpu",
                                     dataset="synthetic:train=256,val=64,test=64,side=8")
    values.update(changes)
    return create_app(ExperimentSpec(**values), engine=canned_engine)  # type: ignore[arg-type]


def curves(app: InittuiApp) -> CurvesView:
    return app.query_one(CurvesView)


def plot_text(app: InittuiApp) -> Text:
    plot = app.query_one(CurvesPlot)
    plot.stale()
    rendered = plot.render()
    assert isinstance(rendered, Text)
    return rendered


def header(app: InittuiApp) -> str:
    return str(app.query_one("#curves-header", Static).render())


def cells_in(text: Text, color: tuple[int, int, int]) -> int:
    """Braille cells drawn in this colour."""
    count = 0
    for span in text.spans:
        style = span.style
        if not isinstance(style, str) and style.color is not None and \
                style.color.triplet is not None and tuple(style.color.triplet) == color:
            count += sum(1 for ch in text.plain[span.start:span.end] if "⠁" <= ch <= "⣿")
    return count


# ── pure parts ─────────────────────────────────────────────────────────────────────────


def test_epoch_ticks_are_evenly_spaced() -> None:
    assert integer_ticks(20, most=8) == [5, 10, 15, 20]
    assert integer_ticks(7, most=8) == [1, 2, 3, 4, 5, 6, 7]
    steps = integer_ticks(100, most=6)
    assert len({b - a for a, b in itertools.pairwise(steps)}) == 1


def test_value_ticks_have_the_digits_to_tell_close_runs_apart() -> None:
    _, labels = value_ticks(0.925, 0.945, most=5)
    assert labels == ["0.925", "0.930", "0.935", "0.940", "0.945"]
    _, labels = value_ticks(0.0, 6.3e-5, most=4)
    assert len(set(labels)) == len(labels)
    _, log_labels = log_ticks(0.03, 2.5, most=8)
    assert log_labels[:3] == ["0.05", "0.1", "0.2"]


def test_smoothing_is_a_debiased_moving_average() -> None:
    assert smoothed([1.0, 1.0, 1.0], 0.9) == [1.0, 1.0, 1.0]  # no pull towards zero
    values = smoothed([0.0, 1.0, 1.0, 1.0], 0.6)
    assert values[0] == 0.0 and 0 < values[1] < values[2] < values[3] < 1
    assert smoothed([3.0, 1.0], 0.0) == [3.0, 1.0]


def _group(key: str, losses: list[list[float]] | None = None) -> SeedGroup:
    records = tuple(RunRecord(RunPlan(i, key, i), 1, step_losses=list(run))
                    for i, run in enumerate(losses or [[]]))
    return SeedGroup(key, 1, key, key, (1, 2, 3), records)


def test_draw_order_puts_the_leader_and_then_the_highlighted_row_on_top() -> None:
    groups = [_group(name) for name in ("a", "b", "c", "d")]
    assert [g.key for g in draw_order(groups, leader="b", highlighted="c")] == \
        ["a", "d", "b", "c"]
    assert [g.key for g in draw_order(groups, leader="b", highlighted="b")][-1] == "b"


def test_step_losses_are_bucketed_into_a_mean_and_a_seed_band() -> None:
    group = _group("a", [[4.0, 2.0, 1.0, 1.0], [2.0, 2.0, 3.0, 1.0]])
    series = step_series(group, positive=False, points=2)
    assert series.xs == [1.5, 3.5]
    assert series.mean == [2.5, 1.5] and series.low == [2.0, 1.0] and series.high == [3.0, 2.0]


def test_the_y_range_fits_what_is_drawn_and_crops_to_the_best_fifth() -> None:
    from inittui.tui.results.curve_series import Series

    series = [Series(_group("a"), [1, 2], [0.1, 0.1], [0.1, 0.1], [0.1, 0.1]),
              Series(_group("b"), [1, 2], [0.5, 0.9], [0.5, 0.9], [0.5, 0.9])]
    low, high = fitted_range(series, "val_acc", crop=False, log=False, smoothing=0)
    assert 0.05 < low < 0.1 and 0.9 < high < 0.95
    low, high = fitted_range(series, "val_acc", crop=True, log=False, smoothing=0)
    assert 0.7 < low < 0.74 and 0.9 < high < 0.92
    low, high = fitted_range(series, "val_loss", crop=True, log=False, smoothing=0)
    assert 0.09 < low < 0.1 and 0.26 < high < 0.3  # losses: the low end is the best


def test_faint_colours_fade_towards_the_theme_background() -> None:
    dark, light = theme_colors(True, "#000000"), theme_colors(False, "#ffffff")
    assert dark.faint((200, 100, 0)) < (200, 100, 0)
    assert light.line((240, 228, 66)) < (240, 228, 66)  # yellow darkened on white
    assert theme_colors(True, "ansi_default").background == (0, 0, 0)  # ANSI: guessed
    assert theme_colors(False, "ansi_default").background == (255, 255, 255)


# ── driven by keys ─────────────────────────────────────────────────────────────────────


async def test_the_leader_owns_its_cells_and_the_highlighted_row_comes_on_top() -> None:
    app = canned_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        plot = app.query_one(CurvesPlot)
        board = app.query_one(Leaderboard)
        plot_text(app)
        assert board.highlighted_key == "1:he-normal"
        assert [s.group.init for s in plot.series][-1] == "he-normal"
        colors = plot.colors
        leader = next(g for g in plot.groups if g.init == "he-normal")
        xavier = next(g for g in plot.groups if g.init == "xavier-normal")
        on_top = cells_in(plot_text(app), colors.line(leader.color))
        await pilot.press("down")  # xavier-normal, second, is now highlighted
        assert [s.group.init for s in plot.series][-2:] == ["he-normal", "xavier-normal"]
        assert cells_in(plot_text(app), colors.line(xavier.color)) > 0
        assert on_top > 20  # he-normal's line is not hidden under its close rival

        await pilot.press("f")  # focus: the chosen run alone in colour
        assert curves(app).focus_chosen and "focus" in header(app)
        text = plot_text(app)
        assert cells_in(text, colors.line(xavier.color)) > 20
        assert cells_in(text, colors.line(leader.color)) == 0  # faint now
        assert cells_in(text, colors.faint(leader.color, 0.75)) > 0
        await pilot.press("f")
        assert not curves(app).focus_chosen


async def test_crop_shows_the_best_fifth_with_ticks_that_tell_the_leaders_apart() -> None:
    app = canned_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        full = plot_text(app).plain
        assert "0.2" in full  # zeros (0.113) is visible, so the axis reaches down to it
        await pilot.press("z")
        assert curves(app).crop and "best 20%" in header(app)
        cropped = plot_text(app).plain
        ticks = [float(word.rstrip("┤")) for line in cropped.splitlines()
                 for word in line.split() if word.endswith("┤")]
        assert min(ticks) > 0.7 and max(ticks) <= 0.96
        assert len({f"{t:.2f}" for t in ticks}) == len(ticks)


async def test_l_on_an_accuracy_says_what_it_does_instead_of_flipping_a_setting() -> None:
    app = canned_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        await pilot.press("l")
        assert not curves(app).log_scale
        assert any("log axis is for losses" in note for note in notes(app))
        await pilot.press("m", "m", "l")  # val loss
        assert curves(app).uses_log and "log y" in header(app)


async def test_smoothing_and_steps_each_have_a_key() -> None:
    app = canned_app(epochs=5)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        await pilot.press("a")
        assert curves(app).smoothing == 0.6 and "EMA 0.6" in header(app)
        await pilot.press("a", "a", "a")
        assert curves(app).smoothing == 0.0 and "EMA" not in header(app)

        await pilot.press("m", "m", "m", "x")  # train loss, by step
        assert "train loss by step" in header(app)
        plot = app.query_one(CurvesPlot)
        plot_text(app)
        assert len(plot.series[0].xs) > 5 * 2  # many more points than epochs
        assert plot.series[0].xs[-1] <= 5 * STEPS_PER_EPOCH
        await pilot.press("m")  # val acc by step: one point per epoch, at its last step
        plot_text(app)
        assert plot.series[0].xs == [STEPS_PER_EPOCH * e for e in range(1, 6)]
        await pilot.press("x")
        assert "val acc by epoch" in header(app)


async def test_the_cursor_reads_out_every_visible_run() -> None:
    app = canned_app(epochs=6)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        readout = app.query_one("#curves-readout", Static)
        assert not readout.display
        await pilot.press("right")  # appears at the last epoch
        text = str(readout.render())
        assert readout.display and text.startswith("epoch 6:")
        assert all(init in text for init in INITS)
        assert text.index("he-normal") < text.index("zeros")  # best first
        await pilot.press("left", "left")
        assert str(readout.render()).startswith("epoch 4:")
        await pilot.press("escape")
        assert curves(app).cursor is None and not readout.display


async def test_slash_filters_runs_by_label_and_escape_clears_it() -> None:
    app = canned_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        await pilot.press("slash")
        field = app.query_one("#filter", Input)
        assert app.focused is field
        await pilot.press(*"normal")
        assert {g.init for g in curves(app).shown_groups} == {
            "normal", "xavier-normal", "he-normal"}
        await pilot.press("q")  # typed into the filter, not quitting
        assert app.is_running and not curves(app).shown_groups
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace",
                          "backspace", "backspace", *"he", "enter")
        assert [g.init for g in curves(app).shown_groups] == ["he-normal"]
        markers = {str(key.value): str(app.query_one(Leaderboard).get_cell(key, "shown"))
                   for key in app.query_one(Leaderboard).rows}
        assert markers == {"1:he-normal": "●", "1:xavier-normal": "○", "1:normal": "○",
                           "1:zeros": "○"}  # the board says which rows are not drawn
        assert app.focused is app.query_one(Leaderboard) and "filter “he”" in header(app)
        await pilot.press("escape")
        assert len(curves(app).shown_groups) == 4 and app.main.filter_text == ""


async def test_seeds_are_drawn_as_a_band_around_the_mean() -> None:
    app = canned_app(seeds=3, epochs=8)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        text = plot_text(app).plain
        assert "▒" in text and "band: min–max of 3 seeds" in header(app)
        plot = app.query_one(CurvesPlot)
        he = next(s for s in plot.series if s.group.init == "he-normal")
        assert all(lo <= m <= hi for lo, m, hi in zip(he.low, he.mean, he.high, strict=True))
        assert any(hi > lo for lo, hi in zip(he.low, he.high, strict=True))


async def test_plot_colours_follow_the_theme() -> None:
    app = canned_app(epochs=4)
    async with app.run_test(size=SIZE) as pilot:
        await trained(pilot)
        plot = app.query_one(CurvesPlot)
        dark_line = plot.colors.line(plot.groups[0].color)
        app.theme = "textual-light"
        await pilot.pause()
        assert not plot.colors.dark and plot.colors.line(plot.groups[0].color) != dark_line
        app.theme = "ansi-dark"
        await pilot.pause()
        text = plot_text(app)
        tick_styles = [span.style for span in text.spans
                       if "┤" in text.plain[span.start:span.end]]
        assert all(isinstance(s, str) or s.color is None or s.color.triplet is None
                   or tuple(s.color.triplet) != (0, 0, 0) for s in tick_styles)
        assert "0." in text.plain  # the ticks are drawn, in the terminal's own colour


async def test_q_quits_when_no_text_field_has_the_focus() -> None:
    app = canned_app(epochs=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        app.query_one(Leaderboard).focus()
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0  # asked to exit


def test_ticks_never_read_a_tiny_number_for_zero() -> None:
    _, labels = value_ticks(0.0, 6.3e-5, most=4)
    assert labels[0] in ("0", "0.0", "0e+00") or float(labels[0]) == 0
    assert not any(math.isclose(float(label), 4.97e-5) for label in labels)
