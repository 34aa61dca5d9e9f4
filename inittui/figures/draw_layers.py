"""Figures of the per-layer statistics at initialization: per layer, and against depth.

The measured stds come from a statistics file (or the sweep's own events); where the file
has the theory's columns (`mf_pre_act_std`, `mf_act_std`, `mf_pre_grad_std`: mean-field
predictions) they are drawn as thin dotted lines in the series' colour under the measured ones.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from inittui.core.results.stats_reading import LayerRow
from inittui.figures.data import FigureData, Series
from inittui.figures.kinds import PlotOptions, depths
from inittui.figures.style import color, legend, line_style, log_y, new_figure, whole_numbers

ACTIVATION = (("pre_act_std", "mf_pre_act_std", "pre-activation std (s = Wh + b)"),
              ("act_std", "mf_act_std", "activation std (after the nonlinearity)"))
GRADIENT = (("pre_grad_std", "mf_pre_grad_std", "gradient std ∂L/∂s (pre-activation)"),
            ("grad_std", None, "gradient std ∂L/∂h (after the nonlinearity)"))
"""(measured column, its theory column, axis label): the first the file has is drawn."""


def first_epoch(rows: list[LayerRow]) -> int:
    return min(row.epoch for row in rows)


def _column(rows: Iterable[LayerRow], choices: tuple[tuple[str, str | None, str], ...],
            ) -> tuple[str, str | None, str]:
    rows = list(rows)
    return next((c for c in choices if any(r.value(c[0]) is not None for r in rows)),
                choices[-1])


def _at_init(data: FigureData) -> tuple[int, list[LayerRow]]:
    epoch = first_epoch(data.layers)
    return epoch, [row for row in data.layers if row.epoch == epoch]


def _when(epoch: int) -> str:
    return "at initialization" if epoch == 0 else f"after epoch {epoch}"


def _by_series(data: FigureData, rows: list[LayerRow]) -> dict[int, tuple[Series,
                                                                        list[LayerRow]]]:
    found: dict[int, tuple[Series, list[LayerRow]]] = {}
    for row in rows:
        line = data.layer_series(row)
        found.setdefault(line.index, (line, []))[1].append(row)
    return dict(sorted(found.items()))


def _mean_by(rows: list[LayerRow], key: str, column: str) -> tuple[list[float], list[float]]:
    by: dict[int, list[float]] = {}
    for row in rows:
        value = row.value(column)
        if value is not None:
            by.setdefault(getattr(row, key), []).append(value)
    xs = sorted(by)
    return [float(x) for x in xs], [statistics.fmean(by[x]) for x in xs]


THEORY_LABEL = "mean-field theory (thin dots in the run's colour)"


def _panel(axis: Axes, data: FigureData, groups: dict[int, tuple[Series, list[LayerRow]]],
           measured: str, theory: str | None, label: str) -> None:
    theory_shown = False
    for line, rows in groups.values():
        xs, ys = _mean_by(rows, "layer", measured)
        if xs:
            axis.plot(xs, ys, label=line.label, **line_style(line.index))
        if theory is None:
            continue
        xs, ys = _mean_by(rows, "layer", theory)
        if xs:  # under the measured line, which it should follow
            axis.plot(xs, ys, color=color(line.index), linestyle=(0, (1, 1)), linewidth=1.0,
                      gid="theory", label="_theory", zorder=1.5)
            theory_shown = True
    if theory_shown:  # one legend entry, last, in a neutral colour
        axis.plot([], [], color="0.35", linestyle=(0, (1, 1)), linewidth=1.0, gid="theory",
                  label=THEORY_LABEL)
    axis.set_xlabel("hidden layer (1 = nearest the input)")
    whole_numbers(axis)
    axis.set_ylabel(label)
    log_y(axis)


def layer_stds(data: FigureData, options: PlotOptions) -> Figure:
    epoch, rows = _at_init(data)
    groups = _by_series(data, rows)
    figure, (left, right) = new_figure(2, width=4.6, height=3.6)
    for axis, choices in ((left, ACTIVATION), (right, GRADIENT)):
        measured, theory, label = _column(rows, choices)
        has_theory = theory is not None and any(r.value(theory) is not None for r in rows)
        _panel(axis, data, groups, measured, theory if has_theory else None, label)
    legend(right, "run")
    seeds = max(len({r.seed for r in group}) for _, group in groups.values())
    figure.suptitle(f"per-layer stds {_when(epoch)}, probe batch"
                    + (f" (mean of {seeds} seeds)" if seeds > 1 else ""))
    return figure


def depth_profile(data: FigureData, options: PlotOptions) -> Figure:
    epoch, rows = _at_init(data)
    depth_of = depths(rows)
    activation = _column(rows, (("act_std", None, ""),))[0]
    gradient = _column(rows, GRADIENT)[0]
    picks = ((activation, "last", "activation std of the last hidden layer"),
             (gradient, "first", "gradient std of the first hidden layer" +
              (" (∂L/∂s)" if gradient == "pre_grad_std" else " (∂L/∂h)")))
    inits = list(dict.fromkeys(row.init for row in rows))
    index_of = {init: next(data.layer_series(r).index for r in rows if r.init == init)
                for init in inits}
    figure, panels = new_figure(2, width=4.6, height=3.6)
    for panel, (column, which, label) in zip(panels, picks):
        for init in inits:
            by_depth: dict[int, list[float]] = {}
            for row in rows:
                depth = depth_of[row.run_id]
                wanted = depth if which == "last" else 1
                value = row.value(column)
                if row.init == init and row.layer == wanted and value is not None:
                    by_depth.setdefault(depth, []).append(value)
            xs = sorted(by_depth)
            means = [statistics.fmean(by_depth[d]) for d in xs]
            style = line_style(index_of[init])
            if any(len(by_depth[d]) > 1 for d in xs):
                panel.fill_between(xs, [min(by_depth[d]) for d in xs],
                                   [max(by_depth[d]) for d in xs], color=style["color"],
                                   alpha=0.18, linewidth=0)
            panel.plot(xs, means, label=init, **style)
        panel.set_xlabel("depth (hidden layers)")
        whole_numbers(panel)
        panel.set_ylabel(label)
        log_y(panel)
        panel.set_xticks(sorted(set(depth_of.values())))
    legend(panels[0], "initializer")
    seeds = max(len({r.seed for r in rows if r.init == init}) for init in inits)
    figure.suptitle(f"std against depth {_when(epoch)}, probe batch"
                    + (f" (mean of {seeds} seeds, band: min–max)" if seeds > 1 else
                       " (one seed)"))
    return figure
