"""σ_w² = fan_in · Var(W) and σ_b² = Var(b) of each layer, from a run's initializers.

Mean-field theory takes W_ij i.i.d. with mean 0 and variance σ_w²/fan_in, and b_i i.i.d.
with mean 0 and variance σ_b². This module says what each registry entry's draw gives,
layer by layer (xavier's σ_w² = 2·fan_in/(fan_in + fan_out) differs per layer; so does
PyTorch's default bias), or why an entry has no such description. A weight's variance is
its registry entry's own rule (`InitializerInfo.variance`), so a new initializer needs no
line here; biases are read in `_bias_variance`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from inittui.core.init.registry import (
    InitializerChoice,
    parse_bias_initializer,
    parse_initializer,
)
from inittui.core.theory.activations import GAINS


class NotMeanField(Exception):
    """The draw is not i.i.d. zero-mean with a fan-in-scaled variance; the text says why."""


@dataclass(frozen=True)
class LayerVariances:
    """σ_w² and σ_b² of each fully connected layer, input layer first."""

    sigma_w2: tuple[float, ...]
    sigma_b2: tuple[float, ...]

    @property
    def hidden_index(self) -> int:
        """The layer whose values define the phase: the first hidden→hidden layer (2),
        or the only layer of a one-hidden-layer net."""
        return 1 if len(self.sigma_w2) > 1 else 0


def _weight_variance(weight: InitializerChoice, activation: str, fan_in: int,
                     fan_out: int) -> float:
    """fan_in · Var(W) of one initializer's draw on a (fan_out, fan_in) weight, by the
    variance rule its registry entry carries; why not, where mean field does not apply."""
    info, name = weight.info, weight.info.name
    if info.symmetric:
        raise NotMeanField(f"{name} weights are not random: every unit starts the same")
    if info.data_dependent:
        raise NotMeanField(f"{name} rescales each layer on data; its variance is not set in "
                           "advance")
    if info.needs:
        raise NotMeanField(f"{name} draws by residual-branch role, for residual models")
    if name == "uniform" and float(weight.params["a"]) + float(weight.params["b"]) != 0:
        raise NotMeanField(f"uniform({float(weight.params['a']):g}, "
                           f"{float(weight.params['b']):g}) weights have a nonzero mean")
    variance = weight.variance(fan_in, fan_out, GAINS[activation])
    if variance is None:
        raise NotMeanField(f"no mean-field variance is known for {name}")
    return fan_in * variance


def _bias_variance(name: str, params: dict[str, object], fan_in: int) -> float:
    """Var(b) for one bias registry entry (its mean must be 0)."""
    if name == "zeros":
        return 0.0
    if name == "constant":
        if float(params["value"]) != 0:
            raise NotMeanField(f"constant bias {float(params['value']):g} is not zero-mean")
        return 0.0
    if name == "normal":
        return float(params["std"]) ** 2
    if name == "uniform":
        low, high = float(params["a"]), float(params["b"])
        if low + high != 0:
            raise NotMeanField(f"uniform({low:g}, {high:g}) biases have a nonzero mean")
        return (high - low) ** 2 / 12
    if name == "pytorch-default":
        return 1.0 / (3.0 * fan_in)
    raise NotMeanField(f"no mean-field variance is known for bias {name}")


def layer_variances(init: str, bias_init: str, activation: str,
                    sizes: tuple[int, ...]) -> LayerVariances:
    """σ_w², σ_b² of each layer for sizes (input, hidden₁, ..., hidden_L); raises
    NotMeanField with the reason where theory has nothing to say."""
    weight, bias = parse_initializer(init), parse_bias_initializer(bias_init)
    fans = list(itertools.pairwise(sizes))
    return LayerVariances(
        tuple(_weight_variance(weight, activation, fan_in, fan_out)
              for fan_in, fan_out in fans),
        tuple(_bias_variance(bias.info.name, bias.params, fan_in) for fan_in, _ in fans))
