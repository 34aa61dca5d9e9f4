"""Ctrl+C and SIGTERM as a request to stop, never as an exception in the middle of work.

Python turns SIGINT into KeyboardInterrupt wherever the main thread happens to be: inside
an import, a `wait`, or a `finally` that is closing files. A second Ctrl+C there used to
abort the interpreter while the training thread ran. Instead, both signals only record
themselves and set an event; the front end stops the engine through that event, writes
what finished, and exits 130 (SIGINT) or 143 (SIGTERM) like a shell expects.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Catches SIGINT and SIGTERM from `install` to `restore`; the first one counts."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.received: int | None = None
        self._previous: dict[int, _Handler] = {}

    def install(self) -> StopSignals:
        """Take over both signals (main thread only); one ignored by the parent stays so."""
        for number in SIGNALS:
            previous = signal.getsignal(number)
            if previous is signal.SIG_IGN:  # e.g. SIGINT of a job started in the background
                continue
            self._previous[number] = previous
            signal.signal(number, self._handle)
        return self

    def restore(self) -> None:
        """Give the signals back; once one has stopped the work, further ones are ignored.

        The process is then on its way out with 130 or 143: a second Ctrl+C that lands
        during interpreter shutdown would otherwise kill it with a traceback (and -2).
        """
        for number, previous in self._previous.items():
            signal.signal(number, signal.SIG_IGN if self.received is not None else previous)
        self._previous.clear()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = number
        self.event.set()

    @property
    def exit_code(self) -> int:
        """128 + the signal's number: 130 for Ctrl+C, 143 for SIGTERM."""
        return 128 + (self.received or signal.SIGINT)

    @property
    def name(self) -> str:
        return "terminated" if self.received == signal.SIGTERM else "interrupted"


def run_to_the_end(work: Callable[[], None], name: str) -> BaseException | None:
    """Run work on a daemon thread and wait until it has ended; return what it raised.

    The wait is on an Event, not Thread.join: a join cut short by a signal can report a
    thread that is still running as finished. Signals only set the stop event the work
    watches (see StopSignals), so this returns once the work has really ended, and the
    caller reports its error in one line.
    """
    failure: list[BaseException] = []
    done = threading.Event()

    def target() -> None:
        try:
            work()
        except BaseException as error:
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    while not done.wait(0.1):
        pass
    return failure[0] if failure else None
