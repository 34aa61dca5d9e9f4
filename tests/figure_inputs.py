"""Real input files for the figure tests, made by tiny real runs and the real writers.

A grid over two depths (results and statistics through `run_headless`), a coordinate check
(`run_coord_check`), an lr-transfer study (`run_study_headless`) and a Jacobian spectrum
(singular values of real nets' Jacobians, computed with torch, in the spectrum columns).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import torch

from inittui.core.results.stats_reading import SPECTRUM_COLUMNS
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import TransferStudy
from inittui.headless.coord_check import run_coord_check
from inittui.headless.studies import run_study_headless
from inittui.headless.sweep import run_headless
from inittui.interrupts import StopSignals

DATA = "synthetic:train=200,val=100,test=100,side=8"


@dataclass(frozen=True)
class Inputs:
    results: Path
    stats: Path
    coord: Path
    transfer: Path
    spectrum: Path


def grid_spec() -> ExperimentSpec:
    """Two initializers × two depths × two seeds, two epochs: a second of training."""
    return ExperimentSpec(inits=("xavier-normal", "he-normal"), dataset=DATA, epochs=2,
                          batch_size=32, lr=0.05, device="cpu", seeds=2).with_values(
        hidden=((16, 16), (16, 16, 16, 16)))


def make_inputs(folder: Path) -> Inputs:
    signals = StopSignals()  # not installed: these runs are never stopped
    results, stats = folder / "results.csv", folder / "stats.csv"
    assert run_headless(grid_spec(), results, stats, False, signals) == 0
    small = ExperimentSpec(inits=("he-normal",), dataset=DATA, hidden=(16, 16),
                           batch_size=32, device="cpu", optimizer="adam", lr=0.01,
                           base_width=16, epochs=1)
    coord = folder / "coord.csv"
    assert run_coord_check(small, coord, False, (16, 32, 64), 2, signals) == 0
    transfer = folder / "study.csv"
    assert run_study_headless(small, TransferStudy(widths=(16, 32), lrs=(1e-3, 1e-2)),
                              transfer, False, signals) == 0
    spectrum = folder / "spectrum.csv"
    write_spectrum(spectrum)
    return Inputs(results, stats, coord, transfer, spectrum)


def write_spectrum(path: Path, depths: tuple[int, ...] = (2, 6), width: int = 12,
                   inputs: int = 2) -> None:
    """Singular values of ∂h_L/∂x of linear nets at initialization, orthogonal against
    lecun-normal (Gaussian of variance 1/fan_in), as `--spectrum-out` rows."""
    generator = torch.Generator().manual_seed(0)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SPECTRUM_COLUMNS)
        for init in ("orthogonal", "lecun-normal"):
            for depth in depths:
                weights = []
                for _ in range(depth):
                    weight = torch.empty(width, width)
                    if init == "orthogonal":
                        torch.nn.init.orthogonal_(weight, generator=generator)
                    else:
                        torch.nn.init.normal_(weight, std=width ** -0.5, generator=generator)
                    weights.append(weight)
                for sample in range(inputs):
                    x = torch.randn(width, generator=generator)
                    jacobian = torch.autograd.functional.jacobian(
                        lambda v, ws=weights: _forward(ws, v), x)
                    hidden = "x".join([str(width)] * depth)
                    for index, value in enumerate(torch.linalg.svdvals(jacobian).tolist()):
                        writer.writerow([f"{init}/s0", init, 0, hidden, "linear", "", depth,
                                         sample, index, repr(value)])


def _forward(weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    for weight in weights:
        x = weight @ x
    return x


THEORY_COLUMNS = ("pre_act_std", "mf_pre_act_std", "mf_pre_grad_std", "mf_act_std")


def with_theory_columns(stats: Path, out: Path) -> Path:
    """The statistics file with the theory's columns set from the file's own measured ones
    (known values to find in the figure, whether or not the writer wrote them)."""
    rows, columns = _read(stats)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(dict.fromkeys([*columns, *THEORY_COLUMNS])))
        writer.writeheader()
        for row in rows:
            act = float(row["act_std"])
            writer.writerow({**row, "pre_act_std": repr(act * 1.5),
                             "mf_pre_act_std": repr(act * 1.25), "mf_act_std": repr(act * 0.9),
                             "mf_pre_grad_std": repr(float(row["pre_grad_std"]) * 0.8)})
    return out


def without_theory_columns(stats: Path, out: Path) -> Path:
    """The statistics file as written before the theory's columns existed."""
    rows, columns = _read(stats)
    kept = [c for c in columns if c not in THEORY_COLUMNS]
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return out


def _read(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader), list(reader.fieldnames or [])
