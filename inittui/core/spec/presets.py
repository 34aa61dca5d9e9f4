"""Named experiments that reproduce classic results, each with its source and expected outcome.

A preset is a set of field overrides in the same text spelling as the command line, so the
CLI and the app apply it the same way and any option the user gives explicitly wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from inittui.core.errors import SpecError, unknown_name
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.fields import PARAMETRIZATIONS


@dataclass(frozen=True)
class TransferStudy:
    """A preset that is many sweeps: every width × lr × parametrization (studies/lr_transfer.py)."""

    widths: tuple[int, ...]
    lrs: tuple[float, ...]
    params: tuple[str, ...] = PARAMETRIZATIONS


@dataclass(frozen=True)
class Preset:
    name: str
    source: str
    expectation: str
    overrides: dict[str, str]
    study: TransferStudy | None = None  # None: one sweep of the overridden spec
    axis_metric: str | None = None
    """The grid metric the claim is about (grid_results.AXIS_METRICS): headless prints it
    by initializer × each axis."""
    figures: tuple[str, ...] = ()
    """The paper's figures (inittui.figures.kinds), written by `--headless --figures DIR`
    beside those the results make anyway."""


SCHOENHOLZ2017_SIGMA_W2 = ("1", "1.4", "1.8", "2.2", "2.6", "3", "3.5", "4")
SCHOENHOLZ2017_EXPECTATION = (
    "after one epoch every σ_w² trains at 10 layers (best val acc 0.65 to 0.84, lowest at the "
    "most chaotic σ_w² = 3.5 and 4); at 40 layers the best are σ_w² = 1.8 and 2.2 (0.28), "
    "beside χ₁ = 1 (σ_w² = 1.76 at σ_b² = 0.05), while σ_w² = 1 (6ξ_c = 22, below the depth) "
    "reaches 0.19 and σ_w² = 4 0.11; at 70 layers only σ_w² = 2.2 clearly leaves chance "
    "(0.18). The phase table gives each σ_w²'s 6ξ_c; one epoch is far shorter than the "
    "paper's training, so fewer nets train than 6ξ_c allows"
)

PENNINGTON2017_EXPECTATION = (
    "at initialization (the Jacobian table; --spectrum-out) orthogonal tanh keeps the 95 % / "
    "5 % ratio of its singular values at 24, 46 and 49 at 2, 16 and 48 layers, while "
    "Gaussian tanh's grows from 182 to about 10⁷; with ReLU half or more of the singular "
    "values are 0 at every depth for orthogonal (gain √2) and he-normal alike (dead units). "
    "Orthogonal tanh's largest value shrinks with depth (0.94, 0.48, 0.28): its q¹ ≈ 1 lies "
    "far above q* = 0, so the spread, not the scale, is kept. After one epoch at 48 layers "
    "orthogonal tanh reaches val acc 0.79, Gaussian tanh 0.50, both ReLU nets 0.16 to 0.17"
)

MUP2022_EXPECTATION = (
    "the best lr (lowest final training loss) falls as sp widens; under mup it does not "
    "fall (the 'Best lr per width' table: a negative shift for sp, none or positive for mup)"
)

MUP2022_GPT_EXPECTATION = (
    "under sp the best lr (lowest final training loss) falls as the gpt widens (measured: "
    "0.03, 0.003, 0.001 at widths 32, 64, 128); under mup it is 0.03 at widths 32 and 128 "
    "(0.01 at 64): no shift. One seed and one epoch: the losses of neighbouring lrs differ "
    "by as little as 0.01"
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(
        "pytorch-notebook",
        "the classic PyTorch initialization exercise (MLP 784-128-10, SGD), flatten fixed",
        "zeros stays at chance (all hidden gradients are 0: only the output bias learns); "
        "normal(0.01) learns slowly; xavier and he lead, close together (10 epochs, mean ± "
        "std of 3 seeds: xavier 0.755±.013, he 0.746±.018, normal 0.502±.038, zeros 0.100)",
        {"inits": "zeros,normal,xavier-normal,he-normal", "hidden": "128",
         "activation": "relu", "optimizer": "sgd", "lr": "0.001", "momentum": "0",
         "batch_size": "64", "epochs": "10"},
        figures=("curves", "leaderboard"),
    ),
    Preset(
        "keras-notebook",
        "the classic Keras exercise: Dense 128-64 ReLU, Adam 1e-3, the initializers on the "
        "hidden layers, Keras' default GlorotUniform on the output; validation is a "
        "stratified random 20 % of the training digits, not Keras' validation_split, which "
        "takes the last 20 % unshuffled: on this class-sorted sample only 8s and 9s",
        "zeros stalls at chance; RandomNormal(0.05), GlorotNormal and HeNormal all train, "
        "within 2 points of each other at every epoch (10 epochs, mean ± std of 3 seeds: "
        "0.929±.003, 0.926±.004, 0.925±.003): on this shallow net their scales barely matter",
        {"inits": "zeros,RandomNormal,GlorotNormal,HeNormal", "output_init": "GlorotUniform",
         "hidden": "128,64",
         "activation": "relu", "optimizer": "adam", "lr": "0.001", "batch_size": "64",
         "epochs": "10", "val_split": "0.2"},
        figures=("curves", "leaderboard"),
    ),
    Preset(
        "glorot2010",
        "Glorot & Bengio 2010, Understanding the difficulty of training deep feedforward "
        "networks: 5 tanh layers, standard U(±1/√fan_in) against normalized (xavier-uniform)",
        "with the standard init, activation std shrinks about 10x from layer 1 to layer 5 "
        "and the back-propagated gradient ∂L/∂s (pre_grad_std) about 10x from layer 5 down "
        "to layer 1, while the weight gradients stay level; xavier-uniform keeps both within "
        "3x across depth and trains faster",
        {"inits": "pytorch-default,xavier-uniform", "hidden": "1000,1000,1000,1000,1000",
         "activation": "tanh", "optimizer": "sgd", "lr": "0.01", "momentum": "0",
         "batch_size": "10", "epochs": "5"},
        figures=("layer-stds",),
    ),
    Preset(
        "he2015",
        "He et al. 2015, Delving Deep into Rectifiers: plain ReLU nets 10, 20 and 30 layers "
        "deep, xavier-normal against he-normal",
        "xavier-normal's last-layer activation std at initialization shrinks geometrically with "
        "depth (over 300x smaller at 30 layers than at 10: the depth profile, key d) and its "
        "accuracy falls with depth, to chance at 30 layers; he-normal keeps the std level and "
        "learns at every depth (30 layers, 5 epochs, 4 seeds: val acc 0.50±0.04, rising every "
        "epoch on every seed)",
        {"inits": "xavier-normal,he-normal", "hidden": "64x10;64x20;64x30",
         "activation": "relu", "optimizer": "sgd", "lr": "0.001", "momentum": "0.9",
         "batch_size": "64", "epochs": "5"},
        figures=("depth-profile", "layer-stds"),
    ),
    Preset(
        "selu2017",
        "Klambauer et al. 2017, Self-Normalizing Neural Networks: deep SELU MLP",
        "with lecun-normal, activations stay near zero mean and unit std at every depth; "
        "xavier-normal (the same draw on the 64x64 layers) starts at std about 1.25 after the "
        "784-input layer and SELU pulls it back to about 1 within a few layers; he-normal's "
        "std grows with depth (about 6 by layer 16); normal(0.01)'s vanishes, 10x per layer",
        {"inits": "lecun-normal,xavier-normal,he-normal,normal",
         "hidden": ",".join(["64"] * 16),
         "activation": "selu", "optimizer": "sgd", "lr": "0.01", "momentum": "0.9",
         "epochs": "5"},
        figures=("layer-stds",),
    ),
    Preset(
        "saxe2013",
        "Saxe et al. 2013, Exact solutions to the nonlinear dynamics of learning in deep "
        "linear networks: linear nets 5, 10, 20 and 40 layers of 64 deep, orthogonal "
        "against the scaled Gaussian (lecun-normal, variance 1/fan_in), SGD lr 0.002 "
        "momentum 0.9, 6 epochs, 3 seeds",
        "orthogonal learns as fast at 40 layers as at 5, the scaled Gaussian slows with "
        "depth: steps to a train loss 2.5x the grid's lowest (0.52; headless prints the "
        "table, the app's sensitivity view g, metric m) are 59, 53, 54, 59 for orthogonal "
        "at 5, 10, 20, 40 layers and 70, 67, 108, 196 for lecun-normal (mean of 3 seeds); "
        "at initialization orthogonal keeps the signal's std exactly from layer to layer, "
        "the Gaussian's drifts (layers view)",
        {"inits": "orthogonal,lecun-normal", "hidden": "64x5;64x10;64x20;64x40",
         "activation": "linear", "optimizer": "sgd", "lr": "0.002", "momentum": "0.9",
         "batch_size": "64", "epochs": "6", "seeds": "3"},
        axis_metric="steps_to_loss",
        figures=("sensitivity", "layer-stds"),
    ),
    Preset(
        "schoenholz2017",
        "Schoenholz et al. 2017, Deep Information Propagation: tanh MLPs of width 64, "
        "σ_b² = 0.05, σ_w² = 1 to 4 (variance-scaling:scale=σ_w²), 10, 40 and 70 layers "
        "deep, one epoch of Adam 1e-3 on mnist-5k",
        SCHOENHOLZ2017_EXPECTATION,
        {"inits": ",".join(f"variance-scaling:scale={w}" for w in SCHOENHOLZ2017_SIGMA_W2),
         "bias_init": "normal:std=0.2236", "hidden": "64x10;64x40;64x70",
         "activation": "tanh", "optimizer": "adam", "lr": "0.001", "batch_size": "64",
         "epochs": "1"},
        axis_metric="best_val_acc",
        figures=("heatmap", "phase"),
    ),
    Preset(
        "pennington2017",
        "Pennington, Schoenholz & Ganguli 2017, Resurrecting the sigmoid: critical "
        "initializations (χ₁ = 1, zero biases) at width 128, 2, 16 and 48 layers deep: tanh "
        "with orthogonal (gain 1) against Gaussian (lecun-normal) weights, ReLU with "
        "orthogonal (gain √2) against he-normal; each activation also runs the other's pair, "
        "off criticality, as the phase table says",
        PENNINGTON2017_EXPECTATION,
        {"inits": "orthogonal,lecun-normal,orthogonal:gain=auto,he-normal",
         "bias_init": "zeros", "hidden": "128x2;128x16;128x48", "activation": "tanh,relu",
         "optimizer": "sgd", "lr": "0.01", "momentum": "0.9", "batch_size": "128",
         "epochs": "1"},
        axis_metric="best_val_acc",
        figures=("spectrum", "phase"),
    ),
    Preset(  # a study: widths × lrs × sp/mup, run by core/studies/lr_transfer.py
        "mup2022",
        "Yang et al. 2022, Tensor Programs V (μP): learning-rate transfer; MLP 784-w-w-10, "
        "w = 64, 256, 1024, Adam lr 1e-4 to 1e-2, sp and mup (base width 64); 6 batched groups "
        "(a width each, its 5 lrs as runs of one stacked model)",
        MUP2022_EXPECTATION,
        {"inits": "he-normal", "hidden": "64,64", "activation": "relu", "optimizer": "adam",
         "lr": "0.001", "batch_size": "64", "epochs": "5", "base_width": "64",
         "dataset": "mnist-5k", "diagnostics": "false"},
        TransferStudy(widths=(64, 256, 1024), lrs=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2)),
        figures=("lr-transfer", "coord-check"),
    ),
    Preset(  # the same study on a transformer (core/studies/lr_transfer.py)
        "mup2022-gpt",
        "Yang et al. 2022 (μP) on a transformer: learning-rate transfer of a 2-block "
        "character GPT on the bundled play, w = 32, 64, 128, Adam lr 1e-3 to 3e-2, sp and mup "
        "(base width 32; under mup attention is q·k/d and the tied head's logits ×1/m)",
        MUP2022_GPT_EXPECTATION,
        {"inits": "normal:std=0.02", "model": "gpt", "dataset": "text", "hidden": "32,32",
         "activation": "gelu", "optimizer": "adam", "lr": "0.001", "batch_size": "32",
         "epochs": "1", "base_width": "32", "diagnostics": "false"},
        TransferStudy(widths=(32, 64, 128), lrs=(1e-3, 3e-3, 1e-2, 3e-2)),
        figures=("lr-transfer",),
    ),
    Preset(
        "lr-robustness",
        "the keras-notebook setup (Dense 128-64 ReLU, Adam, 20 % validation, GlorotUniform "
        "output) across five learning rates from 1e-4 to 1e-1, six initializers, 3 seeds",
        "zeros stays at chance (val acc 0.10) at every learning rate; the five random "
        "initializers are close together at 1e-3 and 1e-2, lower at 1e-4 and near chance at "
        "1e-1: the learning rate moves each of them far more than the choice among them does "
        "(sensitivity view g, heatmap h)",
        {"inits": "zeros,RandomNormal,GlorotNormal,HeNormal,LecunNormal,Orthogonal",
         "output_init": "GlorotUniform", "hidden": "128,64", "activation": "relu",
         "optimizer": "adam", "lr": "1e-4,3e-4,1e-3,1e-2,1e-1", "batch_size": "64",
         "epochs": "10", "val_split": "0.2", "seeds": "3"},
        figures=("sensitivity", "heatmap"),
    ),
    Preset(
        "fixup2019",
        "Zhang, Dauphin & Ma 2019, Fixup Initialization (and De & Smith 2020, SkipInit): "
        "a 50-block residual MLP without normalization",
        "he-normal's residual stream grows block after block and the run diverges in the "
        "first epoch; fixup and skipinit start every block as the identity and train",
        {"inits": "he-normal,fixup,skipinit", "model": "resmlp", "norm": "none",
         "hidden": ",".join(["64"] * 50), "activation": "relu", "optimizer": "adam",
         "lr": "0.001", "batch_size": "64", "epochs": "3"},
        figures=("curves",),
    ),
    Preset(
        "batchnorm",
        "Ioffe & Szegedy 2015, Batch Normalization: the same initializers on a residual "
        "MLP with BatchNorm in every block (compare with --norm none)",
        "with BatchNorm the random initializers' curves nearly coincide, zeros aside; with "
        "--norm none they spread apart",
        {"inits": "zeros,normal,xavier-normal,he-normal", "model": "resmlp",
         "norm": "batch", "hidden": ",".join(["64"] * 8), "activation": "relu",
         "optimizer": "adam", "lr": "0.001", "batch_size": "64", "epochs": "5"},
        figures=("curves",),
    ),
    Preset(
        "gpt2-init",
        "Radford et al. 2019, GPT-2: a small character-level GPT on the bundled play, "
        "PyTorch's default init against GPT-2's (compare --hidden 64,64,64,64: 4 blocks)",
        "pytorch-default starts far above ln(vocabulary) (its N(0,1) embedding, tied to "
        "the head, gives large logits) and stays behind gpt2 at 12 blocks as at 4",
        {"inits": "pytorch-default,gpt2", "model": "gpt", "dataset": "text",
         "hidden": ",".join(["64"] * 12), "activation": "gelu", "optimizer": "adam",
         "lr": "0.001", "batch_size": "32", "epochs": "3"},
        figures=("curves",),
    ),
)}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise SpecError("preset", unknown_name("preset", name, PRESETS))
    return PRESETS[name]


def apply_preset(spec: ExperimentSpec, name: str,
                 keep: frozenset[str] = frozenset()) -> ExperimentSpec:
    """The spec with the preset's fields, except those in keep (set by the user explicitly)."""
    overrides = {field: text for field, text in get_preset(name).overrides.items()
                 if field not in keep}
    return spec.with_text(**overrides)
