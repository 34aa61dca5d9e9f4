"""What the width studies produce, and their CSV files: torch-free, for the app and scripts.

`CoordPoint` rows come from the coordinate check (core/studies/coord_check.py), `TransferCell` rows
from a learning-rate transfer study (core/studies/lr_transfer.py). Both are written by the headless
front end as they finish and read back here, so the app can show a saved study.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from inittui.core.errors import InittuiError, shown_path
from inittui.core.printable import printable

OUTPUT = "output"
"""The `layer` of the logits; hidden layers are "1", "2", ... from the input."""


@dataclass(frozen=True)
class CoordPoint:
    """Mean |activation| of one layer at one width after `step` steps, averaged over seeds."""

    param: str
    init: str
    width: int
    step: int
    layer: str
    l1: float
    seeds: int
    model: str = "mlp"
    """Which model's layers: the mlp's hidden layers, resmlp's stem and blocks, gpt's blocks
    (a file written before the column existed is an mlp's)."""
    lr: float | None = None
    """The learning rate of the steps, so a saved check shows its own; None: a file written
    before the column existed."""


@dataclass(frozen=True)
class TransferCell:
    """One (parametrization, width, lr): final training loss and best val accuracy, seed means."""

    param: str
    width: int
    lr: float
    seeds: int
    final_train_loss: float  # inf when a seed diverged
    best_val_acc: float
    status: str  # "ok", "diverged" or "stopped"
    wall_s: float


COORD_COLUMNS = tuple(f.name for f in fields(CoordPoint))
COORD_REQUIRED = COORD_COLUMNS[:-2]
"""A coordinate-check file needs these; `model` and `lr` came later (mlp; not recorded)."""
TRANSFER_COLUMNS = tuple(f.name for f in fields(TransferCell))


def depth_label(model: str, layers: int) -> str:
    """`2 hidden layers` for an MLP, `2 blocks` for the residual models (resmlp, gpt)."""
    noun = "block" if model in ("resmlp", "gpt") else "hidden layer"
    return f"{layers} {noun}{'s' * (layers != 1)}"


def growth(points: Sequence[CoordPoint], step: int) -> dict[tuple[str, str], float]:
    """l1 at the widest width / at the narrowest, per (init, layer), at one step (nan where
    both are 0)."""
    at_step = [p for p in points if p.step == step]
    if not at_step:
        return {}
    narrow = min(p.width for p in at_step)
    wide = max(p.width for p in at_step)
    first = {(p.init, p.layer): p.l1 for p in at_step if p.width == narrow}
    last = {(p.init, p.layer): p.l1 for p in at_step if p.width == wide}
    return {key: _ratio(last[key], first[key]) for key in first if key in last}


def _ratio(wide: float, narrow: float) -> float:
    """wide / narrow; a layer that is 0 at both widths (zeros' hidden layers) has none (nan)."""
    if narrow == 0:
        return math.nan if wide == 0 else math.inf
    return wide / narrow


def best_lrs(cells: Sequence[TransferCell]) -> dict[tuple[str, int], TransferCell]:
    """Per (parametrization, width): the finished cell with the lowest final training loss."""
    best: dict[tuple[str, int], TransferCell] = {}
    for cell in cells:
        if cell.status == "stopped":
            continue
        key = (cell.param, cell.width)
        if key not in best or cell.final_train_loss < best[key].final_train_loss:
            best[key] = cell
    return best


def lr_shift(cells: Sequence[TransferCell], param: str) -> float | None:
    """How far the best lr moves from the narrowest to the widest width, in decades."""
    best = {width: cell.lr for (p, width), cell in best_lrs(cells).items() if p == param}
    if len(best) < 2:
        return None
    return math.log10(best[max(best)] / best[min(best)])


def row(record: CoordPoint | TransferCell) -> list[str]:
    """A record as CSV cells: floats in full (repr), so they read back exactly; text cells
    as data (a spreadsheet would run `=...` as a formula)."""
    from inittui.core.results.safe_files import neutralize

    return [repr(value) if isinstance(value, float) else
            neutralize(value) if isinstance(value, str) else
            "" if value is None else str(value)
            for value in astuple(record)]


def _read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InittuiError(f"'{shown_path(path)}' is not a width-study file: no column "
                                   f"{', '.join(missing)}")
            return [{key: printable(value) if isinstance(value, str) else value
                     for key, value in values.items()} for values in reader]
    except OSError as error:
        raise InittuiError(f"cannot read '{shown_path(path)}': {error.strerror or error}") from None


def read_coord_points(path: Path) -> list[CoordPoint]:
    """The rows of a `--coord-check --out` file; a malformed row is one clear error."""
    points = []
    for number, values in enumerate(_read(path, COORD_REQUIRED), start=2):
        try:
            points.append(CoordPoint(values["param"], values["init"], int(values["width"]),
                                     int(values["step"]), values["layer"],
                                     float(values["l1"]), int(values["seeds"]),
                                     values.get("model") or "mlp",
                                     float(values["lr"]) if values.get("lr") else None))
        except (TypeError, ValueError):
            raise InittuiError(f"'{shown_path(path)}' line {number}: not a coordinate-check "
                               "row") from None
    return points


def read_transfer_cells(path: Path) -> list[TransferCell]:
    """The rows of a study's `--out` file (`--preset mup2022 --headless`)."""
    cells = []
    for number, values in enumerate(_read(path, TRANSFER_COLUMNS), start=2):
        try:
            cells.append(TransferCell(
                values["param"], int(values["width"]), float(values["lr"]),
                int(values["seeds"]), float(values["final_train_loss"]),
                float(values["best_val_acc"]), values["status"], float(values["wall_s"])))
        except (TypeError, ValueError):
            raise InittuiError(f"'{shown_path(path)}' line {number}: not a study row") from None
    return cells
