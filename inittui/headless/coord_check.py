"""`inittui --headless --coord-check`: the coordinate check as CSV rows and a summary table.

Rows are written width by width as each finishes, so Ctrl+C keeps every finished width, through
`RecordFile` (the results file's contract: exclusive create or --overwrite, whole rows, a
temporary file until the first width is in, no symbolic links or pipes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.studies.records import COORD_COLUMNS, CoordPoint, depth_label, growth, row
from inittui.headless.figures import FigureRequest
from inittui.headless.sweep import end_of_study, run_writing
from inittui.interrupts import StopSignals


def growth_table(points: Sequence[CoordPoint], step: int) -> Table:
    """Per init and layer: l1 at the narrowest and the widest width after `step` steps."""
    widths = sorted({p.width for p in points})
    table = Table(title=f"Mean |activation| after {step} step{'s' * (step != 1)} "
                        f"({points[0].param}, mean over {points[0].seeds} seed"
                        f"{'s' * (points[0].seeds != 1)})", title_justify="left")
    for name in ("init", "layer", f"width {widths[0]}", f"width {widths[-1]}", "ratio"):
        table.add_column(name, justify="left" if name in ("init", "layer") else "right")
    at = {(p.init, p.layer, p.width): p.l1 for p in points if p.step == step}
    for (init, layer), ratio in growth(points, step).items():
        table.add_row(init, layer, f"{at[init, layer, widths[0]]:.4g}",
                      f"{at[init, layer, widths[-1]]:.4g}",
                      "-" if math.isnan(ratio) else f"×{ratio:.3g}")
    return table


def run_coord_check(spec: ExperimentSpec, out: Path | None, overwrite: bool,
                    widths: Sequence[int], steps: int, signals: StopSignals | None = None,
                    figures: FigureRequest | None = None) -> int:
    """Run the check, write `out` as widths finish, print the summary; return the exit code.

    Ctrl+C and SIGTERM (caught by `signals`) stop it after the width in progress: finished widths
    stay in `out`, and the exit code is 130 or 143.
    """
    own_signals = signals is None
    signals = signals or StopSignals().install()
    try:
        return _run(spec, out, overwrite, widths, steps, signals, figures)
    finally:
        if own_signals:
            signals.restore()


def _run(spec: ExperimentSpec, out: Path | None, overwrite: bool, widths: Sequence[int],
         steps: int, signals: StopSignals, figures: FigureRequest | None = None) -> int:
    from inittui.core.results.writing import RecordFile
    from inittui.core.studies.coord_check import coord_check

    records = RecordFile(out, COORD_COLUMNS, overwrite) if out is not None else None
    console = Console(highlight=False)
    stop = signals.event
    points: list[CoordPoint] = []

    def on_width(width: int, found: list[CoordPoint]) -> None:
        if records is not None:
            records.write(row(point) for point in found)
        points.extend(found)
        print(f"width {width}: {len({p.layer for p in found})} layers × {steps + 1} steps "
              f"recorded", flush=True)

    def work() -> None:
        coord_check(spec, widths, steps, stop=stop, on_width=on_width)

    print(f"coordinate check ({spec.param}, {spec.optimizer} lr {spec.only('lr'):g}, "
          f"{spec.model} of {depth_label(spec.model, len(spec.only('hidden')))}, "
          f"{spec.dataset}): widths "
          f"{', '.join(map(str, widths))}, steps 0-{steps}", flush=True)
    run_writing(work, "inittui-coord-check", records, "coordinate check")
    if points:
        for step in sorted({1, steps} & {p.step for p in points}):
            console.print(growth_table(points, step))
    write_figures = None
    if figures is not None:
        from inittui.headless.figures import write_coord_figures

        write_figures = partial(write_coord_figures, figures, points)
    return end_of_study(signals, records, out, "widths", "coordinate check", console,
                        write_figures)
