"""The built wheel ships the bundled data set, and a regular install finds it from anywhere.

The editable install used in development can fall back to the checkout's assets/ folder, so
only a real wheel, unpacked away from the checkout, shows what users get from `pip install`.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "assets" / "mnist_5k.npz"
WHEEL_MEMBER = "inittui/assets/mnist_5k.npz"

# Run with -I (no PYTHONPATH, no user site, no cwd on sys.path), so the only way to reach
# the unpacked wheel is the path given as argv[1], put first so that it wins over the
# editable install's path hook to the checkout.
LOAD_FROM_WHEEL = """
import json, sys
sys.path.insert(0, sys.argv[1])
import inittui
from inittui.core.data import datasets as data
splits = data.load_dataset("mnist-5k", None, False, 0.15)
print(json.dumps({
    "package": inittui.__file__,
    "bundled": str(data.bundled_mnist_path()),
    "sizes": [len(splits.y_train), len(splits.y_val), len(splits.y_test)],
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout, offline, with the build backend already installed."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed (it is in the `test` extra); "
                    "the wheel cannot be built without build isolation")
    out = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "-w", str(out)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("inittui-*.whl")
    return built


def test_the_wheel_ships_the_bundled_mnist_file_unchanged(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert WHEEL_MEMBER in archive.namelist()
        assert archive.read(WHEEL_MEMBER) == BUNDLED.read_bytes()


def test_the_wheel_ships_every_stylesheet_of_the_app(wheel: Path) -> None:
    """The screens read their CSS from .tcss files: an install without them cannot start."""
    sheets = sorted((REPO / "inittui" / "tui" / "styles").glob("*.tcss"))
    assert sheets
    with zipfile.ZipFile(wheel) as archive:
        for sheet in sheets:
            member = sheet.relative_to(REPO).as_posix()
            assert archive.read(member) == sheet.read_bytes(), member


def test_an_installed_wheel_loads_mnist_5k_from_any_directory(
    wheel: Path, tmp_path: Path
) -> None:
    """Split sizes as documented in the README: 3,610 train, 640 validation, 750 test."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-I", "-c", LOAD_FROM_WHEEL, str(site)],
        cwd=elsewhere, check=True, capture_output=True, text=True,
    )
    report = json.loads(result.stdout)
    assert Path(report["package"]).is_relative_to(site)
    assert Path(report["bundled"]) == site / WHEEL_MEMBER
    assert report["sizes"] == [3610, 640, 750]
