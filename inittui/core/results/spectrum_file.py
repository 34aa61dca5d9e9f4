"""`--spectrum-out`: every run's Jacobian singular values at initialization, one per row.

The columns are a contract with the figures that read the file: run_id, init, seed, hidden,
activation, cell, depth (hidden layers), input (which probe sample, from 0), index (0 is
the largest value) and singular_value. Written under the results files' rules
(`RecordFile`: locked, exclusive unless overwrite, rows whole).
"""

from __future__ import annotations

from pathlib import Path

from inittui.core.events import Event, SpectrumReady, SweepStarted
from inittui.core.results.safe_files import neutralize
from inittui.core.results.writing import RecordFile
from inittui.core.spec.experiment import ExperimentSpec

SPECTRUM_COLUMNS = ("run_id", "init", "seed", "hidden", "activation", "cell", "depth", "input",
                    "index", "singular_value")


class SpectrumFile:
    """The event sink writing `--spectrum-out`; construct it before training (it locks)."""

    def __init__(self, path: Path, overwrite: bool = False):
        self.records = RecordFile(path, SPECTRUM_COLUMNS, overwrite)
        self.spec = ExperimentSpec()

    @property
    def rows(self) -> int:
        return self.records.rows

    def __call__(self, event: Event) -> None:
        if isinstance(event, SweepStarted):
            self.spec = event.spec
        elif isinstance(event, SpectrumReady):
            run = event.run
            head = [neutralize(run.run_id), neutralize(run.init), str(run.seed),
                    ",".join(map(str, run.setting("hidden", self.spec))),  # as in --out
                    neutralize(run.setting("activation", self.spec)), neutralize(run.cell),
                    str(event.depth)]
            self.records.write([*head, str(sample), str(index), repr(value)]
                               for sample, values in enumerate(event.singular_values)
                               for index, value in enumerate(values))

    def close(self) -> None:
        self.records.close()
