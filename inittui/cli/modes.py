"""One function per mode the command runs: (--headless or the app) × (a sweep, a study or
the coordinate check), each given the parsed command line as an `Invocation`.

Each mode imports what it runs only when it runs, so `inittui --help` loads no torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from inittui.cli.options import axis_metric
from inittui.core.spec.experiment import ExperimentSpec
from inittui.interrupts import StopSignals

if TYPE_CHECKING:
    from inittui.core.events import SweepTrainer
    from inittui.core.spec.presets import TransferStudy
    from inittui.headless.figures import FigureRequest


@dataclass
class Invocation:
    """What a mode needs of the command line, parsed and checked once."""

    spec: ExperimentSpec
    preset: str | None
    study: TransferStudy | None
    out: Path | None
    stats_out: Path | None
    spectrum_out: Path | None
    overwrite: bool
    load: Path | None
    widths: tuple[int, ...]
    coord_steps: int
    signals: StopSignals | None
    trainer: SweepTrainer | None
    rank_by: str
    axis_metric: str | None
    figures: FigureRequest | None = None

    def app_keys(self) -> None:
        """Hand Ctrl+C back: the app reads it as a key, and quits on its own."""
        if self.signals is not None:
            self.signals.restore()


def headless_coord_check(run: Invocation) -> int:
    from inittui.headless.coord_check import run_coord_check

    return run_coord_check(run.spec.first_cell(), run.out, run.overwrite, run.widths,
                           run.coord_steps, run.signals, run.figures)


def headless_study(run: Invocation) -> int:
    from inittui.headless.studies import run_study_headless

    assert run.study is not None
    return run_study_headless(run.spec, run.study, run.out, run.overwrite, run.signals,
                              run.figures)


def headless_sweep(run: Invocation) -> int:
    from inittui.headless.sweep import run_headless

    return run_headless(run.spec, run.out, run.stats_out, run.overwrite, run.signals,
                        run.trainer, run.rank_by, axis_metric(run.axis_metric, run.preset,
                                                              run.spec),
                        run.spectrum_out, run.figures)


def app_coord_check(run: Invocation) -> int:
    from inittui.tui.width_app import coord_check_app

    run.app_keys()
    coord_check_app(run.spec.first_cell(), run.widths, run.coord_steps, run.load).run()
    return 0


def app_study(run: Invocation) -> int:
    from inittui.tui.width_app import transfer_app

    assert run.study is not None
    run.app_keys()
    transfer_app(run.spec, run.study, run.load).run()
    return 0


def app_sweep(run: Invocation) -> int:
    from inittui.tui.app import create_app

    run.app_keys()
    app = create_app(run.spec, out=run.out, overwrite=run.overwrite, load=run.load,
                     preset=run.preset, engine=run.trainer)
    app.run()
    return app.return_code or 0  # a crash in the app is 1, never 0


MODES: dict[tuple[bool, str], Callable[[Invocation], int]] = {
    (True, "coord"): headless_coord_check,
    (True, "study"): headless_study,
    (True, "sweep"): headless_sweep,
    (False, "coord"): app_coord_check,
    (False, "study"): app_study,
    (False, "sweep"): app_sweep,
}
"""One function per mode, chosen by (--headless, what the options ask to run)."""
