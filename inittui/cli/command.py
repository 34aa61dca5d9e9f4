"""The `inittui` command: the app by default, `--headless` for scripts.

It checks what the options ask for and hands it to one mode (`modes.py`); the options
themselves are `options.py`'s.

Only click and the torch-free spec module load at import time, so `inittui --help`
answers at once; torch, textual and the engine load when a command actually needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from inittui import __version__
from inittui.cli.modes import MODES, Invocation
from inittui.cli.options import (
    AXIS_METRIC_NAMES,
    FilePath,
    build_spec,
    flag,
    print_initializers,
    print_presets,
    spec_options,
)
from inittui.core.errors import InittuiError, SpecError
from inittui.core.spec.architecture import parse_widths
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import get_preset
from inittui.figures.command import plot
from inittui.interrupts import StopSignals
from inittui.web.serve import serve

if TYPE_CHECKING:
    from inittui.core.events import SweepTrainer
    from inittui.core.spec.presets import TransferStudy
    from inittui.core.training.plan import GridPlan


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@spec_options
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
        print_initializers()
        return
    if list_presets:
        print_presets()
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
