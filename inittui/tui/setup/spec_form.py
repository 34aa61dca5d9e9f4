"""The hyperparameter form: one compact row per spec field, validated as the user types.

Every field goes through `specs.parse_field`, the parser the command line uses, so the
form accepts the same spellings and marks a bad value with the same one-line reason.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static

from inittui.core.errors import SpecError
from inittui.core.spec.activations import ACTIVATIONS
from inittui.core.spec.data_fields import DATASETS
from inittui.core.spec.experiment import ExperimentSpec, default_hidden
from inittui.core.spec.fields import MODELS, NORMS, OPTIMIZERS, format_field, parse_field
from inittui.core.spec.presets import PRESETS, get_preset
from inittui.core.training.study_plan import study_line

CHOICES: dict[str, tuple[str, ...]] = {"norm": NORMS, "optimizer": OPTIMIZERS}
"""Fields with one value from a fixed list: a select. The others are typed, because they
take what the command line takes: lists that make a grid (`relu,tanh`), parameters
(`normal:std=0.1`) or a model of the user's own (`net.py:Net`)."""
FIELDS: tuple[tuple[str, str], ...] = (
    ("dataset", "Data"), ("data_dir", "Data dir"), ("model", "Model"), ("norm", "Norm"),
    ("hidden", "Hidden"), ("activation", "Act"), ("bias_init", "Bias"),
    ("output_init", "Out init"), ("residual_init", "Res init"), ("optimizer", "Optim"),
    ("lr", "lr"), ("momentum", "Momentum"), ("batch_size", "Batch"), ("epochs", "Epochs"),
    ("seeds", "Seeds"), ("seed", "Seed"), ("device", "Device"),
)
"""(spec field, row label) in the order the form shows them."""
SUGGESTIONS: dict[str, list[str]] = {
    "dataset": [*DATASETS, "synthetic:train=512,side=8"],
    "model": [*MODELS, "path/file.py:ClassName"],
    "activation": list(ACTIVATIONS),
    "device": ["auto", "cpu", "cuda", "cuda:0", "mps"],
    "bias_init": ["zeros", "constant:value=0.01", "normal", "uniform", "pytorch-default"],
    "output_init": ["GlorotUniform", "xavier-uniform", "pytorch-default", "he-normal"],
    "residual_init": ["zeros", "normal:std=0.01", "xavier-normal", "he-normal"],
}
PLACEHOLDERS: dict[str, str] = {
    "data_dir": "mnist/cifar10 cache",
    "output_init": "each run's own",
    "residual_init": "each run's own",
}
"""What an empty field means."""


