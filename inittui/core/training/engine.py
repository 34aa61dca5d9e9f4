"""Trains every run of a sweep at once, as one stacked model, and reports events.

Read top to bottom: resolve the device, load the data onto it, build and initialize the
stacked model, then per epoch: one permutation per seed, minibatches as slices of the
resident tensors, per-run losses summed (gradients stay independent), one optimizer step.
Metrics stay on the device until the epoch ends, so no step waits on the host.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

import torch
from torch import Tensor

from inittui.core.data.datasets import DataSplits, load_dataset
from inittui.core.diagnostics.predicted import run_theories, with_predictions
from inittui.core.diagnostics.spectrum import SPECTRUM_INPUTS, has_spectrum, singular_values
from inittui.core.diagnostics.stats import layer_statistics
from inittui.core.events import (
    EpochFinished,
    EventSink,
    GroupFinished,
    GroupStarted,
    LayerStatsReady,
    RunDiverged,
    RunFinished,
    RunStarted,
    SpectrumReady,
    StepLosses,
    StepProgress,
    TheoryReady,
)
from inittui.core.init.apply import DATA_STREAM, generator, initialize_runs
from inittui.core.init.mup import check_parametrization, rescale_initialization
from inittui.core.models import BatchedNet, per_run_loss_and_correct
from inittui.core.models.stacked import build_model, validate
from inittui.core.spec.experiment import ExperimentSpec, RunPlan, is_user_model
from inittui.core.training.device import check_fits, resolve_device
from inittui.core.training.mup_optimizer import ParametrizedOptimizer, make_parametrized_optimizer
from inittui.core.training.plan import BatchedGroup, plan_grid

PROGRESS_INTERVAL_S = 0.25
EVAL_CHUNK = 2048
PROBE_SIZE = 128
"""Training images the per-layer diagnostics (and LSUV) look at: enough that a ReLU unit
active half the time is never mistaken for dead (2^-128), few enough that diagnostics
add well under 10% to a sweep on the bundled data."""


@dataclass
class _RunProgress:
    """Where one run stands; the engine's only mutable per-run record."""

    plan: RunPlan
    status: str = "running"
    epochs: int = 0


def estimated_bytes(spec: ExperimentSpec, model: BatchedNet, data: DataSplits) -> int:
    """Parameters, gradients and optimizer state of all runs, activations and the data.

    Activations count every layer's outputs at their real size: a conv layer's at the
    image resolution it works at (padding 1, then a 2x2 pool before the next), so the
    cnn's estimate grows with the images. The batch never exceeds the training set, and
    the evaluation chunk never exceeds the larger held-out split.
    """
    state_copies = 4 if spec.optimizer == "adam" else 3
    parameters = model.parameters_per_run * model.runs * 4 * state_copies
    shape = data.input_shape
    height, width = shape[-2:] if len(shape) == 3 else (1, 1)
    tokens = shape[0] if len(shape) == 1 else 1  # a sequence model's layers work per token
    per_image = 0
    convs = 0
    for layer in model.layers:
        if layer.kind == "conv":
            per_image += layer.out_features * (height >> convs) * (width >> convs)
            convs += 1
        else:
            per_image += layer.out_features * tokens
    batch = min(spec.batch_size, len(data.x_train))
    chunk = min(EVAL_CHUNK, max(len(data.x_val), len(data.x_test)))
    activations = max(batch, chunk) * model.runs * per_image * 4 * 3
    data_bytes = sum(t.numel() * t.element_size() for t in (data.x_train, data.x_val, data.x_test))
    return parameters + activations + data_bytes


def train_step(model: BatchedNet, optimizer: ParametrizedOptimizer, images: Tensor,
               labels: Tensor, active: Tensor) -> tuple[Tensor, Tensor]:
    """One optimizer step for every run; images and labels are (seeds, batch, ...).

    Summing the per-run losses gives each run exactly its own gradient; runs that diverged
    are masked out of the sum. Returns per-run loss and correct counts, on the device.
    """
    loss, correct = model.loss_and_gradients(images, labels, active)
    optimizer.step()
    return loss, correct


