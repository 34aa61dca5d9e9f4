"""The residual, normalization and transformer presets' outcomes, at reduced size."""

from __future__ import annotations

import math

import pytest

from inittui.core.data.datasets import load_dataset
from inittui.core.events import EpochFinished, Event
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.spec.presets import apply_preset
from inittui.core.training.sweep import run_sweep


def epochs(name: str, **overrides: str) -> dict[str, list[EpochFinished]]:
    """Every run's epoch events, by initializer."""
    spec = apply_preset(ExperimentSpec(device="cpu"), name).with_text(**overrides)
    events: list[Event] = []
    run_sweep(spec, events.append)
    found: dict[str, list[EpochFinished]] = {}
    for event in events:
        if isinstance(event, EpochFinished):
            found.setdefault(event.run.init, []).append(event)
    return found


@pytest.mark.slow
def test_fixup2019_he_normal_explodes_and_fixup_and_skipinit_train() -> None:
    runs = epochs("fixup2019", hidden=",".join(["32"] * 30), epochs="1", diagnostics="false")
    he = runs["he-normal"][0]
    assert he.status == "diverged" or (he.train_loss > 1e3 and he.val_acc < 0.2)
    assert runs["fixup"][0].val_acc > 0.5 and runs["skipinit"][0].val_acc > 0.5  # chance 0.1


@pytest.mark.slow
def test_batchnorm_makes_the_random_initializers_coincide() -> None:
    def spread(runs: dict[str, list[EpochFinished]]) -> float:
        final = [events[-1].val_acc for init, events in runs.items() if init != "zeros"]
        return max(final) - min(final)

    small = {"hidden": "32,32,32,32", "epochs": "2", "diagnostics": "false"}
    with_bn = epochs("batchnorm", **small)
    without = epochs("batchnorm", norm="none", **small)
    assert spread(with_bn) < 0.03 < spread(without)


@pytest.mark.slow
@pytest.mark.parametrize("blocks", [4, 12])
def test_gpt2_init_starts_near_log_vocabulary_and_leads_pytorch_default(blocks: int) -> None:
    runs = epochs("gpt2-init", hidden=",".join(["32"] * blocks), epochs="1",
                  dataset="text:context=32", batch_size="64", diagnostics="false")
    default, gpt2 = runs["pytorch-default"][0], runs["gpt2"][0]
    vocabulary = load_dataset("text", None, False, 0.15).num_classes
    assert gpt2.train_loss < math.log(vocabulary) < default.train_loss
    assert gpt2.val_loss < default.val_loss and gpt2.val_acc > default.val_acc
