"""The experiment description shared by the CLI, the app's form and the engine.

Every field has a parser from text (`fields.py`), so the command line and the app's inputs
accept the same spellings and reject bad values with the same one-line messages.

The grid fields (hidden, activation, batch size, lr, momentum) take lists: a spec with
several values on any of them is a grid, the product of every listed value (see
`core/training/plan.py`). Each value has one home: what was asked is the spec's
(`axis_values`: every listed value; `only`: the one value of a field that is no axis), and
the value a run trains with is the run's (`RunPlan.setting`). The field itself holds the
first listed value so that a spec stays one constructible dataclass; code asks `only` or
the run, never the field of a grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from inittui.core.errors import SpecError
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
from inittui.core.spec.architecture import (
    format_architecture,
    parse_architecture,
    parse_hidden,
    parse_widths,
)
from inittui.core.spec.data_fields import (
    DATASETS,
    DEFAULT_DATASET,
    TEXT_DATASETS,
    parse_dataset,
    synthetic_params,
    text_params,
)
from inittui.core.spec.fields import (
    GRID_FIELDS,
    MAX_SEED,
    MODELS,
    NORMS,
    OPTIMIZERS,
    PARAMETRIZATIONS,
    SHAPE_FIELDS,
    format_field,
    is_user_model,
    parse_field,
    parse_inits,
    split_list,
    split_user_model,
)
from inittui.core.spec.values import dashed

__all__ = [
    "ACTIVATIONS", "DATASETS", "GRID_FIELDS", "MODELS", "MODEL_HIDDEN", "MUP_MODELS",
    "NORMED_MODELS", "NORMS", "OPTIMIZERS", "PARAMETRIZATIONS", "SHAPE_FIELDS",
    "TEXT_DATASETS", "ExperimentSpec", "RunPlan", "check_spec", "default_hidden",
    "format_architecture", "format_field", "is_user_model", "parse_architecture",
    "parse_dataset", "parse_field", "parse_hidden", "parse_inits", "parse_widths",
    "split_list", "split_user_model", "synthetic_params", "text_params",
]
"""The spec and, for the code that reads a spec's text, its fields' parsers (defined in
`fields`, `architecture`, `data_fields`)."""

MUP_MODELS = ("mlp", "resmlp", "gpt")
"""The models μP and the coordinate check are implemented for: their --hidden sizes are
the width."""
NORMED_MODELS = ("resmlp", "resnet")
"""The models `norm` applies to (gpt has its own LayerNorms, the others none)."""
MODEL_HIDDEN: dict[str, tuple[int, ...]] = {
    "mlp": (128, 64), "cnn": (128, 64), "resmlp": (128,) * 4,
    "resnet": (16,) * 3 + (32,) * 3 + (64,) * 3, "gpt": (64,) * 4}
"""Each built-in model's hidden sizes when none are given: resmlp and gpt blocks share one
width (gpt's a multiple of its 16-wide heads), resnet's list is ResNet-20's."""
DEFAULT_INITS = tuple(parse_initializer(name)
                      for name in ("zeros", "normal", "xavier-normal", "he-normal"))
ZERO_BIAS = parse_bias_initializer("zeros")
CNN_MIN_SIDE = 4
"""The cnn pools twice by 2: smaller images leave nothing for the dense layers."""


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
            raise SpecError(name, f"{dashed(name)} needs at least one value")
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
