"""Mean field's prediction beside the measurement: which statistic has one, and the note.

The engine fills each run's epoch-0 LayerStats with predictions (`core/predicted_layers`):
the std of h = φ(s) (`mf_act_std`, act_std's prediction) and of ∂L/∂s (`mf_pre_grad_std`).
Nothing predicts ∂L/∂h, so a plot of grad_std gets no prediction line, and the note says so
rather than put a line of another quantity under it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.text import Text

from inittui.core.events import LayerStats
from inittui.core.results.book import RunRecord
from inittui.core.theory.predict import NoTheory, RunTheory

PREDICTION_OF: dict[str, str] = {"act_std": "mf_act_std", "pre_act_std": "mf_pre_act_std",
                                 "pre_grad_std": "mf_pre_grad_std"}
"""A measured LayerStats field → the field holding its mean-field prediction."""
ACT_SPREAD: dict[str, tuple[float, float]] = {"tanh": (0.15, 1.6), "relu": (1.1, 4.5)}
"""How far a measured act std lies from mf_act_std, times √width: (median, worst layer), on
10 layers, 3 seeds, a probe of 256 inputs. tanh (σ_w² 0.5 to 2.5, σ_b² 0.05): median 1.8,
1.3, 1.1, 0.4 % and worst 20, 16, 9, 5 % at widths 64, 128, 256, 1024. relu (he-normal,
xavier-normal, σ_w² = 3; zero biases): median 13, 7 % and worst 50, 30 % at widths 64, 256
(a ReLU net's finite-width drift compounds with depth)."""


def predicted(stat: str) -> str | None:
    """The field predicting a plotted statistic, or None where theory predicts none."""
    return PREDICTION_OF.get(stat)


def prediction_points(layers: tuple[LayerStats, ...], stat: str) -> list[tuple[int, float]]:
    """(layer, predicted value) for every layer whose prediction is positive and finite."""
    field = predicted(stat)
    if field is None:
        return []
    points = [(s.layer, getattr(s, field)) for s in layers]
    return [(x, y) for x, y in points if math.isfinite(y) and y > 0]


def expected_spread(activation: str, width: int) -> tuple[float, float] | None:
    """The fractions by which a measured act std misses its prediction at a width, typically
    and at worst (both shrink as 1/√width); None for an activation not measured."""
    if activation not in ACT_SPREAD:
        return None
    root = math.sqrt(max(width, 1))
    typical, worst = ACT_SPREAD[activation]
    return typical / root, worst / root


def spread_text(activations: Iterable[str], width: int) -> str:
    """`at width 64, tanh's act std lies within ~1.9% of it (worst layer ~20%)`, per
    activation (measured at 10 layers; ~1/√width)."""
    parts = []
    for activation in dict.fromkeys(activations):
        spread = expected_spread(activation, width)
        parts.append(f"{activation}: not measured" if spread is None else
                     f"{activation}'s act std lies within ~{spread[0]:.1%} of it (worst layer "
                     f"~{spread[1]:.0%})")
    return f"at width {width}, {'; '.join(parts)}, measured at 10 layers, ~1/√width" \
        if parts and width else ""


def activations_of(records: Iterable[RunRecord]) -> list[str]:
    """The activations of the runs that have a prediction."""
    return [r.theory.activation for r in records if isinstance(r.theory, RunTheory)]


def without_theory(named: Iterable[tuple[str, Iterable[RunRecord]]]) -> list[tuple[str, str]]:
    """(label, reason) for every labelled set of runs that got no prediction."""
    found = []
    for label, records in named:
        reason = next((r.theory.reason for r in records if isinstance(r.theory, NoTheory)),
                      None)
        if reason is not None:
            found.append((label, reason))
    return found


def prediction_note(missing: list[tuple[str, str]], widths: list[int], drawn: bool,
                    activations: list[str], marker: str = "•") -> Text:
    """One line on what the faint dots are and how close to expect them (where some are
    drawn), then one per run without a prediction, with its reason."""
    text = Text()
    if drawn:
        spread = spread_text(activations, min(widths) if widths else 0)
        text.append(f"faint {marker} dots: mean-field prediction at initialization"
                    f"{'; ' + spread if spread else ''}; ∂L/∂h has none (theory predicts "
                    "∂L/∂s: --stats-out)", style="dim")
    for label, reason in missing:
        text.append("\n" if text.plain else "")
        text.append(f"no prediction for {label}: {reason}", style="dim")
    return text
