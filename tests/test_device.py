"""Choosing the training device, and refusing a sweep too large for it before allocating."""

from __future__ import annotations

import pytest
import torch

from inittui.core.errors import DeviceError
from inittui.core.training.device import (
    available_devices,
    check_fits,
    free_memory_bytes,
    resolve_device,
)

CPU = torch.device("cpu")


def pretend(monkeypatch: pytest.MonkeyPatch, cuda: int, mps: bool) -> None:
    """Make torch's own availability checks report `cuda` CUDA devices and MPS or not."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


@pytest.mark.parametrize(("cuda", "mps", "expected"), [
    (2, True, "cuda"), (1, False, "cuda"), (0, True, "mps"), (0, False, "cpu"),
])
def test_auto_prefers_cuda_then_mps_then_the_cpu(monkeypatch: pytest.MonkeyPatch, cuda: int,
                                                 mps: bool, expected: str) -> None:
    pretend(monkeypatch, cuda, mps)
    assert resolve_device("auto").type == expected


def test_the_devices_torch_reports_are_listed_cpu_first(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch, cuda=2, mps=True)
    assert available_devices() == ["cpu", "cuda:0", "cuda:1", "mps"]


def test_a_device_that_is_not_there_is_refused_naming_those_that_are(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pretend(monkeypatch, cuda=1, mps=False)
    assert resolve_device("cuda") == torch.device("cuda")
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(DeviceError, match="cuda:1") as refused:
        resolve_device("cuda:1")
    assert "cpu, cuda:0" in str(refused.value)
    with pytest.raises(DeviceError, match="mps"):
        resolve_device("mps")


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
