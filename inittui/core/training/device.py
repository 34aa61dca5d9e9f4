"""Choosing the training device, and refusing sweeps that cannot fit on it."""

from __future__ import annotations

import os

import torch

from inittui.core.errors import DeviceError, option, shown


def available_devices() -> list[str]:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def resolve_device(requested: str) -> torch.device:
    """`auto` prefers CUDA, then Apple's MPS, then the CPU; anything else must exist."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(requested)
    present = available_devices()
    wanted = str(device) if device.index is not None or device.type != "cuda" else "cuda:0"
    if wanted not in present:
        found = ", ".join(present)
        raise DeviceError(f"device '{shown(requested, 30)}' is not available here (found: "
                          f"{found})")
    return device


def free_memory_bytes(device: torch.device) -> int:
    """Memory the sweep may use: free GPU memory, or physical RAM on the CPU and MPS."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_fits(needed_bytes: int, device: torch.device, what: str) -> None:
    """Refuse before allocating, with the figure, rather than crash half-way through."""
    available = free_memory_bytes(device)
    if needed_bytes > 0.8 * available:
        raise DeviceError(
            f"{what} needs about {needed_bytes / 2**30:.1f} GiB but {device} has "
            f"{available / 2**30:.1f} GiB; use fewer or smaller hidden layers, initializers "
            f"or seeds, or a smaller {option('batch_size')}"
        )


OUT_OF_MEMORY_WORDS = (
    "out of memory", "can't allocate memory", "cannot allocate memory", "not enough memory",
    "failed to allocate", "tried to allocate", "allocation failed", "bad_alloc",
)
"""How allocation failures read across PyTorch's CPU, CUDA and MPS allocators and libc."""


def is_out_of_memory(error: BaseException) -> bool:
    """Whether an exception is an allocation failure, whatever its wording."""
    if isinstance(error, MemoryError):
        return True
    out_of_memory = getattr(torch, "OutOfMemoryError", None)
    if out_of_memory is not None and isinstance(error, out_of_memory):
        return True
    text = str(error).lower()
    return any(words in text for words in OUT_OF_MEMORY_WORDS)
