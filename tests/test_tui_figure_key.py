"""The app's save-figure key (S): the view as a figure and the screen as SVG, where the
status line says, drawn from the session's own runs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from inittui.tui.app import create_app
from tests.conftest import WIDE, ready, status, trained, tui_spec, wait_until

pytestmark = pytest.mark.slow


async def test_s_saves_the_curves_as_a_figure_and_the_screen_as_svg(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    app = create_app(tui_spec(inits=("xavier-normal", "he-normal")), out=out)
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("S")
        await wait_until(pilot, lambda: "figure saved to" in status(app), "the figure")
        found = re.search(r"figure saved to (\S+) · screenshot to (\S+)", status(app))
        assert found, status(app)
        figure, screen = Path(found[1]), Path(found[2])
        assert figure.parent == screen.parent == tmp_path
        assert figure.name.startswith("inittui-curves-") and figure.suffix == ".png"
        assert figure.read_bytes().startswith(b"\x89PNG")
        root = ET.parse(screen).getroot()
        assert root.tag.endswith("svg")
        assert "he-normal" in screen.read_text()
        await pilot.press("S")  # a second press never overwrites the first files
        await wait_until(pilot, lambda: str(figure) not in status(app), "the second figure")
        await ready(pilot)
        assert len(list(tmp_path.glob("inittui-curves-*.png"))) == 2


async def test_s_before_any_run_says_there_is_nothing_to_draw(tmp_path: Path) -> None:
    app = create_app(tui_spec(), out=tmp_path / "r.csv")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("S")
        await pilot.pause()
        assert any("Nothing to draw yet" in n.message for n in app._notifications)
        assert not list(tmp_path.glob("inittui-*"))
