"""How the app ends on a signal, and what Ctrl+C says in it.

SIGTERM or SIGHUP (a closed terminal, a dropped SSH connection) quit the app the way
ctrl+q does: the engine stops at its next step, writes `stopped` rows for the runs it
was training, and the app exits 128 + the signal's number once its thread has returned.
An engine that does not come back within `GRACE_S` (a user's model hanging), or a second
signal, ends the app at once. Inside the app Ctrl+C is a key, not a signal: it copies
the selected text of a field, and otherwise says how to quit.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from inittui.interrupts import GRACE_S

APP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
QUIT_HINT = "ctrl+q quits (ctrl+c copies the selected text of a field)"


class SignalsAndCtrlC:
    """A mixin of InittuiApp (which supplies `sweeps`, `exit`, `notify`, `set_timer`)."""

    SIGNAL_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "ctrl_c", "Copy", show=False, priority=True, id="ctrl-c",
                tooltip="copy a field's selected text (it does not quit: ctrl+q does)"),
    ]
    signal_exit: int | None = None
    _signals_seen = 0

    def install_signal_handlers(self) -> None:
        """Called from the app's mount, on its event loop (the main thread)."""
        loop = asyncio.get_running_loop()
        for number in APP_SIGNALS:
            if signal.getsignal(number) is not signal.SIG_IGN:  # nohup keeps SIGHUP off
                loop.add_signal_handler(number, self.on_stop_signal, number)

    def on_stop_signal(self, number: int) -> None:
        """Stop as ctrl+q does and exit 128 + number; at once on a second signal."""
        app: Any = self
        self._signals_seen += 1
        if self.signal_exit is None:
            self.signal_exit = 128 + number
        if self._signals_seen > 1 or not app.sweeps.running:
            app.exit(return_code=self.signal_exit)
            return
        app.quit_when_stopped()
        app.set_timer(GRACE_S, lambda: app.exit(return_code=self.signal_exit))

    def action_ctrl_c(self) -> None:
        """Copy a field's selected text (a field selects its text when focused), and say
        how to quit either way: a Ctrl+C pressed to quit must never go unanswered."""
        app: Any = self
        focused = app.focused
        if isinstance(focused, Input) and not focused.selection.is_empty:
            focused.action_copy()
        app.notify(QUIT_HINT, title="Quit?", markup=False)
