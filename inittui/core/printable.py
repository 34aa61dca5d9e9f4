"""Text from a file made safe for a terminal: the one place control characters are removed.

A results file is anyone's text. A cell such as `X\\x1b[2J` would clear the screen it is
drawn on, a newline would forge a line, and a right-to-left override would show a name
backwards. Every text cell read from a file passes through `printable` before it
reaches the app or a printed line; the writer drops the same characters (`neutralize`).
Names the user typed (a file name in a message) are escaped instead (`errors.shown`), so
the name stays recognisable.
"""

from __future__ import annotations

import re

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (ESC, CR, LF, TAB, CSI …) and the bidirectional overrides."""


def printable(text: object) -> str:
    """text without control characters; everything else is kept as it was."""
    return CONTROL.sub("", str(text))
