"""Many copies of one network as a single module: parameters stacked on a leading run axis.

Runs are ordered seed-major (run = seed_index * inits + init_index). All runs of one seed
see the same minibatch, so an MLP's first layer for those runs is one matrix product, and
every later layer is a batched product over runs. Each run's weights stay independent:
nothing mixes values across the run axis, so summing per-run losses gives every run the
gradient it would get alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from inittui.core.specs import ExperimentSpec

ACTIVATION_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": F.relu,
    "leaky-relu": partial(F.leaky_relu, negative_slope=0.01),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": F.gelu,
    "selu": F.selu,
    "linear": lambda x: x,
}
CNN_CHANNELS = (16, 32)


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
    hidden: list[Tensor]  # post-activations of the hidden layers, as used downstream


class BatchedNet(nn.Module):
    """Base for stacked networks: per-run views of weights and of layer outputs."""

    def __init__(self, layers: list[LayerShape], activation: str, seeds: int, inits: int):
        super().__init__()
        self.layers = layers
        self.activation = activation
        self.act = ACTIVATION_FUNCTIONS[activation]
        self.seeds = seeds
        self.inits = inits
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

    def per_run(self, layer: int, stacked: Tensor) -> Tensor:
        """A layer's stacked weight (or its gradient) as (runs, weights of one run)."""
        return stacked.reshape(self.runs, -1)


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
        return Trace(logits=output, pre=pre, hidden=hidden)

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

    def per_run(self, layer: int, stacked: Tensor) -> Tensor:
        if layer > 0:
            return stacked.reshape(self.runs, -1)
        seeds, inputs, _ = stacked.shape
        return (stacked.view(seeds, inputs, self.inits, -1).transpose(1, 2)
                .reshape(self.runs, -1))


class BatchedCNN(BatchedNet):
    """Two 3×3 conv blocks (conv, activation, 2×2 max-pool) and a dense head.

    Runs are channel groups: the first conv of one seed's runs is one convolution, the
    second a grouped convolution with one group per run.
    """

    def __init__(self, input_shape: tuple[int, int, int], hidden: tuple[int, ...],
                 classes: int, activation: str, seeds: int, inits: int):
        channels, height, width = input_shape
        convs = [LayerShape("conv", a, b, 3)
                 for a, b in pairwise((channels, *CNN_CHANNELS))]
        flat = CNN_CHANNELS[-1] * (height // 4) * (width // 4)
        sizes = [flat, *hidden, classes]
        dense = [LayerShape("dense", a, b) for a, b in pairwise(sizes)]
        super().__init__(convs + dense, activation, seeds, inits)
        self.conv_weights = nn.ParameterList(
            nn.Parameter(torch.zeros(self.runs * layer.out_features, layer.in_features, 3, 3))
            for layer in convs
        )
        self.conv_biases = nn.ParameterList(
            nn.Parameter(torch.zeros(self.runs * layer.out_features)) for layer in convs
        )
        self.weights = nn.ParameterList(
            nn.Parameter(torch.zeros(self.runs, layer.in_features, layer.out_features))
            for layer in dense
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.zeros(self.runs, 1, layer.out_features)) for layer in dense
        )

    def trace(self, x: Tensor, keep: bool = True) -> Trace:
        groups, batch = x.shape[0], x.shape[1]
        images = x.transpose(0, 1).reshape(batch, groups * x.shape[2], *x.shape[3:])
        pre: list[Tensor] = []
        hidden: list[Tensor] = []
        activation = images
        for index, (weight, bias) in enumerate(zip(self.conv_weights, self.conv_biases)):
            conv_groups = groups if index == 0 else self.runs
            output = F.conv2d(activation, weight, bias, padding=1, groups=conv_groups)
            pre.append(output)
            hidden.append(self.act(output))
            activation = F.max_pool2d(hidden[-1], 2)
        activation = activation.reshape(batch, self.runs, -1).transpose(0, 1).contiguous()
        dense_start = len(self.conv_weights)
        for offset, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            output = torch.baddbmm(bias, activation, weight)
            pre.append(output)
            if dense_start + offset < len(self.layers) - 1:
                activation = self.act(output)
                hidden.append(activation)
        return Trace(logits=pre[-1], pre=pre, hidden=hidden)

    def weight(self, layer: int, run: int) -> Tensor:
        if layer < len(self.conv_weights):
            width = self.layers[layer].out_features
            return self.conv_weights[layer][run * width:(run + 1) * width]
        return self.weights[layer - len(self.conv_weights)][run].T

    def bias(self, layer: int, run: int) -> Tensor:
        if layer < len(self.conv_weights):
            width = self.layers[layer].out_features
            return self.conv_biases[layer][run * width:(run + 1) * width]
        return self.biases[layer - len(self.conv_weights)][run, 0]

    def weight_parameter(self, layer: int) -> nn.Parameter:
        convs = len(self.conv_weights)
        return self.conv_weights[layer] if layer < convs else self.weights[layer - convs]

    def units(self, layer: int, tensor: Tensor) -> Tensor:
        if tensor.dim() != 4:
            return tensor
        batch, _, height, width = tensor.shape
        channels = self.layers[layer].out_features
        return (tensor.view(batch, self.runs, channels, height * width)
                .permute(1, 0, 3, 2).reshape(self.runs, batch * height * width, channels))


def build_model(spec: ExperimentSpec, input_shape: tuple[int, int, int],
                classes: int) -> BatchedNet:
    seeds, inits = spec.seeds, len(spec.inits)
    if spec.model == "cnn":
        return BatchedCNN(input_shape, spec.hidden, classes, spec.activation, seeds, inits)
    return BatchedMLP(math.prod(input_shape), spec.hidden, classes, spec.activation, seeds, inits)
