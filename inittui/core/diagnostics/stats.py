"""Per-layer signal statistics that explain why one initialization trains and another stalls.

These are the quantities of Glorot & Bengio (2010) and He et al. (2015): how the spread of
activations and of back-propagated gradients changes with depth, plus two symptoms a
curve alone hides: dead ReLU units and hidden units that are exact copies of each other
(symmetry that was never broken). They are computed from the model's `capture` of its
probed layers, the same way for every architecture.

Gradients are of the batch-mean cross-entropy on the probe. `grad_std` is the std of
∂L/∂h, h a layer's output *after* its activation; `pre_grad_std` is the std of ∂L/∂s, s
the layer's pre-activation, the quantity of Glorot & Bengio's Fig. 7 (∂Cost/∂s).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from inittui.core.events import LayerStats
from inittui.core.models import BatchedNet
from inittui.core.models.activations import ACTIVATIONS

RELU_FAMILY = tuple(name for name, info in ACTIVATIONS.items() if info.family == "relu")
HISTOGRAM_BINS = 24
SAME_UNIT_TOLERANCE = 1e-6
"""Two live units are one when, at every probe sample, their responses differ by at most
this fraction of the layer's largest |activation| in that run."""


def layer_statistics(model: BatchedNet, x: Tensor, y: Tensor) -> list[tuple[LayerStats, ...]]:
    """Statistics of every probed layer of every run on one probe batch; index by run."""
    capture = model.capture(x, y)
    columns: dict[str, list[list[float]]] = {name: [] for name in (
        "act_mean", "act_std", "grad_std", "pre_grad_std", "wgrad_std", "dead_frac",
        "dead_units", "distinct_units", "pre_act_std")}
    histograms = []
    with torch.no_grad():
        for layer in capture.layers:
            assert layer.grad is not None and layer.pre_grad is not None \
                and layer.weight_grad is not None  # taken with labels
            flat = layer.output.flatten(1)
            activation = layer.activation or "linear"
            columns["act_mean"].append(flat.mean(dim=1).tolist())
            columns["act_std"].append(std_per_run(flat, run_axes=1).tolist())
            columns["grad_std"].append(std_per_run(layer.grad.flatten(1), run_axes=1).tolist())
            columns["pre_grad_std"].append(
                std_per_run(layer.pre_grad.flatten(1), run_axes=1).tolist())
            columns["pre_act_std"].append(std_per_run(layer.pre.flatten(1), run_axes=1).tolist())
            columns["wgrad_std"].append(
                std_per_run(layer.weight_grad, run_axes=layer.weight_run_axes).tolist())
            dead = dead_units(layer.output, activation)
            columns["dead_frac"].append(dead_fraction(layer.output, activation).tolist())
            columns["dead_units"].append(dead.sum(dim=1).tolist())
            columns["distinct_units"].append(distinct_units(layer.output, dead).tolist())
            histograms.append(histogram(flat))
    return [
        tuple(
            LayerStats(
                layer=index + 1,
                act_mean=columns["act_mean"][index][run],
                act_std=columns["act_std"][index][run],
                grad_std=columns["grad_std"][index][run],
                wgrad_std=columns["wgrad_std"][index][run],
                dead_frac=columns["dead_frac"][index][run],
                distinct_units=int(columns["distinct_units"][index][run]),
                units=layer.output.shape[2],
                hist_range=histograms[index][0][run],
                hist_counts=tuple(histograms[index][1][run]),
                dead_units=int(columns["dead_units"][index][run]),
                pre_grad_std=columns["pre_grad_std"][index][run],
                pre_act_std=columns["pre_act_std"][index][run],
            )
            for index, layer in enumerate(capture.layers)
        )
        for run in range(model.runs)
    ]


