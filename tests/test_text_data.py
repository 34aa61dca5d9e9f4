"""Character-level data for gpt: the bundled play, the synthetic sequences, and training."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from inittui.core.data.datasets import load_dataset
from inittui.core.errors import SpecError
from inittui.core.events import EpochFinished, Event, LayerStatsReady
from inittui.core.spec.experiment import ExperimentSpec, parse_dataset
from inittui.core.training.sweep import run_sweep


def test_the_bundled_text_is_windows_of_characters_and_their_successors() -> None:
    data = load_dataset("text:context=32", None, False, 0.1)
    assert data.x_train.dtype == torch.int64 and data.x_train.shape[1] == 32
    assert torch.equal(data.x_train[0, 1:], data.y_train[0, :-1])  # labels: shifted by one
    assert torch.equal(data.y_train[0, -1:], data.x_train[1, :1])  # windows follow each other
    assert 40 <= data.num_classes <= 100 and data.input_shape == (32,)
    total = sum(len(x) for x in (data.x_train, data.x_val, data.x_test)) * 32
    assert total > 100_000  # all of Macbeth
    assert len(data.x_test) / (total / 32) == pytest.approx(0.15, abs=0.01)


def test_synthetic_sequences_follow_their_rule() -> None:
    data = load_dataset("synthetic-text:train=64,context=10,vocab=7", None, False, 0.15)
    x, y = data.x_train, data.y_train
    assert x.shape == (64, 10) and data.num_classes == 7
    stride = (y[:, 0] - x[:, 0]) % 7
    assert torch.equal((x + stride[:, None]) % 7, y)


def test_gpt_without_a_data_set_trains_on_the_bundled_text() -> None:
    assert ExperimentSpec(model="gpt").dataset == "text"
    assert ExperimentSpec(model="gpt", dataset="synthetic-text").dataset == "synthetic-text"


def test_text_parameters_are_checked() -> None:
    with pytest.raises(SpecError, match="bad text parameter 'side=3'"):
        parse_dataset("text:side=3")
    with pytest.raises(SpecError, match="at least 2"):
        parse_dataset("synthetic-text:vocab=1")


@pytest.mark.slow
def test_gpt_learns_the_synthetic_sequences_and_reports_next_token_accuracy() -> None:
    spec = ExperimentSpec(model="gpt", dataset="synthetic-text:train=256,val=64,test=64",
                          hidden=(32,), inits=("gpt2",), activation="gelu",
                          epochs=4, lr=0.01, batch_size=32, device="cpu")
    events: list[Event] = []
    run_sweep(spec, events.append)
    epochs = [e for e in events if isinstance(e, EpochFinished) and e.run.init == "gpt2"]
    assert epochs[-1].val_acc > 0.2  # chance is 1/8; the last token alone gives about 1/7
    assert epochs[-1].train_loss < epochs[0].train_loss and 0 <= epochs[-1].test_acc <= 1
    assert any(isinstance(e, LayerStatsReady) for e in events)


def test_image_models_refuse_text() -> None:
    spec = ExperimentSpec(model="mlp", dataset="synthetic-text", device="cpu")
    with pytest.raises(SpecError, match="text data sets are token sequences: use --model gpt"):
        run_sweep(replace(spec, epochs=1), lambda event: None)
