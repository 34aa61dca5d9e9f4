"""Mean-field predictions: the phase table, the maps' fixed points, and real wide nets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.theory.mean_field import (
    correlation_map,
    fixed_point,
    phase_of,
    variance_map,
)
from inittui.core.theory.predict import NoTheory, RunTheory, run_theory


def test_he_normal_relu_is_critical_with_unbounded_depth_scale():
    theory = run_theory(ExperimentSpec(hidden=(128,) * 8, activation="relu"),
                        RunPlan(0, "he-normal", 0), 784, np.array([1.0]))
    assert isinstance(theory, RunTheory)
    assert theory.phase.sigma_w2 == 2.0 and theory.phase.sigma_b2 == 0.0
    assert theory.phase.chi1 == pytest.approx(1.0)
    assert theory.phase.phase == "critical"
    assert math.isinf(theory.phase.xi_c) and math.isinf(theory.phase.trainable_depth)
    # critical ReLU keeps every input's variance: q^l = q¹ = 2·mean(x²)
    assert theory.pre_act_std == pytest.approx((math.sqrt(2.0),) * 8)


def test_normal_001_is_deep_in_the_ordered_phase():
    theory = run_theory(ExperimentSpec(hidden=(128,) * 4, activation="tanh"),
                        RunPlan(0, "normal:std=0.01", 0), 784, np.array([1.0]))
    assert isinstance(theory, RunTheory)
    assert theory.variances.sigma_w2[0] == pytest.approx(0.0784)  # 784 inputs
    assert theory.phase.sigma_w2 == pytest.approx(0.0128)  # hidden→hidden, 128 wide
    assert theory.phase.phase == "ordered"
    assert theory.phase.q_star == 0.0
    assert theory.phase.chi1 == pytest.approx(0.0128)  # tanh'(0)² = 1
    assert theory.phase.xi_c == pytest.approx(-1 / math.log(0.0128))
    assert theory.phase.trainable_depth < 2


@pytest.mark.parametrize(("activation", "w2", "b2"), [
    ("tanh", 1.5, 0.05), ("tanh", 3.0, 0.05), ("selu", 1.0, 0.0), ("sigmoid", 4.0, 0.5),
    ("gelu", 2.0, 0.1), ("relu", 1.5, 0.2)])
def test_fixed_point_is_fixed_and_chi1_is_the_correlation_map_s_slope(activation, w2, b2):
    q = fixed_point(activation, w2, b2)
    assert variance_map(activation, q, w2, b2) == pytest.approx(q, rel=1e-9, abs=1e-12)
    phase = phase_of(activation, w2, b2)
    eps = 1e-7  # ReLU's map bends like (1 − c)^(3/2): the error is ~√eps
    slope = (1 - correlation_map(activation, q, 1 - eps, w2, b2)) / eps
    assert phase.chi1 == pytest.approx(slope, rel=2e-3)


def test_chaotic_tanh_has_a_stable_correlation_below_one():
    phase = phase_of("tanh", 3.0, 0.05)
    assert phase.phase == "chaotic" and phase.chi1 > 1
    assert 0 < phase.c_star < 1
    assert correlation_map("tanh", phase.q_star, phase.c_star, 3.0, 0.05) == pytest.approx(
        phase.c_star, abs=1e-8)
    assert 0 < phase.xi_c < math.inf


def test_xi_c_is_the_measured_decay_of_a_perturbed_correlation():
    """Near c*, |c^l − c*| shrinks by e^(−1/ξ_c) per layer: iterate the map and see."""
    phase = phase_of("tanh", 1.2, 0.05)
    assert phase.phase == "ordered"
    c, gaps = 1 - 1e-4, []
    for _ in range(6):
        c = correlation_map("tanh", phase.q_star, c, 1.2, 0.05)
        gaps.append(1 - c)
    rate = gaps[-1] / gaps[-2]
    assert -1 / math.log(rate) == pytest.approx(phase.xi_c, rel=1e-2)


@pytest.mark.parametrize(("model", "param", "init", "bias", "why"), [
    ("cnn", "sp", "he-normal", "zeros", "convolutional"),
    ("resmlp", "sp", "he-normal", "zeros", "residual"),
    ("gpt", "sp", "gpt2", "zeros", "transformer"),
    ("mlp", "mup", "he-normal", "zeros", "μP"),
    ("mlp", "sp", "zeros", "zeros", "not random"),
    ("mlp", "sp", "constant:value=0.1", "zeros", "not random"),
    ("mlp", "sp", "lsuv", "zeros", "lsuv"),
    ("mlp", "sp", "he-normal", "constant:value=0.1", "not zero-mean"),
])
def test_no_prediction_where_mean_field_does_not_apply(model, param, init, bias, why):
    spec = ExperimentSpec(model=model, param=param, activation="relu", bias_init=bias)
    theory = run_theory(spec, RunPlan(0, init, 0, bias), 784, np.array([1.0]))
    assert isinstance(theory, NoTheory) and why in theory.reason


def _measured_pre_act_std(init: str, bias: str, activation: str, depth: int, width: int):
    """Draw a real net with the project's initializers, push real MNIST digits through."""
    import torch

    from inittui.core.data.datasets import load_dataset
    from inittui.core.init.draws import (
        draw_bias,
        draw_weight,
        parse_bias_initializer,
        parse_initializer,
    )
    from inittui.core.models.activations import ACTIVATIONS

    data = load_dataset("mnist-5k", None, False, 0.15)
    x = data.x_train[:512].flatten(1).double()
    g = torch.Generator().manual_seed(0)
    h, stds = x, []
    for _ in range(depth):
        w = draw_weight(parse_initializer(init), (width, h.shape[1]), activation, g).double()
        b = draw_bias(parse_bias_initializer(bias), h.shape[1], width, g).double()
        s = h @ w.T + b
        stds.append(float(s.std()))
        h = ACTIVATIONS[activation].forward(s)
    return x.square().mean(dim=1).numpy(), stds


@pytest.mark.slow
@pytest.mark.parametrize(("init", "bias"), [
    ("xavier-normal", "zeros"), ("he-normal", "normal:std=0.2"),
    ("variance-scaling:scale=2.5,distribution=untruncated_normal", "normal:std=0.3")])
def test_twenty_layer_tanh_at_width_1024_follows_the_prediction(init: str, bias: str):
    squares, measured = _measured_pre_act_std(init, bias, "tanh", 20, 1024)
    theory = run_theory(ExperimentSpec(hidden=(1024,) * 20, activation="tanh",
                                       bias_init=bias), RunPlan(0, init, 0, bias), 784, squares)
    assert isinstance(theory, RunTheory)
    for layer, (got, want) in enumerate(zip(measured, theory.pre_act_std), start=1):
        assert got == pytest.approx(want, rel=0.04), f"layer {layer}"  # seen: ≤ 3.0 %
