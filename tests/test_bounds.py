"""Sizes are bounded and settings that cannot mean anything are refused before anything
is built: from the command line (one usage error, exit 2), the app's form (the same
parsers) and a loaded file (the row counted and skipped)."""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.errors import ResultFileError, SpecError
from inittui.core.results.book import ResultsBook
from inittui.core.results.reading import load_results
from inittui.core.results.schema import RESULT_COLUMNS
from inittui.core.results.writing import ResultFiles, write_results
from inittui.core.spec.experiment import ExperimentSpec, parse_field
from inittui.core.training.sweep import run_sweep

ROOT = Path(__file__).resolve().parent.parent
B = ["--headless", "--dataset", "synthetic:train=400,val=100,test=100,side=8", "--hidden",
     "16", "--epochs", "1"]


def usage_error(*args: str) -> str:
    """The one-line message of a usage error (exit 2, no traceback)."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    return line


@pytest.mark.parametrize(("hidden", "message"), [
    ("1x300000000", "hidden has 300,000,000 layers; at most 10,000"),
    ("16x9000,16x2000", "hidden has 11,000 layers; at most 10,000"),
    ("100000,100000", "10,000,000,000 weights between hidden layers per run (37.3 GiB"),
    ("1000000x2", "1,000,000,000,000 weights between hidden layers"),
])
def test_huge_hidden_sizes_are_refused_before_a_list_is_built(hidden: str,
                                                              message: str) -> None:
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert message in usage_error(*B, "--hidden", hidden, "--plan")
    with pytest.raises(SpecError, match="at most"):  # the app's form parses the same way
        parse_field("hidden", hidden)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # kB
    assert time.perf_counter() - started < 30  # not a benchmark: 300M entries took minutes


def test_ten_thousand_layers_of_sixteen_still_plan() -> None:
    assert len(parse_field("hidden", "16x10000")[0]) == 10_000


@pytest.mark.parametrize(("dataset", "message"), [
    ("synthetic:side=100000", "synthetic side must be at most 1024, got 100000: the data "
                              "set is too large"),
    ("synthetic:train=2000000,side=64", "the synthetic data set would take 30.5 GiB "
                                        "(2,001,000 images of 1×64×64 float32"),
    ("synthetic:val=0", "synthetic val must be at least 1, got 0"),
    ("synthetic:train=100,train=200", "synthetic parameter train is given twice"),
    ("synthetic-text:vocab=4,vocab=5", "synthetic-text parameter vocab is given twice"),
    ("synthetic-text:context=0", "synthetic-text context must be at least 1, got 0"),
])
def test_synthetic_sizes_name_the_key_and_the_data_set(dataset: str, message: str) -> None:
    assert message in usage_error(*B[:1], "--dataset", dataset, "--plan")


def test_a_loaded_row_with_a_huge_hidden_cell_is_counted_and_skipped(tmp_path: Path) -> None:
    spec = ExperimentSpec(inits=("zeros",), hidden=(16,), epochs=1, device="cpu",
                          dataset="synthetic:train=100,val=50,test=50,side=4")
    book = ResultsBook()
    run_sweep(spec, book.apply, threading.Event())
    path = write_results_with_cell(book, tmp_path / "r.csv", "hidden", "1x300000000")
    assert path.stat().st_size < 1000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    loaded = load_results(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # kB
    assert loaded.skipped == 1 and loaded.rows == 0
    assert "hidden has 300,000,000 layers" in loaded.problems[0]


def write_results_with_cell(book: ResultsBook, path: Path, column: str, value: str) -> Path:
    write_results(book, path)
    with path.open(newline="") as handle:
        table = list(csv.reader(handle))
    table[1][RESULT_COLUMNS.index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(table)
    return path


def test_a_momentum_grid_with_adam_is_a_usage_error() -> None:
    assert "adam ignores momentum" in usage_error(*B, "--momentum", "0.5,0.9", "--plan")
    result = CliRunner().invoke(main, [*B, "--momentum", "0.5,0.9", "--optimizer", "sgd",
                                       "--plan"])
    assert result.exit_code == 0 and "2 cells" in result.output


def test_an_out_path_ending_in_a_slash_is_refused() -> None:
    assert "'x.csv/' ends with '/'" in usage_error(*B, "--out", "x.csv/")
    assert "ends with '/'" in usage_error(*B, "--stats-out", "s/")


def test_an_empty_ray_address_is_a_usage_error() -> None:
    assert "--address is empty" in usage_error(*B, "--cluster", "ray", "--address", "")


def test_two_options_naming_one_file_through_a_link_say_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "selflink").symlink_to(".")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*B, "--out", "s.csv", "--stats-out", "selflink/s.csv"])
    assert result.exit_code == 1
    assert result.output == ("error: --out and --stats-out name one file ('s.csv' and "
                             "'selflink/s.csv'); give two different files\n")
    with pytest.raises(ResultFileError, match="name one file"):
        ResultFiles(Path("s.csv"), Path(f"{tmp_path}/s.csv"))
    assert not list(tmp_path.glob("*.csv"))


@pytest.mark.slow  # an interpreter importing torch, killed in its first epoch
def test_a_temporary_file_left_by_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "inittui", "--headless", "--epochs", "50", "--dataset",
         "synthetic:train=20000,side=16", "--hidden", "64", "--device", "cpu", "--out",
         str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".r.csv.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    (leftover,) = tmp_path.glob(".r.csv.*.tmp")
    assert not out.exists()
    ResultFiles(out).close()  # the next run on that path
    assert not leftover.exists()
    (other := tmp_path / ".other.csv.abcd1234.tmp").write_text("not ours")
    ResultFiles(out).close()
    assert other.exists()
