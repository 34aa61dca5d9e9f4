"""μP for resmlp and gpt against the `mup` package itself, parameter by parameter.

The reference is the same plain module with mup's readout (`MuReadout` for resmlp's head,
`MuSharedReadout` on gpt's embedding-tied head), base shapes from `set_base_shapes` with a
base model `BASE` wide and a delta model twice that, mup's initializers and MuAdam/MuSGD.
inittui folds MuReadout's 1/m into resmlp's head weight, so that weight is compared with
mup's weight / m; gpt's tied head keeps the 1/m in its forward pass, as mup's does.
"""

from __future__ import annotations

import math
from dataclasses import replace

import mup
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inittui.core.errors import SpecError
from inittui.core.init.apply import initialize_runs
from inittui.core.init.mup import (
    check_parametrization,
    lr_multipliers,
    model_scaling,
    rescale_initialization,
)
from inittui.core.models import GPT, ResMLP, build_model
from inittui.core.models.stacked import StackedModel
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.mup_optimizer import make_parametrized_optimizer
from tests.conftest import Shapes

BASE, SIDE, CLASSES, VOCAB, TOKENS = 64, 8, 10, 12, 8


IMAGES = Shapes((1, SIDE, SIDE), CLASSES)
TEXT = Shapes((TOKENS,), VOCAB)


def spec_for(model: str, width: int, **fields: object) -> ExperimentSpec:
    values: dict[str, object] = {
        "model": model, "hidden": (width, width), "param": "mup", "base_width": BASE,
        "seeds": 1, "inits": ("he-normal",), "bias_init": "zeros", "activation": "relu",
        "dataset": "synthetic-text" if model == "gpt" else f"synthetic:side={SIDE}", **fields}
    return replace(ExperimentSpec(), **values)  # type: ignore[arg-type]


def plain(model: str, width: int) -> nn.Module:
    """mup's version of inittui's module: same parameters, mup's readout."""
    if model == "resmlp":
        net = ResMLP(IMAGES.input_shape, CLASSES, (width, width), "relu")
        net.head = mup.MuReadout(width, CLASSES)
        return net
    net = GPT(TEXT.input_shape, VOCAB, (width, width), "relu", base_width=BASE)
    net.output_mult = 1.0  # MuSharedReadout divides by m itself
    net.head = mup.MuSharedReadout(net.token.weight, bias=False)
    return net


def reference(model: str, width: int, rescale: bool = False) -> nn.Module:
    net = plain(model, width)
    mup.set_base_shapes(net, plain(model, BASE), delta=plain(model, 2 * BASE),
                        rescale_params=rescale)
    return net


def readout_mult(model: str, net: nn.Module) -> float:
    """What divides resmlp's head weight in the forward pass (1 for gpt's tied head)."""
    return net.head.width_mult() if model == "resmlp" else 1.0


