"""The phase table's words: one row of numbers and a one-line reading per run.

Shared by the headless table, the phase view and the hints, so that all three say the
same thing about a run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inittui.core.theory.predict import NoTheory, RunTheory

if TYPE_CHECKING:
    from inittui.core.results.book import RunRecord
    from inittui.core.spec.experiment import ExperimentSpec


@dataclass(frozen=True)
class PhaseRow:
    """One initializer's place in the phase diagram, or why it has none."""

    init: str
    activation: str
    depth: int
    theory: RunTheory | NoTheory

    @property
    def reading(self) -> str:
        return reading(self.init, self.activation, self.theory)


def phase_rows(records: Iterable[RunRecord], spec: ExperimentSpec) -> list[PhaseRow]:
    """One row per initializer and cell (seeds share their theory), in run order."""
    rows: dict[tuple[str, str], PhaseRow] = {}
    for record in records:
        plan = record.plan
        if record.theory is None or (plan.cell, plan.init) in rows:
            continue
        label = f"{plan.cell}/{plan.init}" if plan.cell else plan.init
        rows[(plan.cell, plan.init)] = PhaseRow(label, plan.setting("activation", spec),
                                                len(plan.setting("hidden", spec)),
                                                record.theory)
    return list(rows.values())


def number(value: float, digits: int = 3) -> str:
    """A table cell: ∞ for unbounded, - for undefined, else a few significant digits."""
    if math.isinf(value):
        return "∞"
    if math.isnan(value):
        return "-"
    return f"{value:.{digits}g}"


def chi_text(chi1: float) -> str:
    """χ₁ to two decimals (1.00 at criticality), or two significant digits below 0.01."""
    return f"{chi1:.2f}" if chi1 >= 0.01 or chi1 == 0 else f"{chi1:.2g}"


def cells(row: PhaseRow) -> tuple[str, ...]:
    """σ_w², σ_b², q*, χ₁, ξ_c, phase, 6ξ_c, depth, as the table prints them."""
    theory = row.theory
    if isinstance(theory, NoTheory):
        return ("-",) * 7 + (str(row.depth),)
    phase = theory.phase
    return (number(phase.sigma_w2), number(phase.sigma_b2), number(phase.q_star),
            chi_text(phase.chi1), number(phase.xi_c), phase.phase,
            number(phase.trainable_depth), str(row.depth))


def reading(init: str, activation: str, theory: RunTheory | NoTheory) -> str:
    """One line: the phase and what it means for signals, e.g.
    "he-normal, relu: χ₁ = 1.00, critical; ξ_c unbounded"."""
    head = f"{init}, {activation}"
    if isinstance(theory, NoTheory):
        return f"{head}: no mean-field prediction ({theory.reason})"
    phase = theory.phase
    chi = f"χ₁ = {chi_text(phase.chi1)}"
    if not math.isfinite(phase.q_star):
        return f"{head}: {chi}, {phase.phase}; the variance grows without bound with depth"
    if phase.phase == "critical":
        return f"{head}: {chi}, critical; ξ_c unbounded"
    layers = max(1, round(phase.xi_c))
    what = "signals die" if phase.phase == "ordered" else "nearby inputs decorrelate"
    depth = f"; 6ξ_c = {phase.trainable_depth:.0f} < depth {theory.depth}" \
        if phase.trainable_depth < theory.depth else ""
    return f"{head}: {chi}, {phase.phase}; {what} within ~{plural(layers)}{depth}"


def plural(layers: int) -> str:
    return f"{layers} layer" if layers == 1 else f"{layers} layers"


def hint(init: str, theory: RunTheory | NoTheory | None) -> str | None:
    """A hint where the net is deeper than mean field says it can train (6ξ_c)."""
    if not isinstance(theory, RunTheory):
        return None
    phase = theory.phase
    if not math.isfinite(phase.q_star):
        return (f"{init}: χ₁ = {chi_text(phase.chi1)} and no fixed point: activations grow "
                "layer by layer")
    if phase.phase == "critical" or phase.trainable_depth >= theory.depth:
        return None
    way = "shrinks" if phase.phase == "ordered" else "grows"
    return (f"{init}: {phase.phase} phase (χ₁ = {chi_text(phase.chi1)}): gradient variance "
            f"{way} ~{chi_text(phase.chi1)}× per layer; expect trouble beyond ~6ξ_c = "
            f"{plural(round(phase.trainable_depth))} (this net has {theory.depth})")
