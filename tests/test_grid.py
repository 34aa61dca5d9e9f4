"""A grid is the product of initializers, seeds and every listed value, in batched groups."""

from __future__ import annotations

import csv
import pickle
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from torch import nn

from inittui.cli import main
from inittui.core.data.datasets import load_dataset
from inittui.core.events import (
    EpochFinished,
    Event,
    GridStarted,
    GroupFinished,
    GroupStarted,
    RunFinished,
    SweepFinished,
    SweepStarted,
)
from inittui.core.init.apply import DATA_STREAM, generator, initialize_runs
from inittui.core.models import BatchedMLP
from inittui.core.results.book import ResultsBook, leaderboard
from inittui.core.results.reading import read_results
from inittui.core.results.writing import ResultFiles
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.labels import format_number
from inittui.core.training.engine import train_step
from inittui.core.training.optimizers import FusedAdam, PerRunAdam, PerRunSGD, make_optimizer
from inittui.core.training.plan import plan_grid
from inittui.core.training.sweep import run_sweep
from tests.conftest import TINY_DATA
from tests.test_engine import reference_copy


def grid(**text: str) -> ExperimentSpec:
    return ExperimentSpec(inits=("zeros", "he-normal"), dataset=TINY_DATA, hidden=(8,),
                          epochs=1, batch_size=32, device="cpu").with_text(**text)


def test_runs_sharing_shapes_are_one_group_with_every_lr_and_momentum() -> None:
    plan = plan_grid(grid(lr="1e-3,1e-2,1e-1", momentum="0,0.9", seeds="2"))
    assert len(plan.cells) == 6 and len(plan.groups) == 1 and len(plan.runs) == 24
    group = plan.groups[0]
    assert group.runs_per_seed == 12 and not group.spec.is_grid
    # seed-major, then cell, then initializer: one seed's runs share a minibatch order
    assert [(r.seed, r.cell, r.init) for r in group.runs[:3]] == [
        (0, "lr=1e-3,momentum=0", "zeros"), (0, "lr=1e-3,momentum=0", "he-normal"),
        (0, "lr=1e-3,momentum=0.9", "zeros")]
    assert group.run_lrs()[:6] == [1e-3] * 4 + [1e-2] * 2
    assert group.run_momenta()[:4] == [0.0, 0.0, 0.9, 0.9]
    assert len({run.run_id for run in plan.runs}) == 24


def test_each_architecture_activation_and_batch_size_is_its_own_group() -> None:
    plan = plan_grid(grid(hidden="16;8x3", activation="relu,tanh", lr="1e-3,1e-2"))
    assert len(plan.cells) == 8 and len(plan.groups) == 4
    assert [g.label for g in plan.groups] == [
        "hidden=16,activation=relu", "hidden=16,activation=tanh",
        "hidden=8x3,activation=relu", "hidden=8x3,activation=tanh"]
    assert plan.groups[2].spec.hidden == (8, 8, 8)
    assert all(len(g.runs) == 4 and g.groups == 4 for g in plan.groups)
    assert plan.describe().startswith(
        "16 runs = 2 initializers (zeros, he-normal) × 2 architectures (16, 8x3) × "
        "2 activations (relu, tanh) × 2 lrs (1e-3, 1e-2); 8 cells, 4 batched groups")
    assert pickle.loads(pickle.dumps(plan.groups[1])) == plan.groups[1]  # for other processes


def test_a_spec_without_lists_is_one_group_with_unlabelled_runs() -> None:
    plan = plan_grid(grid())
    assert len(plan.groups) == 1 and [c.label for c in plan.cells] == [""]
    assert [r.run_id for r in plan.runs] == ["zeros/s0", "he-normal/s0"]


def test_learning_rates_read_as_powers_of_ten() -> None:
    assert [format_number(v, scientific=True) for v in (1e-3, 3e-4, 0.1, 0.05, 2.5e-3)] == [
        "1e-3", "3e-4", "1e-1", "5e-2", "2.5e-3"]


