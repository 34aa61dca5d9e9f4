"""The save-figure key: the current view as a matplotlib figure, and the screen as SVG.

The figure is drawn from the session's book by `inittui.figures` (the same code as
`inittui plot` and `--figures`), in a thread so the app keeps painting while matplotlib
loads; the screenshot is Textual's own `save_screenshot`. Both go beside --out, else to
the current folder, under names that do not overwrite earlier ones; the status line
says where they went.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from inittui.core.errors import InittuiError

if TYPE_CHECKING:
    from inittui.figures.kinds import PlotOptions
    from inittui.tui.main_screen import MainScreen

VIEW_KINDS = {"curves": "curves", "layers": "layer-stds", "sensitivity": "sensitivity",
              "heatmap": "heatmap", "depth": "depth-profile"}
"""The app's view → the figure kind that draws it."""


def figure_folder(main: MainScreen) -> Path:
    return main.out.parent if main.out is not None and str(main.out.parent) else Path.cwd()


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """`stem.suffix`, or `stem-2.suffix`, ... : never an existing file."""
    path = folder / f"{stem}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}{suffix}"
        number += 1
    return path


def view_options(main: MainScreen) -> tuple[str, PlotOptions]:
    """The kind and PlotOptions of what the main screen shows now."""
    from inittui.figures.kinds import PlotOptions

    view = main.view
    if view == "curves":
        curves = main.curves
        return "curves", PlotOptions(metric=curves.metric, log=curves.log_scale)
    if view in ("sensitivity", "heatmap"):
        grid = main.grid_view(view)
        return view, PlotOptions(metric=getattr(grid, "metric", None))
    return VIEW_KINDS[view], PlotOptions()


def save_view(main: MainScreen) -> None:
    """Save the screenshot now, then draw the figure in a thread and report both."""
    if not main.book.records():
        main.notify("Nothing to draw yet: run a sweep or load results.", severity="warning")
        return
    app = main.app
    folder = figure_folder(main)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kind, options = view_options(main)
    screen = app.save_screenshot(free_name(folder, f"inittui-screen-{stamp}", ".svg").name,
                                 str(folder))
    figure = free_name(folder, f"inittui-{kind}-{stamp}", ".png")
    main.say(f"drawing the {kind} figure… (screenshot saved to {screen})")

    from inittui.figures.data import from_book

    data = from_book(main.book)  # read on the app's thread, while no event changes it
    data.series()

    def draw() -> None:
        from inittui.figures.kinds import get_kind
        from inittui.figures.writing import write_figure

        try:
            write_figure(data, get_kind(kind), [figure], options)
        except InittuiError as error:
            app.call_from_thread(main.say, f"figure not saved: {error}", True)
            return
        app.call_from_thread(main.say, f"figure saved to {figure} · screenshot to {screen}")

    app.run_worker(draw, thread=True, group="save-figure", exclusive=True)
