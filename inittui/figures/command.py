"""`inittui plot FILE... -o FIG`: a figure for a paper from files inittui wrote.

Loads no matplotlib until a figure is drawn, so adding the command keeps `inittui --help`
fast. Bad input (an unknown kind, a file no figure is drawn from, an extension matplotlib
cannot write, an existing output without --overwrite) is a one-line usage error, exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from inittui.core.errors import InittuiError
from inittui.figures.kinds import KINDS

KIND_HELP = "; ".join(f"{kind.name}: {kind.summary}" for kind in KINDS.values())


@click.command(context_settings={"help_option_names": ["-h", "--help"],
                                 "max_content_width": 100})
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The figure file; its extension is the format (.png, .svg, .pdf, ...).")
@click.option("--kind", metavar="KIND", help="The figure (default: the most specific the "
              f"files make). {KIND_HELP}.")
@click.option("--metric", metavar="NAME", help="curves: val_acc (default), train_acc, "
              "train_loss, val_loss; sensitivity and heatmap: best_val_acc (default), "
              "final_train_loss, epochs_to_target, steps_to_loss.")
@click.option("--smooth", metavar="N", type=click.IntRange(1, 1000), default=1,
              show_default=True, help="curves: draw the mean of the last N epochs.")
@click.option("--log", is_flag=True, help="A logarithmic y axis.")
@click.option("--overwrite", is_flag=True, help="Replace the figure file if it exists.")
def plot(files: tuple[Path, ...], output: Path, kind: str | None, metric: str | None,
         smooth: int, log: bool, overwrite: bool) -> None:
    """Draw a figure from results, statistics, coordinate-check, study or spectrum files.

    The files are the CSVs --out, --stats-out and --spectrum-out write; several may be
    given (a results file and its statistics file, say).
    """
    from inittui.figures.data import FigureInputError, load_files
    from inittui.figures.kinds import PlotOptions, chosen, get_kind
    from inittui.figures.writing import check_target, write_figure

    try:
        figure_kind = get_kind(kind) if kind is not None else None
        check_target(output, overwrite)
        data = load_files(list(files))
        for note in data.notes:
            click.echo(note, err=True)
        figure_kind = figure_kind or chosen(data)
        write_figure(data, figure_kind, [output],
                     PlotOptions(metric=metric, smooth=smooth, log=log))
    except FigureInputError as error:
        raise click.UsageError(str(error)) from None
    except InittuiError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{figure_kind.name} figure written to {output}")
