"""The one interface of a stacked model: many runs of one network trained as one module.

Runs are ordered seed-major (run = seed_index * inits + init_index). Nothing mixes values
across the run axis, so summing per-run losses gives every run the gradient it would get
alone. Everything outside `core/models` (initialization, μP, diagnostics, the coordinate
check, the engine) is written once, against this interface:

- `make()` builds one run's plain `nn.Module`: the parameters' names, roles and fans are
  read from it (`init.roles.parameter_roles`), and `skeleton` (one such module) runs one
  run at a time through `torch.func.functional_call` (`one_run`);
- `names` are the plain names of the stacked tensors, in `parameters()` order;
  `parameter(name)` is the stacked tensor, `run_tensor(name, run)` one run's slice of it in
  the plain module's layout, writable in place;
- `probes` name the layers the layers view shows, and `capture(x, y)` records every
  probed layer of every run on one batch (outputs, pre-activations, their gradients, the
  feeding weight's gradient).

Two implementations: `StackedModel` (`stacked.py`), any plain module vmapped over its
stacked copies, and `BatchedMLP` (`batched_mlp.py`), the plain MLP written out with its
own backward pass, kept because it is faster on the default sweep (benchmarks/README.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

from inittui.core.models.activations import ACTIVATION_FUNCTIONS
from inittui.core.models.structure import Probe, readout_of


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


@dataclass(frozen=True)
class LayerCapture:
    """One probed layer of every run on one batch: what the layers view's statistics read.

    Unit tensors are (runs, samples, units), a conv unit being a channel at one position
    and a sequence model's a feature at one token. `pre` and `pre_grad` are NaN where the
    probe is not an activation's output (a residual stream has no pre-activation); `grad`
    and `weight_grad` are zero where the loss does not reach them. The gradients are None
    when the capture was taken without labels.
    """

    activation: str | None  # the function the output has just been through
    output: Tensor
    pre: Tensor
    grad: Tensor | None  # ∂L/∂output
    pre_grad: Tensor | None  # ∂L/∂pre
    weight_grad: Tensor | None  # of the weight feeding the layer, runs on the leading axes
    weight_run_axes: int  # 1: (runs, ...); 2: (seeds, inits, ...)


@dataclass(frozen=True)
class Capture:
    """Every probed layer of every run, then the logits (runs, batch, ...)."""

    layers: list[LayerCapture]
    logits: Tensor


class BatchedNet(nn.Module):
    """Base of the stacked models; subclasses provide the storage and the passes."""

    names: list[str]
    probes: list[Probe]
    make: Callable[[], nn.Module]
    eval_chunk: int

    def __init__(self, layers: list[LayerShape], activation: str, seeds: int, inits: int):
        super().__init__()
        self.layers = layers
        self.activation = activation
        self.act = ACTIVATION_FUNCTIONS[activation]
        self.seeds = seeds
        self.inits = inits  # runs per seed: every initializer of every cell in a grid group
        self.runs = seeds * inits

    # --- what every implementation provides ------------------------------------------

    @property
    def skeleton(self) -> nn.Module:
        """One plain copy of the network whose tensors `functional_call` replaces."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """Logits (runs, batch, ...) in evaluation mode for x of shape (seeds or 1, batch, ...)."""
        raise NotImplementedError

    def loss_and_gradients(self, x: Tensor, labels: Tensor,
                           active: Tensor) -> tuple[Tensor, Tensor]:
        """Per-run mean loss and correct count on one minibatch, gradients in `.grad`.

        x is (seeds, batch, ...) and labels (seeds, batch, ...). Each parameter's `.grad`
        becomes the gradient of the active runs' summed losses: every run gets exactly its
        own gradient, and runs that are not active get none of theirs.
        """
        raise NotImplementedError

    def parameter(self, name: str) -> nn.Parameter:
        """The stacked tensor holding every run's parameter of that (plain) name."""
        raise NotImplementedError

    def run_tensor(self, name: str, run: int) -> Tensor:
        """One run's parameter in the plain module's layout: a view, writable in place."""
        raise NotImplementedError

    def capture(self, x: Tensor, y: Tensor | None = None) -> Capture:
        """Every probed layer of every run on x (seeds or 1, batch, ...), in training mode
        with running statistics left as they are; with labels y (batch, ...), also the
        gradients of each run's batch-mean cross-entropy."""
        raise NotImplementedError

    # --- derived, the same for every implementation ------------------------------------

    @property
    def hidden_layers(self) -> int:
        return len(self.layers) - 1

    @property
    def parameters_per_run(self) -> int:
        return sum(math.prod(p.shape) for p in self.parameters()) // self.runs

    @property
    def is_dense_chain(self) -> bool:
        """Whether the probes are h = φ(W h + b), layer after layer, from the flattened
        input: the Jacobian is then D W ⋯ D W, written out in `diagnostics.spectrum`."""
        return False

    def weight_name(self, layer: int) -> str:
        """The weight feeding probed layer `layer`; the readout's after the last probe."""
        if layer < len(self.probes):
            return self.probes[layer].weight
        return f"{readout_of(self.skeleton)}.weight"

    def weight(self, layer: int, run: int) -> Tensor:
        return self.run_tensor(self.weight_name(layer), run)

    def bias(self, layer: int, run: int) -> Tensor:
        return self.run_tensor(self.weight_name(layer).removesuffix("weight") + "bias", run)

    def weight_parameter(self, layer: int) -> nn.Parameter:
        return self.parameter(self.weight_name(layer))

    def run_buffers(self, run: int) -> dict[str, Tensor]:
        """One run's buffers by name (views); none but the general path's."""
        return {}

    def reset_buffers(self, reference: nn.Module) -> None:
        """Every run's buffers as a freshly built `reference` has them."""

    def run_state(self, run: int) -> dict[str, Tensor]:
        """One run's parameters and buffers by plain name, as views (for functional_call)."""
        return {**{name: self.run_tensor(name, run) for name in self.names},
                **self.run_buffers(run)}

    @contextmanager
    def one_run(self, run: int, train: bool = True) -> Iterator[Callable[[Tensor], Tensor]]:
        """A function computing run `run` alone (unbatched), with copied buffers, so that
        LSUV can use ordinary hooks on `skeleton` and leave the running stats as they are."""
        skeleton = self.skeleton
        skeleton.train(train)
        state = self.run_state(run)
        state.update({name: tensor.clone() for name, tensor in self.run_buffers(run).items()})
        yield lambda x: functional_call(skeleton, state, (x,))

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
        differently (a first layer per seed) overrides `_spread`.
        """
        return [self._spread(name, parameter, values)
                for name, parameter in self.named_parameters()]

    def _spread(self, name: str, parameter: Tensor, values: Tensor) -> Tensor:
        return values.view(self.runs, *[1] * (parameter.dim() - 1))


def plain_copy(model: BatchedNet, run: int) -> nn.Module:
    """One run as an ordinary module holding copies of its tensors (for tests, export)."""
    device = next(model.parameters()).device
    with torch.device(device):
        plain = model.make().to(next(model.parameters()).dtype)
    state = {name: tensor.detach().clone() for name, tensor in model.run_state(run).items()}
    plain.load_state_dict(state, strict=False)  # a tied weight is loaded once, by its name
    return plain
