"""schoenholz2017 and pennington2017 show their claims, at reduced size."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.spec.presets import get_preset


def _headless(*args: str):
    result = CliRunner().invoke(main, ["--headless", "--device", "cpu", "--yes", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_presets_say_what_they_show():
    for name in ("schoenholz2017", "pennington2017"):
        preset = get_preset(name)
        assert "PENDING" not in preset.expectation and preset.axis_metric == "best_val_acc"
    assert get_preset("schoenholz2017").overrides["bias_init"] == "normal:std=0.2236"  # 0.05


@pytest.mark.slow
def test_schoenholz2017_deep_nets_train_only_near_criticality(tmp_path: Path):
    """Reduced: width 32, σ_w² = 1 (ordered, 6ξ_c = 22), 1.8 (χ₁ ≈ 1), 4 (chaotic, 42)."""
    out = tmp_path / "r.csv"
    output = _headless("--preset", "schoenholz2017", "--hidden", "32x6;32x40", "--init",
                       "variance-scaling:scale=1,variance-scaling:scale=1.8,"
                       "variance-scaling:scale=4", "--out", str(out))
    names = {"variance-scaling": "1", "variance-scaling:scale=1.8": "1.8",
             "variance-scaling:scale=4": "4"}  # scale 1 is the default: its label is bare
    best: dict[tuple[str, int], float] = defaultdict(float)
    for row in _rows(out):
        key = (names[row["init"]], len(row["hidden"].split(",")))
        best[key] = max(best[key], float(row["val_acc"]))
    assert min(best[(w, 6)] for w in ("1", "1.8", "4")) > 0.5  # every σ_w² trains at 6
    deep = {w: best[(w, 40)] for w in ("1", "1.8", "4")}
    assert deep["1.8"] > deep["1"] and deep["1.8"] > deep["4"]
    assert "6ξ_c" in output


@pytest.mark.slow
def test_pennington2017_orthogonal_tanh_keeps_its_spectrum_gaussian_and_relu_spread(
        tmp_path: Path):
    spectrum = tmp_path / "s.csv"
    _headless("--preset", "pennington2017", "--hidden", "64x2;64x24", "--dataset",
              "synthetic:train=128,val=64,test=64,side=8", "--spectrum-out", str(spectrum))
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for row in _rows(spectrum):
        values[(row["activation"], row["init"], row["depth"])].append(
            float(row["singular_value"]))

    def ratio(activation: str, init: str, depth: str) -> float:
        found = np.asarray(values[(activation, init, depth)])
        low, high = np.percentile(found, [5, 95])
        return float(high / low) if low > 0 else float("inf")

    orthogonal, gaussian = ratio("tanh", "orthogonal", "24"), ratio("tanh", "lecun-normal",
                                                                    "24")
    assert orthogonal < 1e3 and gaussian > 100 * orthogonal
    assert ratio("tanh", "lecun-normal", "24") > ratio("tanh", "lecun-normal", "2")
    for init in ("orthogonal:gain=auto", "he-normal"):  # dead units: rank lost, no isometry
        assert ratio("relu", init, "24") > 100 * orthogonal
