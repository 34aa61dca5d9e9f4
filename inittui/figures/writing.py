"""Writing figures to files: one on request (`inittui plot`), or all a sweep makes.

A figure goes to a temporary file in the target's folder and takes its name when it is
complete, so a failed or stopped drawing never leaves half a file or clobbers the old one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from inittui.core.errors import InittuiError, shown_path
from inittui.figures.data import FigureData, FigureInputError
from inittui.figures.kinds import KINDS, FigureKind, PlotOptions, drawable

FOLDER_FORMATS = ("png", "svg")
"""What `--figures DIR` writes of every figure: a picture, and text-as-text vector."""


def check_target(path: Path, overwrite: bool) -> None:
    """Refuse an output that exists (without overwrite), is not a file, or has no folder."""
    from inittui.figures.style import writable_formats

    suffix = path.suffix.lstrip(".").lower()
    formats = writable_formats()
    if suffix not in formats:
        endings = ", ".join("." + name for name in sorted(formats))
        raise FigureInputError(f"cannot write a figure as '{path.suffix or path.name}' (give "
                               f"-o a name ending in {endings})")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise FigureInputError(f"'{shown_path(path)}' is not a regular file")
    if path.exists() and not overwrite:
        raise FigureInputError(f"'{shown_path(path)}' already exists; pass --overwrite to "
                               "replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FigureInputError(f"folder '{shown_path(folder)}' does not exist")


def write_figure(data: FigureData, kind: FigureKind, paths: Iterable[Path],
                 options: PlotOptions) -> None:
    """Draw the kind once and save it to every path (each in its extension's format)."""
    from inittui.figures.style import drawing, save

    with drawing():
        figure = kind.figure(data, options)
        for path in paths:
            folder = path.parent if str(path.parent) else Path(".")
            fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=path.suffix)
            os.close(fd)
            try:
                save(figure, Path(temp))
                os.replace(temp, path)
            except OSError as error:
                raise InittuiError(f"cannot write '{shown_path(path)}': "
                                   f"{error.strerror or error}") from None
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(temp)


GRID_KINDS = frozenset({"sensitivity", "heatmap"})


def write_figures(data: FigureData, folder: Path, kinds: Iterable[str] = (),
                  grid_metric: str | None = None) -> tuple[list[Path], list[str]]:
    """Every figure the data makes, plus the named kinds, as FOLDER_FORMATS in folder.

    grid_metric: what the grid kinds draw (a preset's axis_metric; default best val acc).
    Returns the files written and one line per kind that could not be drawn (a figure's
    failure never loses the others)."""
    wanted = [*(kind.name for kind in drawable(data)), *kinds]
    written: list[Path] = []
    skipped: list[str] = []
    for name in dict.fromkeys(wanted):
        kind = KINDS[name]
        paths = [folder / f"{name}.{suffix}" for suffix in FOLDER_FORMATS]
        options = PlotOptions(metric=grid_metric if name in GRID_KINDS else None)
        try:
            write_figure(data, kind, paths, options)
        except InittuiError as error:
            skipped.append(f"{name}: {error}")
            continue
        written.extend(paths)
    return written, skipped
