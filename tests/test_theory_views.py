"""The phase view, from canned events: what it draws and what it says."""

from __future__ import annotations

import threading

import pytest
from rich.text import Text
from textual.widgets import Static

from inittui.core.events import EventSink, RunFinished, SweepFinished, SweepStarted, TheoryReady
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.theory.predict import run_theory
from inittui.tui.app import create_app
from inittui.tui.screens.phase import PhasePlot, PhaseScreen, shade
from tests.conftest import wait_until

INITS = ("he-normal", "variance-scaling:scale=3", "normal", "zeros")


def theory_engine(spec: ExperimentSpec, on_event: EventSink,
                  stop: threading.Event | None = None) -> None:
    """A sweep that ends at initialization: each run's mean-field picture, then the end."""
    runs = tuple(spec.runs())
    on_event(SweepStarted(spec, runs, "cpu", 1, 100))
    for run in runs:
        on_event(TheoryReady(run, run_theory(spec, run, 64, 1.0)))
        on_event(RunFinished(run, "ok", 0, None))
    on_event(SweepFinished(stopped=False, wall_s=0.1))


def _drawn(plot: PhasePlot) -> str:
    plot._stale = True
    plot.render()
    return Text.from_ansi(plot.plt.build()).plain


async def test_p_opens_the_plane_with_each_run_and_its_reading():
    spec = ExperimentSpec(inits=INITS, hidden=(32,) * 6, activation="tanh",
                          bias_init="normal:std=0.2236", epochs=1, device="cpu",
                          dataset="synthetic:train=64,val=32,test=32,side=8")
    app = create_app(spec, engine=theory_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: bool(app.book.sweeps) and all(
            r.status == "ok" for r in app.book.current.runs.values()), "every run trained",
            timeout_s=5)
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PhaseScreen)
        await wait_until(pilot, lambda: screen.query_one(PhasePlot).shading is not None,
                         "the ξ_c shading (computed in a worker)", timeout_s=30)
        plot = screen.query_one(PhasePlot)
        drawn = _drawn(plot)
        assert "tanh: mean-field phase at initialization" in drawn
        assert "χ₁ = 1" in drawn and "σ_w²" in drawn
        for label in ("he-normal", "variance-scaling:scale=3", "normal"):
            assert label in drawn, label
        assert "zeros" not in drawn  # no point without a prediction
        assert drawn.count("●") == 3
        low, he, far = sorted(column for line in drawn.splitlines()
                              for column, mark in enumerate(line) if mark == "●")
        # σ_w² = 0.003 (normal), 2 (he-normal), 3 (scale=3), left to right, to scale
        assert low < he < far
        assert (far - he) / (he - low) == pytest.approx(1 / 2, abs=0.1)
        assert any(mark in drawn for mark in "░▒▓")  # the ξ_c shading
        readings = str(screen.query_one("#phase-readings", Static).render())
        assert "he-normal, tanh: χ₁ = 1.05, chaotic" in readings
        assert "zeros, tanh: no mean-field prediction" in readings
        assert "normal, tanh: χ₁ = 0.0029, ordered; signals die within ~1 layer" in readings
        note = str(screen.query_one("#phase-note", Static).render())
        assert "shading ξ_c" in note and "computing" not in note
        await pilot.press("escape")
        assert not isinstance(app.screen, PhaseScreen)


def test_xi_c_shades_by_depth_scale():
    assert shade(float("inf")) == "▓" and shade(40.0) == "▓" and shade(12.0) == "▒"
    assert shade(5.0) == "░" and shade(2.0) == " " and shade(float("nan")) == " "
