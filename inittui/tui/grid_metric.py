"""The one metric the grid views show: `m` in the sensitivity view is seen in the heatmap.

The choice lives here, outside both views, on the main screen; the app hands it to each
view before the view draws, so switching between them never changes what is compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from inittui.core.results.axes import AXIS_METRICS

DEFAULT_METRIC = "best_val_acc"


@dataclass
class GridMetric:
    """Which of AXIS_METRICS the sensitivity view and the heatmap show."""

    name: str = DEFAULT_METRIC

    @classmethod
    def starting(cls, preset_metric: str | None) -> GridMetric:
        """The metric a preset's claim is about (saxe2013: steps to a loss), else best val."""
        return cls(preset_metric if preset_metric in AXIS_METRICS else DEFAULT_METRIC)

    def cycle(self) -> str:
        """Step to the next metric (m) and return it."""
        names = list(AXIS_METRICS)
        self.name = names[(names.index(self.name) + 1) % len(names)]
        return self.name
