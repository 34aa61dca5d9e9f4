"""`inittui --headless`: every option validated in one line, results safe on disk."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.results.schema import RESULT_COLUMNS, STATS_COLUMNS
from tests.conftest import csv_rows

TINY = ["--dataset", "synthetic:train=256,val=64,test=64,side=6,classes=4", "--hidden", "16",
        "--lr", "0.01", "--batch-size", "32", "--device", "cpu"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_help_explains_every_option_with_its_default() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=100)
    code, output = result.exit_code, " ".join(result.output.split())
    assert code == 0
    for option in ("--init", "--bias-init", "--dataset", "--data-dir", "--download", "--model",
                   "--hidden", "--activation", "--optimizer", "--lr", "--momentum",
                   "--batch-size", "--epochs", "--seeds", "--seed", "--device", "--out",
                   "--overwrite", "--list-inits", "--headless", "--preset", "--stats-out"):
        assert option in output
    assert "[default: zeros,normal,xavier-normal,he-normal]" in output
    assert "[default: the model's own: mlp 128,64, cnn 128,64, resmlp 128x4" in output


@pytest.mark.parametrize(("args", "message"), [
    (["--epochs", "0"], "epochs must be at least 1"),
    (["--epochs", "ten"], "epochs must be a whole number"),
    (["--batch-size", "-3"], "batch-size must be at least 1"),
    (["--batch-size", "64.5"], "batch-size must be a whole number"),
    (["--seeds", "0"], "seeds must be at least 1"),
    (["--seeds", "three"], "seeds must be a whole number"),
    (["--lr", "0"], "lr must be greater than 0"),
    (["--lr", "-0.1"], "lr must be greater than 0"),
    (["--lr", "nan"], "lr must be finite"),
    (["--lr", "inf"], "lr must be finite"),
    (["--init", "xavir-normal"], "did you mean 'xavier-normal'?"),
    (["--init", "normal:sd=0.1"], "normal"),
    (["--output-init", "GlorotUnifrom"], "did you mean 'GlorotUniform'?"),
    (["--output-init", "normal:std=-1"], "std must be greater than 0"),
    (["--activation", "rellu"], "did you mean 'relu'?"),
    (["--optimizer", "adamw"], "did you mean 'adam'?"),
    (["--dataset", "mnsit"], "did you mean 'mnist'?"),
    (["--hidden", ""], "hidden needs at least one layer size"),
    (["--hidden", "128,0"], "hidden must be at least 1"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--preset", "he2014"], "did you mean 'he2015'?"),
    (["--val-split", "0.999"], "val-split must be between 0.01 and 0.99"),
    (["--val-split", "0.001"], "val-split must be between 0.01 and 0.99"),
    (["--model", "cnn", "--dataset", "synthetic:side=3"], "model cnn needs images of at "
     "least 4 pixels a side"),
    (["--device", "cuda:"], "device index in 'cuda:' must be a number"),
    (["--device", "auto:0"], "device 'auto:0' takes no index"),
    (["--device", "cuda:\u0663"], "must be a number"),
    (["--device", "cuda:99999999999999999999"], "is too large"),
    (["--hidden", "100000000000000000000000"], "hidden must be at most 1000000"),
    (["--seed", str(2**64 - 1)], "seed must be at most 4294967295"),
    (["--seed", str(2**32 - 1), "--seeds", "2"], "seed + seeds - 1 must be at most"),
    (["--epochs", "1_0"], "epochs must be a whole number, got '1_0'"),
    (["--lr", "1_0.5"], "lr must be a number"),
])
def test_bad_options_are_usage_errors_in_one_line(args: list[str], message: str) -> None:
    code, output = invoke("--headless", *args)
    assert code == 2
    assert message in output
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if line.startswith("Error:")]) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--device", "cuda:7"], "device 'cuda:7' is not available here"),
    (["--hidden", "30000,30000", "--seeds", "100"], "GiB but cpu has"),
    (["--dataset", "mnist"], "needs --data-dir"),
    (["--out", "/nonexistent-folder/r.csv"], "folder '/nonexistent-folder' does not exist"),
])
def test_runtime_errors_exit_1_with_one_line(args: list[str], message: str) -> None:
    base = [a for a in TINY if a not in ("--device", "cpu")] if "--device" in args else TINY
    if "--hidden" in args:  # a second --hidden would make a grid of two architectures
        base = [a for a in base if a not in ("--hidden", "16")]
    code, output = invoke("--headless", *base, *args)
    assert code == 1
    assert output.strip().startswith("error: ") and message in output
    assert len(output.strip().splitlines()) == 1


def test_a_batch_larger_than_the_data_is_the_whole_data() -> None:
    """Not refused as tens of GiB: the estimate and the engine take at most every image."""
    code, output = invoke("--headless", *TINY, "--epochs", "1", "--batch-size", "100000000")
    assert code == 0, output
    assert "epoch 1/1" in output


def test_cpu_0_is_the_cpu() -> None:
    code, output = invoke("--headless", *TINY[:-2], "--device", "cpu:0", "--epochs", "1")
    assert code == 0, output
    assert "on cpu:" in output


def test_a_long_or_escape_laden_init_is_shortened_and_escaped() -> None:
    code, output = invoke("--headless", "--init", "\x1b[31m[bold]" + "x" * 300)
    assert code == 2
    assert "\x1b" not in output and "\\x1b[31m[bold]xxx" in output and "…" in output
    assert "x" * 60 not in output  # the 300 x's are cut to the first few


def test_paths_are_printed_as_text_not_markup(tmp_path: Path) -> None:
    (tmp_path / "x[").mkdir()
    for name in ("x[/bold].csv", "y[red]z.csv"):
        out = tmp_path / name
        code, output = invoke("--headless", *TINY, "--epochs", "1", "--out", str(out))
        assert code == 0, output
        assert output.strip().endswith(f"results written to {out}")


def test_missing_torchvision_files_name_the_folder_and_download(tmp_path: Path) -> None:
    code, output = invoke("--headless", "--dataset", "fashion-mnist", "--data-dir",
                          str(tmp_path))
    assert code == 1
    assert str(tmp_path) in output and "--download" in output


def test_a_sweep_that_cannot_start_leaves_no_file_and_keeps_an_old_one(tmp_path: Path) -> None:
    fresh, old = tmp_path / "fresh.csv", tmp_path / "old.csv"
    old.write_text("earlier results\n")
    missing_data = ["--dataset", "mnist", "--data-dir", str(tmp_path / "no-data")]
    assert invoke("--headless", *missing_data, "--out", str(fresh))[0] == 1
    assert not fresh.exists()
    code, _ = invoke("--headless", *missing_data, "--out", str(old), "--overwrite",
                     "--stats-out", str(tmp_path / "stats.csv"))
    assert code == 1
    assert old.read_text() == "earlier results\n" and not (tmp_path / "stats.csv").exists()


def test_results_csv_has_one_row_per_run_per_epoch(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    code, output = invoke("--headless", *TINY, "--epochs", "2", "--seeds", "2",
                          "--init", "zeros,he-normal", "--out", str(out))
    assert code == 0, output
    with out.open(newline="") as handle:
        assert tuple(next(csv.reader(handle))) == RESULT_COLUMNS
    rows = csv_rows(out)
    assert [(r["run_id"], r["epoch"]) for r in rows] == [
        (run, str(epoch)) for epoch in (1, 2)
        for run in ("zeros/s0", "he-normal/s0", "zeros/s1", "he-normal/s1")]
    for row in rows:
        assert 0 <= float(row["train_acc"]) <= 1 and 0 <= float(row["val_acc"]) <= 1
        assert row["status"] == "ok" and row["device"] == "cpu" and row["hidden"] == "16"
        assert (row["test_acc"] != "") == (row["epoch"] == "2")


def test_a_terminal_gets_clean_lines_above_a_live_bar_and_the_seed_spread() -> None:
    from io import StringIO

    from rich.console import Console

    from inittui.core.results.book import ResultsBook, leaderboard
    from inittui.core.spec.experiment import ExperimentSpec
    from inittui.core.training.sweep import run_sweep
    from inittui.headless.sweep import ProgressReporter, leaderboard_table

    screen = StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    reporter, book = ProgressReporter(console), ResultsBook()
    spec = ExperimentSpec(inits=("zeros", "he-normal"), seeds=2, epochs=2, hidden=(16,),
                          dataset="synthetic:train=256,val=64,test=64,side=6,classes=4",
                          device="cpu")
    run_sweep(spec, lambda event: (book.apply(event), reporter(event)))
    console.print(leaderboard_table(leaderboard(book)))
    text = screen.getvalue()
    assert reporter.live and "\x1b[" in text  # a real terminal: the live bar draws
    assert "epoch 2/2 he-normal/s1: train_loss" in text
    assert "headless/sweep.py" not in text and not re.search(r"\[\d\d:\d\d:\d\d\]", text)
    assert text.count("±") >= 6  # every accuracy cell of a 2-seed row has its spread


def test_piped_output_is_plain_lines_and_a_leaderboard(tmp_path: Path) -> None:
    code, output = invoke("--headless", *TINY, "--epochs", "2", "--init", "zeros,he-normal")
    assert code == 0
    assert "\x1b" not in output and "\n\n" not in output
    assert "epoch 2/2 he-normal/s0: train_loss" in output
    assert output.index("Leaderboard") > output.index("epoch 2/2")
    board = output[output.index("Leaderboard"):output.index("Mean-field phase")]
    ranking = [line for line in board.splitlines() if "he-normal" in line or "zeros" in line]
    assert "he-normal" in ranking[-2] and "zeros" in ranking[-1]  # he first, zeros last


def test_an_existing_file_is_never_overwritten_silently(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    out.write_text("precious\n")
    code, output = invoke("--headless", *TINY, "--epochs", "1", "--out", str(out))
    assert code == 1 and "already exists; pass --overwrite" in output
    assert out.read_text() == "precious\n"
    assert invoke("--headless", *TINY, "--epochs", "1", "--out", str(out), "--overwrite")[0] == 0
    assert len(csv_rows(out)) == 4


def test_a_device_at_out_is_refused_in_one_line() -> None:
    """A full disk is tested with a real file size limit in test_result_files.py."""
    code, output = invoke("--headless", *TINY, "--epochs", "1", "--out", "/dev/full",
                          "--overwrite")
    assert code == 1
    assert output.strip() == ("error: '/dev/full' is not a regular file (a pipe, socket or "
                              "device); choose a file name")


def test_a_nan_loss_marks_the_run_diverged_and_the_others_finish(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    code, output = invoke("--headless", *TINY, "--epochs", "2", "--out", str(out),
                          "--init", "he-normal,normal:std=1e20")
    assert code == 0
    rows = csv_rows(out)
    assert [(r["init"], r["epoch"], r["status"]) for r in rows] == [
        ("he-normal", "1", "ok"), ("normal:std=1e+20", "1", "diverged"), ("he-normal", "2", "ok")]
    assert "normal:std=1e+20/s0 diverged" in output


def test_stats_out_has_every_hidden_layer_from_epoch_zero(tmp_path: Path) -> None:
    stats = tmp_path / "stats.csv"
    code, _ = invoke("--headless", *TINY, "--hidden", "16,8", "--epochs", "2",
                     "--init", "zeros,he-normal", "--stats-out", str(stats))
    assert code == 0
    with stats.open(newline="") as handle:
        assert tuple(next(csv.reader(handle))) == STATS_COLUMNS
    rows = csv_rows(stats)
    assert {(r["init"], r["epoch"], r["layer"]) for r in rows} == {
        (init, str(epoch), str(layer)) for init in ("zeros", "he-normal")
        for epoch in (0, 1, 2) for layer in (1, 2)}
    zeros = [r for r in rows if r["init"] == "zeros"]  # ReLU of 0: every unit dead
    width = {"1": "16", "2": "8"}
    assert all((r["distinct_units"], r["dead_units"]) == ("0", width[r["layer"]])
               for r in zeros)
    assert all(float(r["pre_grad_std"]) == 0.0 for r in zeros)


def test_a_preset_fills_in_what_the_user_did_not_set(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    code, _ = invoke("--headless", "--preset", "pytorch-notebook", *TINY, "--epochs", "1",
                     "--out", str(out))
    assert code == 0
    rows = csv_rows(out)
    assert {r["init"] for r in rows} == {"zeros", "normal", "xavier-normal", "he-normal"}
    assert {(r["optimizer"], r["hidden"], r["lr"]) for r in rows} == {("sgd", "16", "0.01")}


def test_lists_of_initializers_and_presets() -> None:
    code, output = invoke("--list-inits")
    assert code == 0
    assert "he-normal" in output and "He et al. 2015" in output and "lsuv" in output
    code, output = invoke("--list-presets")
    assert code == 0 and "he2015" in output and "expect:" in output


@pytest.mark.slow
def test_ctrl_c_writes_every_finished_epoch_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "inittui", "--headless", "--out", str(out), "--epochs", "200",
         "--dataset", "synthetic:train=4000,side=12", "--hidden", "32", "--device", "cpu",
         "--init", "zeros,he-normal"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As in a terminal: a test runner started in the background may ignore SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(csv_rows(out)) < 2):
        time.sleep(0.2)
    assert out.exists() and len(csv_rows(out)) >= 2, "no epoch finished within 120 s"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: stopped after the last finished epoch" in stderr
    assert "Traceback" not in stderr
    rows = csv_rows(out)
    finished = [r for r in rows if r["status"] == "ok"]
    stopped = [r for r in rows if r["status"] == "stopped"]
    assert len(finished) >= 2 and len(finished) % 2 == 0
    assert [(r["init"], int(r["epoch"])) for r in stopped] == [
        ("zeros", len(finished) // 2 + 1), ("he-normal", len(finished) // 2 + 1)]
    assert "Leaderboard" in stdout
    assert os.path.getsize(out) > 0