def effective(model: str, net: nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter as inittui holds it: resmlp's head weight with MuReadout's 1/m in it."""
    values = {name: p.detach().clone() for name, p in net.named_parameters()}
    if model == "resmlp":
        values["head.weight"] /= readout_mult(model, net)
    return values


def ours(spec: ExperimentSpec, shapes: Shapes) -> StackedModel:
    model = build_model(spec, shapes.input_shape, shapes.num_classes)
    assert isinstance(model, StackedModel)
    probe = torch.zeros(1, 1, *shapes.input_shape, dtype=torch.long if shapes is TEXT
                        else torch.float32)
    initialize_runs(model, spec.runs(), probe, spec.output_init, spec.residual_init,
                    spec.model)
    rescale_initialization(model, spec.runs(), spec, shapes)
    return model


def shapes_of(model: str) -> Shapes:
    return TEXT if model == "gpt" else IMAGES


MUP_INITS = {
    "he-normal": lambda w: mup.init.kaiming_normal_(w, nonlinearity="relu"),
    "xavier-normal": mup.init.xavier_normal_,
    "normal:std=0.02": lambda w: mup.init.normal_(w, std=0.02),
}


@pytest.mark.parametrize("model", ["resmlp", "gpt"])
@pytest.mark.parametrize("init", list(MUP_INITS))
def test_each_parameters_init_std_matches_mup(model, init):
    width = 512
    torch.manual_seed(0)
    theirs_net = reference(model, width)
    for name, parameter in theirs_net.named_parameters():
        if parameter.dim() >= 2:
            MUP_INITS[init](parameter)
        elif name.endswith("bias"):  # norm gains 1 and shifts 0: as constructed on both sides
            nn.init.zeros_(parameter.data)
    theirs = effective(model, theirs_net)
    spec = spec_for(model, width, inits=(init,))
    mine_net = ours(spec, shapes_of(model))
    compared = 0
    for name, value in theirs.items():
        mine = mine_net.parameter(name)[0].detach()
        assert mine.shape == value.shape, name
        if value.numel() > 100 and value.std() > 0:
            assert mine.std().item() == pytest.approx(value.std().item(), rel=0.06), name
            compared += 1
        else:
            torch.testing.assert_close(mine, value, msg=name)  # zeros, ones, the gain
    assert compared >= (4 if model == "resmlp" else 10)


def test_pytorch_default_init_matches_set_base_shapes_rescale_on_resmlp():
    """set_base_shapes(rescale_params=True) on torch's own init: biases ×√m, readout as base."""
    width = 512
    torch.manual_seed(0)
    theirs = effective("resmlp", reference("resmlp", width, rescale=True))
    mine_net = ours(spec_for("resmlp", width, inits=("pytorch-default",),
                             bias_init="pytorch-default"), IMAGES)
    for name, value in theirs.items():
        if value.numel() > 100:
            mine = mine_net.parameter(name)[0].detach()
            assert mine.std().item() == pytest.approx(value.std().item(), rel=0.06), name


@pytest.mark.parametrize("model", ["resmlp", "gpt"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("widths", [(256, 256), (128, 128)])
def test_every_parameters_learning_rate_is_mups(model, optimizer, widths):
    """The factor on the lr of each tensor: mup's param group's lr / the base lr.

    resmlp's head holds W/m here: Adam's step on it is its step on W, ÷ m; SGD's is ÷ m²
    (the gradient with respect to W/m is m times the one with respect to W)."""
    width = widths[0]
    theirs_net = reference(model, width)
    maker = mup.MuAdam if optimizer == "adam" else mup.MuSGD
    groups = maker(theirs_net.parameters(), lr=1.0).param_groups
    theirs = {id(p): group["lr"] for group in groups for p in group["params"]}
    spec = spec_for(model, width, optimizer=optimizer)
    mine_net = build_model(spec, shapes_of(model).input_shape, shapes_of(model).num_classes)
    assert isinstance(mine_net, StackedModel)
    mine = dict(zip(mine_net.names, lr_multipliers(mine_net, spec, shapes_of(model))))
    m = readout_mult(model, theirs_net)
    for name, parameter in theirs_net.named_parameters():
        fold = (m if optimizer == "adam" else m * m) if name == "head.weight" else 1.0
        expected = theirs[id(parameter)] / fold
        assert mine[name] == pytest.approx(expected), name
    assert len(set(mine.values())) > 1  # μP differs from SP somewhere at this width


@pytest.mark.parametrize("model", ["resmlp", "gpt"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_one_step_changes_every_parameter_as_mups_optimizer_does(model, optimizer):
    width, lr = 128, (0.01 if optimizer == "adam" else 0.5)
    torch.manual_seed(1)
    theirs_net = reference(model, width).double()
    spec = spec_for(model, width, optimizer=optimizer, lr=lr, momentum=0.0)
    shapes = shapes_of(model)
    mine_net = ours(spec, shapes).double()
    with torch.no_grad():  # the same start: mup's weights, resmlp's head with its 1/m in it
        for name, value in effective(model, theirs_net).items():
            mine_net.parameter(name)[0].copy_(value)
    if model == "gpt":
        x = torch.randint(0, VOCAB, (16, TOKENS))
        y = torch.randint(0, VOCAB, (16, TOKENS))
    else:
        x = torch.randn(16, *IMAGES.input_shape, dtype=torch.float64)
        y = torch.randint(0, CLASSES, (16,))
    before_theirs = effective(model, theirs_net)
    before_mine = {n: mine_net.parameter(n)[0].detach().clone() for n in before_theirs}

    maker = mup.MuAdam if optimizer == "adam" else mup.MuSGD
    mup_optimizer = maker(theirs_net.parameters(), lr=lr)
    logits = theirs_net(x)
    F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).backward()
    mup_optimizer.step()

    mine_optimizer = make_parametrized_optimizer(spec, mine_net, data=shapes)
    loss, _ = mine_net.loss_and_gradients(x.unsqueeze(0), y.unsqueeze(0),
                                          torch.ones(1, dtype=torch.bool))
    assert loss.item() == pytest.approx(F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item())  # same function
    mine_optimizer.step()

    after_theirs = effective(model, theirs_net)
    for name in before_theirs:
        theirs = after_theirs[name] - before_theirs[name]
        mine = mine_net.parameter(name)[0].detach() - before_mine[name]
        scale = theirs.abs().max().item()
        if scale == 0:  # a parameter without gradient on this batch (unseen tokens)
            assert mine.abs().max().item() == 0, name
            continue
        compared, rtol = torch.ones_like(theirs, dtype=torch.bool), 1e-6
        if optimizer == "adam" and name == "head.weight":
            # Adam's eps acts on W in mup, on W/m here: compare where |g| >> eps.
            compared, rtol = theirs.abs() > 0.5 * scale, 1e-2
        torch.testing.assert_close(mine[compared], theirs[compared], rtol=rtol,
                                   atol=scale * 1e-6, msg=name)


def test_gpt_under_mup_scales_attention_by_one_over_d_and_the_tied_logits_by_one_over_m():
    sp = GPT(TEXT.input_shape, VOCAB, (256,), "relu")
    mu = GPT(TEXT.input_shape, VOCAB, (256,), "relu", base_width=BASE)
    head_width = 256 // sp.blocks[0].attn.heads
    assert sp.blocks[0].attn.scale == pytest.approx(1 / math.sqrt(head_width))
    assert mu.blocks[0].attn.scale == pytest.approx(1 / head_width)
    assert (sp.output_mult, mu.output_mult) == (1.0, BASE / 256)
    mu.load_state_dict(sp.state_dict())
    for block in (*mu.blocks, *sp.blocks):  # the attention alike: only the readout differs
        block.attn.scale = 1.0
    tokens = torch.randint(0, VOCAB, (2, TOKENS))
    with torch.no_grad():
        torch.testing.assert_close(mu(tokens), sp(tokens) * BASE / 256)


def test_which_dimensions_grow_is_found_as_mup_finds_it():
    scaling = model_scaling(spec_for("gpt", 256), TEXT).tensors
    assert scaling["token.weight"].infinite == (False, True)  # vocabulary × width
    assert scaling["blocks.0.attn.qkv.weight"].infinite == (True, True)
    assert scaling["blocks.0.mlp.proj.weight"].width_mult_in == 4.0  # 4·256 / 4·64
    assert scaling["ln.weight"].infinite == (True,)
    resmlp = model_scaling(spec_for("resmlp", 256), IMAGES).tensors
    assert resmlp["head.weight"].folded_readout
    assert resmlp["blocks.0.gain"].infinite == ()


def test_at_the_base_width_mup_draws_and_steps_as_sp():
    spec = spec_for("resmlp", BASE, optimizer="sgd")
    model = build_model(spec, IMAGES.input_shape, CLASSES)
    assert lr_multipliers(model, spec, IMAGES) == [1.0] * len(list(model.parameters()))
    sp_net = ours(replace(spec, param="sp"), IMAGES)
    mu_net = ours(spec, IMAGES)
    for name in sp_net.names:
        torch.testing.assert_close(mu_net.parameter(name), sp_net.parameter(name))


@pytest.mark.parametrize(("fields", "message"), [
    ({"model": "cnn"}, "resmlp"),
    ({"model": "resnet"}, "resmlp"),
    ({"model": "gpt", "inits": ("gpt2",)}, "gpt2"),
])
def test_mup_refuses_what_it_cannot_scale_naming_the_field(fields, message):
    with pytest.raises(SpecError) as error:
        check_parametrization(replace(spec_for("resmlp", 256), **fields))
    assert error.value.field == "param"
    assert message in str(error.value)


@pytest.mark.parametrize("model", ["resmlp", "gpt"])
def test_a_mup_sweep_of_each_model_trains_through_the_engine(model):
    from inittui.core.events import EpochFinished
    from inittui.core.training.sweep import run_sweep

    dataset = ("synthetic-text:train=64,val=16,test=16" if model == "gpt"
               else "synthetic:train=64,val=16,test=16,side=8")
    spec = replace(spec_for(model, 32), dataset=dataset, epochs=1, base_width=16,
                   device="cpu", hidden=(32,), batch_size=16)
    epochs: list[EpochFinished] = []
    run_sweep(spec, lambda e: epochs.append(e) if isinstance(e, EpochFinished) else None)
    assert [e.status for e in epochs] == ["ok"]
    assert math.isfinite(epochs[0].train_loss)
