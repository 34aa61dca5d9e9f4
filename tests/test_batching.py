"""The general batched path: K stacked copies train exactly as K separate models."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from inittui.core.data.datasets import load_dataset
from inittui.core.diagnostics.stats import layer_statistics
from inittui.core.init.apply import DATA_STREAM, generator, initialize_runs
from inittui.core.init.draws import activation_gain
from inittui.core.models import ACTIVATIONS, BatchedMLP, StackedModel, plain_copy, plain_model
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.engine import train_step
from inittui.core.training.optimizers import make_optimizer

IMAGES = "synthetic:train=96,val=16,test=16,side=8,classes=4"
TOKENS = "synthetic-text:train=96,val=16,test=16,context=6,vocab=5"


def stacked(spec: ExperimentSpec, dtype: torch.dtype = torch.float64) -> tuple[
        StackedModel, torch.Tensor, torch.Tensor]:
    data = load_dataset(spec.dataset, None, False, spec.val_split)
    x = data.x_train.to(dtype) if data.x_train.is_floating_point() else data.x_train
    model = StackedModel(plain_model(spec, data.input_shape, data.num_classes),
                         spec.activation, spec.seeds, len(spec.inits)).to(dtype)
    initialize_runs(model, spec.runs(), x[:32].unsqueeze(0), spec.output_init,
                    spec.residual_init, spec.model)
    return model, x, data.y_train


def test_the_registry_gains_are_torch_calculate_gain() -> None:
    """GELU has no torch entry and takes ReLU's √2; leaky ReLU's slope is nn.LeakyReLU's."""
    torch_names = {"leaky-relu": ("leaky_relu", 0.01), "gelu": ("relu", None)}
    for name, info in ACTIVATIONS.items():
        torch_name, param = torch_names.get(name, (name, None))
        expected = torch.nn.init.calculate_gain(torch_name, param)  # type: ignore[arg-type]
        assert info.gain == pytest.approx(expected, rel=1e-12) == activation_gain(name), name


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_the_fast_mlp_path_has_autograds_gradients_including_a_masked_run(
        activation: str) -> None:
    """One step: the written-out backward against autograd through the general path."""
    spec = ExperimentSpec(inits=("he-normal", "xavier-uniform", "normal:std=0.3"), seeds=2,
                          hidden=(9, 7), activation=activation, dataset=IMAGES)
    general, x, y = stacked(spec)
    fast = BatchedMLP(64, spec.hidden, 4, activation, spec.seeds, len(spec.inits)).double()
    initialize_runs(fast, spec.runs(), x[:32].unsqueeze(0))
    for layer in range(len(fast.layers)):  # the same draws, bit for bit, by role
        for run in range(fast.runs):
            assert torch.equal(fast.weight(layer, run), general.weight(layer, run))
            assert torch.equal(fast.bias(layer, run), general.bias(layer, run))
    batch = torch.stack([torch.arange(0, 12), torch.arange(40, 52)])
    active = torch.tensor([True, True, False, True, True, True])
    fast_loss, fast_correct = fast.loss_and_gradients(x[batch], y[batch], active)
    loss, correct = general.loss_and_gradients(x[batch], y[batch], active)
    assert torch.allclose(fast_loss, loss, rtol=1e-12) and torch.equal(fast_correct, correct)
    for layer in range(len(fast.layers)):
        for run in range(fast.runs):
            fast_grad = fast.run_view(layer, fast.weight_parameter(layer).grad)
            fast_grad = fast_grad[run // 3, run % 3]
            general_grad = general.weight_parameter(layer).grad[run]
            expected = general_grad.T.reshape(fast_grad.shape) if layer == 0 \
                else general_grad.T
            assert torch.allclose(fast_grad, expected, atol=1e-12), (layer, run)
            if run == 2:
                assert fast_grad.abs().max() == 0


ARCHITECTURES = [
    ("cnn", "none", (6,), IMAGES, "relu"),
    ("resmlp", "none", (8, 8, 8), IMAGES, "relu"),
    ("resmlp", "batch", (8, 8), IMAGES, "tanh"),
    ("resmlp", "layer", (8, 8), IMAGES, "gelu"),
    pytest.param("resnet", "none", (4, 4, 8), IMAGES, "relu", marks=pytest.mark.slow),
    ("resnet", "batch", (4, 8), IMAGES, "relu"),
    pytest.param("gpt", "none", (16, 16), TOKENS, "gelu", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("model", "norm", "hidden", "dataset", "activation"), ARCHITECTURES)
def test_stacked_training_equals_separately_trained_copies_in_float64(
        model: str, norm: str, hidden: tuple[int, ...], dataset: str, activation: str) -> None:
    spec = ExperimentSpec(model=model, norm=norm, hidden=hidden, dataset=dataset, seeds=2,
                          inits=("he-normal", "xavier-normal"), activation=activation,
                          lr=0.01)
    batched, x, y = stacked(spec)
    copies = [plain_copy(batched, run) for run in range(batched.runs)]
    optimizers = [torch.optim.Adam(c.parameters(), lr=spec.lr) for c in copies]
    optimizer = make_optimizer(spec, list(batched.parameters()))
    active = torch.ones(batched.runs, dtype=torch.bool)
    orders = torch.stack([torch.randperm(len(x), generator=generator(seed, DATA_STREAM))
                          for seed in spec.run_seeds])
    for step in range(4):
        batch = orders[:, step * 8:(step + 1) * 8]
        train_step(batched, optimizer, x[batch], y[batch], active)
        for run, (copy, copy_optimizer) in enumerate(zip(copies, optimizers)):
            rows = batch[run // len(spec.inits)]
            copy_optimizer.zero_grad()
            logits = copy(x[rows])
            F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[rows].reshape(-1)).backward()
            copy_optimizer.step()
    for run, copy in enumerate(copies):
        state = batched.run_state(run)
        for name, tensor in copy.state_dict().items():
            if name in state:
                assert torch.allclose(state[name], tensor, atol=1e-8), (run, name)
    with torch.no_grad():  # evaluation mode: BatchNorm on each run's own running statistics
        logits = batched(x[:16].unsqueeze(0))
        for run, copy in enumerate(copies):
            assert torch.allclose(logits[run], copy.eval()(x[:16]), atol=1e-10)


def test_batchnorm_running_statistics_are_kept_per_run() -> None:
    spec = ExperimentSpec(model="resmlp", norm="batch", hidden=(8, 8), dataset=IMAGES,
                          inits=("he-normal", "normal:std=1"))
    model, x, y = stacked(spec)
    model.loss_and_gradients(x[:16].unsqueeze(0), y[:16].unsqueeze(0),
                             torch.ones(2, dtype=torch.bool))
    means = model.stacked_buffers()[model.buffer_names.index("blocks.1.norm.running_mean")]
    assert means.abs().sum() > 0 and not torch.allclose(means[0], means[1])


def test_the_mlps_statistics_are_the_same_through_either_implementation() -> None:
    """The vmapped copies' capture (hooks, run by run) against the written-out MLP's."""
    spec = ExperimentSpec(inits=("he-normal", "zeros"), hidden=(12, 8), activation="relu",
                          dataset=IMAGES, seeds=2)
    general, x, y = stacked(spec, torch.float32)
    fast = BatchedMLP(64, spec.hidden, 4, "relu", 2, 2)
    initialize_runs(fast, spec.runs(), x[:32].unsqueeze(0))
    expected = layer_statistics(fast, x[:40].unsqueeze(0), y[:40])
    got = layer_statistics(general, x[:40].unsqueeze(0), y[:40])
    for run_expected, run_got in zip(expected, got):
        for a, b in zip(run_expected, run_got):
            assert (a.layer, a.units, a.distinct_units, a.dead_frac) == \
                (b.layer, b.units, b.distinct_units, b.dead_frac)
            for field in ("act_mean", "act_std", "grad_std", "pre_grad_std", "wgrad_std",
                          "pre_act_std"):
                assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-4,
                                                          abs=1e-9), field


@pytest.mark.parametrize(("model", "norm", "hidden", "dataset", "activation"), ARCHITECTURES)
def test_every_architecture_has_a_layers_view(model: str, norm: str, hidden: tuple[int, ...],
                                              dataset: str, activation: str) -> None:
    spec = ExperimentSpec(model=model, norm=norm, hidden=hidden, dataset=dataset,
                          activation=activation, inits=("he-normal", "zeros"))
    batched, x, y = stacked(spec, torch.float32)
    stats = layer_statistics(batched, x[:20].unsqueeze(0), y[:20])
    assert len(stats) == 2 and len(stats[0]) == len(batched.probes) >= 1
    assert all(layer.act_std > 0 and layer.grad_std > 0 for layer in stats[0])
    zeros = stats[1][0]  # zero weights: every unit a copy of one, or (ReLU family) all dead
    assert (zeros.distinct_units, zeros.dead_units) in ((1, 0), (0, zeros.units))
