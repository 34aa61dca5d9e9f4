"""Named experiments that reproduce classic results, each with its source and expected outcome.

A preset is a set of field overrides in the same text spelling as the command line, so the
CLI and the app apply it the same way and any option the user gives explicitly wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from inittui.core.errors import SpecError, unknown_name
from inittui.core.specs import PARAMETRIZATIONS, ExperimentSpec


@dataclass(frozen=True)
class TransferStudy:
    """A preset that is many sweeps: every width × lr × parametrization (core/lr_transfer.py)."""

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


MUP2022_EXPECTATION = (
    "the best lr (lowest final training loss) falls as sp widens; under mup it stays at the "
    "same lr for every width (the 'Best lr per width' table, shift 0 decades)"
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(
        "pytorch-notebook",
        "the classic PyTorch initialization exercise (MLP 784-128-10, SGD), flatten fixed",
        "zeros stays near chance (symmetry); normal(0.01) learns slowly; xavier and he lead",
        {"inits": "zeros,normal,xavier-normal,he-normal", "hidden": "128",
         "activation": "relu", "optimizer": "sgd", "lr": "0.001", "momentum": "0",
         "batch_size": "64", "epochs": "10"},
    ),
    Preset(
        "keras-notebook",
        "the classic Keras exercise: Dense 128-64 ReLU, Adam 1e-3, 20 % validation; the "
        "initializers on the hidden layers, Keras' default GlorotUniform on the output",
        "zeros stalls at chance; RandomNormal(0.05), GlorotNormal and HeNormal all train, "
        "He slightly ahead early",
        {"inits": "zeros,RandomNormal,GlorotNormal,HeNormal", "output_init": "GlorotUniform",
         "hidden": "128,64",
         "activation": "relu", "optimizer": "adam", "lr": "0.001", "batch_size": "64",
         "epochs": "10", "val_split": "0.2"},
    ),
    Preset(
        "glorot2010",
        "Glorot & Bengio 2010, Understanding the difficulty of training deep feedforward "
        "networks: 5 tanh layers, standard U(±1/√fan_in) against normalized (xavier-uniform)",
        "with the standard init, activation and gradient std shrink layer by layer; "
        "xavier-uniform keeps them roughly constant across depth and trains faster",
        {"inits": "pytorch-default,xavier-uniform", "hidden": "1000,1000,1000,1000,1000",
         "activation": "tanh", "optimizer": "sgd", "lr": "0.01", "momentum": "0",
         "batch_size": "10", "epochs": "5"},
    ),
    Preset(
        "he2015",
        "He et al. 2015, Delving Deep into Rectifiers: plain ReLU nets 10, 20 and 30 layers "
        "deep, xavier-normal against he-normal",
        "xavier-normal's last-layer activation std at initialization shrinks geometrically with "
        "depth (over 300x smaller at 30 layers than at 10: the depth profile, key d) and its "
        "accuracy "
        "falls with depth, to chance at 30 layers; he-normal keeps the std level and learns "
        "at every depth, well above chance at 30 layers",
        {"inits": "xavier-normal,he-normal", "hidden": "64x10;64x20;64x30",
         "activation": "relu", "optimizer": "sgd", "lr": "0.01", "momentum": "0.9",
         "batch_size": "64", "epochs": "5"},
    ),
    Preset(
        "selu2017",
        "Klambauer et al. 2017, Self-Normalizing Neural Networks: deep SELU MLP",
        "with lecun-normal, activations stay near zero mean and unit std at every depth; "
        "he-normal and xavier-normal drift",
        {"inits": "lecun-normal,xavier-normal,he-normal", "hidden": ",".join(["64"] * 16),
         "activation": "selu", "optimizer": "sgd", "lr": "0.01", "momentum": "0.9",
         "epochs": "5"},
    ),
    Preset(
        "saxe2013",
        "Saxe et al. 2013, Exact solutions to the nonlinear dynamics of learning in deep "
        "linear networks: orthogonal against scaled Gaussian in a deep linear network",
        "orthogonal keeps the signal's std exactly across depth and learns fast; "
        "the scaled Gaussian's std wanders with depth and it learns more slowly",
        {"inits": "orthogonal,lecun-normal", "hidden": ",".join(["64"] * 20),
         "activation": "linear", "optimizer": "sgd", "lr": "0.005", "momentum": "0.9",
         "epochs": "5"},
    ),
    Preset(  # a study: widths × lrs × sp/mup, run by core/lr_transfer.py; headless only
        "mup2022",
        "Yang et al. 2022, Tensor Programs V (μP): learning-rate transfer; MLP 784-w-w-10, "
        "w = 64, 256, 1024, Adam lr 1e-4 to 1e-2, sp and mup (base width 64), --headless",
        MUP2022_EXPECTATION,
        {"inits": "he-normal", "hidden": "64,64", "activation": "relu", "optimizer": "adam",
         "lr": "0.001", "batch_size": "64", "epochs": "5", "base_width": "64",
         "dataset": "mnist-5k", "diagnostics": "false"},
        TransferStudy(widths=(64, 256, 1024), lrs=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2)),
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
