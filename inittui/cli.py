"""The `inittui` command: the app by default, `--headless` for scripts.

Only click and the torch-free spec module load at import time, so `inittui --help`
answers at once; torch, textual and the engine load when a command actually needs them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from inittui import __version__
from inittui.core.errors import InittuiError, SpecError, shown_path
from inittui.core.spec.architecture import parse_widths
from inittui.core.spec.experiment import (
    MODEL_HIDDEN,
    MUP_MODELS,
    ExperimentSpec,
    check_spec,
    default_hidden,
)
from inittui.core.spec.fields import format_field, parse_field
from inittui.core.spec.presets import get_preset
from inittui.figures.command import plot
from inittui.interrupts import StopSignals
from inittui.web.serve import serve

if TYPE_CHECKING:
    from inittui.core.events import SweepTrainer
    from inittui.core.spec.presets import TransferStudy
    from inittui.core.training.plan import GridPlan
    from inittui.headless.figures import FigureRequest

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


def _spec_options(command: click.Command) -> click.Command:
    for field, flag, metavar, help_text in reversed(SPEC_OPTIONS):
        text = format_field(field, getattr(DEFAULTS, field)) or None
        multiple = field in ("inits", "hidden")
        command = click.option(
            flag, field, default=(text,) if multiple else text,
            show_default=SHOWN_DEFAULTS.get(field, True),
            help=help_text, callback=_parse, multiple=multiple, metavar=metavar,
        )(command)
    return command


def _list_inits() -> None:
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


def _list_presets() -> None:
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


def _axis_metric(name: str | None, preset: str | None, spec: ExperimentSpec) -> str | None:
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


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_spec_options
@click.option("--download", is_flag=True, help="Allow torchvision to download a missing data set.")
@click.option("--diagnostics/--no-diagnostics", default=True, show_default=True,
              help="Per-layer statistics at initialization and after every epoch.")
@click.option("--preset", metavar="NAME", help="Start from a named experiment (see "
              "--list-presets); options you give explicitly override it.")
@click.option("--out", type=FilePath(),
              help="CSV file: one row per run per epoch, written as epochs finish.")
@click.option("--stats-out", type=FilePath(),
              help="CSV file of per-layer statistics (headless).")
@click.option("--spectrum-out", type=FilePath(),
              help="Headless: write each run's Jacobian singular values at initialization "
              "(input → last hidden layer, plain MLPs) to this CSV.")
@click.option("--overwrite", is_flag=True, help="Replace --out / --stats-out if they exist.")
@click.option("--figures", type=click.Path(dir_okay=True, file_okay=False, path_type=Path),
              metavar="DIR", help="Headless: when the sweep ends or is stopped, write its "
              "figures (PNG and SVG; a preset adds its paper's) to DIR, and --out / "
              "--stats-out there unless given (see `inittui plot`).")
@click.option("--load", type=FilePath(),
              help="Open earlier results (a CSV from --out) in the app, without training.")
@click.option("--cluster", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="Where training runs: this process, or Ray tasks "
              "(one per batched group; needs the 'cluster' extra).")
@click.option("--address", metavar="ADDR", help="With --cluster ray: the Ray cluster to "
              "join (host:port or ray://host:10001); without it a local Ray starts on "
              "127.0.0.1.")
@click.option("--headless", is_flag=True, help="Train without the app: progress, then a "
              "leaderboard; plain lines when output is not a terminal.")
@click.option("--coord-check", is_flag=True, help="The coordinate check instead of a sweep: "
              "mean |activation| per layer against width, steps 0 to --coord-steps, sp and "
              "mup in the app (p switches); with --headless, --param's rows to --out. "
              "--load shows a saved one.")
@click.option("--coord-widths", metavar="WIDTHS", default="64,128,256,512,1024,2048",
              show_default=True, help="Hidden widths of the coordinate check.")
@click.option("--coord-steps", metavar="N", type=click.IntRange(0, 100), default=5,
              show_default=True, help="Training steps of the coordinate check.")
@click.option("--list-inits", is_flag=True, help="List the initializers and exit.")
@click.option("--list-presets", is_flag=True, help="List the presets and exit.")
@click.option("--plan", is_flag=True, help="Print the runs, cells and batched groups the "
              "options make, and exit without training.")
@click.option("--yes", is_flag=True, help="Train a grid of more than 10,000 runs.")
@click.option("--rank-by", type=click.Choice(["cell", "init"]), default="cell",
              show_default=True, help="Leaderboard of a grid: every cell's initializers, or "
              "each initializer's best cell (headless).")
@click.option("--axis-metric", type=click.Choice(AXIS_METRIC_NAMES), default=None,
              help="Grid (headless): after the leaderboard, this metric by initializer × "
              "each axis, as the sensitivity view shows it (a preset may choose one).")
@click.version_option(__version__, prog_name="inittui")
@click.pass_context
def main(ctx: click.Context, download: bool, diagnostics: bool, preset: str | None,
         out: Path | None, stats_out: Path | None, spectrum_out: Path | None,
         overwrite: bool, figures: Path | None, load: Path | None,
         cluster: str, address: str | None, headless: bool, coord_check: bool,
         coord_widths: str, coord_steps: int, list_inits: bool, list_presets: bool,
         plan: bool, yes: bool, rank_by: str, axis_metric: str | None,
         **values: object) -> None:
    """Compare neural-network weight initializers side by side.

    Opens the interactive app; with --headless, trains and prints a leaderboard;
    `inittui serve [--host H] [--port P] [options]` serves the app to web browsers.
    """
    signals = ctx.obj if isinstance(ctx.obj, StopSignals) else None
    if ctx.invoked_subcommand is not None:
        if signals is not None:  # a subcommand (serve) handles Ctrl+C its own way
            signals.restore()
        given = [param.opts[0] for param in ctx.command.params if param.name and
                 ctx.get_parameter_source(param.name) is not click.core.ParameterSource.DEFAULT]
        if given:
            raise click.UsageError(f"{given[0]} goes after '{ctx.invoked_subcommand}'")
        return
    if list_inits:
        _list_inits()
        return
    if list_presets:
        _list_presets()
        return
    spec = build_spec(ctx, values, preset, download, diagnostics)
    grid = _check_grid(spec, yes)
    study = get_preset(preset).study if preset is not None else None
    if plan:
        _print_plan(grid, spec, study)
        return
    if headless and load is not None:
        raise click.UsageError("--load opens results in the app; it cannot be combined with "
                               "--headless")
    if figures is not None and not headless:
        raise click.UsageError("--figures needs --headless (in the app, key S saves the view "
                               "as a figure)")
    if signals is not None and signals.received is not None:
        click.echo(f"{signals.name} before training started; no file was touched", err=True)
        ctx.exit(signals.exit_code)
    trainer = _cluster_trainer(cluster, address, headless)
    try:
        widths = parse_widths(coord_widths)
    except SpecError as error:
        raise click.BadParameter(str(error), ctx=ctx, param_hint="'--coord-widths'") from None
    run = Invocation(spec, preset, study, out, stats_out, spectrum_out, overwrite, load, widths,
                     coord_steps, signals, trainer, rank_by, axis_metric)
    try:
        if figures is not None:
            from inittui.headless.figures import figure_request

            what = "coord" if coord_check else "study" if study is not None else "sweep"
            run.figures, run.out, run.stats_out = figure_request(
                figures, preset, what, out, stats_out, spec, widths, coord_steps,
                axis_metric.replace("-", "_") if axis_metric else None)
        mode = MODES[(headless, "coord" if coord_check else "study" if study else "sweep")]
        ctx.exit(mode(run))
    except SpecError as error:  # found once the data is known: a grid that does not fit
        raise click.UsageError(error.worded(flag)) from None
    except InittuiError as error:
        click.echo(f"error: {error.worded(flag)}", err=True)
        sys.exit(1)


@dataclass
class Invocation:
    """What a mode needs of the command line, parsed and checked once."""

    spec: ExperimentSpec
    preset: str | None
    study: TransferStudy | None
    out: Path | None
    stats_out: Path | None
    spectrum_out: Path | None
    overwrite: bool
    load: Path | None
    widths: tuple[int, ...]
    coord_steps: int
    signals: StopSignals | None
    trainer: SweepTrainer | None
    rank_by: str
    axis_metric: str | None
    figures: FigureRequest | None = None

    def app_keys(self) -> None:
        """Hand Ctrl+C back: the app reads it as a key, and quits on its own."""
        if self.signals is not None:
            self.signals.restore()


def headless_coord_check(run: Invocation) -> int:
    from inittui.headless.coord_check import run_coord_check

    return run_coord_check(run.spec.first_cell(), run.out, run.overwrite, run.widths,
                           run.coord_steps, run.signals, run.figures)


def headless_study(run: Invocation) -> int:
    from inittui.headless.studies import run_study_headless

    assert run.study is not None
    return run_study_headless(run.spec, run.study, run.out, run.overwrite, run.signals,
                              run.figures)


def headless_sweep(run: Invocation) -> int:
    from inittui.headless.sweep import run_headless

    return run_headless(run.spec, run.out, run.stats_out, run.overwrite, run.signals,
                        run.trainer, run.rank_by, _axis_metric(run.axis_metric, run.preset,
                                                              run.spec),
                        run.spectrum_out, run.figures)


def app_coord_check(run: Invocation) -> int:
    from inittui.tui.width_app import coord_check_app

    run.app_keys()
    coord_check_app(run.spec.first_cell(), run.widths, run.coord_steps, run.load).run()
    return 0


def app_study(run: Invocation) -> int:
    from inittui.tui.width_app import transfer_app

    assert run.study is not None
    run.app_keys()
    transfer_app(run.spec, run.study, run.load).run()
    return 0


def app_sweep(run: Invocation) -> int:
    from inittui.tui.app import create_app

    run.app_keys()
    app = create_app(run.spec, out=run.out, overwrite=run.overwrite, load=run.load,
                     preset=run.preset, engine=run.trainer)
    app.run()
    return app.return_code or 0  # a crash in the app is 1, never 0


MODES: dict[tuple[bool, str], Callable[[Invocation], int]] = {
    (True, "coord"): headless_coord_check,
    (True, "study"): headless_study,
    (True, "sweep"): headless_sweep,
    (False, "coord"): app_coord_check,
    (False, "study"): app_study,
    (False, "sweep"): app_sweep,
}
"""One function per mode, chosen by (--headless, what the options ask to run)."""


def _check_grid(spec: ExperimentSpec, confirmed: bool) -> GridPlan:
    """The grid the options make; too many runs without --yes is a usage error."""
    from inittui.core.training.plan import plan_grid

    grid = plan_grid(spec)
    try:
        grid.check_size(confirmed)
    except SpecError as error:
        raise click.UsageError(error.worded(flag)) from None
    return grid



def _print_plan(grid: GridPlan, spec: ExperimentSpec, study: TransferStudy | None) -> None:
    """What the options will train: a study's groups, widths and lrs, or the grid's."""
    if study is not None:
        from inittui.core.training.study_plan import describe_study

        try:
            lines = describe_study(spec, study)
        except SpecError as error:
            raise click.UsageError(error.worded(flag)) from None
    else:
        lines = [grid.describe(), f"  {grid.settings_line()}",
                 *(f"  {line}" for line in grid.group_lines())]
    for line in lines:
        click.echo(line)


def _cluster_trainer(cluster: str, address: str | None,
                     headless: bool) -> SweepTrainer | None:
    """The trainer --cluster asks for (None: the local engine); exits 1 without the extra."""
    if address is not None and cluster != "ray":
        raise click.UsageError("--address needs --cluster ray")
    if address is not None and not address.strip():
        raise click.UsageError("--address is empty; give host:port or ray://host:10001, or "
                               "leave it out for a local Ray")
    if cluster != "ray":
        return None
    from inittui.headless.cluster import EXTRA_MISSING, ray_available, ray_trainer

    if not ray_available():
        click.echo(f"error: {EXTRA_MISSING}", err=True)
        sys.exit(1)
    return ray_trainer(address, keep=not headless)  # the app's next sweep reuses Ray


main.add_command(serve)
main.add_command(plot)


def run() -> None:
    """The console script: signals are caught before anything slow loads.

    A Ctrl+C or SIGTERM while torch imports or the data loads then ends the same clean
    way as one during training (see inittui.interrupts), instead of click's `Aborted!`.
    """
    signals = StopSignals().install()
    try:
        main(obj=signals)
    finally:
        signals.restore()
