"""Mean field's trainable depth, 6ξ_c (Schoenholz et al. 2017), read against a grid's cells.

A σ_w² × depth grid (`--preset schoenholz2017`) should train where the net is shallower than
about 6ξ_c and fail beyond it; the heatmap marks each cell deeper than its run's 6ξ_c and
labels each initializer's row with the value, so the trainable region reads against it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from inittui.core.results.book import RunRecord, SweepRecord
from inittui.core.theory.predict import RunTheory

BEYOND_MARK = "*"
"""After a cell's value: the net is deeper than 6ξ_c."""


def records_of(sweep: SweepRecord, init: str, cell: str) -> list[RunRecord]:
    return [r for r in sweep.runs.values() if r.plan.init == init and r.plan.cell == cell]


def theory_of(records: Iterable[RunRecord]) -> RunTheory | None:
    return next((r.theory for r in records if isinstance(r.theory, RunTheory)), None)


def six_xi_c(records: Iterable[RunRecord]) -> float | None:
    """The runs' 6ξ_c (inf where ξ_c is unbounded), or None without a finite prediction."""
    theory = theory_of(records)
    if theory is None or math.isnan(theory.phase.trainable_depth):
        return None
    return theory.phase.trainable_depth


def beyond_trainable(records: list[RunRecord]) -> bool:
    """Whether these runs' net is deeper than mean field's trainable depth."""
    theory = theory_of(records)
    depth = six_xi_c(records)
    return theory is not None and depth is not None and theory.depth > depth


def depth_label(depth: float) -> str:
    """`6ξ_c = 22`, or `6ξ_c unbounded` at criticality."""
    return "6ξ_c unbounded" if math.isinf(depth) else f"6ξ_c = {depth:.0f}"
