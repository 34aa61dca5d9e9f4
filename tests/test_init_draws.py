"""The initializer registry, specified: each entry draws what PyTorch or Keras would draw.

Statistical checks derive their tolerances from the sample size (five standard errors), and
every draw uses a fixed seed, so they are exact specifications, not flaky ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch
from torch import nn
from torch.nn import init

from inittui.core.errors import SpecError
from inittui.core.init.draws import (
    activation_gain,
    bias_registry,
    draw_bias,
    draw_weight,
    parse_bias_initializer,
    parse_initializer,
    registry,
)
from inittui.core.init.roles import STRUCTURAL_NEEDS
from inittui.core.spec.experiment import ACTIVATIONS, parse_inits

SHAPES = [(256, 784), (64, 512), (10, 64), (32, 16, 3, 3)]
FLOAT32_EPS = torch.finfo(torch.float32).eps
TRUNCATED_AT_TWO_STD = math.sqrt(
    1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(2 / math.sqrt(2)))
"""Std of a standard normal cut at ±2, from its density (not from the module under test):
1 - 2·2·φ(2)/(Φ(2) - Φ(-2))."""


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """PyTorch's convention: weight (out, in, *kernel), fan_in = in·k, fan_out = out·k."""
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def draw(label: str, shape: tuple[int, ...], activation: str = "tanh", seed: int = 0):
    return draw_weight(parse_initializer(label), shape, activation, seeded(seed))


# --- Bitwise equality with torch.nn.init -------------------------------------------------

def keras_truncated(std: float) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """Keras' truncated draw on torch's trunc_normal_: σ' = std/0.8796, cut at ±2σ'."""
    raw = std / TRUNCATED_AT_TWO_STD
    return lambda t, g: init.trunc_normal_(t, 0.0, raw, -2 * raw, 2 * raw, generator=g)


def torch_std(tensor: torch.Tensor, nonlinearity: str, mode: str = "fan_in") -> float:
    """The std torch's kaiming_normal_ uses, computed the way torch computes it."""
    fan_in, fan_out = fans(tuple(tensor.shape))
    fan = fan_in if mode == "fan_in" else fan_out
    return init.calculate_gain(nonlinearity) / math.sqrt(fan)  # type: ignore[arg-type]


def xavier_std(tensor: torch.Tensor, gain: float = 1.0) -> float:
    fan_in, fan_out = fans(tuple(tensor.shape))
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


