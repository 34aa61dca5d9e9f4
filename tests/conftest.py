"""Shared fixtures and helpers: tiny real data sets so that every core test trains in well under a
second, the apps the TUI tests share, one way to wait for the app under a Pilot, and CSV
readers. Import helpers from here (`from tests.conftest import trained`) or from the helper
modules beside it (`from tests.canned import canned_engine`), never from a test module."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from textual.app import App
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Input, Static

from inittui.core.spec.experiment import ExperimentSpec

if TYPE_CHECKING:
    from inittui.tui.app import InittuiApp

TINY_DATA = "synthetic:train=256,val=64,test=64,side=6,classes=4"
WIDE = (120, 40)
FORM_DATA = "synthetic:train=200,val=50,test=50,side=8"
TUI_DATA = "synthetic:train=256,val=64,test=64,side=8"
LR_GRID = "1e-4,1e-3,1e-2,1e-1"
"""The terminal of most app tests: wide enough that the setup panel stays open."""
STUDY_FILES = Path(__file__).parent / "data"
COORD_CSV = STUDY_FILES / "coord_check_mnist5k.csv"
TRANSFER_CSV = STUDY_FILES / "mup2022_reduced.csv"
GPT_TRANSFER_CSV = STUDY_FILES / "mup2022_gpt_text.csv"
"""Saved width studies (a coordinate check, two learning-rate transfers) the screens load."""


@pytest.fixture
def tiny_spec() -> ExperimentSpec:
    """A sweep over tiny synthetic images that trains in a fraction of a second on CPU."""
    return ExperimentSpec(
        inits=("zeros", "xavier-normal", "he-normal"), dataset=TINY_DATA, hidden=(16, 8),
        epochs=3, batch_size=32, lr=0.01, device="cpu",
    )


# ── The app under a Pilot: one way to wait for it, shared by every app test ────────────────


def status(app: App[None]) -> str:
    """The status line's text."""
    return str(app.query_one("#status", Static).render())


def notes(app: App[None], severity: str | None = None) -> list[str]:
    """The notifications shown so far (of one severity, if given)."""
    return [n.message for n in app._notifications
            if severity is None or n.severity == severity]


def steady_cursors(pilot: Pilot) -> None:
    """Text fields that do not blink, so a screenshot never catches half a blink (the app
    itself blinks as Textual does; only screenshots need them still)."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str,
                     timeout_s: float = 60.0) -> None:
    """Let the app run until condition() holds; fail the test, saying what, if it never does."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"waited {timeout_s:.0f} s for {what}; status: {status(pilot.app)}")
        await pilot.pause(0.05)


async def ready(pilot: Pilot) -> None:
    """Wait for every worker (torch's import, a load, a sweep) to end, failed ones too (the
    app reports those itself), and for the screen to settle."""
    await wait_until(pilot, lambda: all(worker.is_finished for worker in pilot.app.workers),
                     "the app's workers to end")
    await pilot.pause()


async def settled(pilot: Pilot) -> None:
    """The registry loaded in the background, cursors still, the first frames drawn."""
    await pilot.app.workers.wait_for_complete()
    steady_cursors(pilot)
    await pilot.pause()


async def trained(pilot: Pilot, *, then_escape: bool = False) -> None:
    """Settled, then ctrl+r and the sweep trained to its end; then_escape leaves the
    initializer list (where focus starts) as a user pressing escape would."""
    await settled(pilot)
    await pilot.press("ctrl+r")
    # Not workers.wait_for_complete(): it raises a failed sweep's error when it catches the
    # worker still running, and the app reports that error itself.
    await wait_until(pilot, lambda: not getattr(pilot.app, "running", False) and all(
        worker.is_finished for worker in pilot.app.workers), "the sweep to end")
    if then_escape:
        await pilot.press("escape")
    await pilot.pause()


def tui_spec(**changes: object) -> ExperimentSpec:
    """Two initializers on tiny synthetic data: a sweep takes a fraction of a second."""
    values: dict[str, object] = dict(inits=("zeros", "he-normal"), dataset=TUI_DATA,
                                     hidden=(16,), epochs=2, device="cpu")
    values.update(changes)
    return ExperimentSpec(**values)  # type: ignore[arg-type]


def form_app(**changes: object) -> InittuiApp:
    """The app on a tiny setup of two initializers, trained by the real engine (changes:
    ExperimentSpec fields)."""
    from inittui.tui.app import create_app

    values: dict[str, object] = dict(inits=("zeros", "he-normal"), dataset=FORM_DATA,
                                     hidden=(16,), epochs=1, device="cpu",
                                     diagnostics=False)
    values.update(changes)
    return create_app(ExperimentSpec(**values))  # type: ignore[arg-type]


def grid_spec(**text: str) -> ExperimentSpec:
    """A learning-rate grid of three initializers and two seeds (text: fields as typed)."""
    base = ExperimentSpec(inits=("zeros", "xavier-normal", "he-normal"),
                          dataset="synthetic:train=256,val=64,test=64,side=8", epochs=3,
                          seeds=2, device="cpu")
    return base.with_text(**{"lr": LR_GRID, **text})


def grid_app(**text: str) -> InittuiApp:
    """The app on grid_spec, fed canned grid events."""
    from inittui.tui.app import create_app
    from tests.canned_grid import canned_grid_engine

    return create_app(grid_spec(**text), engine=canned_grid_engine)


async def type_into(pilot: Pilot, field_id: str, text: str) -> None:
    """Focus a field, empty it with its own keys and type `text` key by key."""
    field = pilot.app.query_one(f"#{field_id}", Input)
    field.focus()
    await pilot.press("home", "ctrl+k", *text)
    assert field.value == text


# ── Files as a test reads them back ────────────────────────────────────────────────────


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows as dicts by its header."""
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def csv_cells(path: Path) -> list[list[str]]:
    """A CSV's rows as lists of cells, header included."""
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


async def palette_search(pilot: Pilot, text: str) -> None:
    """Open the command palette, type text, and wait until it offers something for it (its
    providers search in the background)."""
    await pilot.press("ctrl+p", *text)
    await wait_until(pilot, lambda: any(
        found.option_count for found in pilot.app.screen.query(CommandList)),
        f"the command palette to offer something for {text!r}")


def headless_stats(tmp_path: Path, *args: str) -> list[dict[str, str]]:
    """The rows `--headless --stats-out` writes for one epoch of a tiny real run (args add
    or override options); the file's header is checked against the schema first."""
    from click.testing import CliRunner

    from inittui.cli import main
    from inittui.core.results.schema import STATS_COLUMNS

    stats = tmp_path / "stats.csv"
    result = CliRunner().invoke(main, [
        "--headless", "--dataset", "synthetic:train=256,val=64,test=64,side=8,classes=4",
        "--epochs", "1", "--batch-size", "64", "--device", "cpu", "--stats-out", str(stats),
        *args])
    assert result.exit_code == 0, result.output
    assert tuple(csv_cells(stats)[0]) == STATS_COLUMNS
    return csv_rows(stats)


@dataclass(frozen=True)
class Shapes:
    """A data set's shape as μP needs it (core/init/mup.py's DataShape), without the data."""

    input_shape: tuple[int, ...]
    num_classes: int
