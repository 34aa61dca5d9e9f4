"""Per-layer signal statistics that explain why one initialization trains and another stalls.

These are the quantities of Glorot & Bengio (2010) and He et al. (2015): how the spread of
activations and of back-propagated gradients changes with depth, plus two symptoms a
curve alone hides: dead ReLU units and hidden units that are exact copies of each other
(symmetry that was never broken). All are computed on the stacked model at once.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from inittui.core.events import LayerStats
from inittui.core.models import BatchedNet
from inittui.core.models.activations import ACTIVATIONS

RELU_FAMILY = tuple(name for name, info in ACTIVATIONS.items() if info.family == "relu")
HISTOGRAM_BINS = 24
SAME_UNIT_TOLERANCE = 1e-6


def layer_statistics(model: BatchedNet, x: Tensor, y: Tensor) -> list[tuple[LayerStats, ...]]:
    """Statistics of every hidden layer of every run on one probe batch; index by run."""
    with torch.enable_grad():
        trace = model.trace(x)
        for hidden in trace.hidden:
            hidden.retain_grad()
        runs, batch, classes = trace.logits.shape
        losses = F.cross_entropy(trace.logits.reshape(-1, classes),
                                 y.expand(runs, -1).reshape(-1), reduction="none")
        params = [model.weight_parameter(layer) for layer in range(model.hidden_layers)]
        grads = torch.autograd.grad(losses.view(runs, batch).mean(dim=1).sum(),
                                    [*trace.hidden, *params])
    hidden_grads, weight_grads = grads[:len(trace.hidden)], grads[len(trace.hidden):]
    columns: dict[str, list[list[float]]] = {name: [] for name in (
        "act_mean", "act_std", "grad_std", "wgrad_std", "dead_frac", "distinct_units")}
    histograms = []
    with torch.no_grad():
        for layer, (hidden, grad, wgrad) in enumerate(zip(trace.hidden, hidden_grads,
                                                          weight_grads)):
            acts = model.units(layer, hidden.detach())
            flat = acts.flatten(1)
            columns["act_mean"].append(flat.mean(dim=1).tolist())
            columns["act_std"].append(std_per_run(flat, run_axes=1).tolist())
            columns["grad_std"].append(
                std_per_run(model.units(layer, grad).flatten(1), run_axes=1).tolist())
            columns["wgrad_std"].append(
                std_per_run(model.run_view(layer, wgrad), run_axes=2).tolist())
            columns["dead_frac"].append(dead_fraction(acts, model.activation).tolist())
            columns["distinct_units"].append(distinct_units(acts).tolist())
            histograms.append(histogram(flat))
    return [
        tuple(
            LayerStats(
                layer=layer + 1,
                act_mean=columns["act_mean"][layer][run],
                act_std=columns["act_std"][layer][run],
                grad_std=columns["grad_std"][layer][run],
                wgrad_std=columns["wgrad_std"][layer][run],
                dead_frac=columns["dead_frac"][layer][run],
                distinct_units=int(columns["distinct_units"][layer][run]),
                units=model.layers[layer].out_features,
                hist_range=histograms[layer][0][run],
                hist_counts=tuple(histograms[layer][1][run]),
            )
            for layer in range(len(trace.hidden))
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


def dead_fraction(acts: Tensor, activation: str) -> Tensor:
    """Share of units never positive on the batch (ReLU family only; NaN otherwise)."""
    if activation not in RELU_FAMILY:
        return torch.full((acts.shape[0],), float("nan"), device=acts.device)
    return (acts.amax(dim=1) <= 0).float().mean(dim=1)


def distinct_units(acts: Tensor) -> Tensor:
    """How many units differ across the batch: 1 means every unit is a copy of one.

    Each unit's response to the batch is projected on a fixed random direction; units
    whose projections agree to a relative tolerance are the same unit.
    """
    samples = acts.shape[1]
    direction = torch.randn(samples, generator=torch.Generator().manual_seed(0))
    projection = torch.einsum("rsu,s->ru", acts.double(), direction.to(acts.device).double())
    ordered = projection.sort(dim=1).values
    scale = ordered.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
    steps = (ordered.diff(dim=1).abs() > SAME_UNIT_TOLERANCE * scale).sum(dim=1)
    return steps + 1


def histogram(flat: Tensor) -> tuple[list[tuple[float, float]], list[list[int]]]:
    """Per-run histograms of activations, each over that run's own range."""
    finite = torch.nan_to_num(flat, nan=0.0, posinf=0.0, neginf=0.0)
    low, high = finite.aminmax(dim=1)
    high = torch.where(high > low, high, low + 1)
    ranges = list(zip(low.tolist(), high.tolist()))
    counts = [torch.histc(row, HISTOGRAM_BINS, lo, hi).long().tolist()
              for row, (lo, hi) in zip(finite, ranges)]
    return ranges, counts
