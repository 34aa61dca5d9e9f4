"""Launch the real app in a pseudo-terminal and time its first frame against torch's import.

Used by the start-up test and `benchmarks/bench_startup.py`. The app runs unchanged: a
tiny wrapper only installs an import watcher that notes (in a file, on the shared
monotonic clock) when `torch` starts and finishes importing, then calls the CLI. The
parent reads the terminal until the status line's text has been painted.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FIRST_FRAME_MARK = "ctrl+r trains"
"""Text of the status line on the first frame (the app says it when it mounts)."""

_ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    rb"|\][^\x07\x1b]*(\x07|\x1b\\)"  # OSC: titles, clipboard
    rb"|[()][0-9A-Za-z]|[=>78])"  # character sets, keypad, save/restore cursor
)

_WRAPPER = r"""
import importlib.abc, json, sys, time
LOG = sys.argv.pop(1)

class _Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "torch":
            return None
        sys.meta_path.remove(self)
        with open(LOG, "a") as log:
            log.write(json.dumps({"torch_import_started": time.monotonic()}) + "\n")
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            with open(LOG, "a") as log:
                log.write(json.dumps({"torch_import_finished": time.monotonic()}) + "\n")
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _Watch())
sys.argv[0] = "inittui"
from inittui.cli import main
main()
"""


@dataclass(frozen=True)
class Launch:
    """One launch, in seconds after the process was started."""

    first_frame_s: float
    torch_started_s: float | None
    torch_finished_s: float | None


def launch_app(args: tuple[str, ...] = (), size: tuple[int, int] = (120, 40),
               timeout_s: float = 60.0, python: str = sys.executable,
               wait_for_torch: bool = False) -> Launch:
    """Start `inittui ARGS` in a pty, wait for the first frame, quit with ctrl+q.

    wait_for_torch: quit only once torch has finished loading (or timeout_s has passed),
    so the launch also shows when the app's worker imported it.
    """
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "torch.jsonl"
        master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns),
               "LINES": str(rows)}
        started = time.monotonic()
        process = subprocess.Popen([python, "-c", _WRAPPER, str(log), *args], stdin=slave,
                                   stdout=slave, stderr=slave, env=env, cwd=folder,
                                   start_new_session=True)
        os.close(slave)
        try:
            first_frame = _wait_for_text(master, process, FIRST_FRAME_MARK, timeout_s)
            frame_s = first_frame - started
            if wait_for_torch:
                _drain_until(master, process, timeout_s,
                             lambda: "torch_import_finished" in _read(log))
            os.write(master, b"\x11")  # ctrl+q
            _drain_until_exit(master, process, timeout_s)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(master)
        times: dict[str, float] = {}
        for line in _read(log).splitlines():
            times.update(json.loads(line))
    return Launch(
        first_frame_s=frame_s,
        torch_started_s=_since(times.get("torch_import_started"), started),
        torch_finished_s=_since(times.get("torch_import_finished"), started),
    )


def _since(moment: float | None, started: float) -> float | None:
    return None if moment is None else moment - started


def _wait_for_text(master: int, process: subprocess.Popen[bytes], text: str,
                   timeout_s: float) -> float:
    """The monotonic time at which `text` has been written to the terminal."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            seen += chunk
            if text in _ESCAPES.sub(b"", seen).decode("utf-8", "replace"):
                return time.monotonic()
        if process.poll() is not None and not ready:
            break
    screen = _ESCAPES.sub(b"", seen).decode("utf-8", "replace")[-400:]
    raise TimeoutError(f"no '{text}' on screen after {timeout_s:.0f} s "
                       f"(exit code {process.poll()}); last output: {screen!r}")


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _drain_until(master: int, process: subprocess.Popen[bytes], timeout_s: float,
                 done: Callable[[], bool]) -> None:
    """Keep reading the terminal (so the app never blocks on it) until done() or exit."""
    deadline = time.monotonic() + timeout_s
    while process.poll() is None and time.monotonic() < deadline and not done():
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                break


def _drain_until_exit(master: int, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    _drain_until(master, process, timeout_s, lambda: False)
    process.wait(timeout=5)


def time_torch_import(python: str = sys.executable) -> float:
    """Seconds for a fresh interpreter to run `import torch` and exit."""
    started = time.monotonic()
    subprocess.run([python, "-c", "import torch"], check=True)
    return time.monotonic() - started
