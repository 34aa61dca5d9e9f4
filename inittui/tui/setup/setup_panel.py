"""The setup panel: initializers and hyperparameters, side by side with the results.

On a narrow terminal the panel folds to its one-line summary so the plot keeps the
screen; the app's `s` key unfolds it (the `-setup-open` class on the screen).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from inittui.core.errors import InittuiError
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.fields import parse_inits
from inittui.core.spec.presets import TransferStudy, get_preset
from inittui.tui.setup.initializer_picker import InitializerPicker
from inittui.tui.setup.spec_form import SpecForm


class SetupPanel(Vertical):
    """What to train; `spec()` turns it into an `ExperimentSpec` or says what is wrong."""

    DEFAULT_CSS = """
    SetupPanel {
        & > #setup-summary {
            height: 1; padding: 0 1; background: $boost;
            text-wrap: nowrap; text-overflow: ellipsis;
        }
        & > #setup-body { height: 1fr; scrollbar-size-vertical: 1; }
        & > #form-errors { height: auto; max-height: 4; padding: 0 1; color: $text-error; }
        & > #form-errors.-empty { display: none; }
        & .section { color: $accent; text-style: bold; padding: 0 1; }
    }
    """

    def __init__(self, spec: ExperimentSpec, preset: str | None = None, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._spec = spec
        self._preset = preset

    def compose(self) -> ComposeResult:
        yield Static(id="setup-summary")
        with VerticalScroll(id="setup-body", can_focus=False):
            yield Static("Initializers  (space toggles)", classes="section")
            yield InitializerPicker(self._spec.inits, id="picker")
            yield Static("Hyperparameters", classes="section")
            yield SpecForm(self._spec, self._preset, id="form")
        yield Static(id="form-errors", classes="-empty")  # below the scroll: never hidden

    def on_mount(self) -> None:
        self.border_title = "Setup"
        self._summarize()

    def spec(self) -> ExperimentSpec:
        """The experiment to run; raises SpecError naming the first invalid field."""
        return self.query_one(SpecForm).build(self.query_one(InitializerPicker).chosen)

    @property
    def study(self) -> TransferStudy | None:
        """The study ctrl+r trains instead of one sweep: the chosen preset's, if it is one."""
        name = self.query_one(SpecForm).preset
        return get_preset(name).study if name is not None else None

    def focus_first_invalid(self) -> None:
        field = self.query_one(SpecForm).first_invalid()
        (field or self.query_one("#init-list")).focus()

    def apply_preset(self, name: str) -> None:
        """Choose a preset as if picked in the form (the command palette's entry point)."""
        self.query_one("#field-preset").value = name  # type: ignore[attr-defined]

    @on(SpecForm.PresetChosen)
    def _on_preset(self, event: SpecForm.PresetChosen) -> None:
        inits = get_preset(event.name).overrides.get("inits")
        if inits is None:
            return
        try:
            self.query_one(InitializerPicker).choose(parse_inits(inits))
        except InittuiError as error:
            self.notify(str(error), severity="error", title="Preset")

    @on(SpecForm.Changed)
    @on(InitializerPicker.Changed)
    def _summarize(self) -> None:
        """One line that says what ctrl+r would train, shown while the panel is folded;
        and the form's errors, one `✗` line each."""
        form = self.query_one(SpecForm)
        errors = self.query_one("#form-errors", Static)
        errors.set_class(not form.errors, "-empty")
        errors.update(Text("\n".join(f"✗ {reason}" for reason in form.errors.values())))
        texts = form.texts()
        inits = self.query_one(InitializerPicker).chosen
        seeds = texts["seeds"]
        # Short settings first: at 80 columns the long lists (inits, data) are what is cut.
        summary = Text.assemble(
            ("Setup ▸ ", "bold"),
            f"{texts['model']} {texts['hidden']} {texts['activation']} · {texts['optimizer']} "
            f"lr {texts['lr']} · {texts['epochs']} epochs · {seeds} seed"
            f"{'s' if seeds != '1' else ''} · ",
            (", ".join(inits) or "no initializer chosen", "bold" if inits else "red"),
            f" · {texts['dataset']}",
        )
        self.query_one("#setup-summary", Static).update(summary)
