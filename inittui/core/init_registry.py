"""The initializer registry: names, formulas, papers, suited activations, and the parser.

This module imports no torch, so the app can list initializers and parse a spec before
torch has loaded; the draws live in `inittui.core.init_draws`. Hyphenated names give the
PyTorch draw (`he-normal` is `kaiming_normal_`); a Keras class name gives the Keras draw,
whose *Normal* initializers are truncated at ±2σ and rescaled to keep the target std
(`HeNormal` is `he-normal:truncated=true`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from inittui.core.activations import ACTIVATIONS
from inittui.core.errors import SpecError, unknown_name

AUTO = "auto"
"""A gain chosen from the activation (see `activation_gain`)."""

@dataclass(frozen=True)
class InitializerInfo:
    """One registry entry: what the UI shows and what the parser accepts."""

    name: str
    formula: str
    paper: str
    suits: tuple[str, ...]
    defaults: dict[str, object] = field(hash=False)
    aliases: tuple[str, ...]
    data_dependent: bool = False
    note: str = ""


@dataclass(frozen=True)
class _Choice:
    info: InitializerInfo
    items: tuple[tuple[str, object], ...]

    @property
    def params(self) -> dict[str, object]:
        """Every parameter, defaults filled in."""
        return dict(self.items)

    @property
    def label(self) -> str:
        """Canonical text: the name plus non-default parameters, sorted (`normal:std=0.05`)."""
        changed = sorted((k, v) for k, v in self.items if v != self.info.defaults[k])
        pairs = ",".join(f"{key}={_format_value(value)}" for key, value in changed)
        return f"{self.info.name}:{pairs}" if pairs else self.info.name


@dataclass(frozen=True)
class InitializerChoice(_Choice):
    """A parsed weight initializer, e.g. `he-normal:mode=fan_out`."""


@dataclass(frozen=True)
class BiasChoice(_Choice):
    """A parsed bias initializer, e.g. `constant:value=0.1`."""


_FANS = ("fan_in", "fan_out")

_WEIGHTS = (
    InitializerInfo(
        "zeros", "W = 0", "Rumelhart, Hinton & Williams 1986 (symmetry must be broken)",
        ("linear",), {}, (),
        note="units stay identical; with zero biases (and f(0) = 0) every hidden gradient is 0 "
             "and only the output bias learns",
    ),
    InitializerInfo(
        "constant", "W = value", "Rumelhart, Hinton & Williams 1986 (symmetry must be broken)",
        ("linear",), {"value": 0.0}, (),
        note="units stay identical; value 0 by default, as Keras' Constant()",
    ),
    InitializerInfo(
        "normal", "N(0, std²)", "Krizhevsky et al. 2012, ImageNet Classification (std 0.01)",
        ("tanh", "sigmoid"), {"std": 0.01, "truncated": False}, ("RandomNormal",),
        note="torch.nn.init.normal_; Keras RandomNormal is std=0.05, not truncated",
    ),
    InitializerInfo(
        "uniform", "U(a, b)", "Keras RandomUniform default (Chollet et al. 2015)",
        ("tanh", "sigmoid"), {"a": -0.05, "b": 0.05}, ("RandomUniform",),
        note="torch.nn.init.uniform_ with Keras' default bounds",
    ),
    InitializerInfo(
        "truncated-normal", "N(0, std²) cut at ±2·std",
        "Keras TruncatedNormal default (Chollet et al. 2015)",
        ("tanh", "sigmoid"), {"std": 0.05}, ("trunc-normal", "TruncatedNormal"),
        note="Keras TruncatedNormal = torch trunc_normal_: std is before the cut, result 0.88·std",
    ),
    InitializerInfo(
        "lecun-normal", "N(0, 1/fan_in)", "LeCun et al. 1998, Efficient BackProp",
        ("selu", "linear", "tanh"), {"truncated": False}, ("LecunNormal",),
        note="torch kaiming_normal_(nonlinearity='linear'); Keras LecunNormal is truncated",
    ),
    InitializerInfo(
        "lecun-uniform", "U(±√(3/fan_in))", "LeCun et al. 1998, Efficient BackProp",
        ("selu", "linear", "tanh"), {}, ("LecunUniform",),
        note="torch kaiming_uniform_(nonlinearity='linear') = Keras LecunUniform",
    ),
    InitializerInfo(
        "xavier-normal", "N(0, gain²·2/(fan_in+fan_out))",
        "Glorot & Bengio 2010, Understanding the difficulty of training deep FNNs",
        ("tanh", "sigmoid", "linear"), {"gain": 1.0, "truncated": False},
        ("glorot-normal", "GlorotNormal"),
        note="torch xavier_normal_; Keras GlorotNormal is truncated",
    ),
    InitializerInfo(
        "xavier-uniform", "U(±gain·√(6/(fan_in+fan_out)))",
        "Glorot & Bengio 2010, Understanding the difficulty of training deep FNNs",
        ("tanh", "sigmoid", "linear"), {"gain": 1.0}, ("glorot-uniform", "GlorotUniform"),
        note="torch xavier_uniform_ = Keras GlorotUniform (gain 1)",
    ),
    InitializerInfo(
        "he-normal", "N(0, 2/fan_in)", "He et al. 2015, Delving Deep into Rectifiers",
        ("relu", "leaky-relu", "gelu"), {"mode": "fan_in", "truncated": False},
        ("kaiming-normal", "HeNormal"),
        note="torch kaiming_normal_(nonlinearity='relu'); Keras HeNormal is truncated",
    ),
    InitializerInfo(
        "he-uniform", "U(±√(6/fan_in))", "He et al. 2015, Delving Deep into Rectifiers",
        ("relu", "leaky-relu", "gelu"), {"mode": "fan_in"}, ("kaiming-uniform", "HeUniform"),
        note="torch kaiming_uniform_(nonlinearity='relu') = Keras HeUniform",
    ),
    InitializerInfo(
        "orthogonal", "gain·Q, Q orthogonal (QR of a Gaussian)",
        "Saxe et al. 2014, Exact solutions to the dynamics of deep linear networks",
        ("linear", "tanh", "relu", "leaky-relu"), {"gain": 1.0}, (),
        note="torch orthogonal_ = Keras Orthogonal (gain 1); gain=auto takes the activation's",
    ),
    InitializerInfo(
        "pytorch-default", "U(±1/√fan_in)",
        "LeCun et al. 1998, Efficient BackProp (bound kept from Torch7's nn.Linear)",
        ("relu", "tanh"), {}, (),
        note="what nn.Linear and nn.Conv2d do: kaiming_uniform_(a=√5), variance 1/(3·fan_in)",
    ),
    InitializerInfo(
        "lsuv", "orthogonal, then each layer scaled to unit output variance",
        "Mishkin & Matas 2016, All you need is a good init",
        ACTIVATIONS, {}, (), data_dependent=True,
        note="draws orthogonal (gain 1); the model rescales each layer on a data batch",
    ),
    InitializerInfo(
        "variance-scaling", "std √(scale/fan): truncated normal, normal or uniform",
        "Keras VarianceScaling (Chollet et al. 2015); Klambauer et al. 2017 for SELU",
        ("selu", "linear", "tanh"),
        {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
        ("VarianceScaling",),
        note="Keras' general form, with Keras' defaults (LeCun normal, truncated)",
    ),
    # Structural schemes: they ask the model for its residual branches (or embeddings) and
    # refuse a model without them; their draws are in core/roles.py.
    InitializerInfo(
        "fixup", "branch's last layer 0, its other layers He·L^(-1/(2m-2)), readout 0, "
        "biases 0 (L branches of m layers)",
        "Zhang, Dauphin & Ma 2019, Fixup Initialization: Residual Learning Without "
        "Normalization",
        ("relu", "leaky-relu", "gelu"), {}, (),
        note="residual models only (resmlp, resnet, gpt); the branch scalar multiplier "
             "starts at 1 and the layers' own biases serve as Fixup's scalar biases",
    ),
    InitializerInfo(
        "skipinit", "x + α·f(x) with α = 0 on every residual branch; weights He-normal",
        "De & Smith 2020, Batch Normalization Biases Residual Blocks Towards the Identity "
        "Function in Deep Networks",
        ("relu", "leaky-relu", "gelu"), {}, (),
        note="needs a scalar gain on each residual branch (resmlp, resnet)",
    ),
    InitializerInfo(
        "zero-residual", "each residual branch's last BN gain 0 (its last layer 0 without "
        "BN); weights He-normal",
        "Goyal et al. 2017, Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
        ("relu", "leaky-relu", "gelu"), {}, ("zero-init-residual",),
        note="residual models only (resmlp, resnet, gpt); torchvision's zero_init_residual",
    ),
    InitializerInfo(
        "gpt2", "N(0, 0.02²); residual projections N(0, (0.02/√(2·layers))²); biases 0",
        "Radford et al. 2019, Language Models are Unsupervised Multitask Learners (GPT-2)",
        ("gelu", "relu"), {}, (),
        note="residual models only; a GPT has 2 branches per layer, so the std is divided "
             "by √(number of residual branches)",
    ),
    InitializerInfo(
        "small-embedding", "embeddings U(±1e-4); everything else as gpt2",
        "Nguyen & Salazar 2019, Transformers without Tears (small embedding init)",
        ("gelu", "relu"), {}, ("small-init",),
        note="models with an embedding layer (gpt)",
    ),
)

_KERAS_PRESETS: dict[str, dict[str, object]] = {
    "randomnormal": {"std": 0.05},
    "lecunnormal": {"truncated": True},
    "glorotnormal": {"truncated": True},
    "henormal": {"truncated": True},
}
"""Keras class names that draw differently from the PyTorch entry they name."""

_BIASES = (
    InitializerInfo(
        "zeros", "b = 0", "Glorot & Bengio 2010 (biases start at 0)", ACTIVATIONS, {}, (),
        note="the usual default; with zero weights too, symmetry is never broken",
    ),
    InitializerInfo(
        "constant", "b = value", "Krizhevsky et al. 2012 (positive biases for ReLU layers)",
        ("relu", "leaky-relu", "gelu"), {"value": 0.01}, (),
        note="a small positive bias keeps ReLUs active at the start",
    ),
    InitializerInfo(
        "normal", "N(0, std²)", "common practice", ACTIVATIONS, {"std": 0.01}, (),
        note="random biases partly break the symmetry of zero weights",
    ),
    InitializerInfo(
        "uniform", "U(a, b)", "common practice", ACTIVATIONS, {"a": -0.05, "b": 0.05}, (),
        note="random biases partly break the symmetry of zero weights",
    ),
    InitializerInfo(
        "pytorch-default", "U(±1/√fan_in)", "PyTorch nn.Linear / nn.Conv2d reset_parameters",
        ACTIVATIONS, {}, (),
        note="what nn.Linear and nn.Conv2d do to their bias",
    ),
)

_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "he-normal": {"mode": _FANS},
    "he-uniform": {"mode": _FANS},
    "variance-scaling": {
        "mode": (*_FANS, "fan_avg"),
        "distribution": ("truncated_normal", "untruncated_normal", "uniform"),
    },
}
"""Allowed values of text parameters, per entry."""

_POSITIVE = ("std", "gain", "scale")

_AUTO = {("orthogonal", "gain")}
"""Parameters that also take `auto`: the gain of the run's activation (see AUTO)."""


