"""What the screen looks like, compared with accepted SVG screenshots.

Every picture is fed canned engine events (tests/canned.py), so its numbers do not drift
between torch builds; the layers view's per-layer statistics are canned too (he-normal
level with depth, xavier-normal shrinking, normal growing).
Regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update` and look at the
SVGs in tests/__snapshots__/ before accepting them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from inittui.core.spec.experiment import ExperimentSpec
from inittui.tui.app import create_app
from tests.canned import canned_engine, canned_engine_with_layers
from tests.conftest import settled, trained

SNAPSHOT_DATA = "synthetic:train=256,val=64,test=64,side=8"

SnapCompare = Callable[..., bool]


def snapshot_spec(**changes: object) -> ExperimentSpec:
    values: dict[str, object] = dict(
        inits=("zeros", "normal", "xavier-normal", "he-normal"), dataset=SNAPSHOT_DATA,
        hidden=(32, 16), epochs=4, device="cpu", lr=0.01,
    )
    values.update(changes)
    return ExperimentSpec(**values)  # type: ignore[arg-type]


def test_main_screen_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(create_app(snapshot_spec()), terminal_size=(80, 24),
                        run_before=settled)


def test_main_screen_at_120x40(snap_compare: SnapCompare) -> None:
    assert snap_compare(create_app(snapshot_spec()), terminal_size=(120, 40),
                        run_before=settled)


def test_help_screen(snap_compare: SnapCompare) -> None:
    async def open_help(pilot: Pilot) -> None:
        await settled(pilot)
        await pilot.press("f1")

    assert snap_compare(create_app(snapshot_spec()), terminal_size=(100, 36),
                        run_before=open_help)


SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])

CURVE_VIEWS: dict[str, tuple[str, ...]] = {
    "leader_on_top": (),
    "cropped_with_cursor": ("z", "left", "left"),
    "focus_on_second_row": ("down", "f"),
    "smoothed_loss_by_step": ("m", "m", "m", "x", "a", "a"),
    "filtered": ("slash", "n", "o", "r", "m", "enter"),
}
"""View name → keys pressed after a canned 20-epoch sweep with three seeds."""


@SIZES
@pytest.mark.parametrize("view", list(CURVE_VIEWS))
def test_curves_view(snap_compare: SnapCompare, view: str, size: tuple[int, int]) -> None:
    async def press(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press(*CURVE_VIEWS[view])
        await pilot.pause()

    app = create_app(snapshot_spec(seeds=3, epochs=20), engine=canned_engine)
    assert snap_compare(app, terminal_size=size, run_before=press)


@SIZES
def test_curves_on_a_light_theme(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def light(pilot: Pilot) -> None:
        await trained(pilot)
        pilot.app.theme = "textual-light"
        await pilot.pause()

    app = create_app(snapshot_spec(epochs=20), engine=canned_engine)
    assert snap_compare(app, terminal_size=size, run_before=light)


def test_layers_view_at_initialization(snap_compare: SnapCompare) -> None:
    async def layers_at_init(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press("L", *["left_square_bracket"] * 4)

    app = create_app(snapshot_spec(hidden=(32,) * 8), engine=canned_engine_with_layers)
    assert snap_compare(app, terminal_size=(120, 40), run_before=layers_at_init)
