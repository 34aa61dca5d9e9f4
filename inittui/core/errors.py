"""User-facing errors: each carries a message that fits on one line and needs no traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InittuiError(Exception):
    """An error the user can fix; front ends print its message alone."""


class SpecError(InittuiError):
    """An invalid experiment setting, tied to the field (option name) it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DataError(InittuiError):
    """A data set that cannot be found, read or downloaded."""


class DeviceError(InittuiError):
    """A requested device that is not present, or a model that would not fit on it."""


def unknown_name(kind: str, given: str, choices: Iterable[str],
                 aliases: Iterable[str] = ()) -> str:
    """Message for a misspelt name, suggesting the closest valid one (aliases included)."""
    options = sorted(set(choices))
    lowered = {name.lower(): name for name in (*options, *aliases)}
    close = difflib.get_close_matches(given.lower(), list(lowered), n=1, cutoff=0.5)
    hint = f"; did you mean '{lowered[close[0]]}'?" if close else ""
    return f"unknown {kind} '{given}'{hint} (choose from: {', '.join(options)})"
