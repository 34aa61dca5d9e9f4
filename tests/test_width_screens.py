"""The width-study screens: snapshots from saved real runs, and the app's w key on the real engine.

tests/data holds real output: `coord_check_mnist5k.csv` from
`inittui --headless --coord-check --param sp|mup --lr 0.01 --init he-normal` on mnist-5k,
`mup2022_reduced.csv` from the mup2022 study at reduced size, and `mup2022_gpt_text.csv` from
`inittui --headless --preset mup2022-gpt` (see the README).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from inittui.core.errors import InittuiError
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.studies.records import read_coord_points, read_transfer_cells
from inittui.tui.app import create_app
from inittui.tui.results.width_plots import LogLogPanel
from inittui.tui.screens.width_study import CoordCheckScreen, LrTransferScreen
from inittui.tui.width_app import WidthStudyApp, coord_check_app
from tests.conftest import COORD_CSV, GPT_TRANSFER_CSV, TRANSFER_CSV

SMALL = "synthetic:train=200,val=50,test=50,side=8"

SnapCompare = Callable[..., bool]


def saved_coord_check() -> WidthStudyApp:
    spec = ExperimentSpec(lr=0.01, inits=("he-normal",))
    return WidthStudyApp(CoordCheckScreen(read_coord_points(COORD_CSV), spec=spec))


def test_coord_check_sp_at_120x40(snap_compare: SnapCompare) -> None:
    assert snap_compare(saved_coord_check(), terminal_size=(120, 40))


def test_coord_check_mup_after_p_at_120x40(snap_compare: SnapCompare) -> None:
    assert snap_compare(saved_coord_check(), terminal_size=(120, 40), press=["p"])


def test_lr_transfer_at_120x40(snap_compare: SnapCompare) -> None:
    app = WidthStudyApp(LrTransferScreen(read_transfer_cells(TRANSFER_CSV)))
    assert snap_compare(app, terminal_size=(120, 40))


def test_lr_transfer_of_close_losses_zooms_to_their_extent_at_120x32(
        snap_compare: SnapCompare) -> None:
    """mup2022-gpt's losses lie within 0.1 decade: the axis spans them, not a whole decade."""
    app = WidthStudyApp(LrTransferScreen(read_transfer_cells(GPT_TRANSFER_CSV)))
    assert snap_compare(app, terminal_size=(120, 32))


async def test_saved_coord_check_draws_a_line_per_layer_in_every_step_panel() -> None:
    app = saved_coord_check()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panels = list(app.screen.query(LogLogPanel))
        assert [p.id for p in panels] == [f"coord-step-{s}" for s in range(6)]
        for panel in panels:
            assert [line.label for line in panel.lines] == [
                "hidden 1", "hidden 2", "output (logits)"]
            assert all(line.xs == (64, 128, 256, 512, 1024, 2048) for line in panel.lines)
        await pilot.press("p")
        assert app.screen.param == "mup"
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0


async def test_live_coord_check_computes_sp_and_mup_on_the_real_engine() -> None:
    spec = ExperimentSpec(dataset=SMALL, hidden=(16, 16), inits=("he-normal",), device="cpu",
                          lr=0.01, base_width=8)
    app = coord_check_app(spec, (8, 32), steps=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CoordCheckScreen)
        assert {(p.param, p.width) for p in screen.points} == {
            (param, width) for param in ("sp", "mup") for width in (8, 32)}
        assert all(len(panel.lines) == 3 for panel in screen.query(LogLogPanel))
        assert screen.note == ""


async def test_live_coord_check_of_a_resmlp_names_its_stem_and_blocks() -> None:
    spec = ExperimentSpec(dataset=SMALL, model="resmlp", hidden=(16, 16), inits=("he-normal",),
                          device="cpu", lr=0.01, base_width=8)
    app = coord_check_app(spec, (8, 16), steps=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CoordCheckScreen)
        assert screen.note == ""
        for panel in screen.query(LogLogPanel):
            assert [line.label for line in panel.lines] == [
                "stem", "block 1", "block 2", "output (logits)"]


async def test_a_saved_resmlp_check_names_its_stem_and_blocks(tmp_path: Path) -> None:
    from inittui.core.studies.records import COORD_COLUMNS, CoordPoint, row

    points = [CoordPoint("sp", "he-normal", width, step, layer, 1.0 + width / 64, 1, "resmlp")
              for width in (64, 128) for step in (0, 1) for layer in ("1", "2", "output")]
    path = tmp_path / "cc.csv"
    path.write_text("\n".join(",".join(r) for r in (COORD_COLUMNS, *map(row, points))) + "\n")
    loaded = read_coord_points(path)
    assert loaded == points
    app = WidthStudyApp(CoordCheckScreen(loaded, spec=ExperimentSpec()))  # the CLI's default
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for panel in app.screen.query(LogLogPanel):
            assert [line.label for line in panel.lines] == ["stem", "block 1",
                                                            "output (logits)"]


@pytest.mark.slow
async def test_w_in_the_main_app_opens_the_coord_check_of_the_setup_and_escape_closes_it() -> None:
    spec = ExperimentSpec(dataset=SMALL, hidden=(16, 16), inits=("he-normal",), device="cpu")
    app = create_app(spec)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CoordCheckScreen)
        assert screen.spec is not None and screen.spec.dataset == SMALL
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CoordCheckScreen)
        assert screen._stop.is_set()


def test_a_file_that_is_not_a_coord_check_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("run,epoch,val_acc\nhe-normal/s0,1,0.9\n")
    with pytest.raises(InittuiError, match="not a width-study file: no column param"):
        read_coord_points(path)


@pytest.mark.parametrize(("model", "opens"), [("resmlp", True), ("gpt", True), ("cnn", False)])
async def test_w_in_the_app_opens_the_check_for_every_model_mup_knows(model: str,
                                                                      opens: bool) -> None:
    dataset = "synthetic-text:train=32,val=8,test=8" if model == "gpt" else SMALL
    spec = ExperimentSpec(dataset=dataset, model=model, hidden=(16, 16), device="cpu",
                          base_width=8)
    app = create_app(spec)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, CoordCheckScreen) is opens
        if not opens:
            assert any("mlp, resmlp, gpt models, not cnn" in str(n.message)
                       for n in app._notifications)
        app.exit()
