"""`inittui plot`, `--headless --figures DIR` and the app's save-figure key, used as a user
would: real commands, real signals, the real app; matplotlib loads only to draw.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from inittui.cli import main
from tests.figure_inputs import DATA, Inputs, make_inputs

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--dataset", DATA, "--hidden", "16", "--device", "cpu", "--batch-size", "32"]


def fresh(code: str) -> str:
    """Run code in a new interpreter with this checkout first on the path."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout


def test_help_and_app_start_up_import_no_matplotlib() -> None:
    found = fresh(
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from inittui.cli import main\n"
        "for args in (['--help'], ['plot', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "import inittui.tui.app, inittui.headless.sweep, inittui.headless.studies\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'torch')))")
    assert found.strip() == "[]"


def test_plot_help_lists_every_kind() -> None:
    from inittui.figures.kinds import KINDS

    result = CliRunner().invoke(main, ["plot", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for name in KINDS:
        assert f"{name}:" in " ".join(result.output.split())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return make_inputs(tmp_path_factory.mktemp("cli-inputs"))


def plot(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plot", *map(str, args)])
    return result.exit_code, result.output


@pytest.mark.slow
def test_bad_input_is_a_one_line_usage_error(inputs: Inputs, tmp_path: Path) -> None:
    existing = tmp_path / "old.png"
    existing.write_bytes(b"an earlier figure")
    stranger = tmp_path / "other.csv"
    stranger.write_text("a,b\n1,2\n")
    cases = {
        "unknown figure kind 'bars'": (inputs.results, "-o", tmp_path / "a.png",
                                       "--kind", "bars"),
        "figure kind 'curves' needs a results file": (inputs.stats, "-o",
                                                      tmp_path / "a.png", "--kind", "curves"),
        "is not a file inittui draws from": (stranger, "-o", tmp_path / "a.png"),
        "cannot write a figure as '.docx'": (inputs.results, "-o", tmp_path / "a.docx"),
        "already exists; pass --overwrite": (inputs.results, "-o", existing),
        "curves draw val_acc": (inputs.results, "-o", tmp_path / "a.png", "--kind",
                                "curves", "--metric", "wall_s"),
    }
    for message, args in cases.items():
        code, output = plot(*args)
        errors = [line for line in output.splitlines() if line.startswith("Error:")]
        assert code == 2 and len(errors) == 1 and message in errors[0], output
        assert "Traceback" not in output
    assert existing.read_bytes() == b"an earlier figure"
    assert not (tmp_path / "a.png").exists()
    code, output = plot(inputs.results, "-o", existing, "--overwrite", "--kind", "leaderboard")
    assert code == 0 and output.strip() == f"leaderboard figure written to {existing}"
    assert existing.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_plot_chooses_the_figure_from_the_files(inputs: Inputs, tmp_path: Path) -> None:
    code, output = plot(inputs.results, inputs.stats, "-o", tmp_path / "f.svg")
    assert code == 0 and output.startswith("sensitivity figure written to")
    code, output = plot(inputs.transfer, "-o", tmp_path / "t.pdf")
    assert code == 0 and output.startswith("lr-transfer figure written to")


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return " ".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))


@pytest.mark.slow
def test_headless_figures_are_written_beside_the_csvs(tmp_path: Path) -> None:
    folder = tmp_path / "figs"
    result = subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", *TINY, "--epochs", "2",
         "--init", "xavier-normal,he-normal", "--figures", str(folder)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    names = {path.name for path in folder.iterdir()}
    assert {"results.csv", "stats.csv", "curves.png", "curves.svg", "leaderboard.png",
            "layer-stds.png"} <= names
    assert f"figures written to {folder}: " in result.stdout
    assert "xavier-normal" in svg_text(folder / "curves.svg")


@pytest.mark.slow
def test_saxe2013_writes_steps_to_loss_against_depth_from_the_sweeps_own_steps(
        tmp_path: Path) -> None:
    folder = tmp_path / "saxe"
    result = subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", "--preset", "saxe2013", "--dataset",
         DATA, "--device", "cpu", "--batch-size", "16", "--hidden", "8x2;8x4", "--epochs",
         "2", "--seeds", "1", "--figures", str(folder)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    text = svg_text(folder / "sensitivity.svg")
    assert "steps to train loss ≤" in text and "depth (hidden layers of 8 units)" in text


@pytest.mark.slow
def test_sigterm_writes_the_figures_of_the_finished_epochs_and_exits_143(
        tmp_path: Path) -> None:
    folder = tmp_path / "figs"
    process = subprocess.Popen(
        [sys.executable, "-m", "inittui", "--headless", "--epochs", "200", "--dataset",
         "synthetic:train=4000,side=12", "--hidden", "32", "--device", "cpu",
         "--init", "zeros,he-normal", "--figures", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    results = folder / "results.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
            not results.exists() or len(results.read_text().splitlines()) < 5):
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "figures written to" in stdout
    assert (folder / "curves.png").read_bytes().startswith(b"\x89PNG")
    assert stderr.strip().startswith("terminated: stopped after the last finished epoch")


@pytest.mark.slow
def test_figures_needs_headless() -> None:
    result = CliRunner().invoke(main, ["--figures", "x", *TINY])
    assert result.exit_code == 2 and "--figures needs --headless" in result.output
