"""What one initializer is: its draw, its fan rule, its variance, its flags and its docs.

One `InitializerInfo` per initializer (see `init_entries`) carries everything the rest of
the code asks of it, so no other module keeps a table keyed by its name. The module imports
no torch: the draw is named (a public function of `inittui.core.init.draws`, imported only
when something is drawn), and the fan and variance rules are plain arithmetic on fans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

AUTO = "auto"
"""A gain chosen from the activation (see `init_draws.activation_gain`)."""

KERAS_TRUNCATED_STD = 0.87962566103423978
"""Std of a standard normal cut at ±2; Keras divides by it so the truncated draw keeps its std."""

Params = Mapping[str, Any]

FanRule = Callable[[Params, float, float], "float | None"]
"""(params, fan_in, fan_out) → the fan the std goes as 1/√fan of; None when the std is fixed."""

VarianceRule = Callable[[Params, float, float, float], float]
"""(params, fan_in, fan_out, auto gain) → Var W of one entry; the gain is the activation's,
used where a parameter is `auto`."""


@dataclass(frozen=True)
class InitializerInfo:
    """One initializer: what the UI shows, what the parser accepts, and how it draws.

    `draw` names its public draw function in `inittui.core.init.draws` (for a structural
    scheme, its `Scheme` in `core/init/roles.py`, which draws by parameter role). `fan` is its width
    rule for μP (None: it has none, e.g. data-dependent or structural); `variance` is the
    variance of one drawn entry as a function of the fans (None where the draw alone does
    not fix it).
    """

    name: str
    formula: str
    paper: str
    suits: tuple[str, ...]
    defaults: dict[str, object] = field(hash=False)
    aliases: tuple[str, ...] = ()
    note: str = ""
    example: str = ""
    """A spec that uses it and why, e.g. `he-normal:mode=fan_out` (the backward pass)."""
    draw: str = ""
    fan: FanRule | None = field(default=None, compare=False)
    variance: VarianceRule | None = field(default=None, compare=False)
    data_dependent: bool = False
    needs: str = ""
    """What a structural scheme asks the model for (`residual branches`); empty otherwise."""
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    """Allowed values of its text parameters."""
    auto: tuple[str, ...] = ()
    """Parameters that also take `auto`: the gain of the run's activation."""
    presets: dict[str, dict[str, object]] = field(default_factory=dict, hash=False)
    """Aliases that set parameters (Keras' truncated normals), by normalized alias."""
    symmetric: bool = False
    """Every unit starts identical (constant draws): the initialization breaks no symmetry."""
    rectifier: bool = False
    """Its variance is derived for ReLU's halving: too much for saturating units."""
    embedding_draw: str = ""
    """The draw for an embedding table where it differs (pytorch-default: nn.Embedding's
    N(0, 1), which has no fan in it)."""

    @property
    def structural(self) -> bool:
        """Draws by the model's structure (residual branches, embeddings), not per tensor."""
        return bool(self.needs)


# --- Fan rules (μP's width rule: std ∝ 1/√fan) --------------------------------------------

def fixed_std(params: Params, fan_in: float, fan_out: float) -> None:
    """The std does not depend on the layer's shape (zeros, normal, uniform...)."""
    return None


def by_fan_in(params: Params, fan_in: float, fan_out: float) -> float:
    return fan_in


def by_fan_sum(params: Params, fan_in: float, fan_out: float) -> float:
    """Glorot & Bengio's fan_in + fan_out (only ratios of it matter)."""
    return fan_in + fan_out


def by_mode(params: Params, fan_in: float, fan_out: float) -> float:
    """The fan the `mode` parameter names; fan_avg is the mean of both (Keras)."""
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[
        params["mode"]]


def by_larger_fan(params: Params, fan_in: float, fan_out: float) -> float:
    """Orthonormal rows or columns: entries of variance 1/max(fans)."""
    return max(fan_in, fan_out)


# --- Variance rules (Var W of one entry) --------------------------------------------------

def gain_of(params: Params, auto_gain: float) -> float:
    """The `gain` parameter, the activation's where it is `auto`."""
    gain = params["gain"]
    return auto_gain if gain == AUTO else float(gain)


def uniform_variance(low: float, high: float) -> float:
    """Var of U(low, high)."""
    return (high - low) ** 2 / 12
