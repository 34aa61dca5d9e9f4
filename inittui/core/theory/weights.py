"""σ_w² = fan_in · Var(W) and σ_b² = Var(b) of each layer, from a run's initializers.

Mean-field theory takes W_ij i.i.d. with mean 0 and variance σ_w²/fan_in, and b_i i.i.d.
with mean 0 and variance σ_b². This module says what each registry entry's draw gives,
layer by layer (xavier's σ_w² = 2·fan_in/(fan_in + fan_out) differs per layer; so does
PyTorch's default bias), or why an entry has no such description. The registry is read
in one place only, `_weight_variance` and `_bias_variance`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from inittui.core.init.registry import parse_bias_initializer, parse_initializer
from inittui.core.theory.activations import GAINS

_TRUNCATED_AT_2 = math.sqrt(1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(
    2 / math.sqrt(2)))
"""Std of a standard normal cut at ±2 (0.8796): torch's trunc_normal_ keeps no std."""


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


def _weight_variance(name: str, params: dict[str, object], activation: str, fan_in: int,
                     fan_out: int) -> float:
    """fan_in · Var(W) for one registry entry's draw on a (fan_out, fan_in) weight."""
    if name in ("zeros", "constant"):
        raise NotMeanField(f"{name} weights are not random: every unit starts the same")
    if name == "lsuv":
        raise NotMeanField("lsuv rescales each layer on data; its variance is not set in "
                           "advance")
    if name in ("fixup", "skipinit", "zero-residual", "gpt2", "small-embedding"):
        raise NotMeanField(f"{name} draws by residual-branch role, for residual models")
    if name == "normal":
        return float(params["std"]) ** 2 * fan_in  # Keras' truncation rescales to keep std
    if name == "truncated-normal":
        return (float(params["std"]) * _TRUNCATED_AT_2) ** 2 * fan_in
    if name == "uniform":
        low, high = float(params["a"]), float(params["b"])
        if low + high != 0:
            raise NotMeanField(f"uniform({low:g}, {high:g}) weights have a nonzero mean")
        return (high - low) ** 2 / 12 * fan_in
    if name in ("lecun-normal", "lecun-uniform"):
        return 1.0
    if name in ("xavier-normal", "xavier-uniform"):
        return float(params["gain"]) ** 2 * 2 * fan_in / (fan_in + fan_out)
    if name in ("he-normal", "he-uniform"):
        return 2.0 * fan_in / (fan_in if params["mode"] == "fan_in" else fan_out)
    if name == "orthogonal":
        gain = GAINS[activation] if params["gain"] == "auto" else float(params["gain"])
        # Orthonormal rows (fan_out ≤ fan_in) have squared norm 1 over fan_in entries;
        # orthonormal columns spread 1 over fan_out entries each.
        return gain ** 2 * min(1.0, fan_in / fan_out)
    if name == "pytorch-default":
        return 1.0 / 3.0  # U(±1/√fan_in): variance 1/(3·fan_in)
    if name == "variance-scaling":
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        return float(params["scale"]) * fan_in / fan[str(params["mode"])]
    raise NotMeanField(f"no mean-field variance is known for {name}")


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
        tuple(_weight_variance(weight.info.name, weight.params, activation, fan_in, fan_out)
              for fan_in, fan_out in fans),
        tuple(_bias_variance(bias.info.name, bias.params, fan_in) for fan_in, _ in fans))
