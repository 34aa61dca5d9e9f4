"""Known causes behind results, said in one line each, next to the leaderboard.

Each hint names a classic pitfall that the numbers alone do not explain.
"""

from __future__ import annotations

from inittui.core.errors import SpecError
from inittui.core.results import ResultsBook, RunRecord

SATURATING = ("tanh", "sigmoid")


def pitfalls(book: ResultsBook) -> list[str]:
    """Warnings for the runs of every sweep in the book, most specific first, no repeats."""
    hints: list[str] = []
    for sweep in book.sweeps:
        activation = sweep.spec.activation
        for record in sweep.runs.values():
            for hint in _run_hints(record, activation):
                if hint not in hints:
                    hints.append(hint)
    return hints


def _run_hints(record: RunRecord, activation: str) -> list[str]:
    init, bias = record.info.init, record.info.bias_init
    try:
        params = record.info.choice.params
        name = record.info.choice.info.name
    except SpecError:  # a label from a results file this version does not know
        params, name = {}, ""
    hints = []
    if record.status == "diverged":
        hints.append(f"{init}: diverged (loss became NaN or inf); lower --lr or the init scale")
    if name in ("zeros", "constant"):
        if bias == "zeros" or bias.startswith("constant"):
            hints.append(f"{init}: every hidden unit starts identical, so symmetry is never "
                         "broken and the net acts like one unit per layer")
        else:
            hints.append(f"{init}: only the random biases break symmetry, and only partly")
    elif _symmetric(record):
        hints.append(f"{init}: hidden units stayed identical copies (symmetry not broken)")
    if name in ("he-normal", "he-uniform") and activation in SATURATING:
        hints.append(f"{init} is derived for ReLU; with {activation} its larger variance "
                     "saturates units (xavier or lecun suit it)")
    if name == "normal" and float(params["std"]) >= 1.0:
        hints.append(f"{init}: std ≥ 1 makes activations grow layer by layer and explode")
    return hints


def _symmetric(record: RunRecord) -> bool:
    """True when the last measured epoch has a hidden layer of identical units."""
    if not record.layer_stats:
        return False
    layers = record.layer_stats[max(record.layer_stats)]
    return any(layer.distinct_units == 1 and layer.units > 1 for layer in layers)

