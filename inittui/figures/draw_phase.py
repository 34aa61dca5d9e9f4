"""The phase diagram (Poole et al. 2016, Schoenholz et al. 2017): each run's initializer
on its activation's (σ_w², σ_b²) plane, the χ₁ = 1 line between the ordered and the
chaotic phase, and ξ_c (the depth over which two inputs' correlation settles; nets train
to about 6ξ_c layers) shaded over the plane, deepest along the line.

ξ_c is computed on a coarse grid (each value is a fixed-point search of a double
integral, about 0.1 s) and contoured; the line and the points are exact.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from inittui.core.theory.plane import critical_line, depth_scale_grid
from inittui.core.theory.points import PhasePoint, phase_points
from inittui.figures.data import FigureData
from inittui.figures.kinds import FigureInputError, PlotOptions
from inittui.figures.style import MARKERS, color, new_figure

GRID_W2, GRID_B2 = 20, 7
"""ξ_c is computed at this many σ_w² × σ_b² values per activation (seconds for tanh)."""
XI_RANGE = (1.0, 100.0)
"""The shading's ξ_c range in layers; longer scales (to ∞ on the line) share the top colour."""


def plane_bounds(points: list[PhasePoint]) -> tuple[float, float]:
    """σ_w² up to 4 and σ_b² up to 0.3 at least, every point inside."""
    return (max([4.0, *(1.15 * p.phase.sigma_w2 for p in points)]),
            max([0.3, *(1.15 * p.phase.sigma_b2 for p in points)]))


def common_bias(labels: list[str]) -> str | None:
    """The bias initializer every label names (`…, bias normal:std=0.2`), if they share one."""
    tails = {label.partition(", bias ")[2] for label in labels}
    return tails.pop() if len(tails) == 1 and "" not in tails else None


def grid_values(top: float, count: int) -> tuple[float, ...]:
    """count values from near 0 to top, edges included, so the shading fills the plane."""
    return tuple(float(f"{top * max(i, 0.02) / (count - 1):.6g}") for i in range(count))


def phase(data: FigureData, options: PlotOptions) -> Figure:
    runs = [(record, sweep.spec) for sweep in data.book.sweeps for record in sweep.runs.values()]
    found = phase_points(runs)
    if not found.points:
        why = "; ".join(found.left_out) or "no runs"
        raise FigureInputError(f"figure kind 'phase' has no run mean-field theory places: {why}")
    activations = found.activations()
    figure, panels = new_figure(len(activations), width=4.6, height=3.8)
    labels = list(dict.fromkeys(point.label for point in found.points))
    bias = common_bias(labels)
    shading = None
    for panel, activation in zip(panels, activations, strict=True):
        points = [p for p in found.points if p.activation == activation]
        top_w2, top_b2 = plane_bounds(points)
        w2s, b2s = grid_values(top_w2, GRID_W2), grid_values(top_b2, GRID_B2)
        xi = np.array(depth_scale_grid(activation, w2s, b2s), dtype=float)
        xi = np.where(np.isinf(xi), XI_RANGE[1], np.clip(xi, *XI_RANGE))
        shading = panel.contourf(w2s, b2s, np.ma.masked_invalid(xi),
                                 levels=np.geomspace(*XI_RANGE, 9), cmap="Greys",
                                 norm=LogNorm(*XI_RANGE), extend="both")
        line_b2 = tuple(top_b2 * i / 40 for i in range(41))
        line = critical_line(activation, line_b2)
        drawn = [(w2, b2) for w2, b2 in zip(line, line_b2, strict=True)
                 if w2 is not None and w2 <= top_w2]
        if drawn:
            panel.plot([w for w, _ in drawn], [b for _, b in drawn], color="black",
                       linestyle="--", linewidth=1.4, marker="", label="χ₁ = 1")
        tags: dict[tuple[float, float], list[int]] = {}  # points drawn on one spot share a tag
        for point in points:
            index = labels.index(point.label)
            p = point.phase
            name = point.label.partition(", bias ")[0] if bias else point.label
            panel.scatter([p.sigma_w2], [p.sigma_b2], s=36, color=color(index),
                          marker=MARKERS[index % len(MARKERS)], edgecolors="white",
                          linewidths=0.6, zorder=3, clip_on=False,
                          label=f"{index + 1}: {name} ({activation}, χ₁ = {p.chi1:.2f})")
            spot = (round(p.sigma_w2 / top_w2, 2), round(p.sigma_b2 / top_b2, 2))
            tags.setdefault(spot, []).append(index)
        for number, indices in enumerate(tags.values()):
            first = points[[labels.index(q.label) for q in points].index(indices[0])].phase
            panel.annotate(",".join(str(i + 1) for i in indices), (first.sigma_w2, first.sigma_b2),
                           xytext=(0, 7 if number % 2 == 0 or first.sigma_b2 == 0 else -12),
                           textcoords="offset points", ha="center", fontsize=7,
                           color=color(indices[0]), zorder=4)  # staggered: neighbours apart
        panel.set_xlim(0, top_w2)
        panel.set_ylim(0, top_b2)
        panel.grid(False)
        panel.set_xlabel("σ_w² (fan_in · Var W, hidden→hidden layer)")
        panel.set_ylabel("σ_b² (Var b)")
        panel.set_title(f"{activation}: ordered left of χ₁ = 1, chaotic right")
    if shading is not None:
        bar = figure.colorbar(shading, ax=panels, shrink=0.9)
        bar.set_label("ξ_c in layers (∞ on the line)")
    handles = {}
    for panel in panels:
        for handle, label in zip(*panel.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(list(handles.values()), list(handles), loc="outside lower center",
                  ncols=2 if len(handles) > 3 else len(handles), frameon=False, fontsize=7)
    biases = f" · biases {bias}" if bias else ""
    figure.suptitle(f"mean-field phase at initialization{biases}")
    return figure
