"""`--stats-out` carries the measured pre-activation std and mean field's predictions."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import headless_stats

DATA = "synthetic:train=256,val=64,test=64,side=8,classes=4"


def test_predictions_sit_beside_the_measures_at_initialization(tmp_path: Path):
    rows = headless_stats(tmp_path, "--hidden", "256x6", "--activation", "tanh",
                  "--init", "xavier-normal,zeros", "--bias-init", "normal:std=0.1")
    xavier = [r for r in rows if r["init"] == "xavier-normal"]
    start = [r for r in xavier if r["epoch"] == "0"]
    assert [r["layer"] for r in start] == [str(layer) for layer in range(1, 7)]
    for row in start:
        measured, predicted = float(row["pre_act_std"]), float(row["mf_pre_act_std"])
        assert measured == pytest.approx(predicted, rel=0.1), row["layer"]
    last = start[-1]  # the backward prediction is anchored at the last hidden layer
    assert float(last["mf_pre_grad_std"]) == float(last["pre_grad_std"])
    assert all(float(r["mf_pre_grad_std"]) > 0 for r in start)
    later = [r for r in xavier if r["epoch"] == "1"]
    assert later and all(r["mf_pre_act_std"] == r["mf_pre_grad_std"] == "" for r in later)
    assert all(float(r["pre_act_std"]) > 0 for r in later)
    zeros = [r for r in rows if r["init"] == "zeros"]  # no theory: the cells stay empty
    assert zeros and all(r["mf_pre_act_std"] == "" for r in zeros)


def test_the_backward_prediction_follows_the_measured_gradient_down(tmp_path: Path):
    """Going down, ∂L/∂s shrinks by √(σ_w² E[φ'²]) per layer: faster at a smaller σ_w²."""
    rows = headless_stats(tmp_path, "--hidden", "256x5", "--activation", "tanh",
                  "--init", "normal:std=0.05,variance-scaling:scale=1.3")
    kept = {}
    for init in ("normal:std=0.05", "variance-scaling:scale=1.3"):
        start = [r for r in rows if r["init"] == init and r["epoch"] == "0"]
        for row in start:
            ratio = float(row["pre_grad_std"]) / float(row["mf_pre_grad_std"])
            assert ratio == pytest.approx(1.0, rel=0.15), (init, row["layer"])
        first, last = float(start[0]["mf_pre_grad_std"]), float(start[-1]["mf_pre_grad_std"])
        assert math.isfinite(first)
        kept[init] = first / last
    assert kept["normal:std=0.05"] < 0.5 < kept["variance-scaling:scale=1.3"] < 1
