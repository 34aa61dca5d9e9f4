"""Data loading: the bundled digits, the real torchvision loaders offline, synthetic data."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets
from idx_files import write_cifar10_batches, write_mnist_raw

from inittui.cli import flag
from inittui.core.data import datasets as data
from inittui.core.data.datasets import DataSplits, load_dataset, stratified_split
from inittui.core.errors import DataError, SpecError

MNIST_5K_SHA256 = "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4"


def one_line(error: pytest.ExceptionInfo[DataError]) -> str:
    """The message as the command line words it; the core itself names no flag."""
    assert "--" not in str(error.value)
    message = error.value.worded(flag)
    assert message and "\n" not in message
    return message


def rows(images: torch.Tensor) -> set[bytes]:
    return {row.numpy().tobytes() for row in images}


def standardized(images: torch.Tensor) -> torch.Tensor:
    """Per-channel z-scores: equal for two tensors that differ by a per-channel affine map."""
    images = images.double()
    mean = images.mean(dim=(0, 2, 3), keepdim=True)
    return (images - mean) / images.std(dim=(0, 2, 3), keepdim=True)


def class_counts(labels: torch.Tensor, classes: int = 10) -> list[int]:
    return torch.bincount(labels, minlength=classes).tolist()


@pytest.fixture(scope="module")
def mnist_5k() -> DataSplits:
    return load_dataset("mnist-5k", None, False, 0.15)


@pytest.fixture
def raw_digits() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "train_images": rng.integers(0, 256, (600, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(600) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, 100, dtype=np.uint8),
    }


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy, so that a local URL is dialled directly and nothing leaves the machine."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_bundled_mnist_path_is_the_documented_file() -> None:
    path = data.bundled_mnist_path()
    assert path.name == "mnist_5k.npz"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MNIST_5K_SHA256


def test_missing_bundled_mnist_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "MNIST_5K_FILE", "absent.npz")
    with pytest.raises(DataError) as error:
        load_dataset("mnist-5k", None, False, 0.15)
    assert "absent.npz" in one_line(error)


def test_mnist_5k_has_fixed_stratified_split_sizes(mnist_5k: DataSplits) -> None:
    assert mnist_5k.name == "mnist-5k"
    assert mnist_5k.input_shape == (1, 28, 28)
    assert mnist_5k.num_classes == 10
    assert class_counts(mnist_5k.y_test) == [75] * 10
    assert class_counts(mnist_5k.y_val) == [64] * 10  # 15% of the 425 left per class
    assert class_counts(mnist_5k.y_train) == [361] * 10
    assert len(mnist_5k.y_train) + len(mnist_5k.y_val) + len(mnist_5k.y_test) == 5000
    for x, y in ((mnist_5k.x_train, mnist_5k.y_train), (mnist_5k.x_test, mnist_5k.y_test)):
        assert x.dtype == torch.float32 and y.dtype == torch.int64 and len(x) == len(y)


def test_mnist_5k_splits_are_disjoint_and_cover_every_digit(mnist_5k: DataSplits) -> None:
    train, val, test = rows(mnist_5k.x_train), rows(mnist_5k.x_val), rows(mnist_5k.x_test)
    assert not (train & val or train & test or val & test)
    assert len(train | val | test) == 5000  # the file's 5,000 images are all distinct


def test_mnist_5k_splits_are_shuffled_not_class_sorted(mnist_5k: DataSplits) -> None:
    assert len(set(mnist_5k.y_train[:50].tolist())) == 10


def test_mnist_5k_split_is_the_same_on_every_call(mnist_5k: DataSplits) -> None:
    again = load_dataset("mnist-5k", None, False, 0.15)
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        assert torch.equal(getattr(again, name), getattr(mnist_5k, name))


def test_mnist_5k_test_split_does_not_depend_on_val_split(mnist_5k: DataSplits) -> None:
    other = load_dataset("mnist-5k", None, False, 0.3)
    assert torch.equal(other.y_test, mnist_5k.y_test)
    assert torch.allclose(standardized(other.x_test), standardized(mnist_5k.x_test), atol=1e-5)
    assert class_counts(other.y_val) == [128] * 10


def test_train_split_is_standardized_per_channel(mnist_5k: DataSplits) -> None:
    assert mnist_5k.x_train.mean().item() == pytest.approx(0, abs=1e-4)
    assert mnist_5k.x_train.std().item() == pytest.approx(1, abs=1e-4)
    assert mnist_5k.x_val.mean().item() != pytest.approx(0, abs=1e-6)  # train statistics only


def test_stratified_split_holds_out_a_fraction_of_each_class() -> None:
    labels = torch.arange(3).repeat_interleave(torch.tensor([40, 20, 10]))
    keep, held = stratified_split(labels, 0.25, torch.Generator().manual_seed(0))
    assert class_counts(labels[held], 3) == [10, 5, 3]  # 2.5 rounds half up
    assert sorted(torch.cat([keep, held]).tolist()) == list(range(70))
    again = stratified_split(labels, 0.25, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], keep) and torch.equal(again[1], held)
    assert not torch.equal(keep, keep.sort().values)


def test_data_splits_to_moves_every_tensor(mnist_5k: DataSplits) -> None:
    moved = mnist_5k.to(torch.device("cpu"))
    assert isinstance(moved, DataSplits) and moved.name == mnist_5k.name
    assert moved.num_classes == 10 and moved.input_shape == (1, 28, 28)
    assert all(t.device.type == "cpu" for t in (moved.x_train, moved.y_val, moved.x_test))
    assert torch.equal(moved.x_val, mnist_5k.x_val)


def test_idx_files_carry_the_mnist_magic_numbers(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    raw = write_mnist_raw(tmp_path, **raw_digits)
    assert raw == tmp_path / "MNIST" / "raw"
    images = (raw / "train-images-idx3-ubyte").read_bytes()
    labels = (raw / "t10k-labels-idx1-ubyte").read_bytes()
    assert np.frombuffer(images[:16], ">u4").tolist() == [2051, 600, 28, 28]
    assert np.frombuffer(labels[:8], ">u4").tolist() == [2049, 100]
    assert len(images) == 16 + 600 * 28 * 28


def test_idx_writer_refuses_arrays_that_are_not_uint8(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    raw_digits["train_images"] = raw_digits["train_images"].astype(np.float32)
    with pytest.raises(ValueError, match="uint8"):
        write_mnist_raw(tmp_path, **raw_digits)


@pytest.mark.parametrize(("dataset", "folder"), [("mnist", "MNIST"),
                                                  ("fashion-mnist", "FashionMNIST")])
def test_mnist_family_loads_through_the_real_torchvision_class(
    tmp_path: Path, raw_digits: dict[str, np.ndarray], dataset: str, folder: str
) -> None:
    write_mnist_raw(tmp_path, **raw_digits, folder=folder)
    splits = load_dataset(dataset, str(tmp_path), False, 0.15)
    assert splits.name == dataset and splits.input_shape == (1, 28, 28)
    assert splits.num_classes == 10
    assert class_counts(splits.y_val) == [9] * 10 and class_counts(splits.y_train) == [51] * 10
    assert rows(splits.x_train).isdisjoint(rows(splits.x_val))
    assert splits.x_train.mean().item() == pytest.approx(0, abs=1e-4)
    # The official test split, in file order, up to the train normalization.
    assert splits.y_test.tolist() == raw_digits["test_labels"].tolist()
    written = torch.from_numpy(raw_digits["test_images"]).unsqueeze(1)
    assert torch.allclose(standardized(splits.x_test), standardized(written), atol=1e-5)


def test_cifar10_loads_through_the_real_torchvision_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CIFAR10 checks each file's md5 on every load, so the test swaps in the fixture's."""
    rng = np.random.default_rng(0)
    test_images = rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    test_images[..., 2] //= 4  # a different scale per channel, to catch a layout mix-up
    test_labels = rng.integers(0, 10, 20, dtype=np.uint8)
    md5 = write_cifar10_batches(
        tmp_path, rng.integers(0, 256, (200, 32, 32, 3), dtype=np.uint8),
        (np.arange(200) % 10).astype(np.uint8), test_images, test_labels,
    )
    cifar = torchvision.datasets.CIFAR10
    monkeypatch.setattr(cifar, "train_list", [[name, md5[name]] for name, _ in cifar.train_list])
    monkeypatch.setattr(cifar, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(cifar, "meta", {**cifar.meta, "md5": md5["batches.meta"]})
    splits = load_dataset("cifar10", str(tmp_path), False, 0.1)
    assert splits.input_shape == (3, 32, 32) and splits.num_classes == 10
    assert len(splits.y_train) == 180 and class_counts(splits.y_val) == [2] * 10
    assert splits.y_test.tolist() == test_labels.tolist()
    written = torch.from_numpy(test_images).permute(0, 3, 1, 2)
    assert torch.allclose(standardized(splits.x_test), standardized(written), atol=1e-5)
    assert splits.x_train.mean(dim=(0, 2, 3)).abs().max().item() < 1e-4


def test_cifar10_files_that_fail_the_official_md5_are_a_one_line_error(tmp_path: Path) -> None:
    images = np.zeros((10, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(10, dtype=np.uint8)
    write_cifar10_batches(tmp_path, images, labels, images, labels)
    with pytest.raises(DataError) as error:
        load_dataset("cifar10", str(tmp_path), False, 0.15)
    message = one_line(error)
    assert str(tmp_path / "cifar-10-batches-py") in message and "--download" in message


def test_damaged_idx_file_is_a_one_line_error(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    raw = write_mnist_raw(tmp_path, **raw_digits)
    (raw / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x0f\x01not labels")
    with pytest.raises(DataError) as error:
        load_dataset("mnist", str(tmp_path), False, 0.15)
    assert "cannot read the MNIST files" in one_line(error)


@pytest.mark.parametrize(("dataset", "folder"), [
    ("mnist", "MNIST/raw"), ("fashion-mnist", "FashionMNIST/raw"),
    ("cifar10", "cifar-10-batches-py"),
])
def test_missing_files_name_the_folder_and_the_download_flag(
    tmp_path: Path, dataset: str, folder: str
) -> None:
    with pytest.raises(DataError) as error:
        load_dataset(dataset, str(tmp_path / "data"), False, 0.15)
    message = one_line(error)
    assert str(tmp_path / "data" / folder) in message and "--download" in message


def test_torchvision_set_without_data_dir_says_what_to_pass() -> None:
    with pytest.raises(DataError) as error:
        load_dataset("mnist", None, False, 0.15)
    assert one_line(error) == (
        "data set 'mnist' needs --data-dir (a folder in torchvision's layout, e.g. ./data "
        "holding MNIST/raw); add --download to fetch it"
    )


def test_data_dir_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("not a folder")
    with pytest.raises(DataError) as error:
        load_dataset("fashion-mnist", str(path), False, 0.15)
    assert one_line(error) == f"--data-dir {path} is not a folder"


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """Run as 'nobody' for a moment when root, whom permission bits never stop from reading."""
    if os.geteuid() != 0:
        yield
        return
    try:
        os.seteuid(65534)
    except OSError as exc:
        pytest.skip(f"running as root and cannot drop privileges: {exc}")
    try:
        yield
    finally:
        os.seteuid(0)


def test_unreadable_data_dir_is_a_one_line_error() -> None:
    # Not tmp_path: its parents are private to the owner, so 'nobody' could not reach it.
    parent = Path(tempfile.mkdtemp(prefix="inittui-test-"))
    try:
        parent.chmod(0o755)
        locked = parent / "data"
        locked.mkdir(mode=0)
        locked.chmod(0)  # mkdir's mode is filtered by the umask
        with unprivileged(), pytest.raises(DataError) as error:
            load_dataset("mnist", str(locked), False, 0.15)
        assert one_line(error) == f"cannot read {locked}: permission denied"
    finally:
        (parent / "data").chmod(stat.S_IRWXU)
        shutil.rmtree(parent)


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
def test_failed_download_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None, dataset: str
) -> None:
    closed_port = "http://127.0.0.1:9/"  # the discard port: refused, never the internet
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [closed_port])
    monkeypatch.setattr(
        torchvision.datasets.CIFAR10, "url", closed_port + "cifar-10-python.tar.gz"
    )
    with pytest.raises(DataError) as error:
        load_dataset(dataset, str(tmp_path), True, 0.15)
    message = one_line(error)
    assert message.startswith(f"downloading {'MNIST' if dataset == 'mnist' else 'CIFAR10'} ")
    assert "failed" in message and "--data-dir" in message


def test_unknown_data_set_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown data set 'mnsit'"):
        load_dataset("mnsit", None, False, 0.15)


def test_synthetic_shapes_follow_the_parameters() -> None:
    text = "synthetic:train=300,val=60,test=90,side=8,channels=3,classes=4"
    splits = load_dataset(text, None, False, 0.15)
    assert splits.name == text and splits.num_classes == 4
    assert splits.input_shape == (3, 8, 8)
    assert (len(splits.y_train), len(splits.y_val), len(splits.y_test)) == (300, 60, 90)
    assert class_counts(splits.y_train, 4) == [75] * 4
    assert max(class_counts(splits.y_test, 4)) - min(class_counts(splits.y_test, 4)) <= 1
    assert splits.x_train.mean(dim=(0, 2, 3)).abs().max().item() < 1e-4


def test_synthetic_is_deterministic_and_its_val_set_independent_of_train_size() -> None:
    first = load_dataset("synthetic:train=256,side=8", None, False, 0.15)
    again = load_dataset("synthetic:train=256,side=8", None, False, 0.15)
    assert torch.equal(first.x_train, again.x_train) and torch.equal(first.y_val, again.y_val)
    bigger = load_dataset("synthetic:train=1024,side=8", None, False, 0.15)
    assert torch.equal(bigger.y_val, first.y_val)
    assert torch.allclose(standardized(bigger.x_val), standardized(first.x_val), atol=1e-5)


def test_synthetic_classes_are_separable_but_noisy() -> None:
    splits = load_dataset("synthetic", None, False, 0.15)
    means = torch.stack([splits.x_train[splits.y_train == c].mean(0) for c in range(10)])
    distances = torch.cdist(splits.x_test.flatten(1), means.flatten(1))
    accuracy = (distances.argmin(1) == splits.y_test).float().mean().item()
    assert accuracy > 0.9
    # Yet any one pixel is mostly noise: class means vary far less than samples do.
    between = means.var(dim=0).mean().item()
    within = torch.cat([splits.x_train[splits.y_train == c] - means[c] for c in range(10)])
    assert between < 0.1 * within.var().item()


# ── integrity, checked when the data loads ─────────────────────────────────────────────

def test_labels_outside_the_classes_are_refused_at_load(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    raw_digits["test_labels"][7] = 12
    write_mnist_raw(tmp_path, **raw_digits)
    with pytest.raises(DataError) as error:
        load_dataset("mnist", str(tmp_path), False, 0.15)
    assert one_line(error) == "mnist: the test split has label 12, outside the 10 classes 0..9"


def test_image_and_label_counts_that_differ_are_refused_at_load(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    raw = write_mnist_raw(tmp_path / "a", **raw_digits)
    shorter = {**raw_digits, "train_images": raw_digits["train_images"][:590],
               "train_labels": raw_digits["train_labels"][:590]}
    other = write_mnist_raw(tmp_path / "b", **shorter)
    shutil.copy(other / "train-labels-idx1-ubyte", raw / "train-labels-idx1-ubyte")
    with pytest.raises(DataError) as error:
        load_dataset("mnist", str(tmp_path / "a"), False, 0.15)
    assert one_line(error) == ("mnist: the train split has 600 images but 590 labels; the "
                               "files do not belong together")


def test_an_empty_split_is_refused_at_load(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    write_mnist_raw(tmp_path, **raw_digits)
    with pytest.raises(DataError) as error:
        load_dataset("mnist", str(tmp_path), False, 0.001)  # 0.06 images of each class
    assert one_line(error) == "mnist: the validation split is empty"


def test_which_mnist_files_were_read_is_said(
    tmp_path: Path, raw_digits: dict[str, np.ndarray]
) -> None:
    raw = write_mnist_raw(tmp_path, **raw_digits)
    assert load_dataset("mnist", str(tmp_path), False, 0.15).source == \
        f"{raw} (raw IDX files)"
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir()
    stale = torch.zeros(50, 28, 28, dtype=torch.uint8), torch.arange(50) % 10
    for name in ("training.pt", "test.pt"):
        torch.save(stale, processed / name)
    splits = load_dataset("mnist", str(tmp_path), False, 0.15)
    assert len(splits.y_train) + len(splits.y_val) == 50  # torchvision read the stale copy
    assert splits.source.startswith(f"{processed}/training.pt and test.pt")
    assert f"the raw IDX files in {raw} were not read" in splits.source
