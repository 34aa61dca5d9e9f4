"""The coordinate check: its numbers against plain PyTorch with hooks, SP against μP, the CLI."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import mup
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from torch import nn

from inittui.cli import main
from inittui.core.data.datasets import load_dataset
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.studies.coord_check import batches, coord_check, prepare_width, width_spec
from inittui.core.studies.records import OUTPUT, growth

DATA = "synthetic:train=200,val=50,test=50,side=8"
ROOT = Path(__file__).resolve().parents[1]


def spec_for(param: str, **fields: object) -> ExperimentSpec:
    values: dict[str, object] = {"dataset": DATA, "hidden": (16, 16), "param": param,
                                 "base_width": 16, "inits": ("he-normal", "xavier-normal"),
                                 "lr": 0.01, "batch_size": 32, "device": "cpu", **fields}
    return replace(ExperimentSpec(), **values)  # type: ignore[arg-type]


def plain_mlp(widths: tuple[int, ...], inputs: int, classes: int, readout: type[nn.Linear]):
    sizes = (inputs, *widths)
    layers: list[nn.Module] = [nn.Flatten()]
    for a, b in pairwise(sizes):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(readout(widths[-1], classes))
    return nn.Sequential(*layers)


Recorded = dict[tuple[str, int, str], float]


def recorder(recorded: Recorded, init: str, step: list[int], layer: str):
    """A forward hook storing mean |output| under (init, current step, layer)."""
    def hook(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        recorded[init, step[0], layer] = output.abs().mean().item()
    return hook


def hooked_reference(spec: ExperimentSpec, width: int, steps: int) -> Recorded:
    """(init, step, layer) → mean |output| recorded by forward hooks on a plain PyTorch MLP.

    Same starting weights and minibatches as the check; SP trains with torch.optim.Adam,
    μP with the mup package (MuReadout holding m·W', set_base_shapes, MuAdam).
    """
    data = load_dataset(spec.dataset, None, False, spec.val_split)
    model, _ = prepare_width(spec, width, data, torch.device("cpu"))
    wide = width_spec(spec, width)
    classes, inputs = data.num_classes, data.x_train[0].numel()
    recorded: Recorded = {}
    for run in wide.runs():
        readout = mup.MuReadout if spec.param == "mup" else nn.Linear
        net = plain_mlp(wide.hidden, inputs, classes, readout)
        if spec.param == "mup":
            base = plain_mlp((spec.base_width,) * len(wide.hidden), inputs, classes, readout)
            delta = plain_mlp((2 * spec.base_width,) * len(wide.hidden), inputs, classes, readout)
            mup.set_base_shapes(net, base, delta=delta, rescale_params=False)
        linears = [m for m in net if isinstance(m, nn.Linear)]
        multiplier = width / spec.base_width if spec.param == "mup" else 1.0
        with torch.no_grad():
            for index, layer in enumerate(linears):
                scale = multiplier if index == len(linears) - 1 else 1.0
                layer.weight.copy_(model.weight(index, run.index) * scale)
                layer.bias.copy_(model.bias(index, run.index))
        watched = [m for m in net if isinstance(m, nn.ReLU)] + [linears[-1]]
        train_watching(net, watched, recorded, run.init, spec, wide, data, steps)
    return recorded


def train_watching(net, watched, recorded, init, spec, wide, data, steps):
    """Train `net` for `steps` (Adam, or MuAdam under μP), recording the mean |output| of
    each watched module (hidden layers from 1, then the output) at every step."""
    step_box = [0]
    names = [str(i) for i in range(1, len(watched))] + [OUTPUT]
    for name, module in zip(names, watched):
        module.register_forward_hook(recorder(recorded, init, step_box, name))
    optimizer = (mup.MuAdam if spec.param == "mup" else torch.optim.Adam)(
        net.parameters(), lr=spec.lr)
    for step, (x, y) in enumerate(batches(wide, data, steps, torch.device("cpu"))):
        step_box[0] = step
        loss = F.cross_entropy(net(x[0]), y[0])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize("param", ["sp", "mup"])
def test_numbers_match_plain_pytorch_with_forward_hooks(param):
    spec = spec_for(param)
    steps, width = 3, 48
    points = [p for p in coord_check(spec, (16, width), steps) if p.width == width]
    reference = hooked_reference(spec, width, steps)
    assert len(points) == len(reference) == 2 * (steps + 1) * 3
    for point in points:
        expected = reference[point.init, point.step, point.layer]
        assert point.l1 == pytest.approx(expected, rel=1e-3), point


def test_points_name_hidden_layers_from_one_then_output_and_start_at_step_zero():
    points = coord_check(spec_for("sp", hidden=(16, 16, 16)), (8, 16), steps=2)
    assert {p.layer for p in points} == {"1", "2", "3", "output"}
    assert {p.step for p in points} == {0, 1, 2}
    assert {p.width for p in points} == {8, 16}
    assert len(points) == 2 * 3 * 4 * 2  # widths × steps × layers × inits


@pytest.mark.slow
def test_sp_activations_rise_with_width_after_one_adam_step_and_mups_do_not():
    widths, steps = (32, 512), 2
    sp = coord_check(spec_for("sp", base_width=32, inits=("he-normal",)), widths, steps)
    mu = coord_check(spec_for("mup", base_width=32, inits=("he-normal",)), widths, steps)
    assert growth(sp, 0)["he-normal", OUTPUT] < 1.5  # both start alike (he-normal, fan_in)
    assert growth(sp, 1)["he-normal", OUTPUT] > 3  # one Adam step: lr·n from n inputs
    for step in (1, 2):
        for layer in ("1", "2", OUTPUT):
            assert growth(mu, step)["he-normal", layer] < 1.5, (step, layer)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "inittui", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_headless_coord_check_writes_width_step_layer_l1_rows(tmp_path):
    args = ("--headless", "--coord-check", "--param", "mup", "--base-width", "8",
            "--dataset", DATA, "--hidden", "16,16", "--init", "he-normal",
            "--coord-widths", "8,32", "--coord-steps", "2", "--out", "cc.csv")
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "cc.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"width", "step", "layer", "l1"} <= set(rows[0])
    assert len(rows) == 2 * 3 * 3
    assert {(r["width"], r["step"], r["layer"]) for r in rows} == {
        (w, s, layer) for w in ("8", "32") for s in ("0", "1", "2")
        for layer in ("1", "2", "output")}
    assert all(r["param"] == "mup" and float(r["l1"]) > 0 for r in rows)
    assert "Mean |activation| after 1 step" in done.stdout

    again = run_cli(*args, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "error: 'cc.csv' already exists; pass --overwrite to replace it"]


@pytest.mark.parametrize(("args", "message"), [
    (("--coord-widths", "64"), "at least two different widths"),
    (("--coord-widths", "64,abc"), "whole numbers"),
    (("--coord-steps", "-1"), "--coord-steps"),
])
def test_bad_coord_check_options_are_usage_errors(args, message):
    result = CliRunner().invoke(main, ["--headless", "--coord-check", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def hooked_resmlp_reference(spec: ExperimentSpec, width: int, steps: int) -> Recorded:
    """The same check on a plain ResMLP per run: forward hooks on its stem activation and
    every block, the logits; SP trains with torch.optim.Adam, μP with mup (MuReadout holding
    m·W', set_base_shapes with base and delta models, MuAdam)."""
    from inittui.core.models import ResMLP

    data = load_dataset(spec.dataset, None, False, spec.val_split)
    model, _ = prepare_width(spec, width, data, torch.device("cpu"))
    wide = width_spec(spec, width)

    def plain(hidden: tuple[int, ...]) -> ResMLP:
        net = ResMLP(data.input_shape, data.num_classes, hidden, spec.activation)
        if spec.param == "mup":
            net.head = mup.MuReadout(hidden[0], data.num_classes)
        return net

    recorded: Recorded = {}
    for run in wide.runs():
        net = plain(wide.hidden)
        if spec.param == "mup":
            depth = len(wide.hidden)
            mup.set_base_shapes(net, plain((spec.base_width,) * depth),
                                delta=plain((2 * spec.base_width,) * depth),
                                rescale_params=False)
        with torch.no_grad():
            for name, parameter in net.named_parameters():
                value = model.parameter(name)[run.index]
                scale = width / spec.base_width if (spec.param == "mup"
                                                    and name == "head.weight") else 1.0
                parameter.copy_(value * scale)
        watched = [net.stem_act, *net.blocks, net.head]
        train_watching(net, watched, recorded, run.init, spec, wide, data, steps)
    return recorded


@pytest.mark.parametrize("param", ["sp", "mup"])
def test_resmlp_numbers_match_plain_pytorch_with_forward_hooks(param):
    spec = spec_for(param, model="resmlp", inits=("he-normal",))
    steps, width = 2, 48
    points = [p for p in coord_check(spec, (16, width), steps) if p.width == width]
    reference = hooked_resmlp_reference(spec, width, steps)
    assert {p.layer for p in points} == {"1", "2", "3", OUTPUT}  # stem, 2 blocks, logits
    assert len(points) == len(reference) == (steps + 1) * 4
    for point in points:
        expected = reference[point.init, point.step, point.layer]
        assert point.l1 == pytest.approx(expected, rel=1e-3), point


def test_gpt_coordinate_check_records_every_block_and_the_logits():
    spec = spec_for("mup", model="gpt", dataset="synthetic-text:train=64,val=16,test=16",
                    inits=("normal:std=0.02",), activation="gelu")
    points = coord_check(spec, (16, 32), steps=1)
    assert {p.layer for p in points} == {"1", "2", OUTPUT}
    assert {(p.width, p.step) for p in points} == {(16, 0), (16, 1), (32, 0), (32, 1)}
    assert all(p.l1 > 0 for p in points)


@pytest.mark.slow
def test_resmlp_sp_output_rises_with_width_after_one_adam_step_and_mups_does_not():
    widths, steps = (32, 512), 1
    fields = {"model": "resmlp", "base_width": 32, "inits": ("he-normal",)}
    sp = coord_check(spec_for("sp", **fields), widths, steps)
    mu = coord_check(spec_for("mup", **fields), widths, steps)
    assert growth(sp, 1)["he-normal", OUTPUT] > 3
    assert growth(mu, 1)["he-normal", OUTPUT] < 1.5


def test_a_layer_that_is_zero_at_every_width_has_no_growth_ratio():
    from inittui.core.studies.records import CoordPoint

    points = [CoordPoint("sp", "zeros", width, 1, layer, l1, 1)
              for width, layer, l1 in ((8, "1", 0.0), (64, "1", 0.0),
                                       (8, OUTPUT, 0.5), (64, OUTPUT, 0.5))]
    ratios = growth(points, 1)
    assert ratios["zeros", OUTPUT] == 1.0
    assert ratios["zeros", "1"] != ratios["zeros", "1"]  # nan, shown as "-"
