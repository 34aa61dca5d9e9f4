"""μP against the `mup` package itself: init std and one optimizer step, parameter by parameter.

The reference is a plain PyTorch MLP with mup's `MuReadout`, base shapes set by
`set_base_shapes` (hidden layers `BASE` wide at the base shape) and mup's initializers and
optimizers. inittui folds MuReadout's 1/m output multiplier into the output weight, so its
output weight is compared with mup's weight / m ("effective" weight).
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import mup
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inittui.core.errors import SpecError
from inittui.core.init.apply import initialize_runs
from inittui.core.init.draws import parse_initializer
from inittui.core.init.mup import (
    check_parametrization,
    lr_multipliers,
    model_scaling,
    rescale_initialization,
)
from inittui.core.models import BatchedMLP, build_model
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.mup_optimizer import make_parametrized_optimizer
from tests.conftest import Shapes

SIDE, CLASSES, BASE = 8, 10, 64
INPUTS = SIDE * SIDE
SHAPES = Shapes((1, SIDE, SIDE), CLASSES)


def mup_mlp(hidden: tuple[int, ...]) -> nn.Sequential:
    sizes = (INPUTS, *hidden)
    layers: list[nn.Module] = [nn.Flatten()]
    for a, b in pairwise(sizes):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(mup.MuReadout(hidden[-1], CLASSES))
    return nn.Sequential(*layers)


def reference(hidden: tuple[int, ...], rescale: bool = True) -> nn.Sequential:
    """mup's model: base shapes from a BASE-wide model, delta marking every hidden dim as width."""
    model = mup_mlp(hidden)
    mup.set_base_shapes(model, mup_mlp((BASE,) * len(hidden)),
                        delta=mup_mlp((2 * BASE,) * len(hidden)), rescale_params=rescale)
    return model


def linears(model: nn.Sequential) -> list[nn.Linear]:
    return [m for m in model if isinstance(m, nn.Linear)]


def effective(model: nn.Sequential) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(weight, bias) per layer as the forward pass uses them: MuReadout's weight / m."""
    layers = linears(model)
    out = [(layer.weight.detach(), layer.bias.detach()) for layer in layers[:-1]]
    readout = layers[-1]
    out.append((readout.weight.detach() / readout.width_mult(), readout.bias.detach()))
    return out


def spec_for(hidden: tuple[int, ...], **fields: object) -> ExperimentSpec:
    values: dict[str, object] = {"dataset": f"synthetic:side={SIDE}", "hidden": hidden,
                                 "param": "mup", "base_width": BASE, "seeds": 1,
                                 "inits": ("pytorch-default",), **fields}
    return replace(ExperimentSpec(), **values)  # type: ignore[arg-type]


def ours(spec: ExperimentSpec) -> BatchedMLP:
    model = build_model(spec, (1, SIDE, SIDE), CLASSES)
    assert isinstance(model, BatchedMLP)
    initialize_runs(model, spec.runs(), torch.zeros(1, 1, 1, SIDE, SIDE), spec.output_init)
    rescale_initialization(model, spec.runs(), spec, SHAPES)
    return model


def our_layers(model: BatchedMLP) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(model.weight(i, 0).detach().clone(), model.bias(i, 0).detach().clone())
            for i in range(len(model.layers))]


HIDDEN = (1024, 1024)


