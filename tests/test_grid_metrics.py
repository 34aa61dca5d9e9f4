"""Steps to a train loss target: the metric saxe2013's claim is about, in the core, the
views' labels and headless output."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from inittui.cli import AXIS_METRIC_NAMES, main
from inittui.core.results.axes import (
    AXIS_METRICS,
    LOSS_TARGET_FACTOR,
    LOSS_WINDOW,
    axis_series,
    loss_target,
    metric_label,
    run_metric,
    steps_to_loss,
)
from inittui.core.results.book import ResultsBook, RunRecord, SweepRecord
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.plan import plan_grid
from tests.conftest import TINY_DATA

TINY = ["--dataset", TINY_DATA, "--init", "zeros,he-normal", "--device", "cpu"]


def lr_grid() -> ExperimentSpec:
    return ExperimentSpec(inits=("zeros", "he-normal"), dataset=TINY_DATA, hidden=(8,),
                          epochs=1, batch_size=32, device="cpu").with_text(lr="1e-2,1e-1")


def record_with(losses: list[float]) -> RunRecord:
    return RunRecord(plan_grid(lr_grid()).runs[0], sweep=1, step_losses=losses)


def test_steps_count_to_the_first_window_of_steps_whose_mean_reaches_the_target() -> None:
    assert LOSS_WINDOW == 20
    losses = [2.0] * 20 + [1.0] * 20 + [0.2] * 40
    # The window ending at step 40 + k holds k losses of 0.2 and 20 - k of 1.0: its mean
    # (20 - 0.8 k) / 20 is at most 0.5 from k = 13 on.
    assert steps_to_loss(record_with(losses), target=0.5) == 53
    assert steps_to_loss(record_with(losses), target=2.0) == 20  # never before a full window
    assert steps_to_loss(record_with(losses), target=0.1) is None  # never got there


def test_runs_without_enough_steps_or_that_diverged_have_no_value() -> None:
    assert steps_to_loss(record_with([0.1] * (LOSS_WINDOW - 1)), target=1.0) is None
    assert steps_to_loss(record_with([]), target=1.0) is None  # loaded from a file
    diverged = record_with([2.0] * 30 + [math.nan] * 30)
    assert steps_to_loss(diverged, target=1.0) is None
    assert run_metric(diverged, "steps_to_loss", target=None) is None


def test_the_target_is_the_stated_multiple_of_the_grids_lowest_window_and_says_so() -> None:
    sweep = SweepRecord(1, lr_grid(), "cpu")
    low, high = record_with([1.0] * 20 + [0.2] * 20), record_with([3.0] * 40 + [math.inf])
    sweep.runs = {"a": low, "b": high}
    assert loss_target(sweep) == pytest.approx(LOSS_TARGET_FACTOR * 0.2)
    assert metric_label("steps_to_loss", sweep) == (
        "steps to train loss ≤ 0.5 (2.5× the grid's lowest, mean of 20 steps)")
    assert metric_label("steps_to_loss", None).startswith("steps to train loss ≤ ?")
    assert metric_label("best_val_acc", sweep) == "best val acc"


def test_on_a_trained_grid_each_count_is_the_first_window_at_or_below_the_target() -> None:
    from inittui.core.training.sweep import run_sweep

    book = ResultsBook()
    run_sweep(lr_grid().with_text(epochs="6", inits="he-normal,xavier-normal"), book.apply)
    sweep, target = book.current, loss_target(book.current)
    assert target is not None
    counts = {record.key: run_metric(record, "steps_to_loss", target)
              for record in sweep.runs.values()}
    assert sum(count is not None for count in counts.values()) >= 1  # the lowest run's, at least
    for record in sweep.runs.values():
        count = counts[record.key]
        means = [sum(record.step_losses[end - LOSS_WINDOW:end]) / LOSS_WINDOW
                 for end in range(LOSS_WINDOW, len(record.step_losses) + 1)]
        if count is None:
            assert all(mean > target for mean in means)
        else:
            end = int(count)
            assert means[end - LOSS_WINDOW] <= target
            assert all(mean > target for mean in means[:end - LOSS_WINDOW])
    series = axis_series(sweep, "lr", "steps_to_loss")
    assert {line.init for line in series} == {"he-normal", "xavier-normal"}


def test_option_names_are_the_metrics_of_the_views() -> None:
    assert [name.replace("-", "_") for name in AXIS_METRIC_NAMES] == list(AXIS_METRICS)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_headless_prints_the_axis_metric_by_initializer_and_each_axis() -> None:
    code, output = invoke("--headless", *TINY, "--hidden", "8", "--hidden", "4,4", "--lr",
                          "1e-2,1e-1", "--epochs", "2", "--axis-metric", "steps-to-loss")
    assert code == 0, output
    text = " ".join(output.split())
    assert "steps to train loss ≤ " in text
    assert "(2.5× the grid's lowest, mean of 20 steps) by initializer × learning rate" in text
    assert "by initializer × hidden layers" in text
    tables = output.split("Mean-field phase at initialization")[0]  # the phase table follows
    rows = [line for line in tables.splitlines() if line.startswith(("│ zeros", "│ he-normal"))]
    assert len(rows) == 2 + 2 + 2 * 2  # the leaderboard's 4 cells' rows, then 2 + 2


def test_an_axis_metric_without_a_grid_is_a_usage_error() -> None:
    code, output = invoke("--headless", *TINY, "--axis-metric", "best-val-acc")
    assert code == 2 and "--axis-metric needs a grid" in output
    assert "Traceback" not in output


def test_a_preset_about_an_axis_metric_prints_it_without_the_option() -> None:
    code, output = invoke("--headless", "--preset", "saxe2013", "--dataset", TINY_DATA,
                          "--device", "cpu", "--hidden", "8x2", "--hidden", "8x3",
                          "--seeds", "1", "--epochs", "3", "--batch-size", "32")
    assert code == 0, output
    text = " ".join(output.split())
    assert "by initializer × hidden layers" in text and "steps to train loss ≤" in text
