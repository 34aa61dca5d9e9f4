"""What a new user trips on in the app: the form's hidden sizes follow the model, every
preset can be found, every key is in help, one metric for the grid views, keys from any
focus, and a coordinate check that says whose settings it took."""

from __future__ import annotations

from textual.widgets import Input

from inittui.core.specs import MODEL_HIDDEN
from tests.test_tui_app import ready
from tests.test_tui_setup_form import WIDE, form_app, type_into


async def test_the_forms_hidden_sizes_follow_the_model_until_the_user_sets_them() -> None:
    app = form_app(hidden=(128, 64))
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        hidden = app.query_one("#field-hidden", Input)
        for model, sizes in (("gpt", "64x4"), ("resnet", "16x3,32x3,64x3"),
                             ("resmlp", "128x4"), ("mlp", "128,64")):
            await type_into(pilot, "field-model", model)
            await pilot.pause()
            assert hidden.value == sizes, model
            assert app.main.setup.spec().hidden == MODEL_HIDDEN[model]
        await type_into(pilot, "field-hidden", "32,16")
        await type_into(pilot, "field-model", "gpt")
        await pilot.pause()
        assert hidden.value == "32,16"  # the user's own sizes stay