def registry() -> tuple[InitializerInfo, ...]:
    """Every weight initializer, in the order the UI lists them."""
    return _WEIGHTS


def bias_registry() -> tuple[InitializerInfo, ...]:
    """Every bias initializer, in the order the UI lists them."""
    return _BIASES


def _normalize(name: str) -> str:
    """Case-insensitive, and torch spellings too: `Kaiming_Normal_` → `kaiming-normal`."""
    return name.strip().lower().replace("_", "-").strip("-")


def _lookup(
    entries: tuple[InitializerInfo, ...], presets: dict[str, dict[str, object]]
) -> dict[str, tuple[InitializerInfo, dict[str, object]]]:
    """Normalized name or alias → (entry, parameters the alias sets)."""
    table = {}
    for info in entries:
        table[_normalize(info.name)] = (info, {})
        for alias in info.aliases:
            table[_normalize(alias)] = (info, presets.get(_normalize(alias), {}))
    return table


_WEIGHT_LOOKUP = _lookup(_WEIGHTS, _KERAS_PRESETS)
_BIAS_LOOKUP = _lookup(_BIASES, {})


def _format_value(value: object) -> str:
    """Shortest text that parses back to the same value: `1` not `1.0`, `true` not `True`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def _parse_value(fld: str, info: InitializerInfo, key: str, text: str) -> object:
    """One `key=value` value, parsed to the type of the key's default."""
    default = info.defaults[key]
    value = text.strip().lower()
    if isinstance(default, bool):
        if value not in ("true", "false"):
            raise SpecError(fld, f"{info.name}: {key} must be true or false, got '{text}'")
        return value == "true"
    choices = _CHOICES.get(info.name, {}).get(key)
    if choices:
        value = value.replace("-", "_")
        if value not in choices:
            raise SpecError(
                fld, f"{info.name}: {key} must be one of {', '.join(choices)}, got '{text}'"
            )
        return value
    if (info.name, key) in _AUTO and value == AUTO:
        return AUTO
    return _parse_number(fld, info, key, text)


