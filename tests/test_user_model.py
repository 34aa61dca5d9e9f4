"""`--model path/file.py:ClassName`: the user's own module, and every way it can fail."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from inittui.core.engine import run_sweep
from inittui.core.errors import SpecError
from inittui.core.events import EpochFinished, Event, LayerStatsReady
from inittui.core.specs import ExperimentSpec

MODEL_FILE = '''
import torch
from torch import nn


class TinyNet(nn.Module):
    """Two dense layers and a learnable temperature (a parameter with no layer role)."""

    def __init__(self, input_shape, classes):
        super().__init__()
        size = 1
        for dim in input_shape:
            size *= dim
        self.hidden = nn.Linear(size, 16)
        self.out = nn.Linear(16, classes)
        self.temperature = nn.Parameter(torch.ones(()))

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x.flatten(1)))) * self.temperature


class Broken(nn.Module):
    def __init__(self, input_shape, classes):
        raise ValueError("no such layer size")


class Frozen(TinyNet):
    def __init__(self, input_shape, classes):
        super().__init__(input_shape, classes)
        self.hidden.weight.requires_grad_(False)


class DataDependent(TinyNet):
    def forward(self, x):
        if x.sum().item() > 0:
            return super().forward(x)
        return super().forward(-x)


class WrongShape(TinyNet):
    def forward(self, x):
        return super().forward(x)[:, :1]


NOT_A_MODULE = 3
'''


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_models.py"
    path.write_text(textwrap.dedent(MODEL_FILE))
    return path


def sweep(spec: ExperimentSpec) -> list[Event]:
    events: list[Event] = []
    run_sweep(spec, events.append)
    return events


def test_a_users_model_trains_and_gets_a_layers_view(tiny_spec: ExperimentSpec,
                                                     model_file: Path) -> None:
    spec = replace(tiny_spec, model=f"{model_file}:TinyNet", inits=("he-normal", "zeros"),
                   epochs=4, lr=0.01)
    events = sweep(spec)
    final = {e.run.init: e.val_acc for e in events
             if isinstance(e, EpochFinished) and e.epoch == 4}
    assert final["he-normal"] > 0.9 and final["zeros"] < 0.45
    layers = [e for e in events if isinstance(e, LayerStatsReady) and e.epoch == 0]
    assert [len(e.layers) for e in layers] == [1, 1]  # the hidden layer; out is the readout
    assert layers[1].layers[0].distinct_units <= 1  # zeros: one unit copied, or all dead


@pytest.mark.parametrize(("target", "message"), [
    ("{dir}/missing.py:TinyNet", "model file '.*missing.py' not found"),
    ("{file}:Absent", "class 'Absent' not found in '.*my_models.py' \\(nn.Module classes "
                      "there: Broken, DataDependent, Frozen, TinyNet, WrongShape\\)"),
    ("{file}:NOT_A_MODULE", "class 'NOT_A_MODULE' is not an nn.Module class"),
    ("{file}:Broken", r"Broken\(\(1, 6, 6\), 4\) does not build: ValueError: no such layer"),
    ("{file}:Frozen", "Frozen: parameter 'hidden.weight' is frozen"),
    ("{file}:DataDependent", r"DataDependent cannot run batched \(torch.vmap\): "),
    ("{file}:WrongShape", r"WrongShape gives outputs of shape \(2, 1\) for 2 samples, "
                          r"expected \(2, 4\)"),
])
def test_each_failure_is_one_line_naming_the_model(tiny_spec: ExperimentSpec,
                                                   model_file: Path, target: str,
                                                   message: str) -> None:
    model = target.format(dir=model_file.parent, file=model_file)
    with pytest.raises(SpecError, match=message) as error:
        sweep(replace(tiny_spec, model=model))
    assert error.value.field == "model" and "\n" not in str(error.value)


def test_a_file_that_does_not_import_is_reported(tiny_spec: ExperimentSpec,
                                                 tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\ndef broken(:\n")
    with pytest.raises(SpecError, match=r"model file '.*bad.py' failed to import: SyntaxError"):
        sweep(replace(tiny_spec, model=f"{bad}:Net"))


def test_a_malformed_model_option_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", "--model", "net.txt:Net"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "bad model 'net.txt:Net': use --model path/to/file.py:ClassName" in result.stderr


def test_a_class_that_does_not_build_is_a_usage_error_of_model(model_file: Path) -> None:
    """The core names the field (model); the CLI words it as a bad --model value (exit 2)."""
    result = subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", "--model", f"{model_file}:Broken",
         "--dataset", "synthetic:train=64,val=16,test=16,side=4"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Broken((1, 4, 4), 10) does not build: ValueError: no such layer size" in \
        result.stderr
    assert "Traceback" not in result.stderr
