"""One initializer's runs epoch by epoch, with the configuration of the sweep it belongs to."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.tui.groups import SeedGroup, format_number, hex_color
from inittui.tui.styles import stylesheet

COLUMNS: tuple[tuple[str, int], ...] = (
    ("seed", 4), ("epoch", 5), ("train loss", 10), ("train acc", 9), ("val loss", 8),
    ("val acc", 7), ("note", 19),
)


def describe(spec: ExperimentSpec, run: RunPlan, device: str) -> str:
    """The configuration of one of the group's runs on one line: the sweep's settings and
    the run's own lr, hidden, ... (its grid cell's)."""
    hidden = ",".join(map(str, run.setting("hidden", spec)))
    output = f" · output layer {spec.output_init}" if spec.output_init else ""
    return (f"{spec.dataset} · {spec.model} {hidden} {run.setting('activation', spec)}"
            f"{output} · {spec.optimizer} lr {run.setting('lr', spec):g} · batch "
            f"{run.setting('batch_size', spec)}" + (f" · {device}" if device else ""))


class RunDetailScreen(ModalScreen[None]):
    """Per-epoch metrics of every seed of a group; escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="close-detail"),
    ]

    DEFAULT_CSS = stylesheet("run_detail.tcss")

    def __init__(self, group: SeedGroup, spec: ExperimentSpec, device: str) -> None:
        super().__init__()
        self.group = group
        self.spec = spec
        self.device = device

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = escape(f"{self.group.label} · sweep {self.group.sweep}")
            box.border_subtitle = "escape goes back"
            yield Static(Text(describe(self.spec, self.group.records[0].plan, self.device)),
                         id="detail-config")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="detail-table")
        yield Footer(compact=True, show_command_palette=False)  # its own keys, not the app's

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        color = hex_color(self.group.color)
        for record in self.group.records:
            for epoch in record.epochs:
                stats = record.layer_stats.get(epoch.epoch, ())
                table.add_row(
                    Text(str(record.plan.seed), style=color), str(epoch.epoch),
                    format_number(epoch.train_loss), format_number(epoch.train_acc),
                    format_number(epoch.val_loss), format_number(epoch.val_acc),
                    ("act std " + " ".join(f"{s.act_std:.2g}" for s in stats)) if stats else "",
                )
            end = {"ok": "done", "running": "running"}.get(record.status, record.status)
            if record.test_acc is not None:
                end += f" · test {record.test_acc:.3f}"
            table.add_row(Text(str(record.plan.seed), style=color), "end", "", "", "", "",
                          Text(end, style="bold"))
        table.focus()
