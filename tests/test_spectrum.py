"""The input → last-hidden-layer Jacobian at initialization and `--spectrum-out`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.diagnostics.spectrum import jacobian, singular_values
from inittui.core.init.apply import initialize_runs
from inittui.core.models import BatchedMLP
from inittui.core.results.spectrum_file import SPECTRUM_COLUMNS
from inittui.core.spec.experiment import ExperimentSpec

DATA = "synthetic:train=200,val=100,test=100,side=8"


def _model(spec: ExperimentSpec, inputs: int) -> BatchedMLP:
    model = BatchedMLP(inputs, spec.hidden, 5, spec.activation, spec.seeds, len(spec.inits))
    initialize_runs(model, spec.runs(), torch.randn(1, 32, inputs))
    return model.double()


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_the_written_out_jacobian_is_jacrev_s(activation: str):
    spec = ExperimentSpec(inits=("he-normal", "orthogonal"), seeds=2, hidden=(9, 7, 6),
                          activation=activation)
    model = _model(spec, 12)
    x = torch.randn(1, 3, 12, dtype=torch.float64)
    got = jacobian(model, x)
    assert got.shape == (4, 3, 6, 12)
    for sample in range(3):
        def last_hidden(inputs: torch.Tensor, sample: int = sample) -> torch.Tensor:
            return model.trace(inputs.view(1, 1, -1)).post[-1][:, 0]
        want = torch.func.jacrev(last_hidden)(x[0, sample])  # (runs, 6, 12)
        assert torch.allclose(got[:, sample], want, atol=1e-12)


def test_orthogonal_linear_nets_are_exact_isometries_and_gaussian_ones_spread():
    spec = ExperimentSpec(inits=("orthogonal", "lecun-normal"), hidden=(32,) * 16,
                          activation="linear")
    values = singular_values(_model(spec, 32), torch.randn(1, 2, 32, dtype=torch.float64))
    assert values.shape == (2, 2, 32)
    assert torch.allclose(values[0], torch.ones(2, 32), atol=1e-5)
    assert values[1].max() > 3 and values[1].min() < 0.1  # a product of 16 Gaussians


def _invoke(*args: str):
    return CliRunner().invoke(main, ["--headless", "--dataset", DATA, "--epochs", "1",
                                     "--device", "cpu", *args])


def test_spectrum_out_has_one_row_per_singular_value(tmp_path: Path):
    path = tmp_path / "spectrum.csv"
    result = _invoke("--hidden", "16,8", "--activation", "tanh", "--init",
                     "orthogonal,he-normal", "--seeds", "2", "--spectrum-out", str(path))
    assert result.exit_code == 0, result.output
    with path.open(newline="") as handle:
        assert tuple(next(csv.reader(handle))) == SPECTRUM_COLUMNS
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    runs = {(r["init"], r["seed"]) for r in rows}
    assert runs == {(init, seed) for init in ("orthogonal", "he-normal") for seed in "01"}
    assert len(rows) == 4 * 4 * 8  # runs × inputs × min(last width 8, 64 inputs)
    assert {(r["hidden"], r["activation"], r["depth"], r["cell"]) for r in rows} == {
        ("16,8", "tanh", "2", "")}
    one = [float(r["singular_value"]) for r in rows
           if r["run_id"] == "orthogonal/s0" and r["input"] == "1"]
    assert [int(r["index"]) for r in rows if r["run_id"] == "orthogonal/s0"
            and r["input"] == "1"] == list(range(8))
    assert one == sorted(one, reverse=True) and one[-1] > 0


def test_spectrum_out_must_be_its_own_file(tmp_path: Path):
    path = tmp_path / "same.csv"
    result = _invoke("--hidden", "8", "--out", str(path), "--spectrum-out", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: --spectrum-out must be")
    assert not path.exists()


def test_models_without_a_written_out_jacobian_leave_no_file(tmp_path: Path):
    path = tmp_path / "spectrum.csv"
    result = _invoke("--model", "resmlp", "--hidden", "8,8", "--spectrum-out", str(path))
    assert result.exit_code == 0, result.output
    assert f"no Jacobian spectrum: it is taken of plain MLPs only, so {path} was not" in \
        " ".join(result.output.split())
    assert not path.exists()