# (label, activation, the torch.nn.init call it must equal bit for bit). Not here: zeros and
# constant (checked exactly below) and variance-scaling (Keras only; checked statistically).
TORCH_EQUIVALENTS = [
    ("normal", "relu", lambda t, g: init.normal_(t, 0.0, 0.01, generator=g)),
    ("uniform", "relu", lambda t, g: init.uniform_(t, -0.05, 0.05, generator=g)),
    ("truncated-normal", "relu",
     lambda t, g: init.trunc_normal_(t, 0.0, 0.05, -0.1, 0.1, generator=g)),
    ("lecun-normal", "relu",
     lambda t, g: init.kaiming_normal_(t, nonlinearity="linear", generator=g)),
    ("lecun-uniform", "relu",
     lambda t, g: init.kaiming_uniform_(t, nonlinearity="linear", generator=g)),
    ("xavier-normal", "relu", lambda t, g: init.xavier_normal_(t, generator=g)),
    ("xavier-normal:gain=2", "relu", lambda t, g: init.xavier_normal_(t, 2.0, generator=g)),
    ("xavier-uniform", "relu", lambda t, g: init.xavier_uniform_(t, generator=g)),
    ("xavier-uniform:gain=0.5", "relu",
     lambda t, g: init.xavier_uniform_(t, 0.5, generator=g)),
    ("he-normal", "tanh",
     lambda t, g: init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu", generator=g)),
    ("he-normal:mode=fan_out", "tanh",
     lambda t, g: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", generator=g)),
    ("he-uniform", "tanh",
     lambda t, g: init.kaiming_uniform_(t, mode="fan_in", nonlinearity="relu", generator=g)),
    ("he-uniform:mode=fan_out", "tanh",
     lambda t, g: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", generator=g)),
    ("orthogonal:gain=auto", "tanh",
     lambda t, g: init.orthogonal_(t, init.calculate_gain("tanh"), generator=g)),
    ("orthogonal:gain=auto", "relu",
     lambda t, g: init.orthogonal_(t, init.calculate_gain("relu"), generator=g)),
    ("orthogonal", "relu", lambda t, g: init.orthogonal_(t, generator=g)),  # gain 1, as Keras
    ("Orthogonal", "tanh", lambda t, g: init.orthogonal_(t, 1.0, generator=g)),
    ("pytorch-default", "relu",
     lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g)),
    ("lsuv", "tanh", lambda t, g: init.orthogonal_(t, 1.0, generator=g)),
    ("normal:std=0.05,truncated=true", "relu",
     lambda t, g: keras_truncated(0.05)(t, g)),
    ("lecun-normal:truncated=true", "relu",
     lambda t, g: keras_truncated(torch_std(t, "linear"))(t, g)),
    ("xavier-normal:truncated=true", "relu",
     lambda t, g: keras_truncated(xavier_std(t))(t, g)),
    ("he-normal:mode=fan_out,truncated=true", "relu",
     lambda t, g: keras_truncated(torch_std(t, "relu", "fan_out"))(t, g)),
]


@pytest.mark.parametrize("shape", [(64, 512), (32, 16, 3, 3)])
@pytest.mark.parametrize(("label", "activation", "reference"), TORCH_EQUIVALENTS)
def test_draw_is_bitwise_the_torch_init_function(label, activation, reference, shape):
    expected = reference(torch.empty(shape), seeded(7))
    assert torch.equal(draw(label, shape, activation, seed=7), expected)


@pytest.mark.parametrize("make", [lambda: nn.Linear(784, 256), lambda: nn.Conv2d(16, 32, 3)])
def test_pytorch_default_weight_and_bias_are_what_nn_layers_draw(make):
    with torch.random.fork_rng():
        torch.manual_seed(3)
        layer = make()
    generator = seeded(3)
    weight = draw_weight(
        parse_initializer("pytorch-default"), tuple(layer.weight.shape), "relu", generator
    )
    fan_in = weight[0].numel()
    bias = draw_bias(parse_bias_initializer("pytorch-default"), fan_in, len(weight), generator)
    assert torch.equal(weight, layer.weight.detach())
    assert torch.equal(bias, layer.bias.detach())


# --- Every entry follows its formula -----------------------------------------------------

@dataclass(frozen=True)
class Law:
    """What a formula promises: mean, std, support [low, high]; flat: uniform on it."""

    mean: float
    std: float
    low: float = -math.inf
    high: float = math.inf
    flat: bool = False


def point(value: float) -> Law:
    return Law(value, 0.0, value, value)


def gaussian(std: float) -> Law:
    return Law(0.0, std)


def flat(low: float, high: float) -> Law:
    return Law((low + high) / 2, (high - low) / math.sqrt(12), low, high, flat=True)


def symmetric(bound: float) -> Law:
    return flat(-bound, bound)


def cut_at_two(raw: float) -> Law:
    """N(0, raw²) cut at ±2·raw: its std is 0.8796·raw (derived in a test below)."""
    return Law(0.0, TRUNCATED_AT_TWO_STD * raw, -2 * raw, 2 * raw)


def keras(std: float) -> Law:
    """Keras' truncated normal keeps the target std: raw = std/0.8796, cut at ±2·raw."""
    return cut_at_two(std / TRUNCATED_AT_TWO_STD)


def semi_orthogonal(gain: float, rows: int, cols: int) -> Law:
    """gain·Q with orthonormal rows (or columns): Σw² = gain²·min(rows, cols) exactly."""
    return gaussian(gain / math.sqrt(max(rows, cols)))


# label -> law, from (fan_in, fan_out, rows, cols); orthogonal's auto gain is drawn for tanh.
LAWS: dict[str, Callable[[int, int, int, int], Law]] = {
    "zeros": lambda fi, fo, r, c: point(0.0),
    "constant": lambda fi, fo, r, c: point(0.0),
    "constant:value=-2.5": lambda fi, fo, r, c: point(-2.5),
    "normal": lambda fi, fo, r, c: gaussian(0.01),
    "normal:std=0.05,truncated=true": lambda fi, fo, r, c: keras(0.05),
    "uniform": lambda fi, fo, r, c: flat(-0.05, 0.05),
    "uniform:a=0,b=1": lambda fi, fo, r, c: flat(0.0, 1.0),
    "truncated-normal": lambda fi, fo, r, c: cut_at_two(0.05),
    "lecun-normal": lambda fi, fo, r, c: gaussian(math.sqrt(1 / fi)),
    "lecun-normal:truncated=true": lambda fi, fo, r, c: keras(math.sqrt(1 / fi)),
    "lecun-uniform": lambda fi, fo, r, c: symmetric(math.sqrt(3 / fi)),
    "xavier-normal": lambda fi, fo, r, c: gaussian(math.sqrt(2 / (fi + fo))),
    "xavier-normal:gain=2,truncated=true":
        lambda fi, fo, r, c: keras(2 * math.sqrt(2 / (fi + fo))),
    "xavier-uniform": lambda fi, fo, r, c: symmetric(math.sqrt(6 / (fi + fo))),
    "xavier-uniform:gain=0.5": lambda fi, fo, r, c: symmetric(0.5 * math.sqrt(6 / (fi + fo))),
    "he-normal": lambda fi, fo, r, c: gaussian(math.sqrt(2 / fi)),
    "he-normal:mode=fan_out": lambda fi, fo, r, c: gaussian(math.sqrt(2 / fo)),
    "he-normal:truncated=true": lambda fi, fo, r, c: keras(math.sqrt(2 / fi)),
    "he-uniform": lambda fi, fo, r, c: symmetric(math.sqrt(6 / fi)),
    "he-uniform:mode=fan_out": lambda fi, fo, r, c: symmetric(math.sqrt(6 / fo)),
    "orthogonal": lambda fi, fo, r, c: semi_orthogonal(1.0, r, c),
    "orthogonal:gain=auto": lambda fi, fo, r, c: semi_orthogonal(5 / 3, r, c),
    "orthogonal:gain=0.5": lambda fi, fo, r, c: semi_orthogonal(0.5, r, c),
    # Only the centre tap is drawn: Σw² = gain²·min(out, in) over out·in·k entries, so the
    # std is gain/√max(fan_in, fan_out) (a dense layer's is orthogonal's).
    "delta-orthogonal": lambda fi, fo, r, c: gaussian(1 / math.sqrt(max(fi, fo))),
    "delta-orthogonal:gain=auto": lambda fi, fo, r, c: gaussian(5 / 3 / math.sqrt(max(fi, fo))),
    "pytorch-default": lambda fi, fo, r, c: symmetric(1 / math.sqrt(fi)),
    "lsuv": lambda fi, fo, r, c: semi_orthogonal(1.0, r, c),
    "variance-scaling": lambda fi, fo, r, c: keras(math.sqrt(1 / fi)),
    "variance-scaling:distribution=uniform,mode=fan_avg,scale=2":
        lambda fi, fo, r, c: symmetric(math.sqrt(3 * 2 / ((fi + fo) / 2))),
    "variance-scaling:distribution=untruncated_normal,mode=fan_out":
        lambda fi, fo, r, c: gaussian(math.sqrt(1 / fo)),
}


def assert_follows(weight: torch.Tensor, law: Law) -> None:
    """Mean and std within 5 standard errors; every value inside the support.

    The std's standard error σ/√(2n) is a normal's; uniform and truncated draws have lighter
    tails and a smaller one, so the check is conservative. `rounding` allows for float32.
    """
    x = weight.double().flatten()
    n = x.numel()
    rounding = FLOAT32_EPS * (abs(law.mean) + law.std)
    assert abs(x.mean().item() - law.mean) <= 5 * law.std / math.sqrt(n) + rounding
    assert abs(x.std().item() - law.std) <= 5 * law.std / math.sqrt(2 * n) + rounding
    edge = FLOAT32_EPS * max(abs(law.low), abs(law.high))
    assert law.low - edge <= x.min().item() and x.max().item() <= law.high + edge
    if law.flat:  # a uniform sample leaves a gap of width·10/n at an end with p < e^-10
        reach = (law.high - law.low) * 10 / n
        assert x.min().item() <= law.low + reach and x.max().item() >= law.high - reach


def test_laws_cover_every_registry_entry():
    """Structural schemes draw by parameter role; tests/test_roles.py holds their laws."""
    assert {parse_initializer(label).info.name for label in LAWS} == {
        info.name for info in registry()
    } - set(STRUCTURAL_NEEDS)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("label", list(LAWS))
def test_draw_follows_the_formula(label, shape):
    fan_in, fan_out = fans(shape)
    law = LAWS[label](fan_in, fan_out, shape[0], math.prod(shape[1:]))
    weight = draw(label, shape, "tanh")
    assert weight.shape == shape and weight.dtype == torch.float32
    assert_follows(weight, law)


def test_keras_constant_is_the_std_of_a_standard_normal_cut_at_two():
    from inittui.core.init.draws import KERAS_TRUNCATED_STD

    assert pytest.approx(KERAS_TRUNCATED_STD, 1e-15) == TRUNCATED_AT_TWO_STD


@pytest.mark.parametrize(
    ("keras_name", "std"),
    [
        ("HeNormal", lambda fi, fo: math.sqrt(2 / fi)),
        ("GlorotNormal", lambda fi, fo: math.sqrt(2 / (fi + fo))),
        ("LecunNormal", lambda fi, fo: math.sqrt(1 / fi)),
        ("VarianceScaling", lambda fi, fo: math.sqrt(1 / fi)),
    ],
)
def test_keras_normal_classes_are_truncated_at_two_raw_sigma_and_keep_the_target_std(
    keras_name, std
):
    shape = (256, 784)
    target = std(*fans(shape))
    raw = target / TRUNCATED_AT_TWO_STD
    weight = draw(keras_name, shape).double()
    assert weight.abs().max().item() <= 2 * raw * (1 + FLOAT32_EPS)
    n = weight.numel()
    assert abs(weight.std().item() - target) <= 5 * target / math.sqrt(2 * n)


@pytest.mark.parametrize("shape", [(64, 512), (512, 64), (64, 64), (32, 16, 3, 3), (4, 8, 5, 5)])
@pytest.mark.parametrize(("label", "activation", "gain"), [
    ("orthogonal:gain=auto", "tanh", 5 / 3),
    ("orthogonal:gain=auto", "relu", math.sqrt(2)),
    ("orthogonal", "relu", 1.0),
    ("Orthogonal", "relu", 1.0),
    ("orthogonal:gain=0.5", "relu", 0.5),
    ("lsuv", "relu", 1.0),
])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(label, activation, gain, shape):
    w = draw(label, shape, activation).double().reshape(shape[0], -1)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    identity = torch.eye(len(gram), dtype=torch.float64)
    assert (gram - gain**2 * identity).abs().max().item() <= 1e-5 * gain**2  # float32 QR


@pytest.mark.parametrize("shape", [(32, 16, 3, 3), (16, 32, 5, 5), (8, 8, 4, 4), (8, 4, 3)])
@pytest.mark.parametrize(("label", "gain"), [("delta-orthogonal", 1.0),
                                             ("delta-orthogonal:gain=auto", 5 / 3)])
def test_delta_orthogonal_is_orthogonal_at_the_centre_tap_and_zero_elsewhere(label, gain,
                                                                           shape):
    """Xiao et al. 2018: the kernel is a delta in space, an orthogonal map across channels;
    the centre tap is torch's orthogonal_ of an (out, in) matrix, from the same generator."""
    weight = draw(label, shape, "tanh", seed=3)
    centre = (slice(None), slice(None), *(k // 2 for k in shape[2:]))
    expected = torch.zeros(shape)
    expected[centre] = init.orthogonal_(torch.empty(shape[:2]), gain, generator=seeded(3))
    assert torch.equal(weight, expected)
    tap = weight[centre].double()
    gram = tap @ tap.T if shape[0] <= shape[1] else tap.T @ tap
    assert (gram - gain**2 * torch.eye(len(gram), dtype=torch.float64)).abs().max() <= 1e-5


@pytest.mark.parametrize("shape", [(64, 512), (512, 64)])
def test_delta_orthogonal_of_a_dense_layer_is_orthogonal(shape):
    assert torch.equal(draw("delta-orthogonal:gain=auto", shape, "relu", seed=4),
                       draw("orthogonal:gain=auto", shape, "relu", seed=4))


def test_zeros_and_constant_are_exact():
    assert torch.equal(draw("zeros", (10, 64)), torch.zeros(10, 64))
    assert torch.equal(draw("constant", (10, 64)), torch.zeros(10, 64))  # Keras Constant()
    assert torch.equal(draw("constant:value=-2.5", (3, 2, 3, 3)), torch.full((3, 2, 3, 3), -2.5))


# --- Activation gains --------------------------------------------------------------------

GAINS = {
    "relu": math.sqrt(2),
    "leaky-relu": math.sqrt(2 / (1 + 0.01**2)),
    "tanh": 5 / 3,
    "sigmoid": 1.0,
    "gelu": math.sqrt(2),
    "selu": 3 / 4,
    "linear": 1.0,
}


def test_gains_cover_every_activation():
    assert set(GAINS) == set(ACTIVATIONS)


@pytest.mark.parametrize(("activation", "gain"), GAINS.items())
def test_activation_gain_is_torch_calculate_gain(activation, gain):
    assert activation_gain(activation) == pytest.approx(gain, rel=1e-15)


def test_gelu_takes_relus_gain_within_ten_percent_of_exact_variance_matching():
    z = torch.linspace(-12, 12, 200_001, dtype=torch.float64)
    density = torch.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    second_moment = (nn.functional.gelu(z) ** 2 * density).sum() * (z[1] - z[0])
    exact = 1 / math.sqrt(second_moment.item())
    assert abs(activation_gain("gelu") - exact) / exact < 0.1


def test_unknown_activation_is_a_spec_error():
    with pytest.raises(SpecError, match="did you mean 'leaky-relu'") as caught:
        draw("he-normal", (4, 4), "leaky_relu")
    assert caught.value.field == "activation"


# --- Parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("glorot-normal", "xavier-normal"),
        ("GLOROT-UNIFORM", "xavier-uniform"),
        ("kaiming-normal", "he-normal"),
        ("Kaiming_Uniform_", "he-uniform"),
        ("xavier_normal_", "xavier-normal"),
        ("trunc_normal_", "truncated-normal"),
        ("Zeros", "zeros"),
        ("Constant", "constant"),
        ("RandomNormal", "normal:std=0.05"),
        ("randomnormal", "normal:std=0.05"),
        ("RandomUniform", "uniform"),
        ("TruncatedNormal", "truncated-normal"),
        ("GlorotNormal", "xavier-normal:truncated=true"),
        ("GlorotUniform", "xavier-uniform"),
        ("HeNormal", "he-normal:truncated=true"),
        ("HeUniform", "he-uniform"),
        ("LecunNormal", "lecun-normal:truncated=true"),
        ("LecunUniform", "lecun-uniform"),
        ("Orthogonal", "orthogonal"),
        ("VarianceScaling", "variance-scaling"),
        ("HeNormal:mode=fan_out", "he-normal:mode=fan_out,truncated=true"),
        ("HeNormal:truncated=false", "he-normal"),
        (" He-Normal : Mode = FAN_OUT , truncated = TRUE ",
         "he-normal:mode=fan_out,truncated=true"),
    ],
)
def test_aliases_and_case_resolve_to_a_canonical_label(text, label):
    assert parse_initializer(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("normal:std=0.01", "normal"),
        ("normal:std=1e-3", "normal:std=0.001"),
        ("normal:truncated=true,std=0.05", "normal:std=0.05,truncated=true"),
        ("xavier-normal:gain=1.0", "xavier-normal"),
        ("xavier-normal:gain=2.50", "xavier-normal:gain=2.5"),
        ("orthogonal:gain=AUTO", "orthogonal:gain=auto"),
        ("orthogonal:gain=1", "orthogonal"),
        ("he-uniform:mode=fan-out", "he-uniform:mode=fan_out"),
    ],
)
def test_label_keeps_only_non_default_parameters_sorted(text, label):
    assert parse_initializer(text).label == label


@pytest.mark.parametrize(
    "label", [info.name for info in registry()] + [*LAWS, *(t[0] for t in TORCH_EQUIVALENTS)]
)
def test_label_round_trips(label):
    choice = parse_initializer(label)
    assert parse_initializer(choice.label) == choice
    assert parse_initializer(choice.label).label == choice.label


def test_params_are_complete_and_the_choice_is_hashable():
    choice = parse_initializer("HeNormal")
    assert choice.params == {"mode": "fan_in", "truncated": True}
    assert choice == parse_initializer("he-normal:truncated=true")
    assert len({choice, parse_initializer("he-normal:truncated=true")}) == 1


def test_spec_accepts_comma_separated_parameters():
    assert parse_inits("normal:std=0.05,he-normal:mode=fan_out,truncated=true,HeNormal") == (
        "normal:std=0.05", "he-normal:mode=fan_out,truncated=true", "he-normal:truncated=true",
    )


def test_unknown_name_suggests_the_closest():
    with pytest.raises(SpecError, match="did you mean 'he-normal'") as caught:
        parse_initializer("he-norml")
    assert caught.value.field == "init"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("he-normal:mode=fan_avg", "mode must be one of fan_in, fan_out"),
        ("normal:std=-1", "std must be greater than 0"),
        ("normal:std=0", "std must be greater than 0"),
        ("normal:std=abc", "std must be a number"),
        ("normal:std=nan", "std must be finite"),
        ("normal:truncated=maybe", "truncated must be true or false"),
        ("uniform:a=0.1,b=-0.1", "a must be less than b"),
        ("orthogonal:gain=big", "gain must be a number or auto"),
        ("normal:std=0.1,std=0.2", "given twice"),
        ("normal:sd=0.1", "bad parameter 'sd=0.1' for normal (keys: std, truncated)"),
        ("normal:std", "bad parameter 'std'"),
        ("zeros:value=1", "bad parameter 'value=1' for zeros"),
        ("xavier-uniform:truncated=true", "bad parameter 'truncated=true'"),
    ],
)
def test_bad_parameter_is_a_one_line_spec_error(text, says):
    with pytest.raises(SpecError) as caught:
        parse_initializer(text)
    assert caught.value.field == "init"
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


