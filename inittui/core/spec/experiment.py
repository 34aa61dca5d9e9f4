"""The experiment description shared by the CLI, the app's form and the engine.

Every field has a parser from text, so the command line and the app's inputs accept the
same spellings and reject bad values with the same one-line messages.

The grid fields (hidden, activation, batch size, lr, momentum) take lists: a spec with
several values on any of them is a grid, the product of every listed value (see
`core/training/plan.py`). Each value has one home: what was asked is the spec's
(`axis_values`: every listed value; `only`: the one value of a field that is no axis), and
the value a run trains with is the run's (`RunPlan.setting`). The field itself holds the
first listed value so that a spec stays one constructible dataclass; code asks `only` or
the run, never the field of a grid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from itertools import pairwise
from typing import Any

from inittui.core.errors import SpecError, shown, unknown_name
from inittui.core.init.registry import (
    BiasChoice,
    InitializerChoice,
    as_bias_initializer,
    as_initializer,
    parse_bias_initializer,
    parse_initializer,
    read_bias_initializer,
    read_initializer,
)
from inittui.core.spec.activations import ACTIVATIONS

OPTIMIZERS = ("adam", "sgd")
PARAMETRIZATIONS = ("sp", "mup")
MODELS = ("mlp", "cnn", "resmlp", "resnet", "gpt")
NORMS = ("none", "batch", "layer")
MUP_MODELS = ("mlp", "resmlp", "gpt")
"""The models μP and the coordinate check are implemented for: their --hidden sizes are
the width."""
NORMED_MODELS = ("resmlp", "resnet")
"""The models `norm` applies to (gpt has its own LayerNorms, the others none)."""
DATASETS = ("mnist-5k", "mnist", "fashion-mnist", "cifar10", "synthetic", "text",
            "synthetic-text")
TEXT_DATASETS = ("text", "synthetic-text")
TEXT_DEFAULTS = {"text": {"context": 64},
                 "synthetic-text": {"train": 512, "val": 128, "test": 128, "context": 16,
                                    "vocab": 8}}
SYNTHETIC_DEFAULTS = {
    "train": 2000, "val": 500, "test": 500, "side": 28, "channels": 1, "classes": 10,
}
DEFAULT_DATASET = "mnist-5k"
MODEL_HIDDEN: dict[str, tuple[int, ...]] = {
    "mlp": (128, 64), "cnn": (128, 64), "resmlp": (128,) * 4,
    "resnet": (16,) * 3 + (32,) * 3 + (64,) * 3, "gpt": (64,) * 4}
"""Each built-in model's hidden sizes when none are given: resmlp and gpt blocks share one
width (gpt's a multiple of its 16-wide heads), resnet's list is ResNet-20's."""
DEFAULT_INITS = tuple(parse_initializer(name)
                      for name in ("zeros", "normal", "xavier-normal", "he-normal"))
ZERO_BIAS = parse_bias_initializer("zeros")
GRID_FIELDS = ("hidden", "activation", "batch_size", "lr", "momentum")
"""Fields that take a list of values; the first three change a model's shapes, the last two
only its optimizer (so they vary inside one batched model)."""
SHAPE_FIELDS = GRID_FIELDS[:3]
RUN_FIELDS = GRID_FIELDS[3:]
ARCHITECTURE_SEPARATOR = ";"
"""Between two architectures in one text (`64x10;64x20`); a comma separates layers."""
MAX_INT = 2**31 - 1
"""Counts beyond this overflow PyTorch's 32-bit sizes long before memory runs out."""
MAX_WIDTH = 1_000_000
MAX_LAYERS = 10_000
"""Hidden layers of one architecture; a repeat count is checked before a list is built."""
MAX_HIDDEN_WEIGHTS = 1_000_000_000
"""Weights between hidden layers of one run (4 GB in float32), estimated before building."""
MAX_SIDE = 1024
MAX_SYNTHETIC_BYTES = 4 * 2**30
"""A synthetic data set's float32 images, estimated from its sizes before any is drawn."""
MAX_SEED = 2**32 - 1
MAX_SEEDS = 10_000
MAX_DEVICE_INDEX = 1023
VAL_SPLIT_RANGE = (0.01, 0.99)
"""Beyond these, a data set of a few thousand images has an empty split."""
CNN_MIN_SIDE = 4
"""The cnn pools twice by 2: smaller images leave nothing for the dense layers."""
_INTEGER = re.compile(r"\+?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(inf|infinity|nan)",
                    re.IGNORECASE)
"""Plain ASCII spellings only: Python would also take `1_0` and Arabic-Indic digits."""


@dataclass(frozen=True)
class ExperimentSpec:
    """What to train: one model per (initializer, seed), all sharing everything else.

    The initializer fields hold parsed choices; text given for them is parsed once, here
    (its spelling kept as the label: `parse_field` gives canonical ones).
    """

    inits: tuple[InitializerChoice, ...] = DEFAULT_INITS
    bias_init: BiasChoice = ZERO_BIAS
    output_init: InitializerChoice | None = None  # None: each run's initializer
    dataset: str = DEFAULT_DATASET  # for --model gpt: the bundled text
    data_dir: str | None = None
    download: bool = False
    val_split: float = 0.15
    model: str = "mlp"  # a name in MODELS, or the user's `path/file.py:ClassName`
    norm: str = "none"  # normalization inside residual blocks (resmlp, resnet)
    residual_init: InitializerChoice | None = None  # None: each run's initializer
    hidden: tuple[int, ...] = MODEL_HIDDEN["mlp"]  # the CLI and the form: the model's own
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 64
    epochs: int = 10
    seeds: int = 1
    seed: int = 0
    device: str = "auto"
    diagnostics: bool = True
    param: str = "sp"  # "mup": Yang et al. 2022's width scaling of init and learning rates
    base_width: int = 64  # the width at which μP equals SP (mup's base shapes)
    axes: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    """The grid: (field, values) for every grid field given more than one value, in
    GRID_FIELDS order; the field itself holds values[0]. Empty for a single cell."""

    def __post_init__(self) -> None:
        _parsed(self, inits=tuple(as_initializer(i) for i in self.inits),
                bias_init=as_bias_initializer(self.bias_init),
                output_init=as_initializer(self.output_init) if self.output_init else None,
                residual_init=as_initializer(self.residual_init) if self.residual_init
                else None)
        if self.model == "gpt" and self.dataset == DEFAULT_DATASET:  # images make no sense
            object.__setattr__(self, "dataset", "text")

    @property
    def is_grid(self) -> bool:
        return bool(self.axes)

    def axis_values(self, name: str) -> tuple[Any, ...]:
        """Every value listed for a grid field (one value when it is not an axis)."""
        return dict(self.axes).get(name, (getattr(self, name),))

    def only(self, name: str) -> Any:
        """The one value asked for a grid field; an axis has none (each run has its own,
        `RunPlan.setting`), so asking is a bug, not a silent first value."""
        values = self.axis_values(name)
        if len(values) != 1:
            raise ValueError(f"the spec lists {len(values)} values of {name}: ask the run")
        return values[0]

    def first_cell(self) -> ExperimentSpec:
        """The one-cell spec of the grid's first cell: every axis at its first listed value
        (what a check of one model, such as the coordinate check, takes of a grid)."""
        return replace(self, axes=(), **{name: values[0] for name, values in self.axes})

    def with_axis(self, name: str, values: Iterable[Any]) -> ExperimentSpec:
        """A copy with a grid field set to values (duplicates dropped, order kept)."""
        unique = tuple(dict.fromkeys(values))
        if not unique:
            raise SpecError(name, f"{_flag(name)} needs at least one value")
        axes = {**dict(self.axes), name: unique}
        if len(unique) == 1:
            del axes[name]
        ordered = tuple((field, axes[field]) for field in GRID_FIELDS if field in axes)
        return replace(self, **{name: unique[0]}, axes=ordered)

    def with_values(self, **values: Any) -> ExperimentSpec:
        """A copy with parsed values; a grid field takes a tuple of its values."""
        spec = self
        for name, value in values.items():
            if name in GRID_FIELDS:
                spec = spec.with_axis(name, value)
            else:
                spec = replace(spec, **{name: value})
        return spec

    @property
    def run_seeds(self) -> tuple[int, ...]:
        return tuple(self.seed + repeat for repeat in range(self.seeds))

    def runs(self) -> list[RunPlan]:
        """Runs in the engine's order: seed-major, so one seed's runs share a data order."""
        return [
            RunPlan(index=index, init=init, seed=seed, bias_init=self.bias_init)
            for index, (seed, init) in enumerate(
                (seed, init) for seed in self.run_seeds for init in self.inits
            )
        ]

    def with_text(self, **values: str) -> ExperimentSpec:
        """A copy with fields given as text, each through its parser (for form inputs)."""
        return self.with_values(**{name: parse_field(name, text)
                                   for name, text in values.items()})

    def as_text(self) -> dict[str, str]:
        """Each field in the spelling its parser accepts (for pre-filling a form)."""
        return {f.name: format_field(f.name, self.axis_values(f.name) if f.name in GRID_FIELDS
                                     else getattr(self, f.name))
                for f in fields(self) if f.name != "axes"}


@dataclass(frozen=True)
class RunPlan:
    """One run a spec plans: an initializer drawn with one seed, in one grid cell.

    The one description of a run that travels everywhere (events, results, files); the
    engine tracks a run's progress privately, the results keep a `RunRecord` per plan, and
    the app draws a plan's seeds together as a `SeedGroup`.
    """

    index: int
    init: InitializerChoice
    seed: int
    bias_init: BiasChoice = ZERO_BIAS
    cell: str = ""
    """The grid cell's label (`lr=1e-3,hidden=128x30`); empty outside a grid."""
    settings: tuple[tuple[str, Any], ...] = ()
    """The cell's value of every grid field (lr, hidden, ...); empty outside a grid."""

    def __post_init__(self) -> None:  # a label from a results file may be one we don't know
        _parsed(self, init=read_initializer(self.init),
                bias_init=read_bias_initializer(self.bias_init))

    @property
    def run_id(self) -> str:
        own = f"{self.init}/s{self.seed}"
        return f"{self.cell}/{own}" if self.cell else own

    def setting(self, name: str, spec: ExperimentSpec) -> Any:
        """This run's value of a grid field (lr, hidden, ...): its cell's in a grid, else the
        one value its spec asked for."""
        settings = dict(self.settings)
        return settings[name] if name in settings else spec.only(name)


def default_hidden(model: str) -> tuple[int, ...]:
    """The hidden sizes that suit a model (a model of the user's own: the mlp's)."""
    return MODEL_HIDDEN.get(model, MODEL_HIDDEN["mlp"])


def _parsed(instance: object, **values: object) -> None:
    """Set a frozen dataclass's initializer fields to their parsed choices (a choice is kept
    as it is)."""
    for name, value in values.items():
        object.__setattr__(instance, name, value)


def _positive_int(name: str, text: str, minimum: int = 1, maximum: int = MAX_INT) -> int:
    value_text = str(text).strip()
    if not _INTEGER.fullmatch(value_text):
        sign = value_text.startswith("-") and _INTEGER.fullmatch(value_text[1:])
        if not sign:
            raise SpecError(name, f"{name} must be a whole number, got '{shown(text, 30)}'")
    value = int(value_text)
    if value < minimum:
        raise SpecError(name, f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise SpecError(name, f"{name} must be at most {maximum}, got {shown(value, 30)}")
    return value


def _finite_float(name: str, text: str) -> float:
    value_text = str(text).strip()
    if not _FLOAT.fullmatch(value_text):
        raise SpecError(name, f"{name} must be a number, got '{shown(text, 30)}'")
    value = float(value_text)
    if not math.isfinite(value):
        raise SpecError(name, f"{name} must be finite, got {shown(text, 30)}")
    return value


def _choice(name: str, text: str, choices: Iterable[str], kind: str) -> str:
    value = str(text).strip().lower()
    if value not in choices:
        raise SpecError(name, unknown_name(kind, str(text).strip(), choices))
    return value


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
    return _choice("model", value, MODELS, "model (or path/file.py:ClassName)")


def parse_dataset(text: str) -> str:
    value = str(text).strip()
    base, _, params = value.partition(":")
    base = _choice("dataset", base, DATASETS, "data set")
    if params and base not in ("synthetic", *TEXT_DATASETS):
        raise SpecError("dataset", f"data set '{base}' takes no parameters, got '{value}'")
    if base == "synthetic":
        synthetic_params(value)
    if base in TEXT_DATASETS:
        text_params(f"{base}:{params}")
    return value.lower() if not params else f"{base}:{params}"


def _dataset_params(base: str, params: str, defaults: dict[str, int]) -> dict[str, int]:
    """`key=value` sizes over defaults: each key known and given once, each value named in
    its error (`synthetic val must be at least 1, got 0`)."""
    values = dict(defaults)
    given: set[str] = set()
    for pair in filter(None, (p.strip() for p in params.split(","))):
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or key not in defaults:
            raise SpecError("dataset", f"bad {base} parameter '{shown(pair, 30)}' (use "
                                       f"key=value with keys: {', '.join(defaults)})")
        if key in given:
            raise SpecError("dataset", f"{base} parameter {key} is given twice")
        given.add(key)
        try:
            values[key] = _positive_int(key, raw)
        except SpecError as error:
            raise SpecError("dataset", f"{base} {error}") from None
    return values


def synthetic_params(text: str) -> dict[str, int]:
    """The sizes in `synthetic:train=512,side=8`, filled in from SYNTHETIC_DEFAULTS; a data
    set too large to hold is refused here, before any of it is drawn."""
    _, _, params = text.partition(":")
    values = _dataset_params("synthetic", params, SYNTHETIC_DEFAULTS)
    if values["classes"] < 2:
        raise SpecError("dataset", "synthetic data needs at least 2 classes")
    if values["side"] > MAX_SIDE:
        raise SpecError("dataset", f"synthetic side must be at most {MAX_SIDE}, got "
                                   f"{values['side']}: the data set is too large")
    images = values["train"] + values["val"] + values["test"]
    size = images * values["channels"] * values["side"] ** 2 * 4
    if size > MAX_SYNTHETIC_BYTES:
        raise SpecError("dataset", f"the synthetic data set would take {size / 2**30:,.1f} "
                        f"GiB ({images:,} images of {values['channels']}×{values['side']}×"
                        f"{values['side']} float32; at most {MAX_SYNTHETIC_BYTES // 2**30} "
                        "GiB): use fewer images or a smaller side")
    return values


def text_params(text: str) -> dict[str, int]:
    """The sizes in `text:context=32` or `synthetic-text:train=256,vocab=6`, defaults filled in."""
    base, _, params = text.partition(":")
    values = _dataset_params(base, params, TEXT_DEFAULTS[base.strip().lower()])
    if values.get("vocab", 2) < 2:
        raise SpecError("dataset", "synthetic-text needs a vocabulary of at least 2")
    return values


def _flag(name: str) -> str:
    return name.replace("_", "-")


def list_items(name: str, text: str | Iterable[str], separator: str = ",",
               item: str = "item") -> list[str]:
    """The items of a list text; an empty item (`1e-3,,3e-3`, a trailing comma) is refused."""
    pieces = [text] if isinstance(text, str) else [str(piece) for piece in text]
    items = [part.strip() for piece in pieces for part in str(piece).split(separator)]
    if not items or any(not part for part in items):
        raise SpecError(name, f"{_flag(name)} has an empty {item} in "
                              f"'{separator.join(map(str, pieces))}'")
    return items


def parse_architecture(text: str) -> tuple[int, ...]:
    """One architecture's hidden sizes: `128,64`, `128x30` (thirty layers of 128), `64x5,32`."""
    runs: list[tuple[int, int]] = []  # (width, count): nothing is expanded before checks
    pieces = list_items("hidden", text, item="layer size")  # `128,,64` is a typo
    for item in (token for piece in pieces for token in piece.split()):  # `128 64` too
        size, sep, repeat = item.lower().partition("x")
        if sep and not size.strip() and repeat.strip():
            raise SpecError("hidden", f"hidden '{item}' needs a layer size before 'x', "
                                      "e.g. 128x30")
        width = _positive_int("hidden", size if sep and repeat.strip() else item,
                              maximum=MAX_WIDTH)
        count = _positive_int("hidden", repeat, minimum=0) if sep else 1
        if sep and count < 1:
            raise SpecError("hidden", f"hidden '{item}' repeats a layer {count} times; "
                                      "use at least 1")
        runs.append((width, count))
    _check_architecture_size(runs)
    return tuple(width for width, count in runs for _ in range(count))


def _check_architecture_size(runs: list[tuple[int, int]]) -> None:
    """Layer count and weights between hidden layers, from the (width, count) runs alone."""
    layers = sum(count for _, count in runs)
    if layers > MAX_LAYERS:
        raise SpecError("hidden", f"hidden has {layers:,} layers; at most {MAX_LAYERS:,}")
    weights = sum((count - 1) * width * width for width, count in runs) + \
        sum(a * b for (a, _), (b, _) in pairwise(runs))
    if weights > MAX_HIDDEN_WEIGHTS:
        raise SpecError("hidden", f"hidden sizes need {weights:,} weights between hidden "
                        f"layers per run ({weights * 4 / 2**30:,.1f} GiB in float32); at "
                        f"most {MAX_HIDDEN_WEIGHTS:,}")


def parse_hidden(text: str | Iterable[object]) -> tuple[tuple[int, ...], ...]:
    """One or more architectures: each text is one (`128,64`), or several split by `;`.

    A sequence of numbers is one architecture (as code spells `hidden=(128, 64)`); a
    sequence of texts is one architecture per text (a repeated `--hidden`).
    """
    if not isinstance(text, str):
        pieces = list(text)
        if pieces and all(isinstance(piece, int) for piece in pieces):
            text = ",".join(str(piece) for piece in pieces)
        else:
            text = ARCHITECTURE_SEPARATOR.join(str(piece) for piece in pieces)
    if not text.strip():
        raise SpecError("hidden", "hidden needs at least one layer size, e.g. 128,64")
    return tuple(parse_architecture(item)
                 for item in list_items("hidden", text, ARCHITECTURE_SEPARATOR))


def format_architecture(hidden: tuple[int, ...]) -> str:
    """`128,64`, with runs of equal sizes as `64x30` (the shorthand the parser reads)."""
    parts: list[str] = []
    index = 0
    while index < len(hidden):
        end = index
        while end < len(hidden) and hidden[end] == hidden[index]:
            end += 1
        count = end - index
        parts.append(f"{hidden[index]}x{count}" if count > 2 else
                     ",".join([str(hidden[index])] * count))
        index = end
    return ",".join(parts)


def _listed(parse_one: Any, name: str) -> Any:
    """A parser of comma-separated values from the parser of one."""
    def parse(text: str | Iterable[str]) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(parse_one(item) for item in list_items(name, text)))
    return parse


def parse_widths(text: str) -> tuple[int, ...]:
    """The coordinate check's widths: `64,128,256` → (64, 128, 256); two or more, sorted."""
    parts = [part.strip() for part in str(text).replace(" ", ",").split(",") if part.strip()]
    widths: list[int] = []
    for part in parts:
        try:
            width = int(part)
        except ValueError:
            raise SpecError("coord-widths", f"coord-widths must be whole numbers, got '{part}'") \
                from None
        if width < 1:
            raise SpecError("coord-widths", f"coord-widths must be at least 1, got {width}")
        if width > MAX_WIDTH:
            raise SpecError("coord-widths", f"coord-widths must be at most {MAX_WIDTH:,}, "
                                            f"got {width:,}")
        widths.append(width)
    if len(set(widths)) < 2:
        raise SpecError("coord-widths", "coord-widths needs at least two different widths")
    return tuple(sorted(set(widths)))


def parse_lr(text: str) -> float:
    value = _finite_float("lr", text)
    if value <= 0:
        raise SpecError("lr", f"lr must be greater than 0, got {text}")
    return value


def parse_momentum(text: str) -> float:
    value = _finite_float("momentum", text)
    if not 0 <= value < 1:
        raise SpecError("momentum", f"momentum must be in [0, 1), got {text}")
    return value


def parse_val_split(text: str) -> float:
    value = _finite_float("val-split", text)
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


def check_spec(spec: ExperimentSpec) -> None:
    """Settings that are each valid but do not go together, refused before any work."""
    if spec.model == "cnn" and spec.dataset.startswith("synthetic"):
        side = synthetic_params(spec.dataset)["side"]
        if side < CNN_MIN_SIDE:
            raise SpecError("model", f"model cnn needs images of at least {CNN_MIN_SIDE} "
                            f"pixels a side, the data set has {side}; use mlp or a larger "
                            "side")
    if spec.optimizer != "sgd" and len(spec.axis_values("momentum")) > 1:
        raise SpecError("momentum", f"{spec.optimizer} ignores momentum, so a list of "
                        "momentum values would train identical cells; give one value or "
                        "use the sgd optimizer")
    if spec.seed + spec.seeds - 1 > MAX_SEED:
        raise SpecError("seed", f"seed + seeds - 1 must be at most {MAX_SEED}")


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
    "norm": lambda text: _choice("norm", text, NORMS, "norm"),
    "residual_init": parse_residual_init,
    "hidden": parse_hidden,
    "activation": _listed(lambda text: _choice("activation", text, ACTIVATIONS, "activation"),
                          "activation"),
    "optimizer": lambda text: _choice("optimizer", text, OPTIMIZERS, "optimizer"),
    "lr": _listed(parse_lr, "lr"),
    "momentum": _listed(parse_momentum, "momentum"),
    "batch_size": _listed(lambda text: _positive_int("batch-size", text), "batch_size"),
    "epochs": lambda text: _positive_int("epochs", text),
    "seeds": lambda text: _positive_int("seeds", text, maximum=MAX_SEEDS),
    "seed": lambda text: _positive_int("seed", text, minimum=0, maximum=MAX_SEED),
    "device": parse_device,
    "diagnostics": _parse_bool,
    "param": lambda text: _choice("param", text, PARAMETRIZATIONS, "parametrization"),
    "base_width": lambda text: _positive_int("base-width", text),
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
