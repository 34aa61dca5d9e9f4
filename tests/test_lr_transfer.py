"""mup2022's learning-rate transfer at reduced size: μP's best lr stays put, SP's moves."""

from __future__ import annotations

from dataclasses import replace

import pytest

from inittui.core.lr_transfer import cell_specs, run_study
from inittui.core.presets import PRESETS, TransferStudy, apply_preset
from inittui.core.specs import ExperimentSpec
from inittui.core.width_records import TransferCell, best_lrs, lr_shift

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
    assert lr_shift(cells, "mup") == 0
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