# --- The registry's contents -------------------------------------------------------------

def test_registry_entries_are_documented_for_the_ui():
    for info in registry():
        assert info.formula and "\n" not in info.formula, info.name
        assert re.search(r"\b(19|20)\d\d\b", info.paper), info.name
        assert info.suits and set(info.suits) <= set(ACTIVATIONS), info.name
        assert info.note and "\n" not in info.note, info.name
    for info in bias_registry():
        assert info.formula and info.paper and set(info.suits) <= set(ACTIVATIONS), info.name


@pytest.mark.parametrize("entries", [registry(), bias_registry()])
def test_names_and_aliases_are_unambiguous(entries):
    spellings = [name.lower() for info in entries for name in (info.name, *info.aliases)]
    assert len(spellings) == len(set(spellings))


def test_only_lsuv_needs_data():
    assert [info.name for info in registry() if info.data_dependent] == ["lsuv"]


def test_defaults_round_trip_to_the_bare_name():
    for info in registry():
        choice = parse_initializer(info.name)
        assert choice.params == info.defaults
        assert choice.label == info.name


# --- Bias initializers -------------------------------------------------------------------

def bias(label: str, fan_in: int = 64, out: int = 512, seed: int = 0) -> torch.Tensor:
    return draw_bias(parse_bias_initializer(label), fan_in, out, seeded(seed))


