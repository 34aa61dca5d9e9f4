"""One tensor's draw for each of the registry's initializers, like `torch.nn.init`.

The middle of three modules: `init_registry` names the initializers without torch (their
entries, parser and parsed choices, re-exported here), this one draws a weight or bias
tensor, and `init_runs` fills every run of a stacked model with its draws. Each entry names
its public draw function here; every draw runs on the CPU through the caller's
`torch.Generator`, so a seed fixes the tensor. A draw's docstring is its entry's: formula,
paper, note and an example, so the two never disagree.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.nn import init

from inittui.core.errors import SpecError, unknown_name
from inittui.core.init.entry import AUTO, KERAS_TRUNCATED_STD
from inittui.core.init.registry import (
    BiasChoice,
    InitializerChoice,
    InitializerInfo,
    bias_registry,
    known,
    parse_bias_initializer,
    parse_initializer,
    registry,
)
from inittui.core.spec.activations import ACTIVATIONS

__all__ = [
    "AUTO", "KERAS_TRUNCATED_STD", "BiasChoice", "InitializerChoice", "InitializerInfo",
    "activation_gain", "bias_registry", "draw_bias", "draw_weight", "parse_bias_initializer",
    "parse_initializer", "registry",
]

Draw = Callable[..., torch.Tensor]
"""(tensor, generator, **the entry's parameters) -> the tensor, filled in place."""


def activation_gain(activation: str) -> float:
    """The gain that keeps signal variance through the activation (torch calculate_gain).

    linear, sigmoid: 1; tanh: 5/3; relu: √2; leaky-relu: √(2/(1 + 0.01²)), nn.LeakyReLU's
    slope; selu: 3/4 (torch's choice, for self-normalizing nets initialized with lecun, see
    Klambauer et al., "Self-Normalizing Neural Networks", NeurIPS 2017). GELU, x·Φ(x), has
    no torch entry: it is a smoothed ReLU, so it takes ReLU's √2, as He init is used for
    GELU nets in practice. (Exact second-moment matching would give 1/√E[gelu(z)²] ≈ 1.53,
    8% more.) Raises SpecError('activation') for an unknown name.

    Examples:
        >>> activation_gain("tanh")
        1.6666666666666667

    The value is the activation registry's (`models/activations.py`), shared by both
    training paths and the diagnostics.
    """
    if activation not in ACTIVATIONS:
        raise SpecError("activation", unknown_name("activation", activation, ACTIVATIONS))
    from inittui.core.models.activations import ACTIVATIONS as REGISTRY

    return REGISTRY[activation].gain


def _fans(tensor: torch.Tensor) -> tuple[int, int]:
    """fan_in = in·k, fan_out = out·k for shape (out, in, *kernel), as torch.nn.init."""
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _gaussian(
    tensor: torch.Tensor, std: float, truncated: bool, generator: torch.Generator
) -> torch.Tensor:
    """N(0, std²); truncated, Keras-style: σ' = std/0.8796, cut at ±2σ', so the std stays."""
    if not truncated:
        return init.normal_(tensor, 0.0, std, generator=generator)
    raw = std / KERAS_TRUNCATED_STD
    return init.trunc_normal_(tensor, 0.0, raw, -2 * raw, 2 * raw, generator=generator)


def _symmetric_uniform(
    tensor: torch.Tensor, std: float, generator: torch.Generator
) -> torch.Tensor:
    """U(±√3·std), the uniform with that std; same arithmetic as torch's xavier/kaiming."""
    bound = math.sqrt(3.0) * std
    return init.uniform_(tensor, -bound, bound, generator=generator)


_DRAWS: dict[str, Draw] = {}
"""Every public draw, by function name (what an entry's `draw` names)."""


def _entry_doc(info: InitializerInfo) -> str:
    return (f"``{info.name}``: {info.formula}.\n\n    {info.paper}; {info.note}.\n\n"
            f"    Example: {info.example}.")


def _public(draw: Draw) -> Draw:
    """Register a public draw; its docstring is that of the entries whose `draw` names it."""
    infos = [info for info in (*registry(), *bias_registry()) if info.draw == draw.__name__]
    if infos:
        draw.__doc__ = "\n\n    ".join(_entry_doc(info) for info in infos)
    _DRAWS[draw.__name__] = draw
    return draw


def _lecun_std(tensor: torch.Tensor) -> float:
    """LeCun et al. 1998: std = 1/√fan_in keeps the variance of a linear layer's output."""
    return 1 / math.sqrt(_fans(tensor)[0])


def _xavier_std(tensor: torch.Tensor, gain: float) -> float:
    """Glorot & Bengio 2010: std = gain·√(2/(fan_in+fan_out)), forward and backward balanced."""
    fan_in, fan_out = _fans(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def _he_std(tensor: torch.Tensor, mode: str) -> float:
    """He et al. 2015: std = √2/√fan, ReLU halves the variance and √2 restores it."""
    fan_in, fan_out = _fans(tensor)
    return math.sqrt(2.0) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


@_public
def zeros(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return init.zeros_(tensor)


@_public
def constant(tensor: torch.Tensor, generator: torch.Generator, *, value: float
             ) -> torch.Tensor:
    return init.constant_(tensor, value)


@_public
def normal(tensor: torch.Tensor, generator: torch.Generator, *, std: float,
           truncated: bool = False) -> torch.Tensor:
    return _gaussian(tensor, std, truncated, generator)


@_public
def uniform(tensor: torch.Tensor, generator: torch.Generator, *, a: float, b: float
            ) -> torch.Tensor:
    return init.uniform_(tensor, a, b, generator=generator)


@_public
def truncated_normal(tensor: torch.Tensor, generator: torch.Generator, *, std: float
                     ) -> torch.Tensor:
    return init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std, generator=generator)


@_public
def lecun_normal(tensor: torch.Tensor, generator: torch.Generator, *, truncated: bool
                 ) -> torch.Tensor:
    return _gaussian(tensor, _lecun_std(tensor), truncated, generator)


@_public
def lecun_uniform(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return _symmetric_uniform(tensor, _lecun_std(tensor), generator)


@_public
def xavier_normal(tensor: torch.Tensor, generator: torch.Generator, *, gain: float,
                  truncated: bool) -> torch.Tensor:
    return _gaussian(tensor, _xavier_std(tensor, gain), truncated, generator)


@_public
def xavier_uniform(tensor: torch.Tensor, generator: torch.Generator, *, gain: float
                   ) -> torch.Tensor:
    return _symmetric_uniform(tensor, _xavier_std(tensor, gain), generator)


@_public
def he_normal(tensor: torch.Tensor, generator: torch.Generator, *, mode: str,
              truncated: bool) -> torch.Tensor:
    return _gaussian(tensor, _he_std(tensor, mode), truncated, generator)


@_public
def he_uniform(tensor: torch.Tensor, generator: torch.Generator, *, mode: str
               ) -> torch.Tensor:
    return _symmetric_uniform(tensor, _he_std(tensor, mode), generator)


@_public
def orthogonal(tensor: torch.Tensor, generator: torch.Generator, *, gain: float
               ) -> torch.Tensor:
    return init.orthogonal_(tensor, gain, generator=generator)


@_public
def delta_orthogonal(tensor: torch.Tensor, generator: torch.Generator, *, gain: float
                     ) -> torch.Tensor:
    centre = init.orthogonal_(torch.empty(tensor.shape[:2], dtype=tensor.dtype), gain,
                              generator=generator)
    tensor.zero_()[(slice(None), slice(None), *(k // 2 for k in tensor.shape[2:]))] = centre
    return tensor


@_public
def pytorch_default(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return init.kaiming_uniform_(tensor, math.sqrt(5), generator=generator)


@_public
def embedding_default(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """nn.Embedding's own N(0, 1): pytorch-default on an embedding table (no fan in it)."""
    return init.normal_(tensor, generator=generator)


@_public
def lsuv(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return init.orthogonal_(tensor, 1.0, generator=generator)


@_public
def variance_scaling(tensor: torch.Tensor, generator: torch.Generator, *, scale: float,
                     mode: str, distribution: str) -> torch.Tensor:
    fan_in, fan_out = _fans(tensor)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
    std = math.sqrt(scale / fan[mode])
    if distribution == "uniform":
        return _symmetric_uniform(tensor, std, generator)
    return _gaussian(tensor, std, distribution == "truncated_normal", generator)


def _bias_bound(fan_in: int) -> float:
    """nn.Linear's bias bound: 1/√fan_in, or 0 for a layer without inputs."""
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0


@_public
def pytorch_default_bias(tensor: torch.Tensor, generator: torch.Generator, *, fan_in: int
                         ) -> torch.Tensor:
    bound = _bias_bound(fan_in)
    return init.uniform_(tensor, -bound, bound, generator=generator)


def draw_weight(
    choice: InitializerChoice,
    shape: tuple[int, ...],
    activation: str,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    r"""Draw a weight of PyTorch shape (out, in) or (out, in, kh, kw) for one initializer.

    fan_in = in·kh·kw and fan_out = out·kh·kw, as in `torch.nn.init`. The draws, by name:

    - ``zeros``, ``constant``: :math:`W = 0`, :math:`W = \text{value}` (0 by default).
    - ``normal``, ``uniform``, ``truncated-normal``: :math:`\mathcal{N}(0, \text{std}^2)`,
      :math:`\mathcal{U}(a, b)`, and the normal cut at ±2·std (std before the cut).
    - ``lecun-*``: std :math:`1/\sqrt{\text{fan\_in}}` - LeCun, Bottou, Orr & Müller,
      "Efficient BackProp", in Neural Networks: Tricks of the Trade, Springer, 1998.
    - ``xavier-*``: std :math:`\text{gain}\cdot\sqrt{2/(\text{fan\_in}+\text{fan\_out})}` -
      Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
      networks", AISTATS 2010.
    - ``he-*``: std :math:`\sqrt{2/\text{fan}}`, fan by ``mode`` - He, Zhang, Ren & Sun,
      "Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet
      Classification", ICCV 2015.
    - ``orthogonal``: gain·Q, Q from the QR decomposition of a Gaussian - Saxe, McClelland &
      Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep linear neural
      networks", ICLR 2014. ``lsuv`` draws it with gain 1 (Mishkin & Matas, "All you need
      is a good init", ICLR 2016); the model then rescales it on data.
    - ``pytorch-default``: :math:`\mathcal{U}(\pm 1/\sqrt{\text{fan\_in}})`, what
      ``nn.Linear`` and ``nn.Conv2d`` draw.
    - ``variance-scaling``: std :math:`\sqrt{\text{scale}/\text{fan}}` (Keras).

    A ``*-uniform`` draw is :math:`\mathcal{U}(\pm\sqrt{3}\cdot\text{std})`; ``truncated=true``
    is Keras' normal, cut at ±2σ' with σ' = std / 0.8796 so the result keeps the std. Each
    draw is bit for bit the ``torch.nn.init`` function it names, from the same generator.

    Args:
        choice: a parsed initializer (``parse_initializer("he-normal:mode=fan_out")``).
        shape: the weight's shape; a shape with a zero in it warns and returns the empty
            tensor, as ``torch.nn.init`` does.
        activation: the layer's activation, for ``gain=auto`` (see ``activation_gain``).
        generator: the ``torch.Generator`` every random number comes from, so a seed fixes
            the tensor.
        dtype: the tensor's dtype; it is always made on the CPU.

    Examples:
        >>> from inittui.core.init.registry import parse_initializer
        >>> g = torch.Generator().manual_seed(0)
        >>> w = draw_weight(parse_initializer("he-normal"), (256, 784), "relu", g)
        >>> w.shape, round(w.std().item() * math.sqrt(784 / 2), 1)
        (torch.Size([256, 784]), 1.0)
        >>> same = torch.nn.init.kaiming_normal_(torch.empty(256, 784), nonlinearity="relu",
        ...                                      generator=torch.Generator().manual_seed(0))
        >>> torch.equal(w, same)
        True
    """
    if len(shape) < 2:
        raise ValueError(f"a weight needs shape (out, in, ...), got {shape}")
    gain = activation_gain(activation)  # rejects an unknown activation for every initializer
    info = known(choice).info
    if info.structural:
        raise ValueError(f"{info.name} draws by parameter role (core/init/roles.py), "
                         "not one weight at a time")
    tensor = torch.empty(shape, dtype=dtype, device="cpu")
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    params = {key: gain if key in info.auto and value == AUTO else value
              for key, value in choice.params.items()}
    return draw_tensor(info.draw, tensor, generator, params)


def draw_tensor(draw: str, tensor: torch.Tensor, generator: torch.Generator,
                params: Mapping[str, Any]) -> torch.Tensor:
    """Fill `tensor` in place with the public draw an entry names (its `draw`)."""
    return _DRAWS[draw](tensor, generator, **params)


def draw_bias(
    choice: BiasChoice,
    fan_in: int,
    out_features: int,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    r"""Draw a bias of shape (out_features,) for one bias initializer.

    - ``zeros``, ``constant``: :math:`b = 0`, :math:`b = \text{value}` (0.01 by default: a
      small positive bias keeps ReLUs active, after Krizhevsky, Sutskever & Hinton,
      "ImageNet Classification with Deep Convolutional Neural Networks", NeurIPS 2012).
    - ``normal``, ``uniform``: :math:`\mathcal{N}(0, \text{std}^2)`, :math:`\mathcal{U}(a, b)`.
    - ``pytorch-default``: :math:`\mathcal{U}(\pm 1/\sqrt{\text{fan\_in}})`, what
      ``nn.Linear.reset_parameters`` draws; with fan_in 0 the bound is 0, as there.

    Args:
        choice: a parsed bias initializer (``parse_bias_initializer("constant:value=0.1")``).
        fan_in: the fan-in of the layer's weight (in·kh·kw).
        out_features: the bias' length.
        generator: the ``torch.Generator`` every random number comes from.
        dtype: the tensor's dtype; it is always made on the CPU.

    Examples:
        >>> from inittui.core.init.registry import parse_bias_initializer
        >>> g = torch.Generator().manual_seed(0)
        >>> b = draw_bias(parse_bias_initializer("pytorch-default"), 784, 128, g)
        >>> b.shape, bool(b.abs().max() <= 1 / 28)
        (torch.Size([128]), True)
    """
    if fan_in < 0:
        raise ValueError(f"fan_in must be at least 0, got {fan_in}")
    if not choice.known:
        parse_bias_initializer(str(choice))  # the parser's one-line error
    tensor = torch.empty((out_features,), dtype=dtype, device="cpu")
    params = choice.params
    if choice.info.fan is not None and choice.info.fan(params, 1, 1) is not None:
        params["fan_in"] = fan_in  # its bound goes with the layer's fan_in
    return draw_tensor(choice.info.draw, tensor, generator, params)
