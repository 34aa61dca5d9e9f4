"""Models as plain `nn.Module`s, one module per architecture, and the stacked MLP fast path.

`plain_model` gives the constructor of one run's network; `inittui.core.models.stacked` turns
K copies of it into one stacked model. The names this package exported as a single
module (`BatchedMLP`, `BatchedNet`, `build_model`, ...) are still here.
"""

from __future__ import annotations

from inittui.core.models.activations import (
    ACTIVATION_BACKWARDS,
    ACTIVATION_FUNCTIONS,
    ACTIVATIONS,
    SELU_ALPHA,
    SELU_SCALE,
    Activation,
)
from inittui.core.models.batched_mlp import (
    BatchedMLP,
    BatchedNet,
    LayerShape,
    Trace,
    per_run_loss_and_correct,
)
from inittui.core.models.cnn import CNN, CNN_CHANNELS
from inittui.core.models.gpt import GPT
from inittui.core.models.mlp import MLP
from inittui.core.models.plain import plain_model
from inittui.core.models.resmlp import ResMLP
from inittui.core.models.resnet import ResNet
from inittui.core.models.stacked import build_model
from inittui.core.models.user import is_user_model

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
