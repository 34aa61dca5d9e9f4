"""The one-line status under the results: what is happening, and how long it will take."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from inittui.core.events import StepProgress


def format_duration(seconds: float) -> str:
    """`0:42`, `12:05`, `1:02:09`: short enough for a status line."""
    minutes, secs = divmod(max(0, round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def eta_seconds(progress: StepProgress, epochs: int) -> float | None:
    """Time left at the sweep's average pace so far; None before the first step."""
    done = (progress.epoch - 1) * progress.steps + progress.step
    total = epochs * progress.steps
    if done <= 0 or progress.elapsed_s <= 0:
        return None
    return progress.elapsed_s / done * (total - done)


class StatusLine(Static):
    """Says what the app is doing; while training, the epoch, step and ETA."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1; padding: 0 1; background: $boost;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    StatusLine.-error { color: $text-error; }
    """

    def say(self, message: str, error: bool = False) -> None:
        self.set_class(error, "-error")
        self.update(Text(message))

    def progress(self, progress: StepProgress, epochs: int, runs: int) -> None:
        """Training progress; the time left appears once a step has been timed."""
        eta = eta_seconds(progress, epochs)
        left = f" · ETA {format_duration(eta)}" if eta is not None else ""
        self.say(f"training {runs} runs · epoch {progress.epoch}/{epochs} · step "
                 f"{progress.step}/{progress.steps}{left} · ctrl+x stops")
