"""The phase table headless prints after a sweep (and with --plan): theory per initializer."""

from __future__ import annotations

import os
from pathlib import Path

from rich.table import Table
from rich.text import Text

from inittui.core.errors import ResultFileError
from inittui.core.spectrum_file import SpectrumFile
from inittui.core.theory.readings import PhaseRow, cells

HEADERS = ("init", "σ_w²", "σ_b²", "q*", "χ₁", "ξ_c", "phase", "6ξ_c", "depth")


def phase_table(rows: list[PhaseRow]) -> Table:
    """σ_w², σ_b² of the hidden→hidden layers, the fixed point, χ₁, ξ_c and a reading each."""
    table = Table(title="Mean-field phase at initialization", title_justify="left")
    widest = max((len(row.init) for row in rows), default=4)
    for name in HEADERS:
        table.add_column(name, justify="left" if name in ("init", "phase") else "right",
                         min_width={"init": widest, "phase": 8}.get(name, max(len(name), 5)),
                         no_wrap=True)
    for row in rows:
        table.add_row(Text(row.init), *cells(row))
    return table



CAPTION = ("σ_w² = fan_in·Var(W), σ_b² = Var(b) of the hidden→hidden layers (the first "
           "layer's for one hidden layer); q*: fixed point of the pre-activation variance; "
           "χ₁ < 1 ordered, > 1 chaotic; ξ_c: depth scale of correlations; 6ξ_c: trainable "
           "depth (Schoenholz et al. 2017)")


def spectrum_file(path: Path | None, others: tuple[Path | None, ...],
                  overwrite: bool) -> SpectrumFile | None:
    """`--spectrum-out`'s writer, refused when it names a file another option writes."""
    if path is None:
        return None
    if any(other is not None and os.path.abspath(other) == os.path.abspath(path)
           for other in others):
        raise ResultFileError("--spectrum-out must be a file of its own, not --out or "
                              "--stats-out")
    return SpectrumFile(path, overwrite)
