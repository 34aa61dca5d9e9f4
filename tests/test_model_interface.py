"""The one stacked-model interface (`BatchedNet`): both implementations keep its promises.

Initialization, μP, the statistics, the spectrum and the coordinate check are written once
against it, so each promise here is what they rely on: plain names in `parameters()` order,
one run's slice in the plain module's layout that writes through, one run alone through the
skeleton, and a capture of every probe.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from inittui.core.models import BatchedMLP, BatchedNet, StackedModel, plain_copy, plain_model
from inittui.core.spec.experiment import ExperimentSpec

SHAPE, CLASSES = (1, 6, 6), 3


def implementations() -> list[tuple[str, BatchedNet]]:
    mlp = ExperimentSpec(hidden=(5, 4), activation="tanh")
    resmlp = ExperimentSpec(model="resmlp", hidden=(4, 4), activation="relu")
    torch.manual_seed(0)
    built = [
        ("written-out mlp", BatchedMLP(36, mlp.hidden, CLASSES, "tanh", seeds=2, inits=3)),
        ("vmapped mlp", StackedModel(plain_model(mlp, SHAPE, CLASSES), "tanh", 2, 3)),
        ("vmapped resmlp", StackedModel(plain_model(resmlp, SHAPE, CLASSES), "relu", 2, 3)),
    ]
    for _, model in built:
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_(0, 0.5)
    return built


CASES = implementations()
IDS = [name for name, _ in CASES]
MODELS = [model for _, model in CASES]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_names_are_the_plain_modules_in_parameters_order(model: BatchedNet) -> None:
    plain = dict(model.make().named_parameters())
    assert sorted(model.names) == sorted(plain)
    assert [model.parameter(name) for name in model.names] == list(model.parameters())


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_runs_slice_has_the_plain_layout_and_writes_through(model: BatchedNet) -> None:
    plain = dict(model.make().named_parameters())
    for name in model.names:
        for run in (0, model.runs - 1):
            assert model.run_tensor(name, run).shape == plain[name].shape, name
    name, run = model.names[0], 4
    before = [model.run_tensor(name, other).clone() for other in range(model.runs)]
    with torch.no_grad():
        model.run_tensor(name, run).fill_(7.0)
    assert torch.all(model.run_tensor(name, run) == 7.0)
    assert all(torch.equal(model.run_tensor(name, other), before[other])
               for other in range(model.runs) if other != run)  # the others untouched


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_one_run_alone_computes_what_the_stack_computes_for_it(model: BatchedNet) -> None:
    x = torch.randn(2, 8, *SHAPE)  # one minibatch per seed
    with torch.no_grad():
        stacked = model(x[:1])
        for run in range(model.runs):
            with model.one_run(run, train=False) as forward:
                alone = forward(x[0])
            copy = plain_copy(model, run).eval()
            assert torch.allclose(alone, stacked[run], atol=1e-5)
            assert torch.allclose(copy(x[0]), stacked[run], atol=1e-5)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_the_capture_has_every_probe_of_every_run(model: BatchedNet) -> None:
    x, y = torch.randn(1, 8, *SHAPE), torch.randint(0, CLASSES, (8,))
    forward_only = model.capture(x)
    assert len(forward_only.layers) == len(model.probes) >= 1
    assert all(layer.grad is None for layer in forward_only.layers)
    captured = model.capture(x, y)
    for probe, layer in zip(model.probes, captured.layers):
        assert layer.output.shape[0] == model.runs and layer.output.shape[1] >= 8
        assert layer.grad is not None and layer.grad.shape == layer.output.shape
        assert layer.activation == probe.activation
        assert layer.weight_grad is not None
        assert layer.weight_grad.shape[:layer.weight_run_axes] in (
            (model.runs,), (model.seeds, model.inits))
    assert captured.logits.shape == (model.runs, 8, CLASSES)
    assert all(p.grad is None for p in model.parameters())  # the capture trains nothing


def test_both_mlps_capture_the_same_layers() -> None:
    """The written-out trace and the vmapped hooks: the same outputs, gradients, slopes."""
    fast, general = MODELS[0], MODELS[1]
    with torch.no_grad():
        for name in fast.names:
            for run in range(fast.runs):
                general.run_tensor(name, run).copy_(fast.run_tensor(name, run))
    x, y = torch.randn(1, 8, *SHAPE), torch.randint(0, CLASSES, (8,))
    ours, theirs = fast.capture(x, y), general.capture(x, y)
    for a, b in zip(ours.layers, theirs.layers):
        for field in ("output", "pre", "grad", "pre_grad"):
            assert torch.allclose(getattr(a, field), getattr(b, field), atol=1e-6), field
        assert torch.allclose(a.weight_grad.reshape(fast.runs, -1).abs().sum(1),
                              b.weight_grad.reshape(fast.runs, -1).abs().sum(1), rtol=1e-4)
    assert fast.is_dense_chain and not general.is_dense_chain


def test_the_skeleton_is_structure_only_for_the_written_out_mlp() -> None:
    """Its tensors come from the stack on every call: a meta-device module costs no memory."""
    skeleton = MODELS[0].skeleton
    assert isinstance(skeleton, nn.Module)
    assert all(p.is_meta for p in skeleton.parameters())
