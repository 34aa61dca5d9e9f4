"""The phase table headless prints after a sweep (and with --plan): theory per initializer."""

from __future__ import annotations

import math
import os
from pathlib import Path

from rich.table import Table
from rich.text import Text

from inittui.core.errors import ResultFileError
from inittui.core.results.book import RunRecord
from inittui.core.results.spectrum_file import SpectrumFile
from inittui.core.results.spectrum_summary import spread
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


def ratio_text(ratio: float) -> str:
    """95 %/5 % as printed: ∞ over dead directions, - where every value is 0."""
    if math.isnan(ratio):
        return "-"
    return "∞" if math.isinf(ratio) else f"{ratio:.3g}"


def spectrum_table(records: list[RunRecord]) -> Table | None:
    """Each run's Jacobian spread at initialization (first seed of each init and cell)."""
    seen: set[tuple[str, str]] = set()
    table = Table(title="Jacobian singular values at initialization (input → last hidden "
                        "layer, pooled over the probe inputs)", title_justify="left")
    for name in ("init", "cell", "largest", "5 %", "95 %", "95 %/5 %"):
        table.add_column(name, justify="left" if name in ("init", "cell") else "right",
                         no_wrap=True)
    for record in records:
        key = (record.plan.cell, record.plan.init)
        if not record.spectrum or key in seen:
            continue
        seen.add(key)
        found = spread(record.spectrum)
        table.add_row(Text(record.plan.init), Text(record.plan.cell or "-"),
                      f"{found.largest:.3g}", f"{found.p5:.3g}", f"{found.p95:.3g}",
                      ratio_text(found.ratio))
    return table if seen else None
