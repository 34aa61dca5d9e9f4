"""Runs grouped the way the screen shows them: one group per (sweep, grid cell, initializer).

A group is what the leaderboard ranks, what a plot line stands for and what the keyboard
selects; its seeds are summarized as a mean with spread. Colours are given by order of
first appearance, so a line keeps its colour however the ranking changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from inittui.core.palette import PALETTE, RGB  # one palette with the figures
from inittui.core.results.book import ResultsBook, RunRecord


@dataclass(frozen=True)
class SeedGroup:
    """The seeds of one initializer in one grid cell of one sweep: one line on the plots,
    one row on the leaderboard."""

    key: str
    sweep: int
    init: str
    label: str
    color: RGB
    records: tuple[RunRecord, ...]
    cell: str = ""


def group_key(sweep: int, init: str, cell: str = "") -> str:
    return f"{sweep}:{cell}/{init}" if cell else f"{sweep}:{init}"


def seed_groups(book: ResultsBook) -> list[SeedGroup]:
    """Every group of the book in order of appearance; labels carry the sweep when needed."""
    several = len(book.sweeps) > 1
    groups: list[SeedGroup] = []
    for sweep in book.sweeps:
        by_init: dict[tuple[str, str], list[RunRecord]] = {}
        for record in sweep.runs.values():
            by_init.setdefault((record.plan.cell, record.plan.init), []).append(record)
        for (cell, init), records in by_init.items():
            name = f"{init} @ {cell}" if cell else init
            label = f"{sweep.number}:{name}" if several else name
            groups.append(SeedGroup(group_key(sweep.number, init, cell), sweep.number, init,
                                   label, PALETTE[len(groups) % len(PALETTE)], tuple(records),
                                   cell))
    return groups


def dimmed(color: RGB, amount: float = 0.45) -> RGB:
    """The colour moved towards grey, for the spread lines beside a mean line."""
    grey = 110
    red, green, blue = (round(c + (grey - c) * amount) for c in color)
    return red, green, blue


def hex_color(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def format_number(value: float) -> str:
    """A loss or accuracy in a table cell; NaN and inf spelled out."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4f}" if abs(value) < 100 else f"{value:.3g}"
