"""The leaderboard summarizes seeds honestly, and result files round-trip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from inittui.core.errors import InittuiError
from inittui.core.events import EpochFinished, RunFinished, SweepStarted
from inittui.core.results.book import ResultsBook, format_accuracy, leaderboard
from inittui.core.results.reading import read_results
from inittui.core.results.safe_files import check_writable
from inittui.core.results.writing import write_results
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.training.sweep import run_sweep


def book_of(curves: dict[tuple[str, int], list[float]], statuses: dict[str, str] | None = None,
            ) -> ResultsBook:
    """A book with the given validation curves; test accuracy = final validation accuracy."""
    runs = tuple(RunPlan(i, init, seed) for i, (init, seed) in enumerate(curves))
    book = ResultsBook()
    book.apply(SweepStarted(ExperimentSpec(), runs, "cpu", 10, 100))
    for run in runs:
        for epoch, value in enumerate(curves[(run.init, run.seed)], start=1):
            book.apply(EpochFinished(run, epoch, 1 - value, value, 1 - value, value, 0.1))
        status = (statuses or {}).get(run.init, "ok")
        book.apply(RunFinished(run, status, len(curves[(run.init, run.seed)]),
                               curves[(run.init, run.seed)][-1] if status == "ok" else None))
    return book


def test_rows_are_ranked_by_mean_best_validation_accuracy_over_seeds() -> None:
    book = book_of({("a", 0): [0.5, 0.7, 0.6], ("a", 1): [0.5, 0.8, 0.7],
                    ("b", 0): [0.85, 0.85, 0.85], ("b", 1): [0.75, 0.75, 0.75]})
    first, second = leaderboard(book)
    assert first.init == "b" and first.best_val_mean == pytest.approx(0.8)
    assert first.best_val_std == pytest.approx(0.0707, abs=1e-4)
    assert second.init == "a" and second.best_val_mean == pytest.approx(0.75)
    assert second.final_val_mean == pytest.approx(0.65) and second.seeds == 2


def test_best_epoch_and_epochs_to_90_percent_come_from_the_mean_curve() -> None:
    (row,) = leaderboard(book_of({("a", 0): [0.2, 0.5, 0.95, 1.0, 0.9]}))
    assert row.best_epoch == 4  # peak 1.0
    assert row.epoch_to_90_of_best == 3  # first epoch at or above 0.9
    assert row.test_acc_mean == pytest.approx(0.9) and row.label == "done"


def test_epochs_to_90_percent_are_measured_against_the_best_row() -> None:
    best, slow, stuck = leaderboard(book_of({
        ("best", 0): [0.5, 0.9, 1.0], ("slow", 0): [0.3, 0.6, 0.92], ("stuck", 0): [0.1] * 3}))
    assert (best.init, best.epoch_to_90_of_best) == ("best", 2)
    assert (slow.init, slow.epoch_to_90_of_best) == ("slow", 3)  # 0.92 >= 0.9 of 1.0
    assert (stuck.init, stuck.epoch_to_90_of_best) == ("stuck", None)  # its own best is no goal


def test_a_diverged_or_stopped_seed_shows_in_the_status() -> None:
    rows = leaderboard(book_of({("a", 0): [0.5], ("b", 0): [0.6]},
                               statuses={"a": "diverged", "b": "stopped"}))
    assert {(row.init, row.label) for row in rows} == {("a", "diverged"), ("b", "stopped")}


def test_results_written_and_read_back_give_the_same_leaderboard(tmp_path: Path) -> None:
    spec = ExperimentSpec(inits=("zeros", "he-normal"), seeds=2, epochs=2, hidden=(8,),
                          dataset="synthetic:train=128,val=32,test=32,side=4,classes=3",
                          lr=0.01, device="cpu")
    book = ResultsBook()
    run_sweep(spec, book.apply)
    path = tmp_path / "export.csv"
    assert write_results(book, path) == 8
    loaded = leaderboard(read_results(path))
    assert loaded == [replace(row, sweep=1) for row in leaderboard(book)]


def test_reading_a_file_that_is_not_results_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InittuiError, match="is not an inittui results file"):
        read_results(path)
    with pytest.raises(InittuiError, match="cannot read"):
        read_results(tmp_path / "missing.csv")


def test_output_paths_are_checked_before_training(tmp_path: Path) -> None:
    with pytest.raises(InittuiError, match="is a directory"):
        check_writable(tmp_path, overwrite=True)
    existing = tmp_path / "r.csv"
    existing.write_text("x")
    with pytest.raises(InittuiError, match="already exists; pass overwrite") as refused:
        check_writable(existing, overwrite=False)
    assert "pass --overwrite" in refused.value.worded(lambda field: f"--{field}")
    assert check_writable(existing, overwrite=True) == existing


def test_accuracies_show_their_spread_exactly_when_there_are_several_seeds() -> None:
    assert format_accuracy(0.96234) == "0.962"
    assert format_accuracy(0.96234, 0.0, seeds=2) == "0.962±.000"
    assert format_accuracy(0.5, 0.0412, seeds=3) == "0.500±.041"
    assert format_accuracy(None) == "-" and format_accuracy(float("nan"), seeds=2) == "-"
