"""Run labels cut to fit a column: in the middle, so both the initializer (at the start) and
the grid cell (at the end, `he-normal @ hidden=64x30`) still tell rows apart."""

from __future__ import annotations


def shorten(label: str, width: int) -> str:
    """label in at most width characters: `xavier-n…idden=64x30` rather than
    `xavier-normal @ hi…`, which reads the same for every cell of a grid."""
    if len(label) <= width:
        return label
    if width <= 1:
        return "…"[:width]
    head = (width - 1) // 2
    tail = width - 1 - head
    return label[:head] + "…" + (label[-tail:] if tail else "")
