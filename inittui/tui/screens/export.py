"""Asks where to export the session's results, with a timestamped name ready to accept."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from inittui.tui.styles import stylesheet


def default_export_path(folder: Path, now: datetime | None = None) -> Path:
    """`inittui-results-YYYYmmdd-HHMMSS.csv` in folder."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return folder / f"inittui-results-{stamp}.csv"


class ExportScreen(ModalScreen[Path | None]):
    """Returns the chosen path (enter) or None (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="cancel-export"),
    ]

    DEFAULT_CSS = stylesheet("export.tcss")

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Export results"
            box.border_subtitle = "enter writes · escape cancels"
            yield Static("Every run of this session, one CSV row per run and epoch "
                         "(the app can load it again to compare).")
            yield Input(str(self.path), id="export-path")

    @on(Input.Submitted, "#export-path")
    def _on_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)