@pytest.mark.parametrize(("init", "bias_init", "mup_init"), [
    ("pytorch-default", "pytorch-default", None),  # set_base_shapes' rescale of torch's init
    ("he-normal", "zeros",
     lambda w: mup.init.kaiming_normal_(w, nonlinearity="relu")),
    ("xavier-normal", "zeros", mup.init.xavier_normal_),
    ("normal:std=0.02", "zeros", lambda w: mup.init.normal_(w, std=0.02)),
])
def test_each_parameters_init_std_matches_mup(init, bias_init, mup_init):
    torch.manual_seed(0)
    theirs_model = reference(HIDDEN, rescale=mup_init is None)
    if mup_init is not None:
        for layer in linears(theirs_model):
            mup_init(layer.weight)
            nn.init.zeros_(layer.bias)
    theirs = effective(theirs_model)
    mine = our_layers(ours(spec_for(HIDDEN, inits=(init,), bias_init=bias_init)))
    for index, ((w_mup, b_mup), (w_ours, b_ours)) in enumerate(zip(theirs, mine)):
        assert w_ours.shape == w_mup.shape
        assert w_ours.std().item() == pytest.approx(w_mup.std().item(), rel=0.05), index
        if bias_init == "zeros":
            assert b_ours.abs().max().item() == 0
        elif index < len(mine) - 1:  # the output bias has 10 entries: tested on its own below
            assert b_ours.std().item() == pytest.approx(b_mup.std().item(), rel=0.1), index


def test_output_bias_init_std_matches_mureadouts_rescale():
    """PyTorch's U(±1/√fan_in) bias, rescaled by MuReadout by √m: pooled over 60 draws."""
    hidden = (256, 256)
    theirs, mine = [], []
    for seed in range(60):
        torch.manual_seed(seed)
        theirs.append(effective(reference(hidden))[-1][1])
        mine.append(our_layers(ours(spec_for(hidden, bias_init="pytorch-default",
                                             seed=seed)))[-1][1])
    assert torch.cat(mine).std().item() == pytest.approx(torch.cat(theirs).std().item(),
                                                         rel=0.1)


def test_the_output_layer_shrinks_as_one_over_width_and_hidden_as_one_over_root_width():
    """The scaling itself, so that the parity above cannot pass with both sides unscaled."""
    stds = {}
    for width in (128, 512):
        model = ours(spec_for((width, width), inits=("he-normal",)))
        stds[width] = [model.weight(i, 0).std().item() for i in range(3)]
    assert stds[512][0] == pytest.approx(stds[128][0], rel=0.05)  # input: fixed
    assert stds[512][1] == pytest.approx(stds[128][1] / 2, rel=0.05)  # hidden: 1/√n
    assert stds[512][2] == pytest.approx(stds[128][2] / 4, rel=0.1)  # output: 1/n


def one_step_deltas(optimizer: str, hidden: tuple[int, ...], lr: float):
    """The change of every effective parameter after one step, for mup's model and ours."""
    torch.manual_seed(1)
    theirs_model = reference(hidden)
    spec = spec_for(hidden, optimizer=optimizer, lr=lr, momentum=0.0)
    model = ours(spec)
    with torch.no_grad():  # same starting point: mup's weights, the output's 1/m folded in
        for index, (weight, bias) in enumerate(effective(theirs_model)):
            model.weight(index, 0).copy_(weight)
            model.bias(index, 0).copy_(bias)
    x = torch.randn(32, 1, SIDE, SIDE)
    y = torch.randint(0, CLASSES, (32,))
    before_theirs, before_ours = effective(theirs_model), our_layers(model)
    before_theirs = [(w.clone(), b.clone()) for w, b in before_theirs]

    maker = mup.MuAdam if optimizer == "adam" else mup.MuSGD
    mup_optimizer = maker(theirs_model.parameters(), lr=lr)
    F.cross_entropy(theirs_model(x), y).backward()
    mup_optimizer.step()

    our_optimizer = make_parametrized_optimizer(spec, model, data=SHAPES)
    model.loss_and_gradients(x.unsqueeze(0), y.unsqueeze(0), torch.ones(1, dtype=torch.bool))
    our_optimizer.step()

    theirs = [(w - w0, b - b0) for (w, b), (w0, b0) in zip(effective(theirs_model), before_theirs)]
    mine = [(w - w0, b - b0) for (w, b), (w0, b0) in zip(our_layers(model), before_ours)]
    return theirs, mine


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("hidden", [(256, 256), (256, 128)])
def test_one_step_changes_every_parameter_as_mups_optimizer_does(optimizer, hidden):
    lr = 0.01 if optimizer == "adam" else 0.5
    theirs, mine = one_step_deltas(optimizer, hidden, lr)
    for index, ((dw_mup, db_mup), (dw_ours, db_ours)) in enumerate(zip(theirs, mine)):
        for name, mine_delta, mup_delta in (("weight", dw_ours, dw_mup),
                                            ("bias", db_ours, db_mup)):
            scale = mup_delta.abs().max().item()
            assert scale > 0, (index, name)
            compared, rtol = torch.ones_like(mup_delta, dtype=torch.bool), 1e-4
            if optimizer == "adam":
                # Adam's first step is lr·g/(|g|+eps): ±lr wherever |g| >> eps. mup's eps acts
                # on W, ours on W/m: entries with a gradient near eps are left out (<1%), and
                # eps/|g| stays under 1% on the rest.
                compared, rtol = mup_delta.abs() > 0.5 * scale, 1e-2
                moved = (mup_delta != 0).sum().item()
                assert compared.sum().item() >= 0.99 * moved, (index, name)
            torch.testing.assert_close(mine_delta[compared], mup_delta[compared],
                                       rtol=rtol, atol=scale * 1e-5)


