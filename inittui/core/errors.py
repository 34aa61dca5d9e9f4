"""User-facing errors: each carries a message that fits on one line and needs no traceback."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from inittui.core.printable import CONTROL

_OPTION = "\x1e"
_OPTION_REFERENCE = re.compile(f"{_OPTION}(\\w+){_OPTION}")


def option(field: str) -> str:
    """A reference to a setting inside a message, worded later by each front end.

    The core names the spec field (`data_dir`); the command line shows `--data-dir`,
    the app's form its own label. The marker is a control character, which `shown`
    removes from user text, so no value can forge a reference.
    """
    return f"{_OPTION}{field}{_OPTION}"


def shown(text: object, limit: int = 60) -> str:
    """User text fit for a one-line message: control characters escaped, long text cut."""
    value = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", str(text))
    return value if len(value) <= limit else value[:limit - 1] + "…"


def dashed(field: str) -> str:
    """The neutral wording of a setting: its spec field with dashes (`data-dir`)."""
    return field.replace("_", "-")


def shown_path(path: object) -> str:
    """A path for a message: control characters escaped, only absurd lengths cut."""
    return shown(path, 400)


class InittuiError(Exception):
    """An error the user can fix; front ends print its message alone.

    Messages refer to settings through `option(field)`; `worded` lets a front end name
    them its own way, and `str()` uses the neutral `dashed` wording.
    """

    def worded(self, word: Callable[[str], str]) -> str:
        message = str(self.args[0]) if self.args else ""
        return _OPTION_REFERENCE.sub(lambda match: word(match.group(1)), message)

    def __str__(self) -> str:
        return self.worded(dashed)


class SpecError(InittuiError):
    """An invalid experiment setting, tied to the field (option name) it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DataError(InittuiError):
    """A data set that cannot be found, read or downloaded."""


class DeviceError(InittuiError):
    """A requested device that is not present, or a model that would not fit on it."""


class ResultFileError(InittuiError):
    """A results file that cannot be written, replaced or read."""


def unknown_name(kind: str, given: str, choices: Iterable[str],
                 aliases: Iterable[str] = ()) -> str:
    """Message for a misspelt name, suggesting the closest valid one (aliases included)."""
    options = sorted(set(choices))
    lowered = {name.lower(): name for name in (*options, *aliases)}
    close = difflib.get_close_matches(given.lower(), list(lowered), n=1, cutoff=0.5)
    hint = f"; did you mean '{lowered[close[0]]}'?" if close else ""
    return f"unknown {kind} '{shown(given, 40)}'{hint} (choose from: {', '.join(options)})"
