"""The engine trains all runs as one stacked model, exactly as if each trained alone."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inittui.core.data.datasets import load_dataset
from inittui.core.errors import DeviceError
from inittui.core.events import (
    EpochFinished,
    Event,
    RunDiverged,
    RunFinished,
    RunStarted,
    StepLosses,
    StepProgress,
    SweepFinished,
    SweepStarted,
)
from inittui.core.init.apply import DATA_STREAM, generator, initialize_runs
from inittui.core.models import BatchedMLP
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.engine import train_step
from inittui.core.training.optimizers import make_optimizer
from inittui.core.training.sweep import run_sweep


def collect(spec: ExperimentSpec, stop: threading.Event | None = None) -> list[Event]:
    events: list[Event] = []
    run_sweep(spec, events.append, stop)
    return events


def epochs_of(events: list[Event]) -> list[EpochFinished]:
    return [e for e in events if isinstance(e, EpochFinished)]


TORCH_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU, "leaky-relu": nn.LeakyReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU, "selu": nn.SELU, "linear": nn.Identity,
}
"""Each activation as the plain torch module (LeakyReLU's default slope is ours, 0.01)."""


def reference_copy(model: BatchedMLP, run: int) -> nn.Sequential:
    """The run as an ordinary PyTorch MLP holding the same weights."""
    layers: list[nn.Module] = [nn.Flatten()]
    for index, shape in enumerate(model.layers):
        linear = nn.Linear(shape.in_features, shape.out_features, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(model.weight(index, run))
            linear.bias.copy_(model.bias(index, run))
        layers.append(linear)
        if index < len(model.layers) - 1:
            layers.append(TORCH_ACTIVATIONS[model.activation]())
    return nn.Sequential(*layers)


@pytest.mark.parametrize(("optimizer", "activation"), [
    ("sgd", "relu"), *(("adam", activation) for activation in TORCH_ACTIVATIONS)])
def test_stacked_training_equals_separate_models_in_float64(optimizer: str,
                                                            activation: str) -> None:
    """The stacked model's hand-written backward against autograd on plain nn modules."""
    spec = ExperimentSpec(inits=("he-normal", "xavier-uniform", "normal:std=0.1"), seeds=2,
                          hidden=(12, 7), activation=activation, optimizer=optimizer,
                          lr=0.01, momentum=0.9,
                          dataset="synthetic:train=320,side=5,classes=4", device="cpu")
    data = load_dataset(spec.dataset, None, False, spec.val_split)
    x, y = data.x_train.double(), data.y_train
    model = BatchedMLP(25, spec.hidden, 4, activation, spec.seeds, len(spec.inits)).double()
    initialize_runs(model, spec.runs(), x[:64].unsqueeze(0))
    references = [reference_copy(model, run.index) for run in spec.runs()]
    reference_optimizers = [
        torch.optim.Adam(ref.parameters(), lr=spec.lr) if optimizer == "adam"
        else torch.optim.SGD(ref.parameters(), lr=spec.lr, momentum=spec.momentum)
        for ref in references
    ]
    stacked_optimizer = make_optimizer(spec, list(model.parameters()))
    active = torch.ones(model.runs, dtype=torch.bool)
    orders = torch.stack([torch.randperm(len(x), generator=generator(seed, DATA_STREAM))
                          for seed in spec.run_seeds])
    for step in range(25):
        batch = orders[:, step * 12:(step + 1) * 12]
        train_step(model, stacked_optimizer, x[batch], y[batch], active)
        for run, reference, ref_optimizer in zip(spec.runs(), references, reference_optimizers):
            seed_batch = batch[run.index // model.inits]
            ref_optimizer.zero_grad()
            F.cross_entropy(reference(x[seed_batch]), y[seed_batch]).backward()
            ref_optimizer.step()

    largest = max(
        (model.weight(index, run.index) - linear.weight).abs().max().item()
        for run, reference in zip(spec.runs(), references)
        for index, linear in enumerate(m for m in reference if isinstance(m, nn.Linear))
    )
    assert largest < 1e-10


def test_same_spec_gives_identical_metrics(tiny_spec: ExperimentSpec) -> None:
    first, second = epochs_of(collect(tiny_spec)), epochs_of(collect(tiny_spec))
    assert [(e.run, e.epoch, e.train_loss, e.val_acc, e.test_acc) for e in first] == \
        [(e.run, e.epoch, e.train_loss, e.val_acc, e.test_acc) for e in second]


def test_every_run_reports_every_epoch_and_a_test_accuracy(tiny_spec: ExperimentSpec) -> None:
    events = collect(replace(tiny_spec, seeds=2))
    assert isinstance(events[0], SweepStarted)
    assert [e.run for e in events if isinstance(e, RunStarted)] == list(events[0].runs)
    assert isinstance(events[-1], SweepFinished) and not events[-1].stopped
    runs = {run.run_id for run in tiny_spec.runs()} | {f"{i}/s1" for i in tiny_spec.inits}
    assert {(e.run.run_id, e.epoch) for e in epochs_of(events)} == \
        {(run, epoch) for run in runs for epoch in (1, 2, 3)}
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert {f.run.run_id for f in finished} == runs
    assert all(f.status == "ok" and 0 <= f.test_acc <= 1 for f in finished)


def test_training_learns_and_zeros_stay_at_chance(tiny_spec: ExperimentSpec) -> None:
    final = {e.run.init: e.val_acc for e in epochs_of(collect(replace(tiny_spec, epochs=5)))
             if e.epoch == 5}
    assert final["he-normal"] > 0.9
    assert final["zeros"] < 0.45  # 4 classes: chance is 0.25


def test_a_diverging_run_is_masked_and_the_others_go_on(tiny_spec: ExperimentSpec) -> None:
    alone = collect(replace(tiny_spec, inits=("he-normal",)))
    together = collect(replace(tiny_spec, inits=("he-normal", "normal:std=1e20")))

    diverged = [e for e in together if isinstance(e, RunDiverged)]
    assert [(e.run.init, e.epoch) for e in diverged] == [("normal:std=1e20", 1)]
    huge_epochs = [e for e in epochs_of(together) if e.run.init == "normal:std=1e20"]
    assert [(e.epoch, e.status) for e in huge_epochs] == [(1, "diverged")]
    he_alone = [e.val_loss for e in epochs_of(alone)]
    he_together = [e.val_loss for e in epochs_of(together) if e.run.init == "he-normal"]
    assert he_together == pytest.approx(he_alone, rel=1e-5)


def test_every_epoch_reports_progress_as_soon_as_its_first_step_is_done(
        tiny_spec: ExperimentSpec) -> None:
    first_steps = [(e.epoch, e.step) for e in collect(tiny_spec)
                   if isinstance(e, StepProgress) and e.step == 1]
    assert first_steps == [(1, 1), (2, 1), (3, 1)]


def test_every_step_loss_is_reported_once_and_averages_to_the_epoch_loss(
        tiny_spec: ExperimentSpec) -> None:
    events = collect(tiny_spec)
    steps_per_epoch = next(e for e in events if isinstance(e, SweepStarted)).steps_per_epoch
    reports = [e for e in events if isinstance(e, StepLosses)]
    steps = [step for e in reports for step in range(e.first_step,
                                                     e.first_step + len(e.losses[0]))]
    assert steps == list(range(1, 3 * steps_per_epoch + 1))
    assert all(len(e.losses) == len(tiny_spec.runs()) for e in reports)
    for finished in epochs_of(events):
        per_step = [loss for e in reports if e.epoch == finished.epoch
                    for loss in e.losses[finished.run.index]]
        assert len(per_step) == steps_per_epoch  # 256 images in batches of 32: all equal
        assert sum(per_step) / len(per_step) == pytest.approx(finished.train_loss, rel=1e-5)


def test_stop_keeps_finished_epochs_and_marks_runs_stopped(tiny_spec: ExperimentSpec) -> None:
    stop = threading.Event()
    events: list[Event] = []

    def on_event(event: Event) -> None:
        events.append(event)
        if isinstance(event, EpochFinished) and event.epoch == 1:
            stop.set()

    run_sweep(replace(tiny_spec, epochs=5), on_event, stop)
    assert {e.epoch for e in epochs_of(events)} == {1}
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert [(f.status, f.epochs) for f in finished] == [("stopped", 1)] * 3
    assert events[-1] == SweepFinished(stopped=True, wall_s=events[-1].wall_s)


def test_cnn_learns_above_chance(tiny_spec: ExperimentSpec) -> None:
    spec = replace(tiny_spec, model="cnn", inits=("he-normal",), hidden=(16,), epochs=5,
                   lr=0.003, dataset="synthetic:train=256,val=64,test=64,side=8,classes=4")
    assert epochs_of(collect(spec))[-1].val_acc > 0.5  # chance is 0.25


def test_a_missing_device_is_a_clear_error(tiny_spec: ExperimentSpec) -> None:
    with pytest.raises(DeviceError, match=r"device 'cuda:7' is not available here \(found: cpu"):
        collect(replace(tiny_spec, device="cuda:7"))


def test_a_model_too_large_is_refused_before_allocating(tiny_spec: ExperimentSpec) -> None:
    with pytest.raises(DeviceError, match=r"needs about [\d.]+ GiB but cpu has"):
        collect(replace(tiny_spec, hidden=(300_000, 300_000), seeds=4))


# ── the memory estimate and allocation failures ────────────────────────────────────────

def _estimate(spec: ExperimentSpec) -> tuple[int, int]:
    """(the engine's estimate, bytes of every layer output of one real forward pass)."""
    from inittui.core.data.datasets import load_dataset
    from inittui.core.init.apply import initialize_runs
    from inittui.core.models import build_model
    from inittui.core.training.engine import estimated_bytes

    data = load_dataset(spec.dataset, None, False, spec.val_split)
    model = build_model(spec, data.input_shape, data.num_classes)
    initialize_runs(model, spec.runs(), data.x_train[:8].unsqueeze(0))
    batch = min(spec.batch_size, len(data.x_train))
    return estimated_bytes(spec, model, data), _output_bytes(model, data.x_train[:batch])


def _output_bytes(model: object, images: torch.Tensor) -> int:
    """Bytes of every leaf module's output in one real forward pass of every run."""
    from torch.func import functional_call

    from inittui.core.models.stacked import StackedModel

    if not isinstance(model, StackedModel):
        with torch.no_grad():
            trace = model.trace(images.unsqueeze(0))
        return sum(t.numel() * t.element_size() for t in (*trace.pre, *trace.post))
    outputs: list[torch.Tensor] = []
    leaves = [m for m in model.skeleton.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda _m, _a, out: outputs.append(out)) for m in leaves]
    state = {name: p[0] for name, p in zip(model.names, model.stacked)}
    state.update({name: b[0] for name, b in zip(model.buffer_names, model.stacked_buffers())})
    try:
        with torch.no_grad():
            functional_call(model.skeleton, state, (images,))
    finally:
        for hook in hooks:
            hook.remove()
    return model.runs * sum(t.numel() * t.element_size() for t in outputs)


def test_the_cnn_estimate_grows_with_the_image_and_covers_a_real_forward_pass() -> None:
    small, _ = _estimate(ExperimentSpec(model="cnn", hidden=(16,), inits=("he-normal",),
                                        dataset="synthetic:train=64,val=8,test=8,side=8"))
    large, real = _estimate(ExperimentSpec(model="cnn", hidden=(16,), inits=("he-normal",),
                                           dataset="synthetic:train=64,val=8,test=8,side=64"))
    assert large > 40 * small  # 64 times the pixels; the parameters barely change
    assert large > real


def test_the_batch_in_the_estimate_is_capped_at_the_data() -> None:
    data = "synthetic:train=200,val=50,test=50,side=8"
    huge, _ = _estimate(ExperimentSpec(hidden=(16,), batch_size=100_000_000, dataset=data))
    whole, _ = _estimate(ExperimentSpec(hidden=(16,), batch_size=200, dataset=data))
    assert huge == whole


@pytest.mark.parametrize("message", [
    "CUDA out of memory. Tried to allocate 2.00 GiB",
    "[enforce fail at alloc_cpu.cpp:121] data. DefaultCPUAllocator: not enough memory: you "
    "tried to allocate 8589934592 bytes.",
    "std::bad_alloc",
    "MPS backend out of memory",
    "[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory",
])
def test_any_wording_of_an_allocation_failure_is_out_of_memory(message: str) -> None:
    from inittui.core.training.device import is_out_of_memory

    assert is_out_of_memory(RuntimeError(message))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


def test_a_real_allocation_failure_mid_sweep_is_one_out_of_memory_error(
        tiny_spec: ExperimentSpec) -> None:
    def sink(event: object) -> None:
        if isinstance(event, EpochFinished):
            torch.empty(2**50)  # 4 PiB: the CPU allocator refuses, in its own words

    with pytest.raises(DeviceError) as error:
        run_sweep(tiny_spec, sink)
    message = str(error.value)
    assert message.startswith("out of memory while training (") and "\n" not in message
    assert "smaller batch-size" in message


def test_a_failure_mid_sweep_still_ends_every_run_and_the_sweep(
        tiny_spec: ExperimentSpec) -> None:
    events: list[object] = []

    def sink(event: object) -> None:
        events.append(event)
        if isinstance(event, EpochFinished) and event.epoch == 2:
            raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        run_sweep(tiny_spec, sink)
    ends = [e for e in events if isinstance(e, RunFinished)]
    assert sorted(e.run.init for e in ends) == sorted(tiny_spec.inits)
    assert {e.status for e in ends} == {"stopped"}
    assert isinstance(events[-1], SweepFinished) and events[-1].stopped
