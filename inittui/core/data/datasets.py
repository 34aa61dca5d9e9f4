"""Data sets as whole tensors: split once, normalized once, then moved to the device.

The engine slices minibatches out of these tensors, so no per-sample Python (a
`DataLoader` over PIL images with `ToTensor`) ever runs; that is what keeps the batched
comparison fast. Every failure a user can fix is a one-line `DataError`.
"""

from __future__ import annotations

import math
import os
import pickle
import tarfile
import zlib
from dataclasses import replace
from pathlib import Path
from urllib.error import URLError

import numpy as np
import torch

from inittui.core.data.splits import TEST_FRACTION, DataSplits
from inittui.core.data.text import load_text
from inittui.core.errors import DataError, option, shown_path
from inittui.core.spec.data_fields import TEXT_DATASETS, parse_dataset, synthetic_params

MNIST_5K_FILE = "mnist_5k.npz"
SPLIT_SEED = 0  # fixed, not the training seed: the same samples are held out in every run
SYNTHETIC_SEED = 0
SYNTHETIC_MARGIN = 3.0  # nearest-prototype margin in noise standard deviations (see _synthetic)
TORCHVISION_SETS = {  # --dataset name -> (torchvision class, folder under --data-dir)
    "mnist": ("MNIST", "MNIST/raw"),
    "fashion-mnist": ("FashionMNIST", "FashionMNIST/raw"),
    "cifar10": ("CIFAR10", "cifar-10-batches-py"),
}
# What torchvision raises on a failed download or a damaged file; URLError is an OSError.
_LOAD_ERRORS = (
    OSError, RuntimeError, ValueError, TypeError, AssertionError, KeyError, EOFError,
    pickle.UnpicklingError, tarfile.TarError, zlib.error,
)


def load_dataset(
    dataset: str, data_dir: str | None, download: bool, val_split: float
) -> DataSplits:
    """Load `dataset` as `--dataset` spells it, on the CPU.

    `val_split` is the fraction of the training pool held out for validation; synthetic
    data ignores it, since its text gives the size of each split.
    """
    name = parse_dataset(dataset)
    base = name.partition(":")[0]
    if base == "mnist-5k":
        return _mnist_5k(name, val_split)
    if base == "synthetic":
        return _synthetic(name)
    if base in TEXT_DATASETS:
        return load_text(name, val_split)
    return _torchvision(name, data_dir, download, val_split)


def bundled_mnist_path() -> Path:
    """The shipped 5,000-digit file: inside the installed package, else in the checkout."""
    package = Path(__file__).resolve().parents[2]
    candidates = (package / "assets" / MNIST_5K_FILE, package.parent / "assets" / MNIST_5K_FILE)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise DataError(
        f"the bundled mnist-5k file is missing (looked for {candidates[0]} and "
        f"{candidates[1]}); reinstall inittui or choose another {option('dataset')}"
    )


def stratified_split(
    labels: torch.Tensor, fraction: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hold out `fraction` of each class (rounded half up); return (keep_idx, held_out_idx).

    Stratifying keeps every split's class mix equal to the whole. Both index sets come
    back shuffled, because sources such as mnist-5k are sorted by class and a caller
    taking the first rows of a split must still see every class.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    keep, held = [], []
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).squeeze(1)
        members = members[torch.randperm(len(members), generator=generator)]
        count = math.floor(fraction * len(members) + 0.5)
        held.append(members[:count])
        keep.append(members[count:])
    keep_idx, held_idx = torch.cat(keep), torch.cat(held)
    return (
        keep_idx[torch.randperm(len(keep_idx), generator=generator)],
        held_idx[torch.randperm(len(held_idx), generator=generator)],
    )


def _assemble(
    name: str,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    num_classes: int,
) -> DataSplits:
    """Float32 NCHW images standardized per channel with the train split's mean and std.

    Only train statistics are used, so validation and test stay unseen; it is done once
    here rather than per batch. Statistics go channel by channel: one reduction over all
    dims but C is several times slower at CIFAR10 size.
    """
    check_integrity(name, {"train": train, "validation": val, "test": test}, num_classes)
    x_train, x_val, x_test = (
        images.to(dtype=torch.float32, memory_format=torch.contiguous_format)
        for images, _ in (train, val, test)
    )
    stats = [torch.std_mean(x_train[:, channel]) for channel in range(x_train.shape[1])]
    std = torch.stack([s for s, _ in stats]).view(1, -1, 1, 1).clamp_min(1e-6)
    mean = torch.stack([m for _, m in stats]).view(1, -1, 1, 1)
    for images in (x_train, x_val, x_test):
        images.sub_(mean).div_(std)
    y_train, y_val, y_test = (labels.to(torch.int64) for _, labels in (train, val, test))
    return DataSplits(name, x_train, y_train, x_val, y_val, x_test, y_test, num_classes)


