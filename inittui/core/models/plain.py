"""One run's network for a spec: the constructor the stacking layer makes K copies of."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from torch import nn

from inittui.core.errors import SpecError
from inittui.core.models.cnn import CNN
from inittui.core.models.gpt import GPT
from inittui.core.models.mlp import MLP
from inittui.core.models.resmlp import ResMLP
from inittui.core.models.resnet import ResNet
from inittui.core.models.user import build_user_model, load_user_class
from inittui.core.spec.experiment import NORMED_MODELS, ExperimentSpec


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
