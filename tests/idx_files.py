"""Write small data sets in the on-disk formats torchvision's own loaders read.

Tests and benchmarks use these files to drive the real `torchvision.datasets` classes
offline, so the code path a user's downloaded data takes is the one that gets exercised.
"""

from __future__ import annotations

import hashlib
import pickle
import struct
from pathlib import Path

import numpy as np

IDX_IMAGES_MAGIC = 2051  # 0x0803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x0801: unsigned bytes, 1 dimension
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_LABEL_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)


def _uint8(name: str, values: object, ndim: int) -> np.ndarray:
    """The array as uint8, refusing silent casts that would write a different data set."""
    array = np.asarray(values)
    if array.dtype != np.uint8 or array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d uint8 array, got {array.dtype} {array.shape}")
    return np.ascontiguousarray(array)


def _write_idx(path: Path, magic: int, array: np.ndarray) -> None:
    header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
    path.write_bytes(header + array.tobytes())


def write_mnist_raw(
    root: str | Path,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    folder: str = "MNIST",
) -> Path:
    """Write `root/<folder>/raw/*-idx?-ubyte` (uncompressed IDX) and return the raw folder.

    Images are (N, H, W) uint8 and labels (N,) uint8; use folder="FashionMNIST" for
    `torchvision.datasets.FashionMNIST`. Those loaders only check that the four files exist.
    """
    raw = Path(root) / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, images, labels in (
        ("train", train_images, train_labels),
        ("t10k", test_images, test_labels),
    ):
        images = _uint8(f"{prefix} images", images, 3)
        labels = _uint8(f"{prefix} labels", labels, 1)
        if len(images) != len(labels):
            raise ValueError(f"{prefix}: {len(images)} images but {len(labels)} labels")
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", IDX_IMAGES_MAGIC, images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", IDX_LABELS_MAGIC, labels)
    return raw


def _write_pickle(path: Path, entry: dict[str, object]) -> str:
    """Pickle one CIFAR file and return its md5, the checksum torchvision compares."""
    payload = pickle.dumps(entry, protocol=2)
    path.write_bytes(payload)
    return hashlib.md5(payload, usedforsecurity=False).hexdigest()


def write_cifar10_batches(
    root: str | Path,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
) -> dict[str, str]:
    """Write `root/cifar-10-batches-py` as the official python pickles; return file -> md5.

    Images are (N, 32, 32, 3) uint8, as `CIFAR10.data` holds them; the train set is cut
    into data_batch_1..5. `torchvision.datasets.CIFAR10` checks every file against the md5
    of the official release on each load (not only on download), so these files load only
    where the caller swaps in the returned checksums (tests do, with monkeypatch).
    """
    train_images = _uint8("train images", train_images, 4)
    test_images = _uint8("test images", test_images, 4)
    train_labels = _uint8("train labels", train_labels, 1)
    test_labels = _uint8("test labels", test_labels, 1)
    for images, labels in ((train_images, train_labels), (test_images, test_labels)):
        if images.shape[1:] != (32, 32, 3) or len(images) != len(labels):
            raise ValueError(
                f"CIFAR10 needs (N, 32, 32, 3) images and N labels, got {images.shape} "
                f"and {labels.shape}"
            )
    folder = Path(root) / CIFAR10_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    parts = zip(np.array_split(train_images, 5), np.array_split(train_labels, 5), strict=True)
    batches = [
        (f"data_batch_{number}", images, labels)
        for number, (images, labels) in enumerate(parts, start=1)
    ]
    batches.append(("test_batch", test_images, test_labels))
    checksums = {}
    for name, images, labels in batches:
        checksums[name] = _write_pickle(folder / name, {
            "batch_label": name,
            "labels": [int(label) for label in labels],
            "data": images.transpose(0, 3, 1, 2).reshape(len(images), -1),  # rows of CHW
            "filenames": [f"{name}_{index}.png" for index in range(len(images))],
        })
    checksums["batches.meta"] = _write_pickle(folder / "batches.meta", {
        "label_names": list(CIFAR10_LABEL_NAMES),
        "num_cases_per_batch": len(batches[0][1]),
        "num_vis": 32 * 32 * 3,
    })
    return checksums
