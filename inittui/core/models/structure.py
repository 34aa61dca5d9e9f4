"""What a model tells the engine about its shape: probes, residual branches, readout.

A plain `nn.Module` needs none of this to train. Models that declare it get more: a
layers view along their depth (`probes`), the structural initializers that ask for
residual branches (`residual_branches`), and an output layer other than their last
Linear (`readout`). A user's model may declare any of the three methods too.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

WEIGHT_MODULES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


@dataclass(frozen=True)
class Probe:
    """A signal the layers view shows: a module's output and the weight that feeds it.

    activation names the function the output has just been through (dead units are
    counted for the rectifiers only); None for a residual stream or a pre-activation.
    """

    module: str
    weight: str
    activation: str | None = None


@dataclass(frozen=True)
class Branch:
    """One residual branch, x + gain · f(x): its weight layers in order, the last one
    writing into the residual stream, the branch's last normalization (if any), and the
    scalar gain parameter (if the model has one: SkipInit zeroes it)."""

    layers: tuple[str, ...]
    norm: str | None = None
    gain: str | None = None


def probes_of(model: nn.Module) -> list[Probe]:
    """The model's declared probes, else every weight layer's output but the readout's."""
    declared = getattr(model, "probes", None)
    if callable(declared):
        return list(declared())
    readout = readout_of(model)
    return [Probe(name, f"{name}.weight") for name, module in model.named_modules()
            if isinstance(module, WEIGHT_MODULES) and name != readout]


def residual_branches(model: nn.Module) -> list[Branch]:
    declared = getattr(model, "residual_branches", None)
    return list(declared()) if callable(declared) else []


def readout_of(model: nn.Module) -> str | None:
    """The module that computes the logits: declared, else the last Linear registered."""
    declared = getattr(model, "readout", None)
    if callable(declared):
        return declared()
    linears = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    return linears[-1] if linears else None
