"""The Jacobian's singular values at initialization: a histogram per run, and their
spread against depth when the file has several depths (Pennington et al. 2017: an
orthogonal linear net keeps every singular value at 1, a Gaussian one spreads with depth).
"""

from __future__ import annotations

import math
import statistics

from matplotlib.figure import Figure

from inittui.core.results.spectrum_reading import RESOLVED
from inittui.core.results.stats_reading import SingularValue
from inittui.figures.data import FigureData
from inittui.figures.kinds import PlotOptions
from inittui.figures.style import color, legend, line_style, new_figure, whole_numbers


def _runs(values: list[SingularValue]) -> dict[tuple[str, int], list[float]]:
    """Singular values per (initializer, depth), every input and seed together; with
    several activations, per (initializer and activation, depth), so that orthogonal tanh
    and orthogonal ReLU stay apart. Values below RESOLVED × the largest on their input are
    float32 rounding (a ReLU net's dead directions) and become 0, off the log axis."""
    several = len({value.activation for value in values}) > 1
    largest: dict[tuple[str, int], float] = {}
    for value in values:
        key = (value.run_id, value.input)
        largest[key] = max(largest.get(key, 0.0), value.singular_value)
    found: dict[tuple[str, int], list[float]] = {}
    for value in values:
        name = f"{value.init}, {value.activation}" if several else value.init
        floor = largest[(value.run_id, value.input)] * RESOLVED
        found.setdefault((name, value.depth), []).append(
            value.singular_value if value.singular_value > floor else 0.0)
    return found


def spectrum(data: FigureData, options: PlotOptions) -> Figure:
    runs = _runs(data.spectrum)
    inits = list(dict.fromkeys(init for init, _ in runs))
    depths = sorted({depth for _, depth in runs})
    several = len(depths) > 1
    figure, panels = new_figure(len(depths) + several, width=3.6, height=3.0,
                                columns=min(len(depths) + several, 4))
    positive = [v for found in runs.values() for v in found if v > 0]
    low, high = (min(positive), max(positive)) if positive else (1e-3, 1.0)
    if low == high:
        low, high = low / 2, high * 2
    edges = [math.exp(math.log(low) + (math.log(high) - math.log(low)) * i / 40)
             for i in range(41)]
    for panel, depth in zip(panels, depths):
        for index, init in enumerate(inits):
            found = [v for v in runs.get((init, depth), []) if v > 0]
            if found:
                panel.hist(found, bins=edges, histtype="step", linewidth=1.4,
                           color=color(index), linestyle=line_style(index)["linestyle"],
                           label=init, density=False)
        panel.set_xscale("log")
        panel.set_title(f"{depth} hidden layers")
        panel.set_xlabel("singular value of ∂h_L/∂x")
        panel.set_ylabel("count (all inputs and seeds)")
    legend(panels[0], "initializer")
    if several:
        panel = panels[-1]
        for index, init in enumerate(inits):
            xs = [d for d in depths if runs.get((init, d))]
            spreads = [_spread(runs[(init, d)]) for d in xs]
            panel.plot(xs, spreads, label=init, **line_style(index))
        panel.set_xlabel("depth (hidden layers)")
        whole_numbers(panel)
        panel.set_ylabel("spread: std of log10 singular value")
        panel.set_title("spread against depth")
    inputs = len({(v.run_id, v.input) for v in data.spectrum})
    zeros = sum(1 for found in runs.values() for v in found if v == 0)
    floored = f"; {zeros} values below 1e-6 × their input's largest left out" if zeros else ""
    figure.suptitle(f"input-to-last-hidden-layer Jacobian at initialization ({inputs} "
                    f"run × input pairs{floored})")
    return figure


def _spread(values: list[float]) -> float:
    """Std of log10 of the positive singular values (0 when they are all equal)."""
    logs = [math.log10(v) for v in values if v > 0]
    return statistics.pstdev(logs) if len(logs) > 1 else 0.0