def stacked_and_references(activation: str, lrs: list[float], momenta: list[float]):
    spec = ExperimentSpec(inits=("he-normal", "xavier-uniform"), seeds=2, hidden=(12, 7),
                          activation=activation, dataset="synthetic:train=320,side=5,classes=4",
                          device="cpu")
    data = load_dataset(spec.dataset, None, False, spec.val_split)
    x, y = data.x_train.double(), data.y_train
    runs_per_seed = len(lrs) // spec.seeds
    model = BatchedMLP(25, spec.hidden, 4, activation, spec.seeds, runs_per_seed).double()
    runs = [run for seed in spec.run_seeds for _ in range(runs_per_seed // 2)
            for run in replace(spec, seed=seed, seeds=1).runs()]
    runs = [replace(run, index=index) for index, run in enumerate(runs)]
    initialize_runs(model, runs, x[:64].unsqueeze(0))
    references = [reference_copy(model, run.index) for run in runs]
    orders = torch.stack([torch.randperm(len(x), generator=generator(seed, DATA_STREAM))
                          for seed in spec.run_seeds])
    return spec, model, references, x, y, orders


def largest_difference_from_separate_torch_optimizers(
        optimizer: str, activation: str, lrs: list[float], momenta: list[float],
        make_stacked=make_optimizer) -> float:
    """Train one stacked model and a torch.optim model per run for 20 float64 steps on the
    same batches: the largest weight difference between a run and its own model."""
    spec, model, references, x, y, orders = stacked_and_references(activation, lrs, momenta)
    spec = replace(spec, optimizer=optimizer)
    stacked = make_stacked(spec, model, lrs, momenta)
    assert isinstance(stacked, PerRunAdam if optimizer == "adam" else PerRunSGD)
    reference_optimizers = [
        torch.optim.Adam(ref.parameters(), lr=lr) if optimizer == "adam"
        else torch.optim.SGD(ref.parameters(), lr=lr, momentum=momentum)
        for ref, lr, momentum in zip(references, lrs, momenta)
    ]
    active = torch.ones(model.runs, dtype=torch.bool)
    for step in range(20):
        batch = orders[:, step * 12:(step + 1) * 12]
        train_step(model, stacked, x[batch], y[batch], active)
        for run, (reference, ref_optimizer) in enumerate(zip(references, reference_optimizers)):
            seed_batch = batch[run // model.inits]
            ref_optimizer.zero_grad()
            F.cross_entropy(reference(x[seed_batch]), y[seed_batch]).backward()
            ref_optimizer.step()
    return max(
        (model.weight(index, run) - linear.weight).abs().max().item()
        for run, reference in enumerate(references)
        for index, linear in enumerate(m for m in reference if isinstance(m, nn.Linear))
    )


GRID_LRS = [0.003, 0.003, 0.03, 0.03, 0.1, 0.1] * 2
GRID_MOMENTA = [0.0, 0.0, 0.5, 0.5, 0.9, 0.9] * 2


@pytest.mark.parametrize(("optimizer", "activation"), [
    ("adam", "relu"), ("sgd", "tanh"),
    pytest.param("adam", "tanh", marks=pytest.mark.slow),
    pytest.param("sgd", "relu", marks=pytest.mark.slow)])
def test_per_run_lr_and_momentum_equal_separate_torch_optimizers_in_float64(
        optimizer: str, activation: str) -> None:
    """Every run of one stacked model takes its own lr and momentum, exactly as alone."""
    assert largest_difference_from_separate_torch_optimizers(
        optimizer, activation, GRID_LRS, GRID_MOMENTA) < 1e-10


def test_per_run_adam_is_exact_on_the_fused_kernel_and_without_it() -> None:
    """The fused-kernel step (cpu, cuda) and the foreach step a device without that
    kernel takes both equal torch.optim.Adam per run."""

    def per_run_adam(fused: bool):
        def make(spec, model, lrs, momenta):
            step_sizes = model.per_run(torch.tensor(lrs, dtype=torch.float64))
            optimizer = PerRunAdam(list(model.parameters()), step_sizes, fused=fused)
            assert optimizer.fused is fused
            return optimizer
        return make

    for fused in (True, False):
        assert largest_difference_from_separate_torch_optimizers(
            "adam", "relu", GRID_LRS, GRID_MOMENTA, per_run_adam(fused)) < 1e-10, fused


def test_a_per_tensor_lr_multiplier_scales_that_layer_alone() -> None:
    """μP's per-layer learning rates: each parameter tensor's lr times its own factor."""
    lrs = [0.01] * 4
    spec, model, references, x, y, orders = stacked_and_references("relu", lrs, [0.9] * 4)
    assert [name for name, _ in model.named_parameters()] == [
        "first_weight", "first_bias", "weights.0", "weights.1", "biases.0", "biases.1"]
    by_layer = {0: 1.0, 1: 0.5, 2: 2.0}  # first layer, hidden layer, output layer
    multipliers = [by_layer[0], by_layer[0], by_layer[1], by_layer[2], by_layer[1], by_layer[2]]
    stacked = make_optimizer(spec, model, lrs, lr_multipliers=multipliers)
    reference_optimizers = [torch.optim.Adam(
        [{"params": linear.parameters(), "lr": 0.01 * by_layer[index]}
         for index, linear in enumerate(m for m in ref if isinstance(m, nn.Linear))])
        for ref in references]
    active = torch.ones(model.runs, dtype=torch.bool)
    for step in range(10):
        batch = orders[:, step * 12:(step + 1) * 12]
        train_step(model, stacked, x[batch], y[batch], active)
        for run, (reference, ref_optimizer) in enumerate(zip(references, reference_optimizers)):
            ref_optimizer.zero_grad()
            F.cross_entropy(reference(x[batch[run // model.inits]]),
                            y[batch[run // model.inits]]).backward()
            ref_optimizer.step()
    assert max((model.weight(index, run) - linear.weight).abs().max().item()
               for run, reference in enumerate(references)
               for index, linear in enumerate(m for m in reference
                                              if isinstance(m, nn.Linear))) < 1e-10


def test_one_shared_lr_keeps_the_fused_kernel() -> None:
    spec, model, *_ = stacked_and_references("relu", [0.01] * 4, [0.9] * 4)
    assert isinstance(make_optimizer(spec, model.float(), [0.01] * 4, [0.9] * 4), FusedAdam)


def collect(spec: ExperimentSpec) -> list[Event]:
    events: list[Event] = []
    run_sweep(spec, events.append)
    return events


def test_a_grid_is_one_sweep_of_groups_trained_one_after_another() -> None:
    events = collect(grid(hidden="8;4,4", lr="1e-2,1e-1"))
    kinds = [type(e) for e in events]
    assert kinds[:3] == [SweepStarted, GridStarted, GroupStarted] and kinds[-1] is SweepFinished
    assert kinds.count(SweepStarted) == 1 and kinds.count(GroupStarted) == 2
    assert kinds.index(GroupFinished) < kinds.index(GroupStarted, 3)  # one after another
    started = events[1]
    assert isinstance(started, GridStarted) and started.groups == 2 and started.runs == 8
    assert started.cells == ("lr=1e-2,hidden=8", "lr=1e-1,hidden=8", "lr=1e-2,hidden=4,4",
                             "lr=1e-1,hidden=4,4")
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert len(finished) == 8 and all(f.status == "ok" for f in finished)


def test_a_cell_of_a_grid_trains_as_that_cell_alone() -> None:
    """Batching cells changes nothing: a grid's lr=0.1 runs match a sweep with lr 0.1."""
    grid_epochs = [e for e in collect(grid(lr="1e-2,1e-1", epochs="2"))
                   if isinstance(e, EpochFinished) and e.run.cell == "lr=1e-1"]
    alone = [e for e in collect(grid(lr="1e-1", epochs="2")) if isinstance(e, EpochFinished)]
    assert [(e.run.init, e.epoch) for e in grid_epochs] == [(e.run.init, e.epoch) for e in alone]
    for together, single in zip(grid_epochs, alone):
        assert together.train_loss == pytest.approx(single.train_loss, abs=1e-4)
        assert together.val_acc == pytest.approx(single.val_acc, abs=1e-6)


def test_rows_carry_their_cell_and_a_grid_reads_back_as_one_sweep(tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    writer, book = ResultFiles(out), ResultsBook()
    run_sweep(grid(hidden="8;4x3", lr="1e-2,1e-1", momentum="0.5"),
              lambda event: (writer(event), book.apply(event)))
    writer.close()
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8
    by_cell = {row["cell"]: row for row in rows}
    assert set(by_cell) == {"lr=1e-2,hidden=8", "lr=1e-1,hidden=8", "lr=1e-2,hidden=4x3",
                            "lr=1e-1,hidden=4x3"}
    row = by_cell["lr=1e-1,hidden=4x3"]
    assert (row["lr"], row["hidden"], row["momentum"]) == ("0.1", "4,4,4", "0.5")
    assert row["run_id"] in ("lr=1e-1,hidden=4x3/zeros/s0", "lr=1e-1,hidden=4x3/he-normal/s0")
    loaded = read_results(out)
    assert len(loaded.sweeps) == 1 and len(loaded.records()) == 8
    assert loaded.sweeps[0].spec.axis_values("lr") == (0.01, 0.1)
    assert [(r.cell, r.init) for r in leaderboard(loaded)] == \
        [(r.cell, r.init) for r in leaderboard(book)]


def test_the_leaderboard_ranks_cells_or_each_initializers_best_cell() -> None:
    book = ResultsBook()
    run_sweep(grid(lr="1e-3,1e-1", epochs="2"), book.apply)
    by_cell = leaderboard(book)
    assert len(by_cell) == 4 and {r.cell for r in by_cell} == {"lr=1e-3", "lr=1e-1"}
    best_vals = [r.best_val_mean or 0 for r in by_cell]
    assert best_vals == sorted(best_vals, reverse=True)
    by_init = leaderboard(book, by="init")
    assert sorted(r.init for r in by_init) == ["he-normal", "zeros"]
    for row in by_init:
        assert row == next(r for r in by_cell if r.init == row.init)  # its best cell


TINY = ["--dataset", TINY_DATA, "--init", "zeros,he-normal", "--device", "cpu"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_plan_prints_runs_cells_and_groups_without_training() -> None:
    code, output = invoke("--plan", *TINY, "--hidden", "64x10", "--hidden", "64x20",
                          "--lr", "1e-4,1e-3,1e-2", "--seeds", "3")
    assert code == 0
    assert output.splitlines() == [
        "36 runs = 2 initializers (zeros, he-normal) × 3 seeds × 2 architectures (64x10, "
        "64x20) × 3 lrs (1e-4, 1e-3, 1e-2); 6 cells, 2 batched groups (one stacked model "
        "each, trained one after another)",
        "  every run: mlp sp, activation=relu, batch=64, adam, 10 epochs, "
        f"{TINY_DATA}",
        "  group 1: hidden=64x10: 18 runs (3 cells × 2 initializers × 3 seeds)",
        "  group 2: hidden=64x20: 18 runs (3 cells × 2 initializers × 3 seeds)"]


@pytest.mark.parametrize(("args", "message"), [
    (["--lr", "3e-4,,1e-3"], "lr has an empty item in '3e-4,,1e-3'"),
    (["--lr", "1e-3,0"], "lr must be greater than 0"),
    (["--hidden", "128x0"], "hidden '128x0' repeats a layer 0 times"),
    (["--hidden", "x30"], "hidden 'x30' needs a layer size before 'x'"),
    (["--momentum", "0.9,"], "momentum has an empty item"),
    (["--batch-size", "32,0"], "batch-size must be at least 1"),
    (["--optimizer", "sgd", "--lr", ",".join(str(i / 1e4) for i in range(1, 101)),
      "--momentum", ",".join(str(i / 100) for i in range(51)), "--seeds", "2"],
     "the grid makes 20,400 runs (more than 10,000); pass --yes to train it"),
    (["--hidden", "8", "--hidden", "30000,30000", "--seeds", "100"],
     "the grid does not fit: group 2 (hidden=30000,30000"),
])
def test_bad_grids_are_one_line_usage_errors(args: list[str], message: str) -> None:
    code, output = invoke("--headless", *TINY, *args)
    assert code == 2
    assert message in " ".join(output.split())
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if line.startswith("Error:")]) == 1


def test_yes_confirms_a_large_grid() -> None:
    lrs = ",".join(str(i / 1e4) for i in range(1, 101))
    moms = ",".join(str(i / 100) for i in range(51))
    code, output = invoke("--plan", *TINY, "--optimizer", "sgd", "--lr", lrs, "--momentum", moms,
                          "--seeds", "2", "--yes")
    assert code == 0 and output.startswith("20400 runs")


def test_headless_grid_prints_its_plan_groups_and_cell_leaderboard() -> None:
    code, output = invoke("--headless", *TINY, "--hidden", "8", "--hidden", "4,4", "--lr",
                          "1e-2,1e-1", "--epochs", "1", "--rank-by", "init")
    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith("8 runs = 2 initializers (zeros, he-normal) × 2 architectures "
                               "(8, 4,4) × 2 lrs (1e-2, 1e-1); 4 cells, 2 batched groups")
    assert "group 1/2: hidden=8: 4 runs of" in output and "group 2/2: hidden=4,4" in output
    assert "Leaderboard: best cell per initializer" in output
    start = next(i for i, line in enumerate(lines) if line.startswith("Leaderboard"))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("└"))
    table = [line for line in lines[start:end] if line.startswith("│")]
    assert len(table) == 2 and all("lr=1e-" in line for line in table)


def test_per_step_losses_land_on_their_own_groups_runs() -> None:
    book = ResultsBook()
    events = collect(grid(hidden="8;4,4,4", lr="1e-2,1e-1", epochs="2"))
    for event in events:
        book.apply(event)
    steps = 2 * 8  # 2 epochs of 256 samples at batch 32
    records = book.records()
    assert len(records) == 8 and all(len(r.step_losses) == steps for r in records)
    deep = [r for r in records if r.plan.cell == "lr=1e-1,hidden=4x3"]
    shallow = [r for r in records if r.plan.cell == "lr=1e-1,hidden=8"]
    assert [r.step_losses for r in deep] != [r.step_losses for r in shallow]


def test_mup_multipliers_scale_each_runs_own_lr_in_a_grid_group() -> None:
    """μP's per-layer factors and a grid's per-run learning rates meet in one step size."""
    from inittui.core.init.mup import lr_multipliers
    from inittui.core.training.mup_optimizer import make_parametrized_optimizer
    from tests.conftest import Shapes

    spec = ExperimentSpec(param="mup", base_width=16, hidden=(64, 64), optimizer="adam")
    model = BatchedMLP(64, spec.hidden, 10, "relu", seeds=1, inits=2)
    lrs = [1e-3, 1e-2]
    shapes = Shapes((64,), 10)
    optimizer = make_parametrized_optimizer(spec, model, lrs, [0.9, 0.9], data=shapes)
    assert isinstance(optimizer, PerRunAdam)
    factors = lr_multipliers(model, spec, shapes)
    assert len(set(factors)) > 1  # μP away from the base width: the layers differ
    for (name, parameter), size, factor in zip(model.named_parameters(),
                                                optimizer.step_sizes, factors, strict=True):
        per_run = size.expand_as(parameter)
        first = model.run_view(0, per_run) if name == "first_weight" else None
        if first is not None:
            assert torch.allclose(first[0, 0], torch.full_like(first[0, 0], lrs[0] * factor))
            assert torch.allclose(first[0, 1], torch.full_like(first[0, 1], lrs[1] * factor))
        elif name.startswith("weights"):
            assert per_run[0].unique().tolist() == pytest.approx([lrs[0] * factor])
            assert per_run[1].unique().tolist() == pytest.approx([lrs[1] * factor])


def test_a_run_trains_with_its_own_settings_and_a_group_spec_holds_only_its_shapes() -> None:
    plan = plan_grid(grid(lr="1e-3,1e-2", hidden="16;8"))
    for group in plan.groups:
        assert {run.setting("hidden", group.spec) for run in group.runs} == {group.spec.hidden}
        assert [run.setting("lr", group.spec) for run in group.runs] == group.run_lrs()
    assert [plan.groups[0].run_lrs(), plan.groups[1].run_lrs()] == [[1e-3] * 2 + [1e-2] * 2] * 2


def test_an_optimizer_for_a_grid_is_given_its_runs_lrs() -> None:
    """A grid's spec has no one lr: without the runs' lrs there is nothing to step with."""
    model = BatchedMLP(4, (8,), 3, "relu", seeds=1, inits=2)
    with pytest.raises(ValueError, match="ask the run"):
        make_optimizer(grid(lr="1e-3,1e-2"), model)
    assert isinstance(make_optimizer(grid(lr="1e-3,1e-2"), model, [1e-3, 1e-2], [0.9] * 2),
                      PerRunAdam)
