"""`--model path/file.py:ClassName`: the user's own module, and every way it can fail."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from inittui.core.errors import SpecError
from inittui.core.events import EpochFinished, Event, LayerStatsReady
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep

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


HOSTILE_FILE = '''
import math
import sys

import torch
from torch import nn


class OneLinear(nn.Module):
    """No hidden layer: the input maps straight to the logits."""

    def __init__(self, input_shape, classes):
        super().__init__()
        self.fc = nn.Linear(math.prod(input_shape), classes)

    def forward(self, x):
        return self.fc(x.flatten(1))


class NoParameters(nn.Module):
    def __init__(self, input_shape, classes):
        super().__init__()
        self.classes = classes

    def forward(self, x):
        return x.flatten(1)[:, :self.classes] * 0


class SizedByTensor(OneLinear):
    def __init__(self, input_shape, classes):
        nn.Module.__init__(self)
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), classes)
'''


@pytest.fixture
def hostile_file(tmp_path: Path) -> Path:
    path = tmp_path / "hostile_models.py"
    path.write_text(textwrap.dedent(HOSTILE_FILE))
    return path


def test_one_linear_layer_trains_with_diagnostics_on_and_reports_no_layers(
        tiny_spec: ExperimentSpec, hostile_file: Path) -> None:
    events = sweep(replace(tiny_spec, model=f"{hostile_file}:OneLinear", diagnostics=True,
                           inits=("he-normal",), epochs=1))
    assert [e.epoch for e in events if isinstance(e, EpochFinished)] == [1]
    stats = [e for e in events if isinstance(e, LayerStatsReady)]
    assert stats and all(e.layers == () for e in stats)


def test_a_model_without_parameters_is_one_line_naming_the_class(
        tiny_spec: ExperimentSpec, hostile_file: Path) -> None:
    with pytest.raises(SpecError, match=r"^NoParameters has no parameters: there is nothing "
                                        "to initialize or train") as error:
        sweep(replace(tiny_spec, model=f"{hostile_file}:NoParameters"))
    assert error.value.field == "model"


def test_a_size_read_from_a_tensor_says_what_to_write_instead(
        tiny_spec: ExperimentSpec, hostile_file: Path) -> None:
    with pytest.raises(SpecError, match=r"cannot be called on meta tensors; sizes must be "
                                        r"Python numbers \(math.prod\(input_shape\)\)"):
        sweep(replace(tiny_spec, model=f"{hostile_file}:SizedByTensor"))


def test_sys_exit_at_import_is_an_error_not_an_exit(tiny_spec: ExperimentSpec,
                                                    tmp_path: Path) -> None:
    leaving = tmp_path / "leaving.py"
    leaving.write_text("import sys\nsys.exit(0)\n")
    with pytest.raises(SpecError, match=r"leaving.py' called sys.exit\(0\) while being "
                                        "imported"):
        sweep(replace(tiny_spec, model=f"{leaving}:Net"))


def test_the_models_help_says_a_model_file_runs_as_code() -> None:
    from click.testing import CliRunner

    from inittui.cli import main

    text = " ".join(CliRunner().invoke(main, ["--help"]).output.split())
    assert "Your file is imported and runs as Python code with your rights" in text


async def test_loading_a_results_file_never_imports_the_model_it_names(
        tmp_path: Path) -> None:
    """The model file writes a marker when imported; --load in the real app shows the
    file's runs and their details, and the marker never appears."""
    import csv

    from inittui.core.results.book import ResultsBook
    from inittui.core.results.schema import RESULT_COLUMNS
    from inittui.core.results.writing import write_results
    from inittui.tui.app import create_app
    from inittui.tui.results.leaderboard import Leaderboard

    marker = tmp_path / "imported"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').write('ran')\n"
                    "from torch import nn\nclass Net(nn.Linear):\n    pass\n")
    spec = ExperimentSpec(inits=("zeros",), hidden=(8,), epochs=1, device="cpu",
                          dataset="synthetic:train=64,val=16,test=16,side=4")
    book = ResultsBook()
    run_sweep(spec, book.apply)
    path = tmp_path / "r.csv"
    write_results(book, path)
    with path.open(newline="") as handle:
        table = list(csv.reader(handle))
    for row in table[1:]:
        row[RESULT_COLUMNS.index("model")] = f"{evil}:Net"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(table)
    app = create_app(spec, load=path)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        board = app.query_one(Leaderboard)
        assert board.row_count == 1
        board.focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
    assert not marker.exists()


async def test_the_layers_view_of_one_linear_layer_says_there_is_none_to_probe(
        hostile_file: Path) -> None:
    from textual.widgets import Static

    from inittui.tui.app import create_app

    spec = ExperimentSpec(inits=("he-normal",), epochs=1, device="cpu",
                          model=f"{hostile_file}:OneLinear",
                          dataset="synthetic:train=64,val=16,test=16,side=4")
    app = create_app(spec)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(2):  # torch's import, then the sweep
            while not all(worker.is_finished for worker in app.workers):
                await pilot.pause(0.1)
            await pilot.pause()
            if _ == 0:
                await pilot.press("ctrl+r")
                await pilot.pause(0.5)
        assert app.book.sweeps  # it trained, with diagnostics on
        assert [n.message for n in app._notifications if n.severity == "error"] == []
        await pilot.press("L")
        await pilot.pause()
        header = str(app.query_one("#layers-header", Static).render())
        assert "no hidden layer to probe" in header
