"""Many copies of one network as a single module: parameters stacked on a leading run axis.

Runs are ordered seed-major (run = seed_index * inits + init_index). All runs of one seed
see the same minibatch, so an MLP's first layer for those runs is one matrix product, and
every later layer is a batched product over runs. Each run's weights stay independent:
nothing mixes values across the run axis, so summing per-run losses gives every run the
gradient it would get alone.

Training goes through `loss_and_gradients`; the MLP writes its backward pass out (see
there), every other model uses autograd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from inittui.core.models.activations import ACTIVATION_BACKWARDS, ACTIVATION_FUNCTIONS


def per_run_loss_and_correct(logits: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Mean cross-entropy and correct predictions per sample, each of shape (runs,).

    logits are (runs, batch, classes) and labels (runs, batch); a sequence model's are
    (runs, batch, tokens, classes) and (runs, batch, tokens): its loss is the mean over
    every token and a sample counts as the fraction of its tokens predicted right, so
    dividing by the number of samples gives next-token accuracy.
    """
    runs, classes = logits.shape[0], logits.shape[-1]
    losses = F.cross_entropy(logits.reshape(-1, classes), labels.reshape(-1), reduction="none")
    hits = logits.argmax(dim=-1) == labels
    if hits.dim() == 2:
        return losses.view(runs, -1).mean(dim=1), hits.sum(dim=1)
    tokens = hits.shape[2]
    return losses.view(runs, -1).mean(dim=1), hits.flatten(1).sum(dim=1).double() / tokens


@dataclass(frozen=True)
class LayerShape:
    """One layer of a single run, in PyTorch's weight layout."""

    kind: str  # "dense" or "conv"
    in_features: int
    out_features: int
    kernel: int = 1

    @property
    def weight_shape(self) -> tuple[int, ...]:
        if self.kind == "conv":
            return (self.out_features, self.in_features, self.kernel, self.kernel)
        return (self.out_features, self.in_features)

    @property
    def fan_in(self) -> int:
        return self.in_features * self.kernel * self.kernel

    @property
    def parameters(self) -> int:
        return math.prod(self.weight_shape) + self.out_features


@dataclass
class Trace:
    """A forward pass that kept every layer's tensors, for diagnostics and LSUV."""

    logits: Tensor
    pre: list[Tensor]  # pre-activations, one per layer, in the model's own layout
    post: list[Tensor]  # post-activations of the hidden layers, as used downstream


class BatchedNet(nn.Module):
    """Base for stacked networks: per-run views of weights and of layer outputs."""

    def __init__(self, layers: list[LayerShape], activation: str, seeds: int, inits: int):
        super().__init__()
        self.layers = layers
        self.activation = activation
        self.act = ACTIVATION_FUNCTIONS[activation]
        self.seeds = seeds
        self.inits = inits  # runs per seed: every initializer of every cell in a grid group
        self.runs = seeds * inits

    @property
    def hidden_layers(self) -> int:
        return len(self.layers) - 1

    @property
    def parameters_per_run(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    def forward(self, x: Tensor) -> Tensor:
        """Logits (runs, batch, classes) for x of shape (seeds or 1, batch, C, H, W)."""
        return self.trace(x, keep=False).logits

    def trace(self, x: Tensor, keep: bool = True) -> Trace:
        """The forward pass; with keep, every layer's tensors too (training skips that)."""
        raise NotImplementedError

    def weight(self, layer: int, run: int) -> Tensor:
        """A writable view of one run's weight, in PyTorch's (out, in[, k, k]) layout."""
        raise NotImplementedError

    def bias(self, layer: int, run: int) -> Tensor:
        raise NotImplementedError

    def units(self, layer: int, tensor: Tensor) -> Tensor:
        """A layer output as (runs, samples, units); a conv unit is a channel."""
        return tensor

    def weight_parameter(self, layer: int) -> nn.Parameter:
        """The stacked tensor holding every run's weight of one layer."""
        raise NotImplementedError

    def run_view(self, layer: int, stacked: Tensor) -> Tensor:
        """A layer's stacked weight (or its gradient) with runs on two leading axes.

        Axes 0 and 1 are the seed and the initializer; the rest hold that run's weights.
        A view, never a copy: gathering a first layer run by run costs more than the
        statistics taken over it.
        """
        return stacked.view(self.seeds, self.inits, -1, *stacked.shape[1:])

    def per_run(self, values: Tensor) -> list[Tensor]:
        """values of shape (runs,) shaped to broadcast over each parameter, in parameters()
        order: a per-run learning rate or momentum as the optimizer needs it.

        Parameters stacked as (runs, ...) take (runs, 1, ...); a layout that packs runs
        differently (a first layer per seed, convs with runs as channel groups) overrides
        `_spread`.
        """
        return [self._spread(name, parameter, values)
                for name, parameter in self.named_parameters()]

    def _spread(self, name: str, parameter: Tensor, values: Tensor) -> Tensor:
        return values.view(self.runs, *[1] * (parameter.dim() - 1))

    def loss_and_gradients(self, x: Tensor, labels: Tensor,
                           active: Tensor) -> tuple[Tensor, Tensor]:
        """Per-run mean loss and correct count on one minibatch, gradients in `.grad`.

        x is (seeds, batch, ...) and labels (seeds, batch). Each parameter's `.grad` becomes
        the gradient of the active runs' summed losses: every run gets exactly its own
        gradient, and runs that are not active get none of theirs.
        """
        run_labels = labels.repeat_interleave(self.inits, dim=0)
        loss, correct = per_run_loss_and_correct(self(x), run_labels)
        for parameter in self.parameters():
            parameter.grad = None
        torch.where(active, loss, torch.zeros_like(loss)).sum().backward()
        return loss.detach(), correct


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

    def weight(self, layer: int, run: int) -> Tensor:
        if layer == 0:
            seed, init = divmod(run, self.inits)
            width = self.layers[0].out_features
            return self.first_weight[seed, :, init * width:(init + 1) * width].T
        return self.weights[layer - 1][run].T

    def bias(self, layer: int, run: int) -> Tensor:
        if layer == 0:
            seed, init = divmod(run, self.inits)
            width = self.layers[0].out_features
            return self.first_bias[seed, 0, init * width:(init + 1) * width]
        return self.biases[layer - 1][run, 0]

    def weight_parameter(self, layer: int) -> nn.Parameter:
        return self.first_weight if layer == 0 else self.weights[layer - 1]

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


def _grad_buffer(parameter: nn.Parameter) -> Tensor:
    """The parameter's `.grad`, created on first use, to be overwritten in place."""
    if parameter.grad is None:
        parameter.grad = torch.empty_like(parameter)
    return parameter.grad
