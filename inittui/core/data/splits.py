"""What every data set is once loaded: train, validation and test tensors, as one type.

The image and text loaders both build these, so neither needs the other.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch

TEST_FRACTION = 0.15  # mnist-5k has no official test set; 75 digits of each class


@dataclass
class DataSplits:
    """One data set's train/validation/test tensors, normalized with the train statistics."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    source: str = ""
    """Which files the images came from, when that is worth saying (torchvision sets)."""

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One sample's shape: (channels, height, width), or (tokens,) for text."""
        return tuple(self.x_train.shape[1:])

    def to(self, device: torch.device) -> DataSplits:
        """A copy with every tensor on `device`, so that an epoch never copies data over."""
        tensors = {
            f.name: value.to(device)
            for f in fields(self)
            if isinstance(value := getattr(self, f.name), torch.Tensor)
        }
        return replace(self, **tensors)
