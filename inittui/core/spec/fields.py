"""Every spec field's parser from text and its formatter back: the command line and the
app's inputs accept the same spellings and reject bad values with the same messages.

The grid fields (GRID_FIELDS) parse to the tuple of their listed values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inittui.core.errors import SpecError, shown
from inittui.core.init.registry import (
    BiasChoice,
    InitializerChoice,
    parse_bias_initializer,
    parse_initializer,
)
from inittui.core.spec.activations import ACTIVATIONS
from inittui.core.spec.architecture import (
    ARCHITECTURE_SEPARATOR,
    format_architecture,
    parse_hidden,
)
from inittui.core.spec.data_fields import parse_dataset
from inittui.core.spec.values import choice, finite_float, list_items, positive_int

OPTIMIZERS = ("adam", "sgd")
PARAMETRIZATIONS = ("sp", "mup")
MODELS = ("mlp", "cnn", "resmlp", "resnet", "gpt")
NORMS = ("none", "batch", "layer")
GRID_FIELDS = ("hidden", "activation", "batch_size", "lr", "momentum")
"""Fields that take a list of values; the first three change a model's shapes, the last two
only its optimizer (so they vary inside one batched model)."""
SHAPE_FIELDS = GRID_FIELDS[:3]
RUN_FIELDS = GRID_FIELDS[3:]
MAX_SEED = 2**32 - 1
MAX_SEEDS = 10_000
MAX_DEVICE_INDEX = 1023
VAL_SPLIT_RANGE = (0.01, 0.99)
"""Beyond these, a data set of a few thousand images has an empty split."""


def split_list(text: str | Iterable[str]) -> list[str]:
    """Split comma-separated names, keeping `key=value` pieces with the name before them.

    `normal:std=0.05,he-normal:mode=fan_out,truncated=true` is two initializers.
    """
    pieces = [text] if isinstance(text, str) else list(text)
    items: list[str] = []
    for piece in pieces:
        for token in (part.strip() for part in piece.split(",")):
            if not token:
                continue
            if items and "=" in token and ":" not in token:
                items[-1] = f"{items[-1]},{token}"
            else:
                items.append(token)
    return items


def parse_inits(text: str | Iterable[str]) -> tuple[InitializerChoice, ...]:
    choices = tuple(dict.fromkeys(parse_initializer(item) for item in split_list(text)))
    if not choices:
        raise SpecError("init", "choose at least one initializer")
    return choices


def parse_bias_init(text: str) -> BiasChoice:
    return parse_bias_initializer(str(text).strip())


def parse_output_init(text: str) -> InitializerChoice | None:
    """An initializer for the output layer alone; empty text means each run's own."""
    value = str(text).strip()
    return parse_initializer(value) if value else None


def parse_residual_init(text: str) -> InitializerChoice | None:
    """An initializer for the last layer of every residual branch; empty: each run's own."""
    value = str(text).strip()
    if not value:
        return None
    try:
        return parse_initializer(value)
    except SpecError as error:
        raise SpecError("residual-init", str(error)) from None


USER_MODEL_USAGE = "use --model path/to/file.py:ClassName"


def is_user_model(text: str) -> bool:
    """A model given as a file (`my_net.py:Net`) rather than a built-in name."""
    return ":" in text or text.strip().endswith(".py")


def split_user_model(text: str) -> tuple[str, str]:
    """(file, class name) from `file.py:ClassName`; the file is read when the sweep builds."""
    path, _, name = text.strip().rpartition(":")
    if not path.endswith(".py") or not name.isidentifier():
        raise SpecError("model", f"bad model '{text.strip()}': {USER_MODEL_USAGE}")
    return path, name


def parse_model(text: str) -> str:
    """A built-in model name, or `path/file.py:ClassName`."""
    value = str(text).strip()
    if is_user_model(value):
        split_user_model(value)
        return value
    return choice("model", value, MODELS, "model (or path/file.py:ClassName)")


def _listed(parse_one: Any, name: str) -> Any:
    """A parser of comma-separated values from the parser of one."""
    def parse(text: str | Iterable[str]) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(parse_one(item) for item in list_items(name, text)))
    return parse


