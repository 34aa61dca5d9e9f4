"""Models as plain `nn.Module`s, one module per architecture, and the stacked models.

`plain_model` gives the constructor of one run's network; `build_model` stacks K copies of
it into one `BatchedNet` (the interface the rest of the core is written against,
`batched_net.py`): the general vmapped `StackedModel`, or the written-out `BatchedMLP`.
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
from inittui.core.models.batched_mlp import BatchedMLP
from inittui.core.models.batched_net import (
    BatchedNet,
    Capture,
    LayerCapture,
    LayerShape,
    per_run_loss_and_correct,
    plain_copy,
)
from inittui.core.models.cnn import CNN, CNN_CHANNELS
from inittui.core.models.gpt import GPT
from inittui.core.models.mlp import MLP
from inittui.core.models.plain import plain_model
from inittui.core.models.resmlp import ResMLP
from inittui.core.models.resnet import ResNet
from inittui.core.models.stacked import StackedModel, build_model
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
    "Capture",
    "LayerCapture",
    "LayerShape",
    "ResMLP",
    "ResNet",
    "StackedModel",
    "build_model",
    "is_user_model",
    "per_run_loss_and_correct",
    "plain_copy",
    "plain_model",
]
