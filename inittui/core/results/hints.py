"""Known causes behind results, said in one line each, next to the leaderboard.

Each hint names a classic pitfall that the numbers alone do not explain.
"""

from __future__ import annotations

from inittui.core.results.book import ResultsBook, RunRecord
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.theory.readings import hint as theory_hint

SATURATING = ("tanh", "sigmoid")
ZERO_AT_ZERO = ("relu", "leaky-relu", "tanh", "gelu", "selu", "linear")
"""Activations with f(0) = 0: a layer of zero weights and biases outputs exactly 0."""


def pitfalls(book: ResultsBook) -> list[str]:
    """Warnings for the runs of every sweep in the book, most specific first, no repeats."""
    hints: list[str] = []
    for sweep in book.sweeps:
        for record in sweep.runs.values():
            for hint in _run_hints(record, sweep.spec):
                if hint not in hints:
                    hints.append(hint)
    return hints


def _run_hints(record: RunRecord, spec: ExperimentSpec) -> list[str]:
    init, bias = record.plan.init, record.plan.bias_init
    activation = record.plan.setting("activation", spec)  # the run's own, in a grid too
    params, info = init.params, init.info  # a label this version does not know: no entry
    hints = []
    if record.status == "diverged":
        hints.append(f"{init}: diverged (loss became NaN or inf); lower the learning rate or "
                     "the init scale")
    if info.symmetric:
        if info.name == "zeros" and bias == "zeros" and activation in ZERO_AT_ZERO and (
                spec.output_init is None or spec.output_init == "zeros"):
            hints.append(f"{init}: hidden activations and gradients are exactly 0; only the "
                         "output bias learns (same output for every input)")
        elif bias.info.symmetric:
            hints.append(f"{init}: every hidden unit starts identical, so symmetry is not "
                         "broken by the initialization")
        else:
            hints.append(f"{init}: only the random biases break symmetry, and only partly")
    elif _symmetric(record):
        hints.append(f"{init}: hidden units stayed identical copies (symmetry not broken)")
    if info.rectifier and activation in SATURATING:
        hints.append(f"{init} is derived for ReLU; with {activation} its larger variance "
                     "saturates units (xavier or lecun suit it)")
    if info.name == "normal" and float(params["std"]) >= 1.0:
        hints.append(f"{init}: std ≥ 1 makes activations grow layer by layer and explode")
    theory = theory_hint(init, record.theory)
    if theory is not None:
        hints.append(theory)
    return hints


def _symmetric(record: RunRecord) -> bool:
    """True when the last measured epoch has a hidden layer of identical units."""
    if not record.layer_stats:
        return False
    layers = record.layer_stats[max(record.layer_stats)]
    return any(layer.distinct_units == 1 and layer.units - layer.dead_units > 1
               for layer in layers)

