"""Stop signals as a request to stop, never as an exception in the middle of work.

Python turns SIGINT into KeyboardInterrupt wherever the main thread happens to be: inside
an import, a `wait`, or a `finally` that is closing files. A second Ctrl+C there used to
abort the interpreter while the training thread ran. Instead, every stop signal (SIGINT,
SIGTERM, SIGHUP of a dropped SSH connection, SIGQUIT) only records itself and sets an
event; the front end stops the engine through that event, writes what finished, and
exits 128 + the signal's number (130, 143, 129, 131) as a shell expects.

Work that does not come back (a user's model hanging in its import, constructor or
forward) is abandoned: `GRACE_S` after the first signal, or at once on a second one, the
caller finishes its files as they stand and exits anyway.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
NAMES = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated",
         signal.SIGHUP: "hung up", signal.SIGQUIT: "quit"}
GRACE_S = 5.0
"""How long the work has to stop by itself after the first signal before it is abandoned."""


class Abandoned(Exception):
    """The work did not stop within the grace time (or a second signal came): it still
    runs on its daemon thread, and the caller finishes without it."""


class StopSignals:
    """Catches the stop signals from `install` to `restore`; the first one counts."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.received: int | None = None
        self.count = 0
        self.first_at: float | None = None
        self._previous: dict[int, _Handler] = {}

    def install(self) -> StopSignals:
        """Take over the signals (main thread only); one ignored by the parent stays so
        (SIGINT of a job started in the background, SIGHUP under nohup)."""
        for number in SIGNALS:
            previous = signal.getsignal(number)
            if previous is signal.SIG_IGN:
                continue
            self._previous[number] = previous
            signal.signal(number, self._handle)
        return self

    def restore(self) -> None:
        """Give the signals back; once one has stopped the work, further ones are ignored.

        The process is then on its way out with 128 + n: a second Ctrl+C that lands
        during interpreter shutdown would otherwise kill it with a traceback (and -2).
        """
        for number, previous in self._previous.items():
            signal.signal(number, signal.SIG_IGN if self.received is not None else previous)
        self._previous.clear()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = number
            self.first_at = time.monotonic()
        self.count += 1
        self.event.set()

    @property
    def exit_code(self) -> int:
        """128 + the signal's number: 130 for Ctrl+C, 143 for SIGTERM, 129 for SIGHUP."""
        return 128 + (self.received or signal.SIGINT)

    @property
    def name(self) -> str:
        return NAMES.get(self.received or signal.SIGINT, "interrupted")

    def give_up(self, grace_s: float = GRACE_S) -> bool:
        """Whether work still running should be abandoned: a second signal, or the grace
        time since the first has passed."""
        return self.count >= 2 or (self.first_at is not None and
                                   time.monotonic() - self.first_at >= grace_s)


def run_to_the_end(work: Callable[[], None], name: str,
                   signals: StopSignals | None = None,
                   grace_s: float = GRACE_S) -> BaseException | None:
    """Run work on a daemon thread and wait until it has ended; return what it raised.

    The wait is on an Event, not Thread.join: a join cut short by a signal can report a
    thread that is still running as finished. Signals only set the stop event the work
    watches (see StopSignals), so this returns once the work has really ended, and the
    caller reports its error in one line; or, with signals, an `Abandoned` once the work
    has not come back in time (see StopSignals.give_up).
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
        if signals is not None and signals.give_up(grace_s):
            return Abandoned(f"{name} did not stop within {grace_s:g} s of the signal")
    return failure[0] if failure else None
