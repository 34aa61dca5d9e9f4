"""A small app that opens straight on a width study (`inittui --coord-check`, `--preset mup2022`).

The study screens are the same ones the main app pushes (key w); this host only shows one
of them full-screen and quits when it is closed.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.screen import Screen

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import TransferStudy
from inittui.tui.screens.width_study import CoordCheckScreen, LrTransferScreen


class WidthStudyApp(App[None]):
    """Hosts one width-study screen; closing it quits."""

    TITLE = "inittui · width"

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self._first = screen

    def get_default_screen(self) -> Screen[None]:
        return self._first


def coord_check_app(spec: ExperimentSpec, widths: tuple[int, ...], steps: int,
                    load: Path | None = None) -> WidthStudyApp:
    """The coordinate check of spec under SP and μP, computed live, or a saved one."""
    if load is not None:
        from inittui.core.studies.records import read_coord_points

        return WidthStudyApp(CoordCheckScreen(read_coord_points(load), spec=spec))
    return WidthStudyApp(CoordCheckScreen(spec=spec, widths=widths, steps=steps, compute=True))


def transfer_app(spec: ExperimentSpec, study: TransferStudy,
                 load: Path | None = None) -> WidthStudyApp:
    """A learning-rate transfer study trained live, or a saved one (`--load cells.csv`)."""
    if load is not None:
        from inittui.core.studies.records import read_transfer_cells

        return WidthStudyApp(LrTransferScreen(read_transfer_cells(load), spec=spec))
    return WidthStudyApp(LrTransferScreen(spec=spec, study=study))
