"""What the screen looks like, compared with accepted SVG screenshots.

The real engine on synthetic CPU data is deterministic, and the status line shows no time
once a sweep has finished, so a finished comparison is the same picture on every run.
Regenerate with `pytest tests/test_tui_snapshots.py --snapshot-update` and look at the
SVGs in tests/__snapshots__/ before accepting them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from inittui.core.specs import ExperimentSpec
from inittui.tui.app import create_app

SNAPSHOT_DATA = "synthetic:train=256,val=64,test=64,side=8"

SnapCompare = Callable[..., bool]


def snapshot_spec(**changes: object) -> ExperimentSpec:
    values: dict[str, object] = dict(
        inits=("zeros", "normal", "xavier-normal", "he-normal"), dataset=SNAPSHOT_DATA,
        hidden=(32, 16), epochs=4, device="cpu", lr=0.01,
    )
    values.update(changes)
    return ExperimentSpec(**values)  # type: ignore[arg-type]


async def settled(pilot: Pilot) -> None:
    """The registry loaded in the background and the first frames drawn."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def trained(pilot: Pilot) -> None:
    await settled(pilot)
    await pilot.press("ctrl+r")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


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


def test_finished_comparison_with_seeds_at_120x40(snap_compare: SnapCompare) -> None:
    assert snap_compare(create_app(snapshot_spec(seeds=2)), terminal_size=(120, 40),
                        run_before=trained)


def test_finished_comparison_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(create_app(snapshot_spec()), terminal_size=(80, 24),
                        run_before=trained)


def test_layers_view_at_initialization(snap_compare: SnapCompare) -> None:
    async def layers_at_init(pilot: Pilot) -> None:
        await trained(pilot)
        await pilot.press("L", *["left_square_bracket"] * 4)

    assert snap_compare(create_app(snapshot_spec()), terminal_size=(120, 40),
                        run_before=layers_at_init)
