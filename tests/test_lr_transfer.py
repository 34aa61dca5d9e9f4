"""mup2022's learning-rate transfer at reduced size: μP's best lr stays put, SP's moves."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from inittui.core.events import EpochFinished, GroupStarted
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import PRESETS, TransferStudy, apply_preset
from inittui.core.studies.lr_transfer import cell_specs, run_study
from inittui.core.studies.records import TransferCell, best_lrs, lr_shift
from inittui.core.training.sweep import run_sweep

SMALL_DATA = "synthetic:train=200,val=50,test=50,side=8"


def reduced_mup2022(**fields: object) -> ExperimentSpec:
    spec = apply_preset(ExperimentSpec(device="cpu"), "mup2022")
    values: dict[str, object] = {"dataset": SMALL_DATA, "epochs": 1, "diagnostics": False,
                                 **fields}
    return replace(spec, **values)  # type: ignore[arg-type]


def test_the_preset_is_a_study_of_widths_lrs_and_both_parametrizations():
    preset = PRESETS["mup2022"]
    assert preset.study is not None
    assert preset.study.widths == (64, 256, 1024)
    assert preset.study.params == ("sp", "mup")
    assert max(preset.study.lrs) / min(preset.study.lrs) == pytest.approx(100)  # two decades
    spec = apply_preset(ExperimentSpec(), "mup2022")
    cells = cell_specs(spec, preset.study)
    assert len(cells) == 2 * 3 * 5
    assert {(c.param, c.hidden, c.lr) for c in cells} == {
        (p, (w, w), lr) for p in ("sp", "mup") for w in (64, 256, 1024)
        for lr in preset.study.lrs}
    assert all(c.dataset == "mnist-5k" and c.base_width == 64 and c.inits == ("he-normal",)
               for c in cells)


@pytest.mark.slow
def test_mups_best_lr_is_the_same_at_two_widths_and_sps_falls():
    """Reduced mup2022 (synthetic 8×8 digits, 1 epoch): the preset's expectation, measured."""
    study = TransferStudy(widths=(64, 1024), lrs=(1e-3, 3e-3, 1e-2))
    cells = run_study(reduced_mup2022(), study)
    assert all(cell.status in ("ok", "diverged") for cell in cells)
    best = best_lrs(cells)
    assert best["mup", 64].lr == best["mup", 1024].lr
    assert lr_shift(cells, "mup") == 0  # the expectation: mup's does not fall
    # measured here: SP's best lr drops from 1e-2 at width 64 to 1e-3 at width 1024
    assert best["sp", 64].lr == 1e-2
    assert best["sp", 1024].lr == 1e-3
    assert lr_shift(cells, "sp") == pytest.approx(-1)
    # at the base width μP is SP: the same numbers
    for lr in study.lrs:
        sp, mu = (next(c for c in cells if c.param == p and c.width == 64 and c.lr == lr)
                  for p in ("sp", "mup"))
        assert sp.final_train_loss == mu.final_train_loss


def test_best_lr_ignores_stopped_cells_and_takes_diverged_as_worst():
    def cell(lr: float, loss: float, status: str = "ok") -> TransferCell:
        return TransferCell("sp", 64, lr, 1, loss, 0.5, status, 1.0)

    cells = [cell(1e-3, 0.5), cell(1e-2, float("inf"), "diverged"), cell(3e-3, 0.1, "stopped")]
    assert best_lrs(cells)["sp", 64].lr == 1e-3


TINY = TransferStudy(widths=(16, 32), lrs=(1e-3, 1e-2))


def tiny_spec(**fields: object) -> ExperimentSpec:
    return reduced_mup2022(hidden=(16, 16), base_width=16, batch_size=32, seeds=2, **fields)


def test_each_parametrization_trains_as_one_batched_group_per_width_with_per_run_lrs():
    groups: list[GroupStarted] = []
    cells = run_study(tiny_spec(), TINY,
                      on_event=lambda e: groups.append(e) if isinstance(e, GroupStarted) else None)
    assert len(groups) == 2 * 2  # (sp, mup) × widths
    for group in groups:
        assert len(group.runs) == 2 * 2  # lrs × seeds, one stacked model
        assert {dict(run.settings)["lr"] for run in group.runs} == set(TINY.lrs)
    assert [(c.param, c.width, c.lr) for c in cells] == [
        (p, w, lr) for p in ("sp", "mup") for w in TINY.widths for lr in TINY.lrs]
    assert all(c.status == "ok" and c.seeds == 2 for c in cells)


def alone(cell_spec: ExperimentSpec) -> float:
    """The old way: the cell as its own sweep; the mean final train loss of its seeds."""
    last: dict[int, float] = {}

    def keep(event: object) -> None:
        if isinstance(event, EpochFinished):
            last[event.run.index] = event.train_loss

    run_sweep(cell_spec, keep)
    return sum(last.values()) / len(last)


def test_every_cell_trains_as_it_would_alone():
    """The batched study is the cell-by-cell loop it replaced, up to float32 rounding
    (per-run Adam in the grid against the fused kernel alone)."""
    spec = tiny_spec()
    cells = run_study(spec, TINY)
    for cell_spec, cell in zip(cell_specs(spec, TINY), cells, strict=True):
        assert (cell_spec.param, cell_spec.hidden[0], cell_spec.lr) == \
            (cell.param, cell.width, cell.lr)
        assert cell.final_train_loss == pytest.approx(alone(cell_spec), rel=1e-4), cell


def test_a_stop_ends_the_group_in_training_and_starts_no_other():
    stop = threading.Event()
    arrived = []

    def on_cell(cell: TransferCell) -> None:
        arrived.append(cell)
        stop.set()  # after the first width's group: nothing else may start

    cells = run_study(tiny_spec(), TINY, on_cell=on_cell, stop=stop)
    assert [(c.param, c.width) for c in cells] == [("sp", 16), ("sp", 16)]
    assert cells == arrived


@pytest.mark.slow
def test_the_gpt_study_keeps_mups_best_lr_at_reduced_size():
    """mup2022-gpt at reduced size (a synthetic token stream, widths 16 and 64, 1 epoch):
    μP's best lr is the same at both widths; SP's falls, as in the full preset."""
    spec = replace(apply_preset(ExperimentSpec(device="cpu"), "mup2022-gpt"),
                   dataset="synthetic-text:train=512", hidden=(16, 16), base_width=16)
    study = TransferStudy(widths=(16, 64), lrs=(1e-3, 1e-2, 1e-1))
    cells = run_study(spec, study)
    assert all(cell.status == "ok" for cell in cells)
    best = best_lrs(cells)
    assert best["mup", 16].lr == best["mup", 64].lr == 1e-2
    assert (best["sp", 16].lr, best["sp", 64].lr) == (1e-2, 1e-3)  # measured here
    assert lr_shift(cells, "sp") == pytest.approx(-1) and lr_shift(cells, "mup") == 0
    # gpt's μP differs from SP at the base width only by attention's 1/d against 1/√d
    sp, mu = (next(c for c in cells if c.param == p and c.width == 16 and c.lr == 1e-2)
              for p in ("sp", "mup"))
    assert sp.final_train_loss != mu.final_train_loss
