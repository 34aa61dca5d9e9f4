"""Hidden sizes as text: one architecture (`128,64`, `128x30`), several (`64x10;64x20`),
and the coordinate check's widths; sizes too large to build are refused before any list is.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from inittui.core.errors import SpecError
from inittui.core.spec.values import list_items, positive_int

ARCHITECTURE_SEPARATOR = ";"
"""Between two architectures in one text (`64x10;64x20`); a comma separates layers."""
MAX_WIDTH = 1_000_000
MAX_LAYERS = 10_000
"""Hidden layers of one architecture; a repeat count is checked before a list is built."""
MAX_HIDDEN_WEIGHTS = 1_000_000_000
"""Weights between hidden layers of one run (4 GB in float32), estimated before building."""


def parse_architecture(text: str) -> tuple[int, ...]:
    """One architecture's hidden sizes: `128,64`, `128x30` (thirty layers of 128), `64x5,32`."""
    runs: list[tuple[int, int]] = []  # (width, count): nothing is expanded before checks
    pieces = list_items("hidden", text, item="layer size")  # `128,,64` is a typo
    for item in (token for piece in pieces for token in piece.split()):  # `128 64` too
        size, sep, repeat = item.lower().partition("x")
        if sep and not size.strip() and repeat.strip():
            raise SpecError("hidden", f"hidden '{item}' needs a layer size before 'x', "
                                      "e.g. 128x30")
        width = positive_int("hidden", size if sep and repeat.strip() else item,
                              maximum=MAX_WIDTH)
        count = positive_int("hidden", repeat, minimum=0) if sep else 1
        if sep and count < 1:
            raise SpecError("hidden", f"hidden '{item}' repeats a layer {count} times; "
                                      "use at least 1")
        runs.append((width, count))
    _check_architecture_size(runs)
    return tuple(width for width, count in runs for _ in range(count))


def _check_architecture_size(runs: list[tuple[int, int]]) -> None:
    """Layer count and weights between hidden layers, from the (width, count) runs alone."""
    layers = sum(count for _, count in runs)
    if layers > MAX_LAYERS:
        raise SpecError("hidden", f"hidden has {layers:,} layers; at most {MAX_LAYERS:,}")
    weights = sum((count - 1) * width * width for width, count in runs) + \
        sum(a * b for (a, _), (b, _) in pairwise(runs))
    if weights > MAX_HIDDEN_WEIGHTS:
        raise SpecError("hidden", f"hidden sizes need {weights:,} weights between hidden "
                        f"layers per run ({weights * 4 / 2**30:,.1f} GiB in float32); at "
                        f"most {MAX_HIDDEN_WEIGHTS:,}")


def parse_hidden(text: str | Iterable[object]) -> tuple[tuple[int, ...], ...]:
    """One or more architectures: each text is one (`128,64`), or several split by `;`.

    A sequence of numbers is one architecture (as code spells `hidden=(128, 64)`); a
    sequence of texts is one architecture per text (a repeated `--hidden`).
    """
    if not isinstance(text, str):
        pieces = list(text)
        if pieces and all(isinstance(piece, int) for piece in pieces):
            text = ",".join(str(piece) for piece in pieces)
        else:
            text = ARCHITECTURE_SEPARATOR.join(str(piece) for piece in pieces)
    if not text.strip():
        raise SpecError("hidden", "hidden needs at least one layer size, e.g. 128,64")
    return tuple(parse_architecture(item)
                 for item in list_items("hidden", text, ARCHITECTURE_SEPARATOR))


def format_architecture(hidden: tuple[int, ...]) -> str:
    """`128,64`, with runs of equal sizes as `64x30` (the shorthand the parser reads)."""
    parts: list[str] = []
    index = 0
    while index < len(hidden):
        end = index
        while end < len(hidden) and hidden[end] == hidden[index]:
            end += 1
        count = end - index
        parts.append(f"{hidden[index]}x{count}" if count > 2 else
                     ",".join([str(hidden[index])] * count))
        index = end
    return ",".join(parts)


def parse_widths(text: str) -> tuple[int, ...]:
    """The coordinate check's widths: `64,128,256` → (64, 128, 256); two or more, sorted."""
    parts = [part.strip() for part in str(text).replace(" ", ",").split(",") if part.strip()]
    widths: list[int] = []
    for part in parts:
        try:
            width = int(part)
        except ValueError:
            raise SpecError("coord-widths", f"coord-widths must be whole numbers, got '{part}'") \
                from None
        if width < 1:
            raise SpecError("coord-widths", f"coord-widths must be at least 1, got {width}")
        if width > MAX_WIDTH:
            raise SpecError("coord-widths", f"coord-widths must be at most {MAX_WIDTH:,}, "
                                            f"got {width:,}")
        widths.append(width)
    if len(set(widths)) < 2:
        raise SpecError("coord-widths", "coord-widths needs at least two different widths")
    return tuple(sorted(set(widths)))
