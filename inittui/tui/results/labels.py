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


def fit(labels: list[str], width: int) -> list[str]:
    """A column of labels in at most width characters each, all spelled at one level (a
    column that mixes `he-normal @ lr=1e-3` and `xavier-normal 1e-3` reads as two kinds of
    row): the longest level at which every label fits, else each cut as `shorten` does."""
    levels = [compact(label) for label in labels]
    for level in range(3):
        spelled = [spellings[min(level, len(spellings) - 1)] for spellings in levels]
        if all(len(label) <= width for label in spelled):
            return spelled
    return [shorten(label, width) for label in labels]
