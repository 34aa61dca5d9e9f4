"""Messages the training thread posts to the app (`post_message` is thread-safe).

Engine events are wrapped unchanged, so the app applies exactly what headless would see.
Progress ticks replace each other in the queue: a busy UI only needs the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from inittui.core.events import Event, StepProgress


@dataclass
class SweepEvent(Message):
    """One engine event other than progress, in the order the engine emitted it."""

    event: Event


@dataclass
class SweepProgress(Message):
    """The latest step inside an epoch, for the status line's progress and ETA."""

    progress: StepProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SweepProgress)



@dataclass
class SweepEnded(Message):
    """The training thread has returned: nothing more comes from it, its file is written.

    Sent after the engine's last event, also when the sweep was stopped or failed; a
    worker marked cancelled may still be finishing its step until this arrives.
    """
