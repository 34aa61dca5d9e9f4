"""Screens for the width studies: the coordinate check and learning-rate transfer.

Each shows saved rows, or computes them in a thread worker (the coordinate check of a spec
under both parametrizations; a transfer study's cells) and draws them as they arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Static

from inittui.core.errors import InittuiError
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.fields import PARAMETRIZATIONS
from inittui.core.spec.presets import TransferStudy
from inittui.core.studies.records import (
    OUTPUT,
    CoordPoint,
    TransferCell,
    best_lrs,
    growth,
    lr_shift,
)
from inittui.tui.plots import monochrome, run_marker
from inittui.tui.results.width_plots import Line, LogLogPanel, line_color, shared_range
from inittui.tui.styles import stylesheet

DEFAULT_WIDTHS = (64, 128, 256, 512, 1024, 2048)
DEFAULT_STEPS = 5
PARAM_NAMES = {"sp": "standard parametrization (SP)", "mup": "μP (Yang et al. 2022)"}


def layer_label(layer: str, model: str = "mlp") -> str:
    """What a coordinate-check layer is: the MLP's hidden layers, resmlp's stem then blocks
    (the probes the check hooks), gpt's blocks; a saved file without its spec reads as mlp."""
    if layer == OUTPUT:
        return "output (logits)"
    if model == "resmlp":
        return "stem" if layer == "1" else f"block {int(layer) - 1}"
    if model == "gpt":
        return f"block {layer}"
    return f"hidden {layer}"


def _legend(labels: Sequence[str], no_color: bool = False) -> Text:
    text = Text()
    for index, label in enumerate(labels):
        red, green, blue = line_color(index)
        mark = run_marker(line_color(index)) if no_color else "━━"
        text.append(f"{mark} ", style=f"rgb({red},{green},{blue})")
        text.append(f"{label}   ")
    return text


