"""A grid's metric by initializer × each of its axes: the sensitivity view as text tables.

Headless prints these after the leaderboard when a metric is asked for (`--axis-metric`,
or a preset whose claim is about one), so a script sees the same numbers as the app's
sensitivity view and heatmap: each cell the mean over seeds, with the seeds' range.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from inittui.core.results.axes import (
    AxisPoint,
    axis_series,
    axis_title,
    format_metric,
    grid_axes,
    metric_label,
    seed_count,
)
from inittui.core.results.book import SweepRecord


def cell_text(metric: str, point: AxisPoint, seeds: int) -> str:
    """`64 (59–68)`: the mean and the seeds' range; a count where seeds are missing (a
    run that never got there, or diverged)."""
    if point.mean is None:
        return "-"
    text = format_metric(metric, point.mean)
    if point.seeds > 1 and point.low != point.high:
        text += f" ({format_metric(metric, point.low)}–{format_metric(metric, point.high)})"
    if point.seeds < seeds:
        text += f" [{point.seeds}/{seeds} seeds]"
    return text


def axis_tables(sweep: SweepRecord, metric: str) -> list[Table]:
    """One table per axis of the grid: a row per initializer (and other axes' values)."""
    tables = []
    for axis in grid_axes(sweep):
        series = axis_series(sweep, axis, metric)
        seeds = seed_count(series)
        table = Table(title=f"{metric_label(metric, sweep)} by initializer × {axis_title(axis)}",
                      title_justify="left", caption_justify="left",
                      caption=f"mean of {seeds} seed{'s' if seeds != 1 else ''}"
                              f"{' (min–max)' if seeds > 1 else ''}; - never got there")
        table.add_column("initializer", justify="left")
        for point in series[0].points if series else ():
            table.add_column(point.label, justify="right")
        for line in series:
            table.add_row(Text(line.name), *(cell_text(metric, point, seeds)
                                             for point in line.points))
        tables.append(table)
    return tables