class SpecForm(Vertical):
    """Preset selector plus every trainable hyperparameter of an `ExperimentSpec`."""

    DEFAULT_CSS = """
    SpecForm {
        height: auto;
        & > Horizontal { height: 1; margin-bottom: 0; }
        & Label { width: 10; padding: 0 1; color: $text-muted; }
        & Input, & Select { width: 1fr; }
        & Input.-invalid { background: $error 30%; }
        & #preset-note { height: auto; padding: 0 1; color: $text-muted; }
        & #preset-note.-empty { display: none; }
        /* compact selects lose their border, and an open list then looks like fields
           that changed: give the open list a frame of its own */
        & Select > SelectOverlay { border: round $accent !important; }
    }
    """

    class Changed(Message):
        """A field's text changed (valid or not)."""

        def __init__(self, form: SpecForm) -> None:
            super().__init__()
            self.form = form

    class PresetChosen(Message):
        """The user picked a preset; its initializers are for the picker to apply."""

        def __init__(self, form: SpecForm, name: str) -> None:
            super().__init__()
            self.form = form
            self.name = name

    def __init__(self, spec: ExperimentSpec, preset: str | None = None, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._applied_preset = preset
        """The preset whose values the form holds (from the command line, or picked here)."""
        self._base = spec
        self._texts = spec.as_text()
        self._extra: dict[str, str] = {}
        self._model = spec.model
        """The latest built-in model typed: hidden sizes still at its default follow a new one."""
        self.errors: dict[str, str] = {}
        """Field name → reason, for every field whose text does not parse."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("Preset")
            yield Select([(name, name) for name in PRESETS], prompt="none", compact=True,
                         value=self._applied_preset or Select.NULL, id="field-preset")
        yield Static(id="preset-note", classes="-empty")
        for name, label in FIELDS:
            with Horizontal():
                yield Label(label)
                if name in CHOICES:
                    yield Select([(choice, choice) for choice in CHOICES[name]],
                                 value=self._texts[name], allow_blank=False, compact=True,
                                 id=f"field-{name}")
                else:
                    suggester = SuggestFromList(SUGGESTIONS[name], case_sensitive=False) \
                        if name in SUGGESTIONS else None
                    yield Input(self._texts[name], compact=True, suggester=suggester,
                                placeholder=PLACEHOLDERS.get(name, ""), id=f"field-{name}")

    @property
    def preset(self) -> str | None:
        """The preset chosen in the selector (its values may have been edited since)."""
        return self._applied_preset

    def texts(self) -> dict[str, str]:
        """Each field's current text."""
        values: dict[str, str] = {}
        for name, _ in FIELDS:
            widget = self.query_one(f"#field-{name}")
            values[name] = str(widget.value) if isinstance(widget, (Input, Select)) else ""
        return values

    def build(self, inits: tuple[str, ...]) -> ExperimentSpec:
        """The spec the form describes; raises SpecError for the first invalid field."""
        self.validate_all()
        if self.errors:
            name, reason = next(iter(self.errors.items()))
            raise SpecError(name, reason)
        if not inits:
            raise SpecError("inits", "choose at least one initializer")
        spec = self._base.with_text(**self._extra, **self.texts())
        return replace(spec, inits=inits)

    def validate_all(self) -> None:
        for name, text in self.texts().items():
            self._validate(name, text)
        self._show_errors()

    def fill(self, texts: dict[str, str]) -> None:
        """Set fields from text (a preset); fields the form lacks are kept for `build`."""
        for name, text in texts.items():
            if any(name == field for field, _ in FIELDS):
                widget = self.query_one(f"#field-{name}")
                if isinstance(widget, (Input, Select)):
                    widget.value = text
            elif name != "inits":
                self._extra[name] = text

    def first_invalid(self) -> Input | None:
        return next((self.query_one(f"#field-{name}", Input) for name in self.errors), None)

    def _validate(self, name: str, text: str) -> None:
        try:
            parse_field(name, text)
        except SpecError as error:
            self.errors[name] = str(error)
        else:
            self.errors.pop(name, None)
        widget = self.query_one(f"#field-{name}")
        widget.set_class(name in self.errors, "-invalid")
        widget.tooltip = self.errors.get(name)

    def _show_errors(self) -> None:
        """The setup panel shows `errors` under its scrolling body, always in view."""
        self.post_message(self.Changed(self))

    @on(Input.Changed)
    def _on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("field-"):
            event.stop()
            self._validate(event.input.id.removeprefix("field-"), event.value)
            if event.input.id == "field-model" and event.value.strip().lower() in MODELS:
                self._follow_model(event.value.strip().lower())
            self._show_errors()

    def _follow_model(self, model: str) -> None:
        """Hidden sizes left at the old model's default become the new model's (gpt 64x4)."""
        hidden = self.query_one("#field-hidden", Input)
        if hidden.value.strip() == format_field("hidden", default_hidden(self._model)):
            hidden.value = format_field("hidden", default_hidden(model))
        self._model = model

    @on(Select.Changed)
    def _on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "field-preset":
            name = None if event.value is Select.NULL else str(event.value)
            self._show_preset_note(name)
            if name == self._applied_preset:  # its values are in the form already
                return
            self._applied_preset = name
            if name is None:
                return
            self.fill(get_preset(name).overrides)
            self.post_message(self.PresetChosen(self, name))
        self.post_message(self.Changed(self))

    def on_mount(self) -> None:
        self._show_preset_note(self._applied_preset)

    def _show_preset_note(self, name: str | None) -> None:
        """The preset's source and what the user should see, under the selector."""
        note = self.query_one("#preset-note", Static)
        note.set_class(name is None, "-empty")
        if name is not None:
            preset = get_preset(name)
            note.update(Text.assemble(preset.source, "\n", ("expect: ", "bold"),
                                      preset.expectation,
                                      ("\nctrl+r trains the study: ", "bold")
                                      if preset.study else "",
                                      study_line(preset.study) if preset.study else ""))
