"""Figures of the width studies: the coordinate check and learning-rate transfer (μP).

Both follow Yang et al. 2022 (Tensor Programs V): the coordinate check is mean |activation|
against width on log axes, one line per training step, a panel per layer and a row per
parametrization; lr transfer is the final training loss against the learning rate, one
line per width, sp beside mup.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from inittui.core.studies.records import OUTPUT, best_lrs, depth_label
from inittui.figures.data import FigureData
from inittui.figures.kinds import PlotOptions
from inittui.figures.style import legend, line_style, log_y, new_figure

PARAM_NAMES = {"sp": "standard parametrization (sp)", "mup": "μP (mup)"}


def _layer_order(layer: str) -> tuple[int, int]:
    return (1, 0) if layer == OUTPUT else (0, int(layer)) if layer.isdigit() else (0, 0)


def _layer_title(layer: str) -> str:
    return "output (logits)" if layer == OUTPUT else f"hidden layer {layer}"


def coord_check(data: FigureData, options: PlotOptions) -> Figure:
    points = data.coord
    rows = list(dict.fromkeys((p.init, p.param) for p in points))
    several = len({init for init, _ in rows}) > 1
    layers = sorted({p.layer for p in points}, key=_layer_order)
    steps = sorted({p.step for p in points})
    figure, panels = new_figure(len(rows) * len(layers), width=3.2, height=2.8,
                                columns=len(layers))
    logged = []
    for row, (init, param) in enumerate(rows):
        for column, layer in enumerate(layers):
            panel = panels[row * len(layers) + column]
            found = [p for p in points if (p.init, p.param, p.layer) == (init, param, layer)]
            for index, step in enumerate(steps):
                line = sorted((p.width, p.l1) for p in found if p.step == step)
                if line:
                    panel.plot([w for w, _ in line], [v for _, v in line],
                               label=f"step {step}", **line_style(index))
            panel.set_xscale("log", base=2)
            if any(p.l1 > 0 for p in found):
                log_y(panel)
                logged.append((column, panel))
                zeros = sorted({p.step for p in found if p.l1 == 0})
                if zeros:
                    panel.text(0.03, 0.03, "0 at step " + ", ".join(map(str, zeros)) +
                               " (not on a log axis)", transform=panel.transAxes, fontsize=7)
            else:
                panel.text(0.5, 0.75, "every value is 0", transform=panel.transAxes,
                           ha="center", va="center")
            panel.set_title(f"{init + ', ' if several else ''}{param}: {_layer_title(layer)}")
            panel.set_xlabel("width (units per hidden layer)")
            if column == 0:
                panel.set_ylabel("mean |activation| (l1 / n)")
    for column in range(len(layers)):  # every row's panel of one layer on the same scale
        same = [panel for c, panel in logged if c == column]
        if same:
            lows, highs = zip(*(panel.get_ylim() for panel in same))
            for panel in same:
                panel.set_ylim(min(lows), max(highs))
    legend(panels[len(layers) - 1], "after")
    seeds = max(p.seeds for p in points)
    inits = ", ".join(dict.fromkeys(init for init, _ in rows))
    figure.suptitle(f"coordinate check: {inits}, {points[0].model} of {coord_depth(data)}; "
                    "a flat line keeps its size as the net widens"
                    + (f" (mean of {seeds} seeds)" if seeds > 1 else ""))
    return figure


def lr_transfer(data: FigureData, options: PlotOptions) -> Figure:
    cells = [c for c in data.transfer if c.status != "stopped"]
    params = list(dict.fromkeys(c.param for c in data.transfer))
    widths = sorted({c.width for c in data.transfer})
    best = best_lrs(cells)
    figure, panels = new_figure(len(params), width=4.4, height=3.6)
    finite = [c.final_train_loss for c in cells if math.isfinite(c.final_train_loss)]
    for panel, param in zip(panels, params):
        for index, width in enumerate(widths):
            found = sorted((c.lr, c.final_train_loss) for c in cells
                           if (c.param, c.width) == (param, width)
                           and math.isfinite(c.final_train_loss))
            if not found:
                continue
            panel.plot([lr for lr, _ in found], [loss for _, loss in found],
                       label=f"width {width}", **line_style(index))
            top = best.get((param, width))
            if top is not None and math.isfinite(top.final_train_loss):
                panel.plot([top.lr], [top.final_train_loss], marker="*", markersize=11,
                           color=line_style(index)["color"], markeredgecolor="black",
                           linestyle="none")
        panel.set_xscale("log")
        if options.log:
            log_y(panel)
        if finite and not options.log:
            pad = 0.06 * (max(finite) - min(finite) or max(finite))
            panel.set_ylim(min(finite) - pad, max(finite) + pad)
        panel.set_title(PARAM_NAMES.get(param, param))
        panel.set_xlabel("learning rate")
        panel.set_ylabel("final training loss (cross-entropy, nats)")
    legend(panels[-1], "hidden width")
    seeds = max(c.seeds for c in data.transfer)
    diverged = sum(1 for c in data.transfer if not math.isfinite(c.final_train_loss))
    notes = [f"mean of {seeds} seeds" if seeds > 1 else "one seed", "★ best lr per width"]
    if diverged:
        notes.append(f"{diverged} diverged cells not drawn")
    figure.suptitle(f"learning-rate transfer ({'; '.join(notes)})")
    return figure


def coord_depth(data: FigureData) -> str:
    """How deep the coordinate check's net is, in its model's words."""
    layers = {p.layer for p in data.coord if p.layer != OUTPUT}
    return depth_label(data.coord[0].model, len(layers))
