"""The figure kinds: one registry entry each, naming what it needs and where it is drawn.

Nothing here imports matplotlib, nor the readers (`inittui --help` lists the kinds): a
kind's drawing function is named as `module:function` inside `inittui.figures` and
imported only when that figure is drawn. Adding a kind is one `FigureKind(...)` entry in
KINDS (and its drawing function).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inittui.core.errors import InittuiError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from inittui.core.results.stats_reading import LayerRow
    from inittui.figures.data import FigureData

FILE_NAMES = {"results": "a results file (--out)", "stats": "a statistics file (--stats-out)",
              "coord": "a coordinate-check file (--coord-check --out)",
              "transfer": "an lr-transfer study file (--preset mup2022 --out)",
              "spectrum": "a spectrum file (--spectrum-out)"}
"""The files figures are drawn from, as messages name them (data.FILE_KINDS)."""


class FigureInputError(InittuiError):
    """Input no figure can be drawn from (a usage error on the command line)."""

CURVE_METRICS = {"val_acc": "validation accuracy", "train_acc": "training accuracy",
                 "train_loss": "training loss (cross-entropy, nats)",
                 "val_loss": "validation loss (cross-entropy, nats)"}
"""Per-epoch columns of a results file a curves figure can draw."""


@dataclass(frozen=True)
class PlotOptions:
    """What the user chose beside the kind."""

    metric: str | None = None
    """A curve metric (CURVE_METRICS) or a grid metric (grid_results.AXIS_METRICS)."""
    smooth: int = 1
    """Curves: the mean of the last N points (1: as measured)."""
    log: bool = False
    """A log y axis (curves, sensitivity)."""


def _needs(kind: str) -> Callable[[FigureData], str | None]:
    def missing(data: FigureData) -> str | None:
        return None if kind in data.holds() else f"needs {FILE_NAMES[kind]}"
    return missing


def _needs_grid(data: FigureData) -> str | None:
    if "results" not in data.holds():
        return f"needs {FILE_NAMES['results']}"
    if not any(sweep.spec.is_grid for sweep in data.book.sweeps):
        return "needs the results of a grid (a list of values: --lr 1e-3,1e-2)"
    return None


def depths(rows: list[LayerRow]) -> dict[str, int]:
    """Each run's number of hidden layers with statistics."""
    found: dict[str, int] = {}
    for row in rows:
        found[row.run_id] = max(found.get(row.run_id, 0), row.layer)
    return found


def _needs_depths(data: FigureData) -> str | None:
    if "stats" not in data.holds():
        return f"needs {FILE_NAMES['stats']}"
    if len(set(depths(data.layers).values())) < 2:
        return "needs statistics of nets of several depths (--hidden 64x10 --hidden 64x20)"
    return None


@dataclass(frozen=True)
class FigureKind:
    name: str
    summary: str
    draw: str
    """`module:function` in inittui.figures: function(data, options) -> Figure."""
    missing: Callable[[FigureData], str | None]
    """Why this data cannot make the figure, or None when it can."""
    auto: bool = True
    """Drawn for what ran (`--figures`) and eligible as `plot`'s choice."""

    def figure(self, data: FigureData, options: PlotOptions) -> Figure:
        reason = self.missing(data)
        if reason is not None:
            raise FigureInputError(f"figure kind '{self.name}' {reason}")
        module, function = self.draw.split(":")
        draw: Any = getattr(importlib.import_module(f"inittui.figures.{module}"), function)
        return draw(data, options)


KINDS: dict[str, FigureKind] = {kind.name: kind for kind in (
    FigureKind("lr-transfer", "final training loss against learning rate, one line per "
               "width, sp and mup side by side", "draw_width:lr_transfer", _needs("transfer")),
    FigureKind("coord-check", "mean |activation| against width, one line per step, a panel "
               "per layer (the μP paper's layout)", "draw_width:coord_check", _needs("coord")),
    FigureKind("spectrum", "histogram of the Jacobian's singular values per run; their spread "
               "against depth", "draw_spectrum:spectrum", _needs("spectrum")),
    FigureKind("sensitivity", "a grid metric against each axis, one line per initializer",
               "draw_grid:sensitivity", _needs_grid),
    FigureKind("heatmap", "a grid metric over initializer × axis values",
               "draw_grid:heatmap", _needs_grid),
    FigureKind("curves", "a metric per epoch, mean over seeds with their min–max band",
               "draw_runs:curves", _needs("results")),
    FigureKind("leaderboard", "best validation accuracy per series, mean with the seeds' "
               "std as error bars", "draw_runs:leaderboard_figure", _needs("results")),
    FigureKind("depth-profile", "last hidden layer's activation and gradient std at "
               "initialization against depth", "draw_layers:depth_profile", _needs_depths),
    FigureKind("layer-stds", "activation and gradient std per layer at initialization, "
               "theory lines where the file has them", "draw_layers:layer_stds",
               _needs("stats")),
    FigureKind("phase", "the (σ_w², σ_b²) phase diagram: χ₁ = 1 line, ξ_c shaded, each "
               "run's initializer", "draw_phase:phase", _needs("results"), auto=False),
)}


def get_kind(name: str) -> FigureKind:
    if name not in KINDS:
        raise FigureInputError(f"unknown figure kind '{name}' (choose from "
                               f"{', '.join(KINDS)})")
    return KINDS[name]


def drawable(data: FigureData) -> list[FigureKind]:
    """Every automatic kind this data makes, most specific first."""
    return [kind for kind in KINDS.values() if kind.auto and kind.missing(data) is None]


def chosen(data: FigureData) -> FigureKind:
    """The kind `inittui plot` draws without --kind: the most specific the files make."""
    found = drawable(data)
    if not found:
        raise FigureInputError("no figure can be drawn from these files")
    return found[0]