def test_sp_steps_differ_from_mup_away_from_the_base_width():
    """A check on the check: plain Adam moves hidden weights m times as far as μP does."""
    spec = spec_for((256, 256), optimizer="adam")
    model = ours(spec)
    assert lr_multipliers(model, spec, SHAPES)[:2] == [1.0, 1.0]  # input weight and bias
    assert lr_multipliers(model, replace(spec, param="sp"), SHAPES) == [1.0] * 6
    hidden_weight = next(i for i, p in enumerate(model.parameters())
                         if p is model.weight_parameter(1))
    assert lr_multipliers(model, spec, SHAPES)[hidden_weight] == pytest.approx(BASE / 256)


def test_at_the_base_width_mup_is_sp():
    spec = spec_for((BASE, BASE), inits=("he-normal",))
    scaling = model_scaling(spec, SHAPES)
    assert len(scaling.tensors) == 6  # three layers' weights and biases
    assert all(t.lr(o) == 1 for t in scaling.tensors.values() for o in ("adam", "sgd"))
    he, bias = parse_initializer("he-normal"), spec.bias_init
    assert all(math.isclose(t.init(he), 1) for t in scaling.tensors.values())
    assert all(scaling.bias_init(name, bias) == 1 for name in scaling.tensors)


@pytest.mark.parametrize(("fields", "message"), [
    ({"inits": ("lsuv",)}, "lsuv"),
    ({"model": "cnn"}, "mlp"),
])
def test_mup_refuses_what_it_cannot_scale_naming_the_field(fields, message):
    with pytest.raises(SpecError) as error:
        check_parametrization(replace(spec_for(HIDDEN), **fields))
    assert error.value.field == "param"
    assert message in str(error.value)


def test_a_mup_sweep_says_so_in_its_results_file_and_loads_back_as_mup(tmp_path):
    from inittui.core.results.reading import load_results
    from inittui.core.results.writing import ResultFiles
    from inittui.core.training.sweep import run_sweep

    spec = replace(spec_for((32,)), dataset="synthetic:train=64,val=16,test=16,side=8",
                   epochs=1, base_width=16, inits=("he-normal",), device="cpu")
    out = tmp_path / "mup.csv"
    files = ResultFiles(out)
    try:
        run_sweep(spec, files)
    finally:
        files.close()
    text = out.read_text()
    assert ",mup,16," in text
    loaded = load_results(out)
    assert [sweep.spec.param for sweep in loaded.book.sweeps] == ["mup"]
    assert loaded.book.sweeps[0].spec.base_width == 16
