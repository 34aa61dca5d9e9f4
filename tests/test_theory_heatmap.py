"""The heatmap of a σ_w² × depth grid read against mean field's trainable depth, 6ξ_c.

Schoenholz et al. 2017: a tanh net trains to about 6ξ_c layers. Each initializer's row says
its 6ξ_c, and every cell deeper than it carries a `*`, so the trainable region can be read
against the curve; the title says what the mark means.
"""

from __future__ import annotations

import math

from textual.widgets import Static

from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.theory.mean_field import phase_of
from inittui.tui.app import create_app
from inittui.tui.results.heatmap import Heatmap
from tests.canned_theory import canned_grid_engine_with_theory
from tests.conftest import WIDE, trained

SIGMA_W2 = (1.0, 1.75, 3.0)
DEPTHS = (10, 40, 70)


async def test_each_sigma_w2_row_marks_the_depths_beyond_its_6_xi_c():
    spec = ExperimentSpec(dataset="synthetic:train=256,val=64,test=64,side=8", epochs=1,
                          device="cpu").with_text(
        inits=",".join(f"variance-scaling:scale={w}" for w in SIGMA_W2),
        hidden=";".join(f"64x{d}" for d in DEPTHS), activation="tanh",
        bias_init="normal:std=0.2236", lr="1e-3")
    app = create_app(spec, engine=canned_grid_engine_with_theory)
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("h")
        await pilot.pause()
        table = app.query_one(Heatmap)
        assert table.axis == "hidden"
        marked_any = unmarked_any = False
        for row, w2 in enumerate(SIGMA_W2):
            six = 6 * phase_of("tanh", w2, 0.2236 ** 2).xi_c  # independent of the app's
            label = str(table.get_row_at(row)[0])
            assert label.startswith(f"{spec.inits[row]} · 6ξ_c")  # scale=1 is the default
            shown = float(label.rsplit("= ", 1)[1]) if "=" in label.split("·")[1] else math.inf
            assert shown == (math.inf if math.isinf(six) else round(six))
            for column, depth in enumerate(DEPTHS, start=1):
                cell = str(table.get_row_at(row)[column]).strip()
                assert cell.endswith("*") == (depth > six), (w2, depth, six, cell)
                marked_any |= cell.endswith("*")
                unmarked_any |= not cell.endswith("*")
        assert marked_any and unmarked_any  # the curve crosses this grid
        header = str(app.query_one("#heatmap-header", Static).render())
        assert "* deeper than mean field's 6ξ_c" in header


async def test_a_grid_without_a_depth_axis_or_theory_marks_nothing():
    spec = ExperimentSpec(inits=("xavier-normal", "he-normal"), epochs=1, device="cpu",
                          dataset="synthetic:train=256,val=64,test=64,side=8").with_text(
        lr="1e-4,1e-3,1e-2")
    app = create_app(spec, engine=canned_grid_engine_with_theory)
    async with app.run_test(size=WIDE) as pilot:
        await trained(pilot)
        await pilot.press("h")
        await pilot.pause()
        table = app.query_one(Heatmap)
        assert not table.marks_beyond
        assert all("6ξ_c" not in str(table.get_row_at(r)[0]) for r in range(table.row_count))
