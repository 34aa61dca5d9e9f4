"""mf_act_std: mean field's prediction of act_std, the std of a layer's output h = φ(s)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from inittui.core.results.stats_reading import read_layer_stats
from inittui.core.theory.activation_std import activation_std, first_moment
from inittui.core.theory.activations import FUNCTIONS
from tests.conftest import headless_stats

DATA = "synthetic:train=256,val=64,test=64,side=8,classes=4"


def _quad_mean(activation: str, q: float) -> float:
    phi = FUNCTIONS[activation][0]
    density = lambda u: math.exp(-u * u / (2 * q)) / math.sqrt(2 * math.pi * q)  # noqa: E731
    return integrate.quad(lambda u: float(phi(np.array([u]))[0]) * density(u), -40 * math.sqrt(q),
                          40 * math.sqrt(q), points=[0.0], limit=400)[0]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "gelu", "selu", "relu",
                                        "leaky-relu", "linear"])
@pytest.mark.parametrize("q", [0.05, 1.0, 7.0])
def test_the_first_moment_agrees_with_an_independent_integral(activation: str, q: float):
    assert float(first_moment(activation, q)) == pytest.approx(_quad_mean(activation, q),
                                                               abs=1e-8)


def test_the_std_pools_inputs_of_different_variance_as_a_measurement_does():
    """Half the inputs at q = 0.2, half at q = 3: the pooled std of a large sample of
    φ(√q z) over both halves, not the mean of the two stds."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal(2_000_000)
    qs = np.array([0.2, 3.0])
    for activation in ("tanh", "relu", "sigmoid"):
        phi = FUNCTIONS[activation][0]
        sample = np.concatenate([phi(math.sqrt(q) * z[i::2]) for i, q in enumerate(qs)])
        assert activation_std(activation, qs) == pytest.approx(float(sample.std()), rel=2e-3)
    assert activation_std("linear", 2.0) == pytest.approx(math.sqrt(2.0))
    assert activation_std("relu", 2.0) == pytest.approx(math.sqrt(1 - 1 / math.pi))


@pytest.mark.slow
def test_a_wide_tanh_net_measures_what_mean_field_predicts_for_act_std(tmp_path: Path):
    """Width 1024, 8 tanh layers, three σ_w² on either side of the ordered/chaotic line,
    biases of std 0.3: the measured std of every layer's output lies within 3 % of the
    prediction (finite width: the spread shrinks as 1/√width)."""
    inits = ("variance-scaling:scale=0.6", "xavier-normal", "variance-scaling:scale=2.5")
    rows = headless_stats(tmp_path, "--hidden", "1024x8", "--activation", "tanh",
                  "--init", ",".join(inits), "--bias-init", "normal:std=0.3")
    for init in inits:
        start = [r for r in rows if r["init"] == init and r["epoch"] == "0"]
        assert len(start) == 8
        for row in start:
            measured, predicted = float(row["act_std"]), float(row["mf_act_std"])
            assert measured == pytest.approx(predicted, rel=0.03), (init, row["layer"])
            # the prediction is of h, not of s: tanh squashes, so it lies below √q
            assert predicted < float(row["mf_pre_act_std"])
    later = [r for r in rows if r["epoch"] == "1"]
    assert later and all(r["mf_act_std"] == "" for r in later)


def test_relu_predicts_the_std_of_its_output_not_its_input(tmp_path: Path):
    """he-normal ReLU: s keeps its spread, h = relu(s) has std √q·√(1/2 − 1/(2π)) for one
    input's q (pooled over inputs of different q, a little more: their means differ)."""
    rows = headless_stats(tmp_path, "--hidden", "256x3", "--activation", "relu",
                  "--init", "he-normal,zeros")
    start = [r for r in rows if r["init"] == "he-normal" and r["epoch"] == "0"]
    for row in start:
        pre, act = float(row["mf_pre_act_std"]), float(row["mf_act_std"])
        one_q = pre * math.sqrt(0.5 - 0.5 / math.pi)
        assert one_q <= act <= one_q * 1.01
        assert float(row["act_std"]) == pytest.approx(act, rel=0.15)
    assert all(r["mf_act_std"] == "" for r in rows if r["init"] == "zeros")


def test_a_statistics_file_from_before_the_column_still_loads(tmp_path: Path):
    old = tmp_path / "old.csv"
    old.write_text("run_id,init,seed,epoch,layer,act_mean,act_std,grad_std,wgrad_std,"
                   "dead_frac,distinct_units,pre_grad_std,dead_units,pre_act_std,"
                   "mf_pre_act_std,mf_pre_grad_std\n"
                   "r0,he-normal,0,0,1,0.1,0.8,1e-3,2e-3,0.0,16,5e-4,0,1.2,1.19,5e-4\n")
    [row] = read_layer_stats(old)
    assert row.value("act_std") == 0.8 and row.value("mf_pre_act_std") == 1.19
    assert row.value("mf_act_std") is None
