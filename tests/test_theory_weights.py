"""σ_w² and σ_b² of every initializer: the value theory uses is what the real draw gives."""

from __future__ import annotations

import pytest
import torch

from inittui.core.init.draws import (
    draw_bias,
    draw_weight,
    parse_bias_initializer,
    parse_initializer,
)
from inittui.core.init.registry import bias_registry, registry
from inittui.core.theory.weights import NotMeanField, layer_variances

EXPECTED = {  # name as parsed → σ_w² of a 784 → 128 layer, then of a 128 → 128 one
    "normal": (0.0784, 0.0128),
    "uniform": (784 * 0.1 ** 2 / 12, 128 * 0.1 ** 2 / 12),
    "truncated-normal": (784 * (0.05 * 0.8796)**2, 128 * (0.05 * 0.8796)**2),
    "lecun-normal": (1.0, 1.0),
    "lecun-uniform": (1.0, 1.0),
    "xavier-normal": (2 * 784 / 912, 1.0),
    "xavier-uniform": (2 * 784 / 912, 1.0),
    "he-normal": (2.0, 2.0),
    "he-uniform": (2.0, 2.0),
    "orthogonal": (1.0, 1.0),
    "delta-orthogonal": (1.0, 1.0),  # on a dense layer, plain orthogonal
    "pytorch-default": (1 / 3, 1 / 3),
    "variance-scaling": (1.0, 1.0),
}
NOT_MEAN_FIELD = ("zeros", "constant", "lsuv", "fixup", "skipinit", "zero-residual", "gpt2",
                  "small-embedding")


def test_every_registry_entry_is_covered():
    assert {info.name for info in registry()} == set(EXPECTED) | set(NOT_MEAN_FIELD)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sigma_w2_is_fan_in_times_the_drawn_variance(name: str):
    got = layer_variances(name, "zeros", "relu", (784, 128, 128)).sigma_w2
    assert got == pytest.approx(EXPECTED[name], rel=1e-3)
    g = torch.Generator().manual_seed(0)
    for (fan_in, fan_out), want in zip(((784, 128), (128, 128)), got):
        w = draw_weight(parse_initializer(name), (fan_out, fan_in), "relu", g).double()
        assert fan_in * float(w.square().mean()) == pytest.approx(want, rel=0.03)


@pytest.mark.parametrize(("text", "want"), [
    ("he-normal:mode=fan_out", (2 * 784 / 128, 2.0)),
    ("orthogonal:gain=2", (4.0, 4.0)),
    ("orthogonal:gain=auto", ((5 / 3) ** 2, (5 / 3) ** 2)),  # on tanh
    ("variance-scaling:scale=2.5", (2.5, 2.5)),
    ("variance-scaling:scale=3,mode=fan_avg,distribution=uniform", (3 * 784 / 456, 3.0)),
    ("xavier-normal:gain=2,truncated=true", (4 * 2 * 784 / 912, 4.0)),
    ("HeNormal", (2.0, 2.0)),
    ("RandomNormal", (784 * 0.05 ** 2, 128 * 0.05 ** 2)),
])
def test_parameters_and_keras_spellings(text: str, want: tuple[float, float]):
    got = layer_variances(text, "zeros", "tanh", (784, 128, 128)).sigma_w2
    assert got == pytest.approx(want, rel=1e-3)
    g = torch.Generator().manual_seed(1)
    for (fan_in, fan_out), value in zip(((784, 128), (128, 128)), got):
        w = draw_weight(parse_initializer(text), (fan_out, fan_in), "tanh", g).double()
        assert fan_in * float(w.square().mean()) == pytest.approx(value, rel=0.03)


def test_orthogonal_with_more_rows_than_columns_spreads_the_gain():
    (got,) = layer_variances("orthogonal", "zeros", "relu", (64, 256)).sigma_w2
    assert got == pytest.approx(64 / 256)
    w = draw_weight(parse_initializer("orthogonal"), (256, 64), "relu",
                    torch.Generator().manual_seed(0)).double()
    assert 64 * float(w.square().mean()) == pytest.approx(got, rel=1e-6)  # float32 draw


@pytest.mark.parametrize("name", NOT_MEAN_FIELD)
def test_entries_outside_mean_field_say_why(name: str):
    with pytest.raises(NotMeanField, match=r"\w+ \w+"):
        layer_variances(name, "zeros", "relu", (784, 128))


@pytest.mark.parametrize(("text", "want"), [
    ("zeros", 0.0), ("constant:value=0", 0.0), ("normal:std=0.2", 0.04),
    ("uniform:a=-0.3,b=0.3", 0.36 / 12), ("pytorch-default", None)])
def test_sigma_b2_is_the_drawn_bias_variance(text: str, want: float | None):
    got = layer_variances("he-normal", text, "relu", (784, 128)).sigma_b2[0]
    want = 1 / (3 * 784) if want is None else want
    assert got == pytest.approx(want)
    b = draw_bias(parse_bias_initializer(text), 784, 20000, torch.Generator().manual_seed(0))
    assert float(b.double().square().mean()) == pytest.approx(want, rel=0.05, abs=1e-12)


def test_every_bias_entry_is_covered_and_nonzero_means_are_refused():
    assert {info.name for info in bias_registry()} == {"zeros", "constant", "normal",
                                                       "uniform", "pytorch-default"}
    assert layer_variances("he-normal", "uniform", "relu", (784, 128)).sigma_b2 == \
        pytest.approx((0.01 / 12,))  # U(-0.05, 0.05) by default
    with pytest.raises(NotMeanField, match="not zero-mean"):
        layer_variances("he-normal", "constant", "relu", (784, 128))  # 0.01 by default
    with pytest.raises(NotMeanField, match="nonzero mean"):
        layer_variances("he-normal", "uniform:a=0,b=0.1", "relu", (784, 128))
