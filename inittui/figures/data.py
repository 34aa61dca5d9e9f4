"""What a figure is drawn from: results, statistics, width-study and spectrum rows.

Files are read through the core's readers only, and recognised by their columns, so
`inittui plot` takes the same files the app loads. A sweep that just ran hands over its
book instead (it also has per-step losses, which results files do not keep).

Series (one line, bar or row) are named and coloured the way the app names and colours
them (tui/groups.py): one per initializer per grid cell per sweep, in order of first
appearance, `init @ cell`, with the sweep's number in front when there are several.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from inittui.core.errors import shown_path
from inittui.core.results.book import ResultsBook, RunRecord
from inittui.core.results.stats_reading import (
    SPECTRUM_COLUMNS,
    STATS_KEYS,
    LayerRow,
    SingularValue,
    read_header,
    read_layer_stats,
    read_spectrum,
)
from inittui.core.studies.records import (
    COORD_REQUIRED,
    TRANSFER_COLUMNS,
    CoordPoint,
    TransferCell,
    read_coord_points,
    read_transfer_cells,
)
from inittui.figures.kinds import FILE_NAMES, FigureInputError

FILE_KINDS = ("results", "stats", "coord", "transfer", "spectrum")


@dataclass
class Series:
    """One line of a figure: an initializer in a grid cell of a sweep."""

    index: int
    """Its place in order of appearance: its colour, dash and marker."""
    label: str
    init: str
    cell: str
    records: list[RunRecord] = field(default_factory=list)


@dataclass
class FigureData:
    """Everything the figures of one command can draw from."""

    book: ResultsBook = field(default_factory=ResultsBook)
    layers: list[LayerRow] = field(default_factory=list)
    coord: list[CoordPoint] = field(default_factory=list)
    transfer: list[TransferCell] = field(default_factory=list)
    spectrum: list[SingularValue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Lines for the user (rows a reader skipped)."""
    _series: dict[tuple[int, str, str], Series] = field(default_factory=dict, repr=False)
    """(sweep, cell, init) → its series; sweep 0: statistics without results."""

    def holds(self) -> set[str]:
        """Which file kinds it has rows of."""
        return {kind for kind, rows in (("results", self.book.sweeps), ("stats", self.layers),
                                        ("coord", self.coord), ("transfer", self.transfer),
                                        ("spectrum", self.spectrum)) if rows}

    def series(self) -> list[Series]:
        """Every run series of the results, in order of appearance (as the app shows them)."""
        several = len(self.book.sweeps) > 1
        found: dict[int, Series] = {}
        for sweep in self.book.sweeps:
            for record in sweep.runs.values():
                line = self._series_of(sweep.number, record.plan.cell, record.plan.init,
                                       several)
                if line.index not in found:
                    found[line.index] = line
                    line.records = []
                line.records.append(record)
        return list(found.values())

    def layer_series(self, row: LayerRow) -> Series:
        """The series a statistics row belongs to (the results' one when they are loaded)."""
        if self.book.sweeps and not self._series:
            self.series()  # the results' series come first, in the app's order
        cell = cell_of(row.run_id, row.init, row.seed)
        for sweep in reversed(self.book.sweeps):
            if row.run_id in sweep.runs:
                return self._series_of(sweep.number, cell, row.init, len(self.book.sweeps) > 1)
        return self._series_of(0, cell, row.init, False)

    def _series_of(self, sweep: int, cell: str, init: str, several: bool) -> Series:
        key = (sweep, cell, init)
        if key not in self._series:
            name = f"{init} @ {cell}" if cell else init
            self._series[key] = Series(len(self._series), f"{sweep}:{name}" if several
                                       else name, init, cell)
        return self._series[key]


def cell_of(run_id: str, init: str, seed: int) -> str:
    """A run's grid cell from its id (`lr=0.01,hidden=64x10/he-normal/s0` → the cell)."""
    own = f"{init}/s{seed}"
    return run_id[:-len(own)].rstrip("/") if run_id.endswith(own) else ""


def file_kind(path: Path) -> str:
    """Which of FILE_KINDS a CSV is, from its columns."""
    from inittui.core.results.schema import REQUIRED_COLUMNS

    if not path.is_file():
        raise FigureInputError(f"'{shown_path(path)}' does not exist or is not a file")
    header = set(read_header(path))
    for kind, columns in (("results", REQUIRED_COLUMNS), ("spectrum", SPECTRUM_COLUMNS),
                          ("stats", (*STATS_KEYS, "act_std")), ("transfer", TRANSFER_COLUMNS),
                          ("coord", COORD_REQUIRED)):
        if header.issuperset(columns):
            return kind
    raise FigureInputError(f"'{shown_path(path)}' is not a file inittui draws from (expected "
                           f"{', '.join(FILE_NAMES[k] for k in FILE_KINDS)})")


def load_files(paths: list[Path]) -> FigureData:
    """Every file's rows; results first, so the statistics join their runs."""
    from inittui.core.results.reading import load_results

    data = FigureData()
    kinds = [(file_kind(path), path) for path in paths]
    for kind, path in sorted(kinds, key=lambda pair: pair[0] != "results"):
        if kind == "results":
            loaded = load_results(path)
            data.book.sweeps.extend(loaded.book.sweeps)
            for number, sweep in enumerate(data.book.sweeps, start=1):
                sweep.number = number
                for record in sweep.runs.values():
                    record.sweep = number
            if loaded.summary(path):
                data.notes.append(str(loaded.summary(path)))
        elif kind == "stats":
            data.layers.extend(read_layer_stats(path))
        elif kind == "coord":
            data.coord.extend(read_coord_points(path))
        elif kind == "transfer":
            data.transfer.extend(read_transfer_cells(path))
        else:
            data.spectrum.extend(read_spectrum(path))
    return data


def from_book(book: ResultsBook) -> FigureData:
    """A sweep held in memory: its runs and their per-layer statistics."""
    data = FigureData(book=book)
    for record in book.records():
        for epoch, layers in sorted(record.layer_stats.items()):
            for layer in layers:
                values = {f.name: float(getattr(layer, f.name)) for f in fields(layer)
                          if isinstance(getattr(layer, f.name), (int, float))
                          and f.name != "layer"}
                data.layers.append(LayerRow(record.plan.run_id, record.plan.init,
                                            record.plan.seed, epoch, layer.layer,
                                            {k: v for k, v in values.items()
                                             if not math.isnan(v)}))
    data.spectrum = spectrum_rows(book)
    return data


def spectrum_rows(book: ResultsBook) -> list[SingularValue]:
    """The singular values the runs kept (`RunRecord.spectrum`), as `--spectrum-out` rows."""
    rows = []
    for sweep in book.sweeps:
        for record in sweep.runs.values():
            plan = record.plan
            hidden = tuple(plan.setting("hidden", sweep.spec))
            for sample, values in enumerate(record.spectrum or ()):
                rows.extend(SingularValue(
                    plan.run_id, str(plan.init), plan.seed, ",".join(map(str, hidden)),
                    str(plan.setting("activation", sweep.spec)), plan.cell, len(hidden),
                    sample, index, value) for index, value in enumerate(values))
    return rows