def std_per_run(values: Tensor, run_axes: int) -> Tensor:
    """Sample standard deviation of each run's values, in two passes (mean, then deviations).

    The first `run_axes` axes index runs (seed-major); all further axes are reduced. Not
    `torch.std`: over a few very long rows, a first layer's weight gradient for each run,
    it takes a slow path on the CPU, several times slower than these two passes.
    """
    axes = tuple(range(run_axes, values.dim()))
    count = math.prod(values.shape[run_axes:])
    deviations = values - values.mean(dim=axes, keepdim=True)
    return (deviations.square_().sum(dim=axes) / (count - 1)).sqrt_().reshape(-1)


def dead_units(acts: Tensor, activation: str) -> Tensor:
    """(runs, units) mask of units never positive on the batch (ReLU family; none otherwise)."""
    if activation not in RELU_FAMILY:
        return torch.zeros(acts.shape[0], acts.shape[2], dtype=torch.bool, device=acts.device)
    return acts.amax(dim=1) <= 0


def dead_fraction(acts: Tensor, activation: str) -> Tensor:
    """Share of units never positive on the batch (ReLU family only; NaN otherwise)."""
    if activation not in RELU_FAMILY:
        return torch.full((acts.shape[0],), float("nan"), device=acts.device)
    return dead_units(acts, activation).float().mean(dim=1)


def distinct_units(acts: Tensor, dead: Tensor) -> Tensor:
    """How many live units respond differently to the batch; 1: every one is a copy of one.

    acts is (runs, samples, units); dead (runs, units) marks units left out (counted apart
    as `dead_units`), so a layer of dead units has 0 distinct units. Exact: two units are
    one when their responses differ by at most SAME_UNIT_TOLERANCE times the layer's
    largest |activation| at every sample. Whole rows are compared only where they could
    match: rows that close have projections on a direction d within tolerance·|d|₁, so
    after sorting by projection they share a block of small consecutive gaps; most blocks
    hold a single unit, which is then distinct without any comparison.
    """
    rows = torch.nan_to_num(acts.detach().transpose(1, 2).double(), nan=0.0, posinf=0.0,
                            neginf=0.0).contiguous()
    runs, _, samples = rows.shape
    direction = torch.randn(samples, generator=torch.Generator().manual_seed(0),
                            dtype=torch.float64).to(rows.device)
    tolerance = SAME_UNIT_TOLERANCE * rows.abs().flatten(1).amax(dim=1).clamp_min(1e-30)
    projection = (rows @ direction).masked_fill(dead, math.inf)  # dead units sort last
    ordered, order = projection.sort(dim=1)
    live = ~dead.gather(1, order)
    close = ordered.diff(dim=1) <= (tolerance * direction.abs().sum()).unsqueeze(1)
    edge = torch.zeros(runs, 1, dtype=torch.bool, device=rows.device)
    alone = live & ~torch.cat([edge, close], dim=1) & ~torch.cat([close, edge], dim=1)
    counts = alone.sum(dim=1).tolist()
    blocks = torch.cat([torch.zeros_like(edge, dtype=torch.long), (~close).long().cumsum(1)],
                       dim=1)
    pending = (live & ~alone).any(dim=1).tolist()
    for run in (run for run in range(runs) if pending[run]):
        grouped = live[run] & ~alone[run]
        for block in blocks[run][grouped].unique().tolist():
            members = rows[run][order[run][grouped & (blocks[run] == block)]]
            while len(members):  # each pass takes one unit and every copy of it
                same = (members - members[0]).abs().amax(dim=1) <= tolerance[run]
                members = members[~same]
                counts[run] += 1
    return torch.tensor(counts)


def histogram(flat: Tensor) -> tuple[list[tuple[float, float]], list[list[int]]]:
    """Per-run histograms of activations, each over that run's own range."""
    finite = torch.nan_to_num(flat, nan=0.0, posinf=0.0, neginf=0.0)
    low, high = finite.aminmax(dim=1)
    high = torch.where(high > low, high, low + 1)
    ranges = list(zip(low.tolist(), high.tolist()))
    counts = [torch.histc(row, HISTOGRAM_BINS, lo, hi).long().tolist()
              for row, (lo, hi) in zip(finite, ranges)]
    return ranges, counts
