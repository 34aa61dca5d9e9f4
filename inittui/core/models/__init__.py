"""Models as plain `nn.Module`s, one module per architecture, and the stacked MLP fast path.

`plain_model` gives the constructor of one run's network; `inittui.core.batching` turns
K copies of it into one stacked model. The names this package exported as a single
module (`BatchedMLP`, `BatchedNet`, `build_model`, ...) are still here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from torch import nn

from inittui.core.errors import SpecError
from inittui.core.models.activations import (
    ACTIVATION_BACKWARDS,
    ACTIVATION_FUNCTIONS,
    ACTIVATIONS,
    SELU_ALPHA,
    SELU_SCALE,
    Activation,
)
from inittui.core.models.batched import (
    BatchedMLP,
    BatchedNet,
    LayerShape,
    Trace,
    per_run_loss_and_correct,
)
from inittui.core.models.cnn import CNN, CNN_CHANNELS
from inittui.core.models.gpt import GPT
from inittui.core.models.mlp import MLP
from inittui.core.models.resmlp import ResMLP
from inittui.core.models.resnet import ResNet
from inittui.core.models.user import build_user_model, is_user_model, load_user_class
from inittui.core.specs import NORMED_MODELS

if TYPE_CHECKING:
    from inittui.core.specs import ExperimentSpec

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_BACKWARDS",
    "ACTIVATION_FUNCTIONS",
    "CNN",
    "CNN_CHANNELS",
    "GPT",
    "MLP",
    "SELU_ALPHA",
    "SELU_SCALE",
    "Activation",
    "BatchedMLP",
    "BatchedNet",
    "LayerShape",
    "ResMLP",
    "ResNet",
    "Trace",
    "build_model",
    "is_user_model",
    "per_run_loss_and_correct",
    "plain_model",
]



def plain_model(spec: ExperimentSpec, input_shape: tuple[int, ...],
                classes: int) -> Callable[[], nn.Module]:
    """A constructor of one run's network for spec's model; SpecError if it cannot be."""
    if spec.norm != "none" and spec.model not in NORMED_MODELS:
        raise SpecError("norm", f"--norm applies to {' and '.join(NORMED_MODELS)}, "
                                f"not to model '{spec.model}'")
    if spec.model == "mlp":
        return partial(MLP, input_shape, classes, spec.hidden, spec.activation)
    if spec.model == "cnn":
        if len(input_shape) != 3:
            raise SpecError("model", f"cnn needs images, got inputs of shape {input_shape}")
        return partial(CNN, input_shape, classes, spec.hidden, spec.activation)
    if spec.model == "resmlp":
        return partial(ResMLP, input_shape, classes, spec.hidden, spec.activation, spec.norm)
    if spec.model == "resnet":
        return partial(ResNet, input_shape, classes, spec.hidden, spec.activation, spec.norm)
    if spec.model == "gpt":
        return partial(GPT, input_shape, classes, spec.hidden, spec.activation,
                       spec.base_width if spec.param == "mup" else None)
    cls = load_user_class(spec.model)
    return partial(build_user_model, cls, input_shape, classes)


def build_model(spec: ExperimentSpec, input_shape: tuple[int, ...],
                classes: int, runs_per_seed: int | None = None) -> BatchedNet:
    """The stacked model for spec: the written-out fast path for the MLP, else the general."""
    from inittui.core.batching import build_model as build

    return build(spec, input_shape, classes, runs_per_seed)