def parse_lr(text: str) -> float:
    value = finite_float("lr", text)
    if value <= 0:
        raise SpecError("lr", f"lr must be greater than 0, got {text}")
    return value


def parse_momentum(text: str) -> float:
    value = finite_float("momentum", text)
    if not 0 <= value < 1:
        raise SpecError("momentum", f"momentum must be in [0, 1), got {text}")
    return value


def parse_val_split(text: str) -> float:
    value = finite_float("val-split", text)
    low, high = VAL_SPLIT_RANGE
    if not low <= value <= high:
        raise SpecError("val-split", f"val-split must be between {low} and {high} (a smaller "
                        f"or larger share leaves a split empty), got {shown(text, 30)}")
    return value


def parse_device(text: str) -> str:
    """auto, cpu, cuda, cuda:N or mps; `cpu:0` and `mps:0` are the same devices."""
    value = str(text).strip().lower()
    base, colon, index = value.partition(":")
    usage = "(use auto, cpu, cuda, cuda:N or mps)"
    if base not in ("auto", "cpu", "cuda", "mps"):
        raise SpecError("device", f"unknown device '{shown(text, 30)}' {usage}")
    if not colon:
        return value
    if not (index.isascii() and index.isdigit()):
        raise SpecError("device", f"device index in '{shown(text, 30)}' must be a number "
                        f"{usage}")
    number = int(index)
    if base == "auto" or (base in ("cpu", "mps") and number != 0):
        raise SpecError("device", f"device '{shown(text, 30)}' takes no index {usage}")
    if number > MAX_DEVICE_INDEX:
        raise SpecError("device", f"device index {shown(index, 30)} is too large {usage}")
    return base if base in ("cpu", "mps") else f"{base}:{number}"


def _parse_bool(text: str) -> bool:
    return str(text).strip().lower() in ("1", "true", "yes", "on")


PARSERS = {
    "inits": parse_inits,
    "bias_init": parse_bias_init,
    "output_init": parse_output_init,
    "dataset": parse_dataset,
    "data_dir": lambda text: str(text).strip() or None,
    "download": _parse_bool,
    "val_split": parse_val_split,
    "model": parse_model,
    "norm": lambda text: choice("norm", text, NORMS, "norm"),
    "residual_init": parse_residual_init,
    "hidden": parse_hidden,
    "activation": _listed(lambda text: choice("activation", text, ACTIVATIONS, "activation"),
                          "activation"),
    "optimizer": lambda text: choice("optimizer", text, OPTIMIZERS, "optimizer"),
    "lr": _listed(parse_lr, "lr"),
    "momentum": _listed(parse_momentum, "momentum"),
    "batch_size": _listed(lambda text: positive_int("batch-size", text), "batch_size"),
    "epochs": lambda text: positive_int("epochs", text),
    "seeds": lambda text: positive_int("seeds", text, maximum=MAX_SEEDS),
    "seed": lambda text: positive_int("seed", text, minimum=0, maximum=MAX_SEED),
    "device": parse_device,
    "diagnostics": _parse_bool,
    "param": lambda text: choice("param", text, PARAMETRIZATIONS, "parametrization"),
    "base_width": lambda text: positive_int("base-width", text),
}


def parse_field(name: str, text: object) -> Any:
    """Parse one field from its text spelling; raises SpecError naming the option.

    A grid field gives the tuple of its listed values (see `ExperimentSpec.with_values`).
    """
    return PARSERS[name](text)


def format_field(name: str, value: Any) -> str:
    """The text of a field's value; a grid field takes one value or the tuple of them."""
    if value is None:
        return ""
    if name == "hidden":
        architectures = value if value and isinstance(value[0], tuple) else (value,)
        return ARCHITECTURE_SEPARATOR.join(format_architecture(a) for a in architectures)
    if name in GRID_FIELDS and isinstance(value, tuple):
        return ",".join(format_field(name, item) for item in value)
    if name == "inits":
        return ",".join(str(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).lower() if isinstance(value, bool) else str(value)