def test_bias_defaults_and_labels():
    assert [info.name for info in bias_registry()] == [
        "zeros", "constant", "normal", "uniform", "pytorch-default",
    ]
    assert parse_bias_initializer("constant").params == {"value": 0.01}
    assert parse_bias_initializer("normal").params == {"std": 0.01}
    assert parse_bias_initializer("constant:value=0.01").label == "constant"
    assert parse_bias_initializer("Constant:Value=0.1").label == "constant:value=0.1"
    assert parse_bias_initializer("uniform:b=0.1,a=0").label == "uniform:a=0,b=0.1"


def test_bias_draws():
    assert torch.equal(bias("zeros"), torch.zeros(512))
    assert torch.equal(bias("constant"), torch.full((512,), 0.01))
    assert torch.equal(bias("normal", seed=5), init.normal_(torch.empty(512), 0, 0.01,
                                                            generator=seeded(5)))
    assert torch.equal(bias("uniform:a=0,b=1", seed=5), torch.empty(512).uniform_(
        0, 1, generator=seeded(5)))
    assert_follows(bias("pytorch-default", fan_in=100, out=4096), symmetric(1 / 10))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("he-normal", "did you mean 'normal'?"),
        ("normal:std=-0.1", "std must be greater than 0"),
        ("constant:std=1", "bad parameter 'std=1' for constant (keys: value)"),
    ],
)
def test_bad_bias_initializer_is_a_spec_error_for_bias_init(text, says):
    with pytest.raises(SpecError) as caught:
        parse_bias_initializer(text)
    assert caught.value.field == "bias-init"
    assert says in str(caught.value)


