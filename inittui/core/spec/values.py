"""The pieces every field parser is made of: plain numbers, names from a list, list items.

Each refuses bad text with a one-line SpecError that names the option.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from inittui.core.errors import SpecError, shown, unknown_name

MAX_INT = 2**31 - 1
"""Counts beyond this overflow PyTorch's 32-bit sizes long before memory runs out."""
_INTEGER = re.compile(r"\+?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(inf|infinity|nan)",
                    re.IGNORECASE)
"""Plain ASCII spellings only: Python would also take `1_0` and Arabic-Indic digits."""


def positive_int(name: str, text: str, minimum: int = 1, maximum: int = MAX_INT) -> int:
    value_text = str(text).strip()
    if not _INTEGER.fullmatch(value_text):
        sign = value_text.startswith("-") and _INTEGER.fullmatch(value_text[1:])
        if not sign:
            raise SpecError(name, f"{name} must be a whole number, got '{shown(text, 30)}'")
    value = int(value_text)
    if value < minimum:
        raise SpecError(name, f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise SpecError(name, f"{name} must be at most {maximum}, got {shown(value, 30)}")
    return value


def finite_float(name: str, text: str) -> float:
    value_text = str(text).strip()
    if not _FLOAT.fullmatch(value_text):
        raise SpecError(name, f"{name} must be a number, got '{shown(text, 30)}'")
    value = float(value_text)
    if not math.isfinite(value):
        raise SpecError(name, f"{name} must be finite, got {shown(text, 30)}")
    return value


def choice(name: str, text: str, choices: Iterable[str], kind: str) -> str:
    value = str(text).strip().lower()
    if value not in choices:
        raise SpecError(name, unknown_name(kind, str(text).strip(), choices))
    return value


def dashed(name: str) -> str:
    return name.replace("_", "-")


def list_items(name: str, text: str | Iterable[str], separator: str = ",",
               item: str = "item") -> list[str]:
    """The items of a list text; an empty item (`1e-3,,3e-3`, a trailing comma) is refused."""
    pieces = [text] if isinstance(text, str) else [str(piece) for piece in text]
    items = [part.strip() for piece in pieces for part in str(piece).split(separator)]
    if not items or any(not part for part in items):
        raise SpecError(name, f"{dashed(name)} has an empty {item} in "
                              f"'{separator.join(map(str, pieces))}'")
    return items