def _parse_number(fld: str, info: InitializerInfo, key: str, text: str) -> float:
    """A finite float; positive for scales (std, gain, scale)."""
    auto = " or auto" if (info.name, key) in _AUTO else ""
    try:
        number = float(text.strip())
    except ValueError:
        raise SpecError(fld, f"{info.name}: {key} must be a number{auto}, got '{text}'") from None
    if not math.isfinite(number):
        raise SpecError(fld, f"{info.name}: {key} must be finite, got '{text}'")
    if key in _POSITIVE and number <= 0:
        raise SpecError(fld, f"{info.name}: {key} must be greater than 0, got '{text}'")
    return number


def _parse(
    text: str, fld: str, kind: str, lookup: Mapping[str, tuple[InitializerInfo, dict[str, object]]]
) -> tuple[InitializerInfo, tuple[tuple[str, object], ...]]:
    """Split `name:key=value,...`, resolve the name, and fill in every parameter."""
    name, _, rest = str(text).partition(":")
    if _normalize(name) not in lookup:
        entries = {info for info, _ in lookup.values()}
        raise SpecError(fld, unknown_name(kind, name.strip(), [info.name for info in entries],
                                          [alias for info in entries for alias in info.aliases]))
    info, preset = lookup[_normalize(name)]
    params: dict[str, Any] = {**info.defaults, **preset}
    keys = ", ".join(info.defaults) or "none"
    given: set[str] = set()
    for pair in filter(None, (piece.strip() for piece in rest.split(","))):
        key, sep, value = (part.strip() for part in pair.partition("="))
        key = key.lower()
        if not sep or key not in info.defaults:
            raise SpecError(fld, f"bad parameter '{pair}' for {info.name} (keys: {keys})")
        if key in given:
            raise SpecError(fld, f"parameter '{key}' given twice in '{str(text).strip()}'")
        given.add(key)
        params[key] = _parse_value(fld, info, key, value)
    if "a" in params and params["a"] >= params["b"]:
        raise SpecError(fld, f"{info.name}: a must be less than b, got '{str(text).strip()}'")
    return info, tuple(params.items())


@lru_cache(maxsize=1024)
def parse_initializer(text: str) -> InitializerChoice:
    """Parse `he-normal:mode=fan_out,truncated=true`; raises SpecError('init', ...).

    Cached: a choice is immutable, so callers may parse a run's label wherever they need it.
    """
    return InitializerChoice(*_parse(text, "init", "initializer", _WEIGHT_LOOKUP))


@lru_cache(maxsize=256)
def parse_bias_initializer(text: str) -> BiasChoice:
    """Parse `constant:value=0.1`; raises SpecError('bias-init', ...). Cached."""
    return BiasChoice(*_parse(text, "bias-init", "bias initializer", _BIAS_LOOKUP))
