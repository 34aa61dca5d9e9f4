"""`--headless --figures DIR`: the figures of what ran, beside its CSV files, at the end.

The CSVs go to DIR too unless --out / --stats-out name other files, so every figure can be
drawn again with `inittui plot`. Figures are drawn when the sweep ends or is stopped (a
Ctrl+C or SIGTERM stops training, then the figures of the finished epochs are written).
A preset adds its paper's figures (`Preset.figures`); mup2022's coordinate check is run
for them after the study, sp and mup, unless the study was stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inittui.core.errors import InittuiError, shown_path
from inittui.core.results.book import ResultsBook
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.studies.records import COORD_COLUMNS, CoordPoint, TransferCell, row

RESULTS_NAME, STATS_NAME = "results.csv", "stats.csv"
STUDY_NAME, COORD_NAME = "study.csv", "coord_check.csv"


@dataclass(frozen=True)
class FigureRequest:
    """Where the figures go and which the preset asks for beyond what the data makes."""

    folder: Path
    kinds: tuple[str, ...] = ()
    grid_metric: str | None = None
    coord_widths: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048)
    coord_steps: int = 5


def figure_folder(folder: Path) -> Path:
    """The folder, made if missing; a file at the path is refused."""
    if folder.exists() and not folder.is_dir():
        raise InittuiError(f"--figures '{shown_path(folder)}' is a file; give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InittuiError(f"cannot make folder '{shown_path(folder)}': "
                           f"{error.strerror or error}") from None
    return folder


def figure_request(folder: Path, preset: str | None, what: str, out: Path | None,
                   stats_out: Path | None, spec: ExperimentSpec, coord_widths: Sequence[int],
                   coord_steps: int, axis_metric: str | None,
                   ) -> tuple[FigureRequest, Path | None, Path | None]:
    """The request, and the CSV paths: in the folder unless --out / --stats-out were given.

    what: "sweep", "study" (an lr-transfer preset) or "coord" (--coord-check)."""
    from inittui.core.spec.presets import get_preset

    folder = figure_folder(folder)
    chosen = get_preset(preset) if preset is not None else None
    if what == "coord":
        out = out or folder / COORD_NAME
    elif what == "study":
        out = out or folder / STUDY_NAME
    else:
        out = out or folder / RESULTS_NAME
        if spec.diagnostics:
            stats_out = stats_out or folder / STATS_NAME
    metric = axis_metric or (chosen.axis_metric if chosen is not None else None)
    return (FigureRequest(folder, chosen.figures if chosen is not None else (), metric,
                          tuple(coord_widths), coord_steps), out, stats_out)


def _say(written: list[Path], skipped: list[str], folder: Path) -> None:
    if written:
        names = ", ".join(path.name for path in written)
        print(f"figures written to {folder}: {names}", flush=True)
    for line in skipped:
        print(f"figure not drawn: {line}", flush=True)


def write_sweep_figures(request: FigureRequest, book: ResultsBook) -> None:
    """The figures of a sweep held in memory (with its per-step losses and statistics)."""
    from inittui.figures.data import from_book
    from inittui.figures.writing import write_figures

    if not book.sweeps or not any(r.epochs for r in book.records()):
        print("no figures: no epoch finished", flush=True)
        return
    data = from_book(book)
    _say(*write_figures(data, request.folder, request.kinds, request.grid_metric),
         request.folder)


def write_study_figures(request: FigureRequest, spec: ExperimentSpec,
                        cells: Sequence[TransferCell], stop: threading.Event) -> None:
    """lr transfer from the study's cells; the coordinate check too if the preset asks."""
    from inittui.figures.data import FigureData
    from inittui.figures.writing import write_figures

    if not cells:
        print("no figures: no cell finished", flush=True)
        return
    data = FigureData(transfer=list(cells))
    if "coord-check" in request.kinds and not stop.is_set():
        data.coord = run_coord_checks(request, spec, stop)
    _say(*write_figures(data, request.folder, request.kinds), request.folder)


def write_coord_figures(request: FigureRequest, points: Sequence[CoordPoint]) -> None:
    """The coordinate check's figure (`--coord-check --headless --figures DIR`)."""
    from inittui.figures.data import FigureData
    from inittui.figures.writing import write_figures

    if not points:
        print("no figures: no width finished", flush=True)
        return
    _say(*write_figures(FigureData(coord=list(points)), request.folder, request.kinds),
         request.folder)


def run_coord_checks(request: FigureRequest, spec: ExperimentSpec,
                     stop: threading.Event) -> list[CoordPoint]:
    """The coordinate check of the study's net under sp and mup, written to DIR."""
    from dataclasses import replace

    from inittui.core.results.writing import RecordFile
    from inittui.core.studies.coord_check import coord_check

    path = request.folder / COORD_NAME
    records = RecordFile(path, COORD_COLUMNS, overwrite=True)
    points: list[CoordPoint] = []
    try:
        for param in ("sp", "mup"):
            print(f"coordinate check for the figures ({param}): widths "
                  f"{', '.join(map(str, request.coord_widths))}, steps 0-"
                  f"{request.coord_steps}", flush=True)
            found = coord_check(replace(spec, param=param), request.coord_widths,
                                request.coord_steps, stop=stop)
            records.write(row(point) for point in found)
            points.extend(found)
    finally:
        records.close()
    print(f"coordinate check written to {path}", flush=True)
    return points
