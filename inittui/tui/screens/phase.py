"""The phase view: the sweep's initializers on mean field's (σ_w², σ_b²) plane.

The χ₁ = 1 line splits the ordered phase (left: signals die, gradients vanish) from the
chaotic one (right: nearby inputs decorrelate, gradients explode); the shading is ξ_c,
the depth over which correlations settle (trainable to about 6ξ_c layers). Each run with
a prediction is a labelled point; below, one reading per run, or why there is none.
"""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from inittui.core.theory.plane import critical_line, depth_scale_grid
from inittui.core.theory.predict import RunTheory
from inittui.core.theory.readings import PhaseRow
from inittui.tui.groups import PALETTE
from inittui.tui.plots import Plot
from inittui.tui.styles import stylesheet

SHADES: tuple[tuple[float, str], ...] = ((3.0, " "), (10.0, "░"), (30.0, "▒"), (math.inf, "▓"))
"""ξ_c below each bound → its mark: blank where signals die within 3 layers."""
SHADE_NOTE = "shading ξ_c: blank < 3, ░ 3–10, ▒ 10–30, ▓ ≥ 30 layers (∞ on the line)"
GRID_W2 = 12
GRID_B2 = 6


def plane_bounds(rows: list[PhaseRow]) -> tuple[float, float]:
    """The largest σ_w² and σ_b² to show: 4 and 0.3 at least, every run's point inside."""
    points = [row.theory.phase for row in rows if isinstance(row.theory, RunTheory)]
    top_w2 = max([4.0, *(1.1 * p.sigma_w2 for p in points)])
    top_b2 = max([0.3, *(1.1 * p.sigma_b2 for p in points)])
    return top_w2, top_b2


def shade(xi_c: float) -> str:
    if math.isnan(xi_c):
        return " "
    return next((mark for bound, mark in SHADES if xi_c < bound), SHADES[-1][1])


class PhasePlot(Plot):
    """The plane, the χ₁ = 1 line, ξ_c shading (once computed) and each run's point."""

    def __init__(self, activation: str, rows: list[PhaseRow], *, id: str | None = None):
        super().__init__(id=id)
        self.activation = activation
        self.rows = rows
        self.top_w2, self.top_b2 = plane_bounds(rows)
        self.b2s = tuple(self.top_b2 * i / 24 for i in range(25))
        self.grid_w2 = tuple(self.top_w2 * (i + 0.5) / GRID_W2 for i in range(GRID_W2))
        self.grid_b2 = tuple(self.top_b2 * (i + 0.5) / GRID_B2 for i in range(GRID_B2))
        self.shading: tuple[tuple[float, ...], ...] | None = None

    def draw(self) -> str | None:
        plt = self.plt
        plt.title(f"{self.activation}: mean-field phase at initialization")
        plt.xlabel("σ_w² (fan_in·Var W)")
        plt.ylabel("σ_b²")
        plt.xlim(0, self.top_w2)
        plt.ylim(0, self.top_b2)
        if self.shading is not None:
            for b2, row in zip(self.grid_b2, self.shading):
                for w2, xi in zip(self.grid_w2, row):
                    mark = shade(xi)
                    if mark != " ":
                        plt.scatter([w2], [b2], marker=mark, color=(110, 110, 140))
        line = critical_line(self.activation, self.b2s)
        xs = [w2 for w2 in line if w2 is not None and w2 <= self.top_w2]
        ys = [b2 for b2, w2 in zip(self.b2s, line) if w2 is not None and w2 <= self.top_w2]
        if xs:
            plt.plot(xs, ys, color=(230, 230, 230), marker="braille", label="χ₁ = 1")
        for index, row in enumerate(self.rows):
            if not isinstance(row.theory, RunTheory):
                continue
            phase = row.theory.phase
            color = self.colors.line(PALETTE[index % len(PALETTE)])
            plt.scatter([phase.sigma_w2], [phase.sigma_b2], marker="●", color=color)
            plt.text(row.init, phase.sigma_w2 + self.top_w2 * 0.02, phase.sigma_b2,
                     color=color, alignment="left")  # beside its point, not over it
        return None


class PhaseScreen(ModalScreen[None]):
    """The phase plane of the latest sweep's activation and a reading per initializer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,p", "dismiss", "Back", id="close-phase"),
    ]

    DEFAULT_CSS = stylesheet("phase.tcss")

    def __init__(self, rows: list[PhaseRow]) -> None:
        super().__init__()
        self.activation = rows[0].activation if rows else ""
        self.rows = [row for row in rows if row.activation == self.activation]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Phase: σ_w², σ_b² of the hidden→hidden layers"
            box.border_subtitle = "escape goes back"
            if not self.rows:
                yield Static(Text("No mean-field picture yet: run a sweep first (the "
                                  "engine sends one per run at initialization).",
                                  style="dim"), id="phase-readings")
            else:
                yield PhasePlot(self.activation, self.rows, id="phase-plot")
                yield Static(Text(f"χ₁ < 1 left of the line: ordered; > 1 right: chaotic. "
                                  f"{SHADE_NOTE} (computing…)"), id="phase-note")
                yield Static(Text("\n".join(row.reading for row in self.rows)),
                             id="phase-readings")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.rows:
            self.compute_shading()

    @work(thread=True, exclusive=True)
    def compute_shading(self) -> None:
        """ξ_c over the grid takes seconds in the chaotic phase: off the UI thread."""
        plot = self.query_one(PhasePlot)
        grid = depth_scale_grid(self.activation, plot.grid_w2, plot.grid_b2)
        self.app.call_from_thread(self._shaded, grid)

    def _shaded(self, grid: tuple[tuple[float, ...], ...]) -> None:
        plot = self.query_one(PhasePlot)
        plot.shading = grid
        plot.stale()
        self.query_one("#phase-note", Static).update(Text(
            f"χ₁ < 1 left of the line: ordered; > 1 right: chaotic. {SHADE_NOTE}"))