def check_integrity(name: str, splits: dict[str, tuple[torch.Tensor, torch.Tensor]],
                    num_classes: int) -> None:
    """Refuse data that would fail at the last epoch, now: every split non-empty, one
    label per image, and every label a class index."""
    for split, (images, labels) in splits.items():
        if len(images) != len(labels):
            raise DataError(f"{name}: the {split} split has {len(images)} images but "
                            f"{len(labels)} labels; the files do not belong together")
        if len(labels) == 0:
            raise DataError(f"{name}: the {split} split is empty")
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise DataError(f"{name}: the {split} split has label {bad}, outside the "
                            f"{num_classes} classes 0..{num_classes - 1}")


def _mnist_5k(name: str, val_split: float) -> DataSplits:
    """Real digits with no network: 15% of each class for test, then val_split of the rest."""
    path = bundled_mnist_path()
    try:
        with np.load(path) as arrays:
            images = torch.from_numpy(arrays["images"]).unsqueeze(1)
            labels = torch.from_numpy(arrays["labels"]).to(torch.int64)
    except (OSError, ValueError, KeyError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read the bundled mnist-5k file {path}: {_reason(exc)}") from None
    generator = torch.Generator().manual_seed(SPLIT_SEED)
    pool, test = stratified_split(labels, TEST_FRACTION, generator)
    train_in_pool, val_in_pool = stratified_split(labels[pool], val_split, generator)
    train, val = pool[train_in_pool], pool[val_in_pool]
    return _assemble(
        name, (images[train], labels[train]), (images[val], labels[val]),
        (images[test], labels[test]), num_classes=10,
    )


def _synthetic(name: str) -> DataSplits:
    """Fixed random prototype per class plus unit Gaussian noise; deterministic and fast.

    Prototypes are scaled so that two classes sit 2 * SYNTHETIC_MARGIN noise standard
    deviations apart whatever the image size: the nearest prototype is right about 98%
    of the time, yet any single pixel is mostly noise, so a network has to learn the
    patterns over a few epochs (and a zero-initialized one stays at chance). Each split
    draws from its own generator, so a larger train set leaves val and test unchanged.
    """
    params = synthetic_params(name)
    classes, shape = params["classes"], (params["channels"], params["side"], params["side"])
    pixels = math.prod(shape)
    prototypes = torch.randn(
        classes, *shape, generator=torch.Generator().manual_seed(SYNTHETIC_SEED)
    )
    prototypes *= SYNTHETIC_MARGIN * math.sqrt(2 / pixels)

    def draw(size: int, split_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(SYNTHETIC_SEED + split_seed)
        labels = (torch.arange(size) % classes)[torch.randperm(size, generator=generator)]
        return prototypes[labels] + torch.randn(size, *shape, generator=generator), labels

    return _assemble(
        name, draw(params["train"], 1), draw(params["val"], 2), draw(params["test"], 3),
        num_classes=classes,
    )


def _reason(exc: BaseException) -> str:
    """A one-line cause: the last line, first sentence, of torchvision's message.

    Its multi-mirror download errors end with the underlying error, and the sentence
    after the first one advises `download=True`, which is its API, not our flag. Its
    file parsers fail on bare asserts, which carry no message at all.
    """
    if isinstance(exc, URLError):
        return str(exc.reason)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1].split(". ")[0] if lines else f"unexpected contents, {type(exc).__name__}"


def _files_present(root: Path, layout: str, files: list[Path]) -> bool:
    """Whether every file torchvision opens exists under --data-dir.

    A --data-dir that is a file or cannot be read is an error here, because torchvision
    would report it as merely missing and suggest a download that cannot help.
    """
    try:
        if root.exists() and not root.is_dir():
            raise DataError(f"{option('data_dir')} {shown_path(root)} is not a folder")
        parts = Path(layout).parts
        for depth in range(len(parts) + 1):
            folder = root.joinpath(*parts[:depth])
            if folder.is_dir():
                os.listdir(folder)
        return all(path.is_file() for path in files)
    except PermissionError as exc:
        raise DataError(f"cannot read {exc.filename or root}: permission denied") from None


def _expected_files(dataset_class: type, folder: Path) -> list[Path]:
    """The files the torchvision class opens; all present means nothing to download."""
    if dataset_class.__name__ == "CIFAR10":
        names = [name for name, _ in dataset_class.train_list + dataset_class.test_list]
        names.append(dataset_class.meta["filename"])
    else:  # MNIST family: the raw IDX files, stored without the .gz of the download
        names = [os.path.splitext(name)[0] for name, _ in dataset_class.resources]
    return [folder / name for name in names]


def _torchvision(name: str, data_dir: str | None, download: bool, val_split: float) -> DataSplits:
    """A full data set through the real torchvision class, read as whole arrays.

    `.data` and `.targets` are taken directly; indexing the dataset would build a PIL
    image per sample. Official train/test split; validation is held out of train.
    """
    class_name, layout = TORCHVISION_SETS[name]
    if data_dir is None:
        raise DataError(
            f"data set '{name}' needs {option('data_dir')} (a folder in torchvision's layout, e.g. "
            f"./data holding {layout}); add {option('download')} to fetch it"
        )
    root = Path(data_dir).expanduser()
    folder = root / layout
    import torchvision.datasets  # deferred: slow to import and unused by the other data sets

    dataset_class = getattr(torchvision.datasets, class_name)
    if not _files_present(root, layout, _expected_files(dataset_class, folder)):
        if not download:
            raise DataError(
                f"no {class_name} files in {shown_path(folder)}; add {option('download')} to "
                f"fetch them, or point {option('data_dir')} at a folder holding {layout}"
            )
        try:
            dataset_class(str(root), train=False, download=True)
        except PermissionError:
            raise DataError(
                f"cannot write to {shown_path(root)}: permission denied; choose a writable "
                f"{option('data_dir')}"
            ) from None
        except _LOAD_ERRORS as exc:
            raise DataError(
                f"downloading {class_name} failed ({_reason(exc)}); fetch the files on a "
                f"machine with network and point {option('data_dir')} at a folder holding {layout}"
            ) from None
    try:
        train_set = dataset_class(str(root), train=True)
        test_set = dataset_class(str(root), train=False)
    except PermissionError:
        raise DataError(f"cannot read the files in {folder}: permission denied") from None
    except _LOAD_ERRORS as exc:
        raise DataError(
            f"cannot read the {class_name} files in {folder} ({_reason(exc)}); replace "
            f"them, or delete them and add {option('download')}"
        ) from None
    images, labels = _nchw(train_set.data), torch.as_tensor(train_set.targets)
    num_classes = len(train_set.classes)
    check_integrity(name, {"train": (images, labels)}, num_classes)  # before indexing by label
    train, val = stratified_split(labels, val_split, torch.Generator().manual_seed(SPLIT_SEED))
    splits = _assemble(
        name, (images[train], labels[train]), (images[val], labels[val]),
        (_nchw(test_set.data), torch.as_tensor(test_set.targets)), num_classes=num_classes,
    )
    return replace(splits, source=_source(dataset_class, root, folder))


def _source(dataset_class: type, root: Path, folder: Path) -> str:
    """The files torchvision read: its MNIST classes prefer a `processed/*.pt` copy, when
    present, to the raw IDX files, so a stale copy would otherwise go unnoticed."""
    if dataset_class.__name__ == "CIFAR10":
        return f"{shown_path(folder)} (python pickles)"
    processed = root / dataset_class.__name__ / "processed"
    if all((processed / name).is_file() for name in ("training.pt", "test.pt")):
        return (f"{shown_path(processed)}/training.pt and test.pt (torchvision's processed "
                f"copy; the raw IDX files in {shown_path(folder)} were not read)")
    return f"{shown_path(folder)} (raw IDX files)"


def _nchw(data: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Images as (N, C, H, W): MNIST's .data is (N, H, W), CIFAR10's is (N, H, W, C)."""
    images = torch.as_tensor(data)
    return images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)
