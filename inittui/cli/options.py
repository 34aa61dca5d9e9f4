"""The command line's options: one per spec field, parsed by the spec's own parsers.

A spec field's option, its help and its default come from one table (`SPEC_OPTIONS`), so
`--help`, the docs' options page and the parsers never disagree; `build_spec` turns the
parsed options (and a preset) into the spec every mode runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from inittui.core.errors import SpecError, shown_path
from inittui.core.spec.experiment import (
    MODEL_HIDDEN,
    MUP_MODELS,
    ExperimentSpec,
    check_spec,
    default_hidden,
)
from inittui.core.spec.fields import format_field, parse_field
from inittui.core.spec.presets import get_preset

DEFAULTS = ExperimentSpec()

# (field, option, metavar, help) for every option that sets a spec field, in --help order.
SPEC_OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("inits", "--init", "NAMES", "Initializers to compare, comma-separated or repeated; "
     "parameters after a colon: normal:std=0.05 (see --list-inits)."),
    ("bias_init", "--bias-init", "NAME", "Bias initializer for every run: zeros, constant, "
     "normal, uniform or pytorch-default."),
    ("output_init", "--output-init", "NAME", "Initializer of the output layer for every run; "
     "unset, each run's own (see --list-inits)."),
    ("dataset", "--dataset", "NAME", "mnist-5k (bundled), mnist, fashion-mnist, cifar10, or "
     "synthetic[:train=N,side=N,...]; for gpt, text (the bundled play, its default) or "
     "synthetic-text[:vocab=N,...]."),
    ("data_dir", "--data-dir", "DIR", "Folder in torchvision's layout for mnist, "
     "fashion-mnist and cifar10."),
    ("val_split", "--val-split", "FRACTION", "Share of the training data held out for "
     "validation."),
    ("model", "--model", "NAME", "mlp, cnn (two conv blocks before the hidden layers), "
     "resmlp (residual blocks), resnet, gpt (on the bundled text), or your own "
     "path/file.py:ClassName (constructor: input shape, number of classes). Your file is "
     "imported and runs as Python code with your rights; only give files you trust."),
    ("hidden", "--hidden", "SIZES", "Hidden layer sizes, comma-separated; 128x30 is thirty "
     "layers of 128; for resmlp, resnet and gpt one entry per block. Repeat the option (or "
     "split by ';') for a grid of architectures.  [default: the model's own: " + ", ".join(
         f"{model} {format_field('hidden', sizes)}" + (" (ResNet-20)" if model == "resnet"
                                                       else "")
         for model, sizes in MODEL_HIDDEN.items()) + "]"),
    ("norm", "--norm", "none|batch|layer", "Normalization in resmlp (pre-norm) and resnet "
     "blocks."),
    ("residual_init", "--residual-init", "NAME", "Initializer of the last layer of every "
     "residual branch (e.g. zeros); unset, each run's own."),
    ("activation", "--activation", "NAMES", "relu, leaky-relu, tanh, sigmoid, gelu, selu or "
     "linear; a comma-separated list makes a grid."),
    ("optimizer", "--optimizer", "adam|sgd", "Optimizer (one per run, same settings)."),
    ("lr", "--lr", "FLOATS", "Learning rate; a list (3e-4,1e-3,3e-3) makes a grid."),
    ("momentum", "--momentum", "FLOATS", "Momentum (sgd only); a list makes a grid."),
    ("batch_size", "--batch-size", "N[,N]", "Minibatch size; a list makes a grid."),
    ("epochs", "--epochs", "N", "Epochs per run."),
    ("seeds", "--seeds", "N", "Repeats of every initializer with other seeds (mean ± std)."),
    ("seed", "--seed", "N", "First seed; repeats use seed, seed+1, ..."),
    ("device", "--device", "DEVICE", "auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or "
     "mps."),
    ("param", "--param", "sp|mup", "Parametrization: sp (standard), or mup (Yang et al. 2022: "
     f"init and per-layer learning rates scaled with width; {', '.join(MUP_MODELS)})."),
    ("base_width", "--base-width", "N", "Width at which mup equals sp (mup's base shapes)."),
)


SHOWN_DEFAULTS = {"hidden": False}
"""Options whose default depends on another option: their help says it instead."""


class FilePath(click.Path):
    """A file's path, as click.Path(dir_okay=False) but refusing a trailing slash, which
    pathlib would drop (`--out x.csv/` quietly wrote `x.csv`)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> object:
        if isinstance(value, str) and value.endswith(("/", os.sep)):
            self.fail(f"'{shown_path(value)}' ends with '/', so it names a folder; give a "
                      "file name", param, ctx)
        return super().convert(value, param, ctx)


