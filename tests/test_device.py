"""Choosing the training device, and refusing a sweep too large for it before allocating."""

from __future__ import annotations

import pytest
import torch

from inittui.core.device import available_devices, check_fits, free_memory_bytes, resolve_device
from inittui.core.errors import DeviceError

CPU = torch.device("cpu")


def test_auto_prefers_cuda_then_mps_then_the_cpu() -> None:
    """Stated against torch's own checks, so it holds on CPU-only and GPU machines alike."""
    if torch.cuda.is_available():
        expected = "cuda"
    elif torch.backends.mps.is_available():
        expected = "mps"
    else:
        expected = "cpu"
    assert resolve_device("auto").type == expected


def test_cpu_resolves_to_the_cpu() -> None:
    assert resolve_device("cpu") == CPU


def test_the_cpu_is_always_an_available_device() -> None:
    assert available_devices()[0] == "cpu"


def test_a_sweep_above_80_percent_of_memory_is_refused_with_the_figures() -> None:
    available = free_memory_bytes(CPU)
    needed = available  # 100% of it
    expected = (f"the sweep needs about {needed / 2**30:.1f} GiB but cpu has "
                f"{available / 2**30:.1f} GiB")
    with pytest.raises(DeviceError) as refused:
        check_fits(needed, CPU, "the sweep")
    assert str(refused.value).startswith(expected)


def test_the_80_percent_limit_is_inclusive() -> None:
    limit = int(0.8 * free_memory_bytes(CPU))
    check_fits(limit, CPU, "the sweep")
    with pytest.raises(DeviceError):
        check_fits(limit + 1, CPU, "the sweep")


def test_a_small_sweep_fits() -> None:
    check_fits(2**20, CPU, "the sweep")
