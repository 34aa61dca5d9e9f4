"""Reading back the per-layer statistics CSV (`--stats-out`) and the Jacobian-spectrum CSV.

Torch-free, for the figures and scripts. A statistics row keeps every numeric column the
file has, so columns added later (the theory's `mf_pre_act_std`, `mf_pre_grad_std`) are
read without a change here, and files written before them still load. A malformed row is
one clear error naming its line, as the width-study files do (core/studies/records.py).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from inittui.core.errors import InittuiError, shown_path

STATS_KEYS = ("run_id", "init", "seed", "epoch", "layer")
"""What identifies a statistics row; every other column is a number (empty: absent)."""
SPECTRUM_COLUMNS = ("run_id", "init", "seed", "hidden", "activation", "cell", "depth", "input",
                    "index", "singular_value")
"""The spectrum file's columns (`--spectrum-out`): one row per singular value of the
input→last-hidden-layer Jacobian of one run on one input at initialization."""


@dataclass(frozen=True)
class LayerRow:
    """One hidden layer of one run at one epoch (0: initialization), as the file has it."""

    run_id: str
    init: str
    seed: int
    epoch: int
    layer: int
    values: dict[str, float]
    """Column → value for every numeric column with a value in this row."""

    def value(self, column: str) -> float | None:
        """The column's value when present and finite, else None."""
        found = self.values.get(column)
        return found if found is not None and math.isfinite(found) else None


@dataclass(frozen=True)
class SingularValue:
    """One singular value of one run's Jacobian on one input."""

    run_id: str
    init: str
    seed: int
    hidden: str
    activation: str
    cell: str
    depth: int
    input: int
    index: int
    singular_value: float


def read_header(path: str | Path) -> list[str]:
    """The column names of a CSV file (empty for an empty file)."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            return next(csv.reader(handle), [])
    except csv.Error:
        return []
    except OSError as error:
        raise InittuiError(f"cannot read '{shown_path(path)}': "
                           f"{error.strerror or error}") from None


def _rows(path: str | Path, columns: tuple[str, ...], what: str) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise InittuiError(f"'{shown_path(path)}' is not {what}: no column "
                                   f"{', '.join(missing)}")
            return list(reader)
    except csv.Error as error:
        raise InittuiError(f"'{shown_path(path)}' is not {what}: {error}") from None
    except OSError as error:
        raise InittuiError(f"cannot read '{shown_path(path)}': "
                           f"{error.strerror or error}") from None


def _text(value: str | None) -> str:
    """A text cell as written: `neutralize` may have quoted a formula start."""
    text = value or ""
    return text[1:] if text.startswith("'") else text


def read_layer_stats(path: str | Path) -> list[LayerRow]:
    """The rows of a `--stats-out` file."""
    found = []
    for line, values in enumerate(_rows(path, (*STATS_KEYS, "act_std"),
                                        "a statistics file"), start=2):
        try:
            numbers = {name: float(text) for name, text in values.items()
                       if name not in STATS_KEYS and name is not None and text}
            found.append(LayerRow(_text(values["run_id"]), _text(values["init"]),
                                  int(values["seed"]), int(values["epoch"]),
                                  int(values["layer"]), numbers))
        except (TypeError, ValueError):
            raise InittuiError(f"'{shown_path(path)}' line {line}: not a statistics row") \
                from None
    return found


def read_spectrum(path: str | Path) -> list[SingularValue]:
    """The rows of a `--spectrum-out` file."""
    found = []
    for line, values in enumerate(_rows(path, SPECTRUM_COLUMNS, "a spectrum file"), start=2):
        try:
            found.append(SingularValue(
                _text(values["run_id"]), _text(values["init"]), int(values["seed"]),
                values["hidden"], _text(values["activation"]), _text(values["cell"]),
                int(values["depth"]), int(values["input"]), int(values["index"]),
                float(values["singular_value"])))
        except (TypeError, ValueError):
            raise InittuiError(f"'{shown_path(path)}' line {line}: not a spectrum row") \
                from None
    return found
