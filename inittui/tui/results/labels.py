"""Run labels made to fit a column, whole words first.

A grid's label is `he-normal @ hidden=64x30,lr=1e-3`. Where it does not fit, the field names
go first (`he-normal @ 64x30,1e-3`), then the `@` (`he-normal 64x30,1e-3`): every word stays
whole and rows stay apart. Only a column too narrow even for that is cut, in the middle, so
that both the initializer (at the start) and the grid cell (at the end) still show.
"""

from __future__ import annotations


def compact(label: str) -> list[str]:
    """The label's spellings, longest first, each with every word whole."""
    init, at, cell = label.partition(" @ ")
    if not at:
        return [label]
    values = ",".join(part.partition("=")[2] or part for part in cell.split(","))
    return [label, f"{init} @ {values}", f"{init} {values}"]


def shorten(label: str, width: int) -> str:
    """label in at most width characters: the longest whole-word spelling that fits, else
    cut in the middle (`xavier-n…64x30`), which still tells the cells of a grid apart."""
    for spelling in compact(label):
        if len(spelling) <= width:
            return spelling
    label = compact(label)[-1]
    if width <= 1:
        return "…"[:width]
    head = (width - 1) // 2
    tail = width - 1 - head
    return label[:head] + "…" + (label[-tail:] if tail else "")
