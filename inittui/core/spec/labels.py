"""How values are spelled in cell labels, tables and plans: one spelling for every front end.

Torch-free and below everything that labels a run (the plan, the results, the figures), so
that reading a results file never imports training.
"""

from __future__ import annotations

from typing import Any

from inittui.core.spec.architecture import format_architecture

LABEL_NAMES = {"batch_size": "batch"}
"""A field's name in a cell label, where it is not the field's own."""


def format_number(value: float, scientific: bool = False) -> str:
    """The shortest text that reads back as value: 0.001 as `1e-3`, 0.05 as `0.05`."""
    candidates = [] if scientific else [f"{value:g}"]
    for digits in range(7):
        mantissa, _, exponent = f"{value:.{digits}e}".partition("e")
        text = f"{mantissa}e{int(exponent)}"
        if float(text) == value:
            candidates.append(text)
            break
    return min((c for c in candidates if float(c) == value), key=len, default=f"{value:g}")


def format_value(name: str, value: Any) -> str:
    """An axis value as a cell label shows it (learning rates always as powers of ten)."""
    if name == "hidden":
        return format_architecture(value)
    if name == "lr":
        return format_number(value, scientific=True)
    if isinstance(value, float):
        return format_number(value)
    return str(value)
