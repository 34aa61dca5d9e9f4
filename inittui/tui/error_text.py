"""How the app words an error in one line: the core's wording, with the form's field names."""

from __future__ import annotations

from inittui.core.errors import InittuiError


def field_label(field: str) -> str:
    """How the app words a setting the core names: the form's label, else the option."""
    from inittui.tui.setup.spec_form import FIELDS

    labels = dict(FIELDS)
    if field in labels:
        return f"the {labels[field]} field"
    return f"--{field.replace('_', '-')}"


def error_text(error: BaseException) -> str:
    """An error as one line for a notification: the core's wording, or the exception."""
    if isinstance(error, InittuiError):
        return error.worded(field_label)
    return f"{type(error).__name__}: {error}"
