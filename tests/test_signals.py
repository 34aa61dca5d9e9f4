"""Ctrl+C and SIGTERM, sent for real to a real `inittui --headless` process.

Whatever the moment (start-up, training, a second Ctrl+C right after the first), the
process ends the same clean way: finished epochs on disk, `stopped` rows, one line on
stderr, exit 130 for SIGINT and 143 for SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import csv_rows

ROOT = Path(__file__).resolve().parent.parent
LONG = [sys.executable, "-m", "inittui", "--headless", "--epochs", "200", "--dataset",
        "synthetic:train=4000,side=12", "--hidden", "32", "--device", "cpu",
        "--init", "zeros,he-normal"]

pytestmark = pytest.mark.slow


def default_signals() -> None:
    """In the child: every stopping signal at its default, whatever the test runner ignores
    (a background job ignores SIGINT and SIGQUIT, nohup SIGHUP, and a child inherits that;
    inittui then rightly leaves them ignored)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, signal.SIG_DFL)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*LONG, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        # As in a terminal: a test runner started in the background may ignore SIGINT.
        preexec_fn=default_signals,
    )


def wait_for_rows(process: subprocess.Popen[str], out: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(csv_rows(out)) < count):
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)


def assert_clean_stop(out: Path, stderr: str, word: str) -> None:
    lines = stderr.strip().splitlines()
    assert lines == [f"{word}: stopped after the last finished epoch; finished epochs are in "
                     f"{out}"], stderr
    rows = csv_rows(out)
    finished = [r for r in rows if r["status"] == "ok"]
    stopped = [r for r in rows if r["status"] == "stopped"]
    assert len(finished) >= 2 and len(finished) % 2 == 0
    assert [(r["init"], int(r["epoch"])) for r in stopped] == [
        ("zeros", len(finished) // 2 + 1), ("he-normal", len(finished) // 2 + 1)]
    assert out.read_bytes().endswith(b"\r\n")


def test_two_ctrl_c_within_50_ms_end_as_cleanly_as_one(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = start("--out", str(out))
    wait_for_rows(process, out, 2)
    process.send_signal(signal.SIGINT)
    time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "terminate called" not in stderr and "Traceback" not in stderr
    assert_clean_stop(out, stderr, "interrupted")
    assert "Leaderboard" in stdout


def test_sigterm_stops_like_ctrl_c_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = start("--out", str(out))
    wait_for_rows(process, out, 2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert_clean_stop(out, stderr, "terminated")


def test_ctrl_c_during_start_up_leaves_an_old_file_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    out.write_text("earlier results\n")
    process = start("--out", str(out), "--overwrite")
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "libtorch" not in maps.read_text():
        time.sleep(0.01)  # torch is loading: the command has started, training has not
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Aborted!" not in stderr + stdout and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("interrupted")
    assert out.read_text() == "earlier results\n"


HANGING_MODEL = '''
import math
import os
import time

from torch import nn

if os.environ.get("HANG_AT_IMPORT"):
    time.sleep(1000)


class Net(nn.Module):
    """Trains until the file named by HANG_FILE exists, then hangs in forward."""

    def __init__(self, input_shape, classes):
        super().__init__()
        self.hidden = nn.Linear(math.prod(input_shape), 16)
        self.out = nn.Linear(16, classes)

    def forward(self, x):
        if os.path.exists(os.environ["HANG_FILE"]):
            time.sleep(1000)
        return self.out(self.hidden(x.flatten(1)).relu())
'''


def start_hanging(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    model = tmp_path / "hanging.py"
    model.write_text(HANGING_MODEL)
    return subprocess.Popen(
        [sys.executable, "-m", "inittui", "--headless", "--epochs", "200", "--dataset",
         "synthetic:train=2000,val=100,test=100,side=8", "--device", "cpu",
         "--init", "zeros,he-normal", "--model", f"{model}:Net", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HANG_FILE": str(tmp_path / "hang"),
             **env},
        preexec_fn=default_signals,
    )


def hang_after_rows(process: subprocess.Popen[str], tmp_path: Path, out: Path) -> None:
    wait_for_rows(process, out, 2)
    (tmp_path / "hang").touch()
    time.sleep(1.0)  # the next forward is asleep


def test_a_model_hanging_in_forward_is_abandoned_after_the_grace_time(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = start_hanging(tmp_path, "--out", str(out))
    hang_after_rows(process, tmp_path, out)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert 4 < time.monotonic() - sent < 20  # the grace time (5 s) passed first
    assert_clean_stop(out, stderr, "interrupted")


def test_a_second_signal_to_a_hanging_model_exits_at_once(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = start_hanging(tmp_path, "--out", str(out))
    hang_after_rows(process, tmp_path, out)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert time.monotonic() - sent < 3
    assert_clean_stop(out, stderr, "terminated")


def test_a_model_hanging_at_import_stops_on_sighup_and_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    process = start_hanging(tmp_path, "--out", str(out), HANG_AT_IMPORT="1")
    deadline = time.monotonic() + 60
    maps = Path(f"/proc/{process.pid}/maps")
    while time.monotonic() < deadline and "libtorch" not in maps.read_text():
        time.sleep(0.05)
    time.sleep(3)  # past torch's import, into the model file's
    process.send_signal(signal.SIGHUP)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 129, stderr
    assert stderr.startswith("hung up") and len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists() and not list(tmp_path.glob(".r.csv.*.tmp"))


@pytest.mark.parametrize(("number", "word"), [(signal.SIGHUP, "hung up"),
                                              (signal.SIGQUIT, "quit")])
def test_sighup_and_sigquit_stop_like_sigterm(tmp_path: Path, number: int, word: str) -> None:
    out = tmp_path / "r.csv"
    process = start("--out", str(out))
    wait_for_rows(process, out, 2)
    process.send_signal(number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + number, stderr
    assert_clean_stop(out, stderr, word)
