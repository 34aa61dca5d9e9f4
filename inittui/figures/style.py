"""The one look of every figure: sizes, fonts, the shared palette, line styles, saving.

Imported only when a figure is drawn (it imports matplotlib). Lines take the terminal's
colours (inittui/core/palette.py) darkened as the app darkens them on a light theme, since
paper is light; each series also has its own dash pattern and marker, so a figure printed
in grey scale still tells them apart. SVG and PDF keep text as text.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no window, no display: files only

from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from inittui.core.palette import PALETTE, RGB

RC: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4,
    "svg.fonttype": "none",  # text stays text in SVG
    "pdf.fonttype": 42,  # TrueType: text stays selectable text in PDF
    "ps.fonttype": 42,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
}
DASHES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DARKEN = 0.35
"""How far a palette colour moves towards black on paper (the app's light-theme rule)."""


def color(index: int) -> tuple[float, float, float]:
    """The series' palette colour as matplotlib takes it, darkened for a light page."""
    red, green, blue = darkened(PALETTE[index % len(PALETTE)])
    return red / 255, green / 255, blue / 255


def darkened(rgb: RGB) -> RGB:
    red, green, blue = (round(c * (1 - DARKEN)) for c in rgb)
    return red, green, blue


def line_style(index: int) -> dict[str, Any]:
    """Colour, dash and marker of the index-th series: distinct in colour and in grey."""
    return {"color": color(index), "linestyle": DASHES[index % len(DASHES)],
            "marker": MARKERS[index % len(MARKERS)]}


def new_figure(panels: int = 1, width: float = 4.8, height: float = 3.4,
               columns: int | None = None) -> tuple[Figure, list[Axes]]:
    """A figure of `panels` axes side by side (wrapped after `columns`), in the house style."""
    columns = columns or panels
    rows = -(-panels // columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    axes = [axis for row in grid for axis in row]
    for extra in axes[panels:]:
        extra.set_visible(False)
    return figure, axes[:panels]


def wrapped(text: str, width: int = 44) -> str:
    """A long axis label or title on several lines, so it never runs off the figure."""
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())


def whole_numbers(axis: Axes) -> None:
    """Ticks at whole numbers only on the x axis (epochs, layers, depths)."""
    axis.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))


def log_y(axis: Axes) -> None:
    """A log y axis labelled in plain numbers (0.02, 1.5); within less than a decade,
    minor ticks at 1.5, 2, 3, 5 and 7 times a power of ten are labelled too."""
    axis.set_yscale("log")
    axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:.3g}"))
    axis.yaxis.set_minor_locator(ticker.LogLocator(subs=(1.5, 2, 3, 5, 7)))
    axis.yaxis.set_minor_formatter(ticker.FuncFormatter(
        lambda value, _: f"{value:.3g}" if _span_decades(axis) < 1 else ""))


def _span_decades(axis: Axes) -> float:
    import math

    low, high = axis.get_ylim()
    return math.log10(high / low) if low > 0 and high > 0 else 99.0


def legend(axis: Axes, title: str | None = None) -> None:
    """The run labels, outside the data when there are many."""
    handles, _labels = axis.get_legend_handles_labels()
    if not handles:
        return
    if len(handles) > 4:
        axis.legend(title=title, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    else:
        axis.legend(title=title, frameon=False)


def drawing() -> AbstractContextManager[Any]:
    """The house style for everything drawn and saved inside it (artists read it when
    they are made, so a figure is drawn and saved within one of these)."""
    return matplotlib.rc_context(RC)


def save(figure: Figure, path: Path) -> None:
    """Write the figure in the format its extension names."""
    figure.savefig(path, format=path.suffix.lstrip(".").lower())


def writable_formats() -> set[str]:
    """Extensions matplotlib can write (png, svg, pdf, eps, ...)."""
    return set(Figure().canvas.get_supported_filetypes())
