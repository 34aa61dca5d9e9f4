"""The plain MLP written out: one `BatchedNet` whose passes are explicit batched products.

The general path (`stacked.py`) vmaps copies of `models.mlp.MLP`; this one stores the same
parameters in the layout its products want and writes the backward pass out (see
`loss_and_gradients`), which makes the default sweep faster (benchmarks/README.md). All
runs of one seed see the same minibatch, so the first layer for those runs is one matrix
product, and every later layer is a batched product over runs. Its plain names, probes and
draws are `MLP`'s: a test holds both paths to the same numbers in float64.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from inittui.core.models.activations import ACTIVATION_BACKWARDS
from inittui.core.models.batched_net import BatchedNet, Capture, LayerCapture, LayerShape
from inittui.core.models.mlp import MLP

EVAL_CHUNK = 2048
"""Samples per evaluation forward: the MLP keeps no more than each layer's output."""

_NAME = re.compile(r"layers\.(\d+)\.(weight|bias)")


@dataclass
class Trace:
    """A forward pass that kept every layer's tensors."""

    logits: Tensor
    pre: list[Tensor]  # pre-activations, one per layer, (runs, batch, width)
    post: list[Tensor]  # post-activations of the hidden layers, as used downstream


class BatchedMLP(BatchedNet):
    """A multilayer perceptron; flattening is built in, so any image shape fits."""

    def __init__(self, in_features: int, hidden: tuple[int, ...], classes: int,
                 activation: str, seeds: int, inits: int):
        sizes = [in_features, *hidden, classes]
        layers = [LayerShape("dense", a, b) for a, b in pairwise(sizes)]
        super().__init__(layers, activation, seeds, inits)
        first = layers[0].out_features
        # First layer stored as (seeds, in, inits * out) so one seed's runs are one product.
        self.first_weight = nn.Parameter(torch.zeros(seeds, in_features, inits * first))
        self.first_bias = nn.Parameter(torch.zeros(seeds, 1, inits * first))
        self.weights = nn.ParameterList(
            nn.Parameter(torch.zeros(self.runs, layer.in_features, layer.out_features))
            for layer in layers[1:]
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.zeros(self.runs, 1, layer.out_features)) for layer in layers[1:]
        )
        self.make = partial(MLP, (in_features,), classes, hidden, activation)
        with torch.device("meta"):  # structure only: functional_call supplies the tensors
            skeleton = self.make()
        object.__setattr__(self, "_skeleton", skeleton)
        self.probes = skeleton.probes()
        last = len(layers) - 1
        self.names = ["layers.0.weight", "layers.0.bias",
                      *(f"layers.{i}.weight" for i in range(1, last + 1)),
                      *(f"layers.{i}.bias" for i in range(1, last + 1))]  # parameters() order
        self.eval_chunk = EVAL_CHUNK

    @property
    def skeleton(self) -> nn.Module:
        return self._skeleton  # type: ignore[no-any-return]

    @property
    def is_dense_chain(self) -> bool:
        return True

    def forward(self, x: Tensor) -> Tensor:
        return self.trace(x, keep=False).logits

    def _first_layer_units(self, tensor: Tensor) -> Tensor:
        seeds, batch, _ = tensor.shape
        width = self.layers[0].out_features
        return (tensor.view(seeds, batch, self.inits, width).transpose(1, 2)
                .reshape(self.runs, batch, width))

    def trace(self, x: Tensor, keep: bool = True) -> Trace:
        flat = x.reshape(x.shape[0], x.shape[1], -1).expand(self.seeds, -1, -1)
        first_pre = torch.baddbmm(self.first_bias, flat, self.first_weight)
        activation = self._first_layer_units(self.act(first_pre))
        pre = [self._first_layer_units(first_pre)] if keep else []
        hidden = [activation] if keep else []
        output = first_pre
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases), start=1):
            output = torch.baddbmm(bias, activation, weight)
            if index < len(self.layers) - 1:
                activation = self.act(output)
                if keep:
                    hidden.append(activation)
            if keep:
                pre.append(output)
        return Trace(logits=output, pre=pre, post=hidden)

    def parameter(self, name: str) -> nn.Parameter:
        layer, kind = _layer_of(name)
        if layer == 0:
            return self.first_weight if kind == "weight" else self.first_bias
        return (self.weights if kind == "weight" else self.biases)[layer - 1]

    def run_tensor(self, name: str, run: int) -> Tensor:
        layer, kind = _layer_of(name)
        if layer == 0:
            seed, init = divmod(run, self.inits)
            width = self.layers[0].out_features
            columns = slice(init * width, (init + 1) * width)
            if kind == "weight":
                return self.first_weight[seed, :, columns].T
            return self.first_bias[seed, 0, columns]
        if kind == "weight":
            return self.weights[layer - 1][run].T
        return self.biases[layer - 1][run, 0]

    def capture(self, x: Tensor, y: Tensor | None = None) -> Capture:
        """The whole batch of runs in one trace; ∂L/∂s from ∂L/∂h through the activation's
        own backward, as `loss_and_gradients` takes it."""
        with torch.enable_grad() if y is not None else torch.no_grad():
            trace = self.trace(x)
            if y is not None:
                for hidden in trace.post:
                    hidden.retain_grad()
                runs, batch, classes = trace.logits.shape
                losses = F.cross_entropy(trace.logits.reshape(-1, classes),
                                         y.expand(runs, -1).reshape(-1), reduction="none")
                weights = [self.weight_parameter(layer) for layer in range(self.hidden_layers)]
                found = torch.autograd.grad(losses.view(runs, batch).mean(dim=1).sum(),
                                            [*trace.post, *weights])
        layers = []
        backward = ACTIVATION_BACKWARDS[self.activation]
        with torch.no_grad():
            for layer, (pre, post) in enumerate(zip(trace.pre, trace.post)):
                pre, post = pre.detach(), post.detach()
                grad = pre_grad = weight_grad = None
                if y is not None:
                    grad = found[layer]
                    pre_grad = backward(grad, pre, post)
                    weight_grad = self.run_view(layer, found[len(trace.post) + layer])
                layers.append(LayerCapture(self.activation, post, pre, grad, pre_grad,
                                           weight_grad, weight_run_axes=2))
        return Capture(layers, trace.logits.detach())

    def _spread(self, name: str, parameter: Tensor, values: Tensor) -> Tensor:
        if name in ("first_weight", "first_bias"):  # (seeds, ., runs_per_seed * width)
            width = self.layers[0].out_features
            return (values.view(self.seeds, self.inits).repeat_interleave(width, dim=1)
                    .view(self.seeds, 1, -1))
        return super()._spread(name, parameter, values)

    def run_view(self, layer: int, stacked: Tensor) -> Tensor:
        if layer > 0:
            return super().run_view(layer, stacked)
        seeds, inputs, _ = stacked.shape
        return stacked.view(seeds, inputs, self.inits, -1).transpose(1, 2)

    @torch.no_grad()
    def loss_and_gradients(self, x: Tensor, labels: Tensor,
                           active: Tensor) -> tuple[Tensor, Tensor]:
        """The same as autograd's, written out: the products autograd runs, and no graph.

        Each weight gradient is written in place into the `.grad` buffer it had last step.
        Through autograd, every step allocates fresh gradient and graph buffers, and on
        the CPU the allocator keeps handing that memory back to the system and faulting it
        in again (300-450 page faults a step for 16 runs); this path also skips the
        graph's bookkeeping and takes the loss gradient in closed form. A step is about
        15% faster for it on a 2-core CPU (benchmarks/README.md).
        """
        seeds, batch = x.shape[0], x.shape[1]
        weights = [self.first_weight, *self.weights]
        biases = [self.first_bias, *self.biases]
        last = len(weights) - 1
        inputs = [x.reshape(seeds, batch, -1).expand(self.seeds, -1, -1)]  # each layer's
        pres: list[Tensor] = []
        outs: list[Tensor] = []
        for layer in range(last):
            pres.append(torch.baddbmm(biases[layer], inputs[layer], weights[layer]))
            outs.append(self.act(pres[layer]))
            inputs.append(self._first_layer_units(outs[0]) if layer == 0 else outs[layer])
        # The output layer runs transposed, logits as (runs, classes, batch): products
        # with the few classes as rows are several times faster than with them as columns.
        logits = torch.baddbmm(biases[last].transpose(1, 2), weights[last].transpose(1, 2),
                               inputs[last].transpose(1, 2))
        run_labels = labels.unsqueeze(1).expand(-1, self.inits, -1).reshape(self.runs, 1, batch)
        log_probs = torch.log_softmax(logits, dim=1)
        loss = log_probs.gather(1, run_labels).squeeze(1).mean(dim=1).neg()
        # max(...).indices is argmax (the first maximum wins), and many times faster here
        correct = (logits.max(dim=1).indices == run_labels.squeeze(1)).sum(dim=1)

        # d(mean cross-entropy)/d(logits) = (softmax - one-hot) / batch; zero where inactive.
        grad = log_probs.exp_()
        grad.scatter_(1, run_labels, grad.gather(1, run_labels) - 1)
        grad.mul_(active.to(grad.dtype).div_(batch).view(-1, 1, 1))
        _grad_buffer(weights[last]).copy_(torch.bmm(grad, inputs[last]).transpose(1, 2))
        torch.sum(grad, dim=2, out=_grad_buffer(biases[last]).view(self.runs, -1))
        grad = torch.bmm(grad.transpose(1, 2), weights[last].transpose(1, 2))
        for layer in reversed(range(last)):
            if layer == 0:  # back from one product per run to one per seed
                grad = (grad.view(self.seeds, self.inits, batch, -1).transpose(1, 2)
                        .reshape(self.seeds, batch, -1))
            grad = ACTIVATION_BACKWARDS[self.activation](grad, pres[layer], outs[layer])
            torch.bmm(inputs[layer].transpose(1, 2), grad, out=_grad_buffer(weights[layer]))
            torch.sum(grad, dim=1, keepdim=True, out=_grad_buffer(biases[layer]))
            if layer > 0:
                grad = torch.bmm(grad, weights[layer].transpose(1, 2))
        return loss, correct


def _layer_of(name: str) -> tuple[int, str]:
    """(layer index, "weight" or "bias") of a plain MLP parameter name."""
    found = _NAME.fullmatch(name)
    if found is None:
        raise KeyError(name)
    return int(found.group(1)), found.group(2)


def _grad_buffer(parameter: nn.Parameter) -> Tensor:
    """The parameter's `.grad`, created on first use, to be overwritten in place."""
    if parameter.grad is None:
        parameter.grad = torch.empty_like(parameter)
    return parameter.grad