class CoordCheckScreen(Screen[None]):
    """One log-log panel per step: mean |activation| against width, one line per layer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_param", "sp/mup", id="toggle-param",
                tooltip="the standard parametrization (sp) or μP (mup)"),
        Binding("escape,q", "close", "Back", id="close-width",
                tooltip="back to the main screen (or quit, when opened on its own)"),
    ]

    DEFAULT_CSS = stylesheet("coord_check.tcss")

    def __init__(self, points: Sequence[CoordPoint] = (), spec: ExperimentSpec | None = None,
                 widths: Sequence[int] = DEFAULT_WIDTHS, steps: int = DEFAULT_STEPS,
                 compute: bool = False, origin: str = "") -> None:
        super().__init__()
        self.points = list(points)
        self.spec = spec
        self.origin = origin
        """Whose settings a computed check took (`the leaderboard's leading row: ...`)."""
        self.widths = tuple(widths)
        self.steps = max([p.step for p in self.points], default=steps)
        self.compute = compute
        self.param = self.points[0].param if self.points else "sp"
        self.note = ""
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        yield Static(id="width-header")
        yield Static(id="width-legend")
        with Grid():
            for step in range(self.steps + 1):
                yield LogLogPanel(f"step {step}" + (" (init)" if step == 0 else ""),
                                  "width", id=f"coord-step-{step}")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()
        if self.compute and self.spec is not None:
            self.note = "computing…"
            self._compute(self.spec)

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exclusive=True, group="coord-check", exit_on_error=False)
    def _compute(self, spec: ExperimentSpec) -> None:
        from dataclasses import replace

        from inittui.core.studies.coord_check import coord_check

        try:
            for param in (self.param, *[p for p in PARAMETRIZATIONS if p != self.param]):
                coord_check(replace(spec, param=param), self.widths, self.steps,
                            stop=self._stop, on_width=lambda width, found, param=param:
                            self.app.call_from_thread(self._arrived, param, width, found))
            self.app.call_from_thread(self._done, "")
        except InittuiError as error:
            self.app.call_from_thread(self._done, f"stopped: {error}")

    def _arrived(self, param: str, width: int, found: list[CoordPoint]) -> None:
        self.points.extend(found)
        self.note = f"computing… {param} width {width} done"
        self.refresh_view()

    def _done(self, note: str) -> None:
        self.note = note
        self.refresh_view()

    def _lr_text(self, shown: Sequence[CoordPoint]) -> str:
        """The check's own lr: its points' (a saved file's), else the spec it computes."""
        lr = next((point.lr for point in shown if point.lr is not None), None)
        if lr is None and self.compute and self.spec is not None:
            lr = self.spec.only("lr")
        optimizer = f"{self.spec.optimizer} " if self.spec is not None else ""
        return f"{optimizer}lr {lr:g} · " if lr is not None else \
            f"{optimizer}lr not recorded in the file · "

    def action_toggle_param(self) -> None:
        self.param = "mup" if self.param == "sp" else "sp"
        self.refresh_view()

    def action_close(self) -> None:
        self._stop.set()
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()

    def refresh_view(self) -> None:
        shown = [p for p in self.points if p.param == self.param]
        init = shown[0].init if shown else (self.spec.inits[0] if self.spec else "")
        shown = [p for p in shown if p.init == init]
        layers = sorted({p.layer for p in shown}, key=lambda name: (name == OUTPUT, name.zfill(4)))
        seeds = shown[0].seeds if shown else (self.spec.seeds if self.spec else 1)
        model = shown[0].model if shown else self.spec.model if self.spec else "mlp"
        header = Text.assemble(
            ("Coordinate check", "bold"), f" · {PARAM_NAMES.get(self.param, self.param)} · ",
            f"{init} · " if init else "",
            self._lr_text(shown),
            f"y: mean |activation| on one minibatch (mean of {seeds} seed"
            f"{'s' * (seeds != 1)}), x: hidden width, log-log · p: sp/mup",
        )
        if self.origin:
            header.append(f"\nsettings of {self.origin}", style="dim")
        rising = {key: ratio for key, ratio in growth(shown, 1).items() if ratio == ratio}
        if rising:  # (nan != nan: a layer that is 0 at every width has no ratio)
            worst = max(rising.items(), key=lambda item: item[1])
            header.append(f"\nafter 1 step, widest/narrowest: {layer_label(worst[0][1], model)} "
                          f"×{worst[1]:.3g}", style="dim")
        if self.note:
            header.append(f"  {self.note}", style="italic dim")
        self.query_one("#width-header", Static).update(header)
        legend = _legend([layer_label(name, model) for name in layers], monochrome(self.app))
        self.query_one("#width-legend", Static).update(legend)
        y_range = shared_range([p.l1 for p in self.points])  # both parametrizations
        for step in range(self.steps + 1):
            lines = []
            for index, layer in enumerate(layers):
                series = sorted((p.width, p.l1) for p in shown
                                if p.step == step and p.layer == layer)
                lines.append(Line(layer_label(layer, model), line_color(index),
                                  tuple(w for w, _ in series), tuple(v for _, v in series)))
            self.query_one(f"#coord-step-{step}", LogLogPanel).show(lines, y_range)


class LrTransferScreen(Screen[None]):
    """Final training loss against lr: a panel per parametrization, a line per width."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="close-transfer"),
    ]

    DEFAULT_CSS = stylesheet("lr_transfer.tcss")

    def __init__(self, cells: Sequence[TransferCell] = (), spec: ExperimentSpec | None = None,
                 study: TransferStudy | None = None) -> None:
        super().__init__()
        self.cells = list(cells)
        self.spec = spec
        self.study = study
        self.note = ""
        self._stop = threading.Event()
        known = [c.param for c in self.cells] + list(study.params if study else ())
        self.params = list(dict.fromkeys(known)) or list(PARAMETRIZATIONS)

    def compose(self) -> ComposeResult:
        yield Static(id="width-header")
        yield Static(id="width-legend")
        with Grid():
            for param in self.params:
                yield LogLogPanel(PARAM_NAMES.get(param, param), "learning rate",
                                  flat_as_decade=False, id=f"transfer-{param}")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()
        if self.spec is not None and self.study is not None:
            self.note = "training…"
            self._compute(self.spec, self.study)

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exclusive=True, group="lr-transfer", exit_on_error=False)
    def _compute(self, spec: ExperimentSpec, study: TransferStudy) -> None:
        from inittui.core.studies.lr_transfer import run_study

        try:
            run_study(spec, study, stop=self._stop,
                      on_cell=lambda cell: self.app.call_from_thread(self._arrived, cell))
            self.app.call_from_thread(self._done, "")
        except InittuiError as error:
            self.app.call_from_thread(self._done, f"stopped: {error}")

    def _arrived(self, cell: TransferCell) -> None:
        self.cells.append(cell)
        total = len(self.study.params) * len(self.study.widths) * len(self.study.lrs) \
            if self.study else len(self.cells)
        self.note = f"training… {len(self.cells)}/{total} cells"
        self.refresh_view()

    def _done(self, note: str) -> None:
        self.note = note
        self.refresh_view()

    def action_close(self) -> None:
        self._stop.set()
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()

    def refresh_view(self) -> None:
        planned = set(self.study.widths) if self.study else set()
        widths = sorted({c.width for c in self.cells} | planned)
        best = best_lrs(self.cells)
        seeds = self.cells[0].seeds if self.cells else (self.spec.seeds if self.spec else 1)
        header = Text.assemble(
            ("Learning-rate transfer", "bold"),
            f" · y: final training loss (mean of {seeds} seed{'s' * (seeds != 1)}), "
            "x: learning rate, log-log · lowest loss per width:")
        for param in self.params:
            picks = ", ".join(f"{w}: {best[param, w].lr:g}" for w in widths
                              if (param, w) in best)
            shift = lr_shift(self.cells, param)
            moved = "" if shift is None else f" (moves {shift:+.1f} decades)"
            header.append(f"\n  {param}: {picks or '-'}{moved}")
        if self.note:
            header.append(f"  {self.note}", style="italic dim")
        self.query_one("#width-header", Static).update(header)
        self.query_one("#width-legend", Static).update(
            _legend([f"width {width}" for width in widths], monochrome(self.app)))
        y_range = shared_range([c.final_train_loss for c in self.cells if c.status == "ok"])
        for param in self.params:
            lines = []
            for index, width in enumerate(widths):
                series = sorted((c.lr, c.final_train_loss) for c in self.cells
                                if c.param == param and c.width == width
                                and c.status != "stopped")
                lines.append(Line(f"width {width}", line_color(index),
                                  tuple(lr for lr, _ in series), tuple(v for _, v in series)))
            self.query_one(f"#transfer-{param}", LogLogPanel).show(lines, y_range)
