"""Shared fixtures: tiny real data sets so that every core test trains in well under a second."""

from __future__ import annotations

import pytest

from inittui.core.spec.experiment import ExperimentSpec

TINY_DATA = "synthetic:train=256,val=64,test=64,side=6,classes=4"


@pytest.fixture
def tiny_spec() -> ExperimentSpec:
    """A sweep over tiny synthetic images that trains in a fraction of a second on CPU."""
    return ExperimentSpec(
        inits=("zeros", "xavier-normal", "he-normal"), dataset=TINY_DATA, hidden=(16, 8),
        epochs=3, batch_size=32, lr=0.01, device="cpu",
    )
