"""End to end: the installed `inittui` command in a real terminal (tmux), driven by keys."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from inittui.tui.groups import PALETTE

TMUX = shutil.which("tmux")
INITTUI = shutil.which("inittui") or str(Path(sys.executable).with_name("inittui"))
E2E_ARGS = "--dataset synthetic:train=512,side=8 --hidden 16 --epochs 2 --device cpu"


def tmux(*args: str) -> str:
    return subprocess.run([TMUX, *args], check=True, capture_output=True, text=True).stdout


def wait_for_screen(session: str, condition: object, timeout_s: float) -> str:
    """Poll the pane until condition(text) holds; return the last capture either way."""
    deadline = time.monotonic() + timeout_s
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if condition(screen):  # type: ignore[operator]
            return screen
        time.sleep(0.25)
    return screen


@pytest.mark.slow
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
@pytest.mark.skipif(not Path(INITTUI).exists(), reason="the inittui command is not installed")
def test_installed_command_trains_in_a_terminal_and_quits(tmp_path: Path) -> None:
    session = f"inittui-e2e-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", str(tmp_path),
         "-e", "COLORTERM=truecolor", "-e", f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}",
         f"{INITTUI} {E2E_ARGS}; sleep 5")  # the env of this test, not of a running server
    try:
        screen = wait_for_screen(session, lambda text: "ctrl+r trains" in text, 60)
        assert "ctrl+r trains" in screen, screen
        tmux("send-keys", "-t", session, "C-r")
        screen = wait_for_screen(
            session, lambda text: "finished" in text and text.count(" done") >= 4, 90)
        assert "sweep 1 finished" in screen, screen
        inits = ("zeros", "normal", "xavier-normal", "he-normal")
        for init in inits:
            assert init in screen
        leader = re.search(r"^\s*●\s+1\s+(\S+)", screen, re.MULTILINE)
        assert leader is not None and leader.group(1) in inits, screen
        red, green, blue = PALETTE[inits.index(leader.group(1))]  # colours follow list order
        colored = tmux("capture-pane", "-p", "-e", "-t", session)
        leader_braille = re.compile(  # the leader's colour on braille cells: its curve shows
            rf"\x1b\[[0-9;]*38;2;{red};{green};{blue}[0-9;]*m[\u2801-\u28ff]")
        assert leader_braille.search(colored), colored
        tmux("send-keys", "-t", session, "C-q")
        screen = wait_for_screen(session, lambda text: "Setup ▸" not in text, 20)
        assert "Setup ▸" not in screen and "Traceback" not in screen, screen
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)