@torch.no_grad()
def evaluate(model: BatchedNet, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Loss and accuracy of every run on a whole split, in chunks; shape (runs,) each."""
    loss_sum = torch.zeros(model.runs, device=x.device, dtype=torch.float64)
    correct = torch.zeros(model.runs, device=x.device, dtype=torch.float64)
    chunk = model.eval_chunk
    for start in range(0, len(x), chunk):
        chunk_x, chunk_y = x[start:start + chunk], y[start:start + chunk]
        logits = model(chunk_x.unsqueeze(0))
        loss, right = per_run_loss_and_correct(logits, chunk_y.expand(model.runs,
                                                                      *chunk_y.shape))
        loss_sum += loss.double() * len(chunk_x)
        correct += right
    return loss_sum / len(x), correct.double() / len(x)


class GroupTraining:
    """One batched group's training state; `run` trains it to the end or until `stop` is set."""

    def __init__(self, group: BatchedGroup, on_event: EventSink,
                 stop: threading.Event | None = None, data: DataSplits | None = None):
        spec = group.spec
        self.group = group
        self.spec = spec
        self.emit = on_event
        self.stop = stop or threading.Event()
        check_parametrization(spec)
        self.device = resolve_device(spec.device)
        cpu_data = data or load_dataset(spec.dataset, spec.data_dir, spec.download,
                                        spec.val_split)
        if is_user_model(spec.model):  # the user's code runs once, for real, on 2 samples
            validate(spec, cpu_data.input_shape, cpu_data.num_classes, cpu_data.x_train)
        with torch.device("meta"):  # sized without allocating, so a huge sweep is refused
            self.model = build_model(spec, cpu_data.input_shape, cpu_data.num_classes,
                                     group.runs_per_seed)
        check_fits(estimated_bytes(spec, self.model, cpu_data), self.device,
                   f"{self.model.runs} runs of {self.model.parameters_per_run:,} parameters")
        self.data = cpu_data.to(self.device)
        self.model.to_empty(device=self.device)
        self.runs = [_RunProgress(info) for info in group.runs]
        self.probe_x = self.data.x_train[:PROBE_SIZE].unsqueeze(0)
        self.probe_y = self.data.y_train[:PROBE_SIZE]
        initialize_runs(self.model, list(group.runs), self.probe_x, spec.output_init,
                        spec.residual_init, spec.model)
        rescale_initialization(self.model, group.runs, spec, cpu_data)  # μP's; SP: none
        self.optimizer = make_parametrized_optimizer(spec, self.model, group.run_lrs(),
                                                     group.run_momenta(), cpu_data)
        self.data_generators = [generator(seed, DATA_STREAM) for seed in spec.run_seeds]
        self.active = torch.ones(self.model.runs, dtype=torch.bool, device=self.device)

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.data.x_train) // self.spec.batch_size)

    def run(self) -> None:
        """Train to the end or the stop; the end events come whatever happens.

        A failure part-way (out of memory, a sink that cannot write) still ends every
        unfinished run as stopped and the sweep as finished, then propagates, so no front
        end has to patch its records after the fact.
        """
        started = time.monotonic()
        failed = False
        group = self.group
        try:
            self.emit(GroupStarted(group.index, group.groups, group.label,
                                   tuple(cell.label for cell in group.cells),
                                   tuple(r.plan for r in self.runs), self.steps_per_epoch,
                                   self.model.parameters_per_run))
            for state in self.runs:
                self.emit(RunStarted(state.plan))
            self._report_layers(epoch=0)
            for epoch in range(1, self.spec.epochs + 1):
                if not self._train_epoch(epoch, started):
                    break
        except BaseException:
            failed = True
            raise
        finally:
            if failed:  # the original error is the one to report, not a second one here
                with contextlib.suppress(Exception):
                    self._finish(stopped=True, started=started)
            else:
                self._finish(stopped=self.stop.is_set(), started=started)

    def _train_epoch(self, epoch: int, started: float) -> bool:
        """One epoch for all runs; False when stopped part-way (the epoch is discarded)."""
        epoch_start = time.monotonic()
        model, data, batch_size = self.model, self.data, self.spec.batch_size
        count = len(data.x_train)
        orders = torch.stack([torch.randperm(count, generator=g)
                              for g in self.data_generators]).to(self.device)
        loss_sum = torch.zeros(model.runs, device=self.device)
        correct = torch.zeros(model.runs, device=self.device, dtype=torch.float64)
        last_report = epoch_start
        pending: list[Tensor] = []  # per-step losses, still on the device
        rows = data.x_train.reshape(count, -1)
        for step in range(self.steps_per_epoch):
            if self.stop.is_set():
                return False
            batch = orders[:, step * batch_size:(step + 1) * batch_size]
            index = batch.reshape(-1)  # index_select on rows: several times faster than x[batch]
            images = rows.index_select(0, index).view(*batch.shape, *data.x_train.shape[1:])
            loss, right = train_step(model, self.optimizer, images,
                                     data.y_train.index_select(0, index)
                                     .view(*batch.shape, *data.y_train.shape[1:]),
                                     self.active)
            loss_sum.add_(loss, alpha=batch.shape[1])
            correct += right
            pending.append(loss)
            now = time.monotonic()
            if step == 0 or now - last_report >= PROGRESS_INTERVAL_S:  # at once, then paced
                last_report = now
                self._report_losses(epoch, step + 1, pending)
                self.emit(StepProgress(epoch, step + 1, self.steps_per_epoch, now - started,
                                       self.group.index))
        self._report_losses(epoch, self.steps_per_epoch, pending)
        self._end_epoch(epoch, (loss_sum / count).tolist(), (correct / count).tolist(),
                        time.monotonic() - epoch_start)
        return True

    def _report_losses(self, epoch: int, last_step: int, pending: list[Tensor]) -> None:
        """Send the losses of the steps since the last report (one device-to-host copy)."""
        if not pending:
            return
        losses = torch.stack(pending, dim=1).tolist()  # (runs, steps)
        first = (epoch - 1) * self.steps_per_epoch + last_step - len(pending) + 1
        pending.clear()
        self.emit(StepLosses(epoch, first, tuple(map(tuple, losses)), self.group.index))

    def _end_epoch(self, epoch: int, train_loss: list[float], train_acc: list[float],
                   wall_s: float) -> None:
        val_loss, val_acc = (t.tolist() for t in evaluate(self.model, self.data.x_val,
                                                           self.data.y_val))
        last = epoch == self.spec.epochs
        test_acc = evaluate(self.model, self.data.x_test, self.data.y_test)[1].tolist() \
            if last else None
        for state in self.runs:
            if state.status != "running":
                continue
            index = state.plan.index
            finite = all(map(_is_finite, (train_loss[index], val_loss[index])))
            state.epochs = epoch
            if not finite:
                state.status = "diverged"
                self.active[index] = False
            elif last:
                state.status = "ok"
            self.emit(EpochFinished(
                state.plan, epoch, train_loss[index], train_acc[index], val_loss[index],
                val_acc[index], wall_s, status="diverged" if not finite else "ok",
                test_acc=test_acc[index] if test_acc is not None and finite else None,
            ))
            if not finite:
                self.emit(RunDiverged(state.plan, epoch,
                                      f"loss became {train_loss[index]} at epoch {epoch}"))
                self.emit(RunFinished(state.plan, "diverged", epoch, None))
            elif last:
                self.emit(RunFinished(state.plan, "ok", epoch, test_acc[index]))
        self._report_layers(epoch)

    def _report_layers(self, epoch: int) -> None:
        if not self.spec.diagnostics:
            return
        stats = layer_statistics(self.model, self.probe_x, self.probe_y)
        theories = run_theories(self.spec, [state.plan for state in self.runs],
                                self.probe_x) if epoch == 0 else {}
        spectra = singular_values(self.model, self.probe_x[:, :SPECTRUM_INPUTS]).tolist() \
            if epoch == 0 and has_spectrum(self.model) else None
        for state in self.runs:
            if state.status == "running" or (state.epochs == epoch and epoch > 0):
                layers = stats[state.plan.index]
                if epoch == 0:
                    theory = theories[state.plan.index]
                    self.emit(TheoryReady(state.plan, theory))
                    layers = with_predictions(layers, theory)
                    if spectra is not None:
                        self.emit(SpectrumReady(state.plan, self.model.hidden_layers, tuple(
                            tuple(values) for values in spectra[state.plan.index])))
                self.emit(LayerStatsReady(state.plan, epoch, layers))

    def _finish(self, stopped: bool, started: float) -> None:
        for state in self.runs:
            if state.status == "running":
                state.status = "stopped"
                self.emit(RunFinished(state.plan, "stopped", state.epochs, None))
        self.emit(GroupFinished(self.group.index, self.group.groups, stopped=stopped,
                                wall_s=time.monotonic() - started))


def _is_finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


def run_group(group: BatchedGroup, on_event: EventSink, stop: threading.Event | None = None,
              data: DataSplits | None = None) -> None:
    """Train one batched group: GroupStarted, its runs' events, GroupFinished."""
    GroupTraining(group, on_event, stop, data).run()


def single_group(spec: ExperimentSpec) -> BatchedGroup:
    """A spec of one cell as its one group (for tests and benchmarks of a single model)."""
    plan = plan_grid(spec)
    if len(plan.groups) != 1:
        raise ValueError("the spec makes several groups")
    return plan.groups[0]