def flag(field: str) -> str:
    """How the command line words a setting the core names: its option (`--data-dir`)."""
    flags = {spec_field: option for spec_field, option, *_ in SPEC_OPTIONS}
    return flags.get(field, "--" + field.replace("_", "-"))


def _parse(ctx: click.Context, param: click.Parameter, value: object) -> object:
    """Run a spec field's parser, turning its one-line error into click's usage error."""
    if value is None or (param.multiple and not value):
        return None
    field = param.name or ""
    try:
        return parse_field(field, value)
    except SpecError as error:
        raise click.BadParameter(error.worded(flag), ctx=ctx, param=param) from None


def spec_options(command: click.Command) -> click.Command:
    for field, flag, metavar, help_text in reversed(SPEC_OPTIONS):
        text = format_field(field, getattr(DEFAULTS, field)) or None
        multiple = field in ("inits", "hidden")
        command = click.option(
            flag, field, default=(text,) if multiple else text,
            show_default=SHOWN_DEFAULTS.get(field, True),
            help=help_text, callback=_parse, multiple=multiple, metavar=metavar,
        )(command)
    return command


def print_initializers() -> None:
    from inittui.core.init.registry import registry

    for info in registry():
        aliases = f"  aliases: {', '.join(info.aliases)}" if info.aliases else ""
        click.echo(f"{info.name:<16} {info.formula}")
        click.echo(f"{'':<16} {info.paper}; suits {', '.join(info.suits)}{aliases}")


def preset_arguments(overrides: dict[str, str]) -> list[str]:
    """A preset's settings as the options that set them, so its `sets:` line can be pasted.

    A switch is its flag (`--no-diagnostics`), not a value; hidden sizes read in the
    parser's shorthand (`64x50`, not fifty `64,`s); every other value as the preset spells it.
    """
    arguments: list[str] = []
    for field, text in overrides.items():
        value = parse_field(field, text)
        if isinstance(value, bool):
            arguments.append(f"--{'' if value else 'no-'}{field.replace('_', '-')}")
        else:
            arguments += [flag(field), format_field(field, value) if field == "hidden" else text]
    return arguments


def print_presets() -> None:
    import shlex

    from inittui.core.spec.presets import PRESETS
    from inittui.core.training.study_plan import study_line

    for preset in PRESETS.values():
        settings = shlex.join(preset_arguments(preset.overrides))
        click.echo(f"{preset.name}\n  source: {preset.source}\n  expect: {preset.expectation}"
                   f"\n  sets:   {settings}")
        if preset.study is not None:
            click.echo(f"  study:  {study_line(preset.study)}; --preset {preset.name} runs it "
                       "(the sets: line alone is one sweep)")


AXIS_METRIC_NAMES = ("best-val-acc", "final-train-loss", "epochs-to-target", "steps-to-loss")
"""grid_results.AXIS_METRICS as options spell them (kept here: importing the core is slow)."""


def axis_metric(name: str | None, preset: str | None, spec: ExperimentSpec) -> str | None:
    """The metric headless prints by axis: the option's, else the preset's, else none."""
    if name is not None and not spec.is_grid:
        raise click.UsageError("--axis-metric needs a grid: list values (--lr 1e-3,1e-2, "
                               "--hidden 64x5 --hidden 64x10)")
    if name is not None:
        return name.replace("-", "_")
    return get_preset(preset).axis_metric if preset is not None else None


def build_spec(ctx: click.Context, values: dict[str, object], preset: str | None,
               download: bool, diagnostics: bool) -> ExperimentSpec:
    """The spec from the options; a preset fills in every field the user did not set."""
    from dataclasses import replace

    fields = {field: values[field] for field, *_ in SPEC_OPTIONS if values[field] is not None}
    spec = replace(DEFAULTS, download=download, diagnostics=diagnostics).with_values(**fields)
    explicit = frozenset(
        field for field, *_ in SPEC_OPTIONS
        if ctx.get_parameter_source(field) is not click.core.ParameterSource.DEFAULT
    )
    if preset is not None:
        from inittui.core.spec.presets import apply_preset

        try:
            spec = apply_preset(spec, preset, keep=explicit)
        except SpecError as error:
            raise click.BadParameter(error.worded(flag), ctx=ctx, param_hint="'--preset'") \
                from None
        explicit |= get_preset(preset).overrides.keys()
    if "hidden" not in explicit:  # each model its own sizes (gpt's blocks share one width)
        spec = spec.with_values(hidden=(default_hidden(spec.model),))
    try:
        check_spec(spec)
    except SpecError as error:
        raise click.BadParameter(error.worded(flag), ctx=ctx,
                                 param_hint=f"'{flag(error.field)}'") from None
    return spec