# --- Determinism and shapes --------------------------------------------------------------

@pytest.mark.parametrize("name", [info.name for info in registry()
                                  if info.name not in STRUCTURAL_NEEDS])
def test_same_seed_same_tensor_other_seed_other_tensor(name):
    shape = (32, 16, 3, 3)
    state = torch.get_rng_state()
    assert torch.equal(draw(name, shape, seed=1), draw(name, shape, seed=1))
    assert torch.equal(torch.get_rng_state(), state), "the global generator must stay untouched"
    if name not in ("zeros", "constant"):
        assert not torch.equal(draw(name, shape, seed=1), draw(name, shape, seed=2))


def test_dtype_is_honoured():
    weight = draw_weight(parse_initializer("he-normal"), (8, 4), "relu", seeded(), torch.float64)
    assert weight.dtype == torch.float64
    assert bias("normal").dtype == torch.float32


def test_a_weight_needs_two_dimensions_and_a_bias_a_fan_in_of_at_least_zero():
    with pytest.raises(ValueError, match="shape"):
        draw("he-normal", (8,))
    with pytest.raises(ValueError, match="fan_in"):
        bias("pytorch-default", fan_in=-1)


@pytest.mark.parametrize(
    "name", [info.name for info in registry() if info.name not in STRUCTURAL_NEEDS])
@pytest.mark.parametrize("shape", [(0, 8), (8, 0), (4, 0, 3, 3)])
def test_a_zero_fan_warns_and_returns_the_empty_tensor_as_torch_does(name, shape):
    with pytest.warns(UserWarning, match="zero-element") as torch_warning:
        init.kaiming_normal_(torch.empty(shape))
    with pytest.warns(UserWarning, match="zero-element") as ours:
        weight = draw(name, shape)
    assert weight.shape == shape
    assert str(ours[0].message) == str(torch_warning[0].message)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_a_bias_of_a_layer_without_inputs_is_zero_as_nn_linear_draws_it():
    with torch.random.fork_rng():
        layer = nn.Linear(0, 5)
    assert torch.equal(bias("pytorch-default", fan_in=0, out=5), layer.bias.detach())


def test_the_public_draws_examples_run():
    import doctest

    from inittui.core.init import draws as init_draws

    results = doctest.testmod(init_draws)
    assert results.attempted >= 3 and results.failed == 0
