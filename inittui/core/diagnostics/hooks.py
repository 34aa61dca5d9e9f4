"""Per-layer statistics for any model, from forward hooks on each run's own forward pass.

The general path's models are plain modules, so the signal a layer passes on is what a
forward hook sees at the module a model names as a probe (`models.structure.Probe`): a
hidden layer's activations, a residual block's output. Each run is computed alone, with
copies of its running statistics, so BatchNorm's buffers are left as training left them.
The statistics themselves are `diagnostics`' functions, so every architecture's numbers
mean what the MLP's mean.
"""

from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import functional_call

from inittui.core.diagnostics.stats import (
    dead_fraction,
    dead_units,
    distinct_units,
    histogram,
    layer_statistics,
    std_per_run,
)
from inittui.core.events import LayerStats
from inittui.core.models import Activation, BatchedNet
from inittui.core.models.stacked import StackedModel


def statistics(model: BatchedNet, x: Tensor, y: Tensor) -> list[tuple[LayerStats, ...]]:
    """Every probed layer of every run on one probe batch; index by run."""
    if isinstance(model, StackedModel):
        return hook_statistics(model, x, y)
    return layer_statistics(model, x, y)


def _keep(into: list[tuple[Tensor, Tensor]], module: object, args: tuple[Tensor, ...],
          output: Tensor) -> None:
    into.append((args[0], output))


def units(output: Tensor) -> Tensor:
    """A layer output as (samples, units): a conv's unit is a channel at one position, a
    sequence model's a feature at one token."""
    if output.dim() == 4:
        return output.permute(0, 2, 3, 1).reshape(-1, output.shape[1])
    return output.reshape(-1, output.shape[-1])


def hook_statistics(model: StackedModel, x: Tensor, y: Tensor) -> list[tuple[LayerStats, ...]]:
    skeleton = model.skeleton
    probes = model.probes
    if not probes:  # one nn.Linear: no hidden layer to probe, nothing to report
        return [() for _ in range(model.runs)]
    acts: list[list[Tensor]] = [[] for _ in probes]
    grads: list[list[Tensor]] = [[] for _ in probes]
    pre_grads: list[list[Tensor]] = [[] for _ in probes]
    pre_acts: list[list[Tensor]] = [[] for _ in probes]
    # An activation's input is the pre-activation s: its gradient is the pre_grad_std.
    after_activation = [isinstance(skeleton.get_submodule(p.module), Activation)
                        for p in probes]
    wgrads: list[list[Tensor]] = [[] for _ in probes]
    skeleton.train(True)
    for run in range(model.runs):
        state = {name: p[run].detach().requires_grad_() for name, p in
                 zip(model.names, model.stacked)}
        state.update({name: b[run].clone() for name, b in
                      zip(model.buffer_names, model.stacked_buffers())})
        captured: list[tuple[Tensor, Tensor]] = []
        handles = [skeleton.get_submodule(probe.module).register_forward_hook(
            partial(_keep, captured)) for probe in probes]
        try:
            with torch.enable_grad():
                logits = functional_call(skeleton, state, (x[0],))
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
                weights = [state[probe.weight] for probe in probes]
                outputs = [output for _, output in captured]
                pres = [pre for (pre, _), flag in zip(captured, after_activation) if flag]
                found = torch.autograd.grad(loss, [*outputs, *weights, *pres],
                                            allow_unused=True)
        finally:
            for handle in handles:
                handle.remove()
        pre_found = iter(found[2 * len(probes):])
        for layer, (output, grad, wgrad) in enumerate(zip(
                outputs, found[:len(probes)], found[len(probes):2 * len(probes)])):
            pre_grad = next(pre_found) if after_activation[layer] else None
            pre_acts[layer].append(units(captured[layer][0].detach()) if after_activation[layer]
                                   else torch.full_like(units(output), float("nan")))
            pre_grads[layer].append(units(pre_grad) if pre_grad is not None
                                    else torch.full_like(units(output), float("nan")))
            acts[layer].append(units(output.detach()))
            grads[layer].append(units(grad) if grad is not None
                                else torch.zeros_like(units(output)))
            wgrads[layer].append(wgrad if wgrad is not None
                                 else torch.zeros_like(weights[layer]))
    per_layer = []
    with torch.no_grad():
        for layer, probe in enumerate(probes):
            stacked = torch.stack(acts[layer])
            flat = stacked.flatten(1)
            dead_mask = dead_units(stacked, probe.activation or "linear")
            per_layer.append((
                flat.mean(dim=1).tolist(), std_per_run(flat, run_axes=1).tolist(),
                std_per_run(torch.stack(grads[layer]).flatten(1), run_axes=1).tolist(),
                std_per_run(torch.stack(pre_grads[layer]).flatten(1), run_axes=1).tolist(),
                std_per_run(torch.stack(wgrads[layer]), run_axes=1).tolist(),
                dead_fraction(stacked, probe.activation or "linear").tolist(),
                distinct_units(stacked, dead_mask).tolist(), histogram(flat), stacked.shape[2],
                dead_mask.sum(dim=1).tolist(),
                std_per_run(torch.stack(pre_acts[layer]).flatten(1), run_axes=1).tolist()))
    return [
        tuple(
            LayerStats(
                layer=layer + 1, act_mean=mean[run], act_std=std[run], grad_std=gstd[run],
                pre_grad_std=pgstd[run], wgrad_std=wstd[run], dead_frac=dead[run],
                distinct_units=int(distinct[run]),
                units=width, hist_range=hist[0][run], hist_counts=tuple(hist[1][run]),
                dead_units=int(dead_count[run]), pre_act_std=pre_std[run],
            )
            for layer, (mean, std, gstd, pgstd, wstd, dead, distinct, hist, width, dead_count,
                        pre_std) in enumerate(per_layer)
        )
        for run in range(model.runs)
    ]
