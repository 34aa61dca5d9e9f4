"""Whose settings the coordinate check (key w) takes, and the words that say so.

A grid has many cells, and the check trains one: the cell and initializer of the
leaderboard row under the cursor (the leading row until the user moves), or, before
anything has trained, the setup's first cell and first initializer.
"""

from __future__ import annotations

from dataclasses import replace

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.labels import format_value
from inittui.tui.groups import SeedGroup


def settings_text(spec: ExperimentSpec) -> str:
    """The settings a check trains with, as the screen names them."""
    return (f"{spec.inits[0]}, {spec.model} {format_value('hidden', spec.only('hidden'))} "
            f"{spec.only('activation')}, {spec.optimizer} lr "
            f"{format_value('lr', spec.only('lr'))}, batch {spec.only('batch_size')}")


def coord_check_choice(setup: ExperimentSpec, row: SeedGroup | None,
                       row_spec: ExperimentSpec | None, leading: bool
                       ) -> tuple[ExperimentSpec, str]:
    """(the one-cell spec to check, where its settings came from).

    row: the leaderboard's highlighted group and row_spec its sweep's spec; None before
    anything has trained or been loaded. leading: the cursor is on the first row.
    """
    if row is not None and row_spec is not None and row.records:
        cell = dict(row.records[0].plan.settings)  # lr, hidden, ... of a grid cell
        spec = replace(row_spec, axes=(), inits=(row.init,), **cell)
        where = "the leaderboard's leading row" if leading else "the highlighted row"
    else:
        spec = replace(setup.first_cell(), inits=setup.inits[:1])
        where = "the setup's first grid cell" if setup.is_grid else "the setup"
    return spec, f"{where}: {settings_text(spec)}"
