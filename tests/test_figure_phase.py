"""The phase figure, from a real results file of tiny real runs: each initializer at its
theory's (σ_w², σ_b²), the χ₁ = 1 line where χ₁ is 1, ξ_c shaded, text kept as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

from inittui.cli import main
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.theory.plane import chi1
from inittui.core.theory.weights import layer_variances
from inittui.figures.data import FigureInputError, load_files
from inittui.figures.kinds import KINDS, PlotOptions
from inittui.figures.writing import write_figure
from inittui.headless.sweep import run_headless
from inittui.interrupts import StopSignals
from tests.figure_inputs import DATA

pytestmark = pytest.mark.slow  # a real run, then ξ_c over the plane (seconds for tanh)

INITS = ("variance-scaling:scale=1.5", "lecun-normal", "zeros")
BIAS = "normal:std=0.2"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("phase") / "results.csv"
    spec = ExperimentSpec(inits=INITS, bias_init=BIAS, dataset=DATA, hidden=(16, 16, 16),
                          activation="tanh", epochs=1, batch_size=32, device="cpu")
    assert run_headless(spec, path, None, False, StopSignals()) == 0
    return path


def points(figure: Figure) -> dict[str, tuple[float, float]]:
    """initializer → the scatter point drawn for it (labelled `N: init (tanh, χ₁ = …)`)."""
    found = {}
    for collection in figure.axes[0].collections:
        label = collection.get_label()
        offsets = collection.get_offsets()
        if len(offsets) == 1 and not label.startswith("_"):
            found[label.partition(": ")[2].rpartition(" (")[0]] = tuple(
                float(v) for v in offsets[0])
    return found


def test_each_initializer_is_a_point_at_its_theorys_sigma_w2_and_sigma_b2(
        results: Path) -> None:
    figure = KINDS["phase"].figure(load_files([results]), PlotOptions())
    drawn = points(figure)
    for init in ("variance-scaling:scale=1.5", "lecun-normal"):
        variances = layer_variances(init, BIAS, "tanh", (16, 16, 16, 16))
        assert drawn[init] == pytest.approx((variances.sigma_w2[1], variances.sigma_b2[1]))
    assert drawn["lecun-normal"] == pytest.approx((1.0, 0.04))
    assert figure.get_suptitle().endswith(f"biases {BIAS}")  # said once, shared by all
    assert not any(name.startswith("zeros") for name in drawn), "zeros has no mean field"


def test_the_critical_line_is_where_chi1_is_one(results: Path) -> None:
    figure = KINDS["phase"].figure(load_files([results]), PlotOptions())
    line = next(line for line in figure.axes[0].get_lines() if line.get_label() == "χ₁ = 1")
    for w2, b2 in list(zip(line.get_xdata(), line.get_ydata(), strict=True))[::10]:
        assert chi1("tanh", float(w2), float(b2)) == pytest.approx(1.0, abs=1e-3)
    assert line.get_xdata()[0] == pytest.approx(1.0, abs=1e-3)  # tanh at σ_b² = 0: σ_w² = 1


def test_the_figure_is_valid_png_svg_and_pdf_with_its_labels_as_text(
        results: Path, tmp_path: Path) -> None:
    paths = [tmp_path / f"phase.{suffix}" for suffix in ("png", "svg", "pdf")]
    write_figure(load_files([results]), KINDS["phase"], paths, PlotOptions())
    png, pdf = paths[0].read_bytes(), paths[2].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png[-16:]
    assert pdf.startswith(b"%PDF-") and b"/Type3" not in pdf
    svg = "{http://www.w3.org/2000/svg}"
    texts = " ".join("".join(e.itertext())
                     for e in ET.parse(paths[1]).getroot().iter(f"{svg}text"))
    for text in ("χ₁ = 1", "σ_w²", "σ_b²", "ξ_c", "lecun-normal (tanh, χ₁ = 0.",
                 "biases normal:std=0.2"):
        assert text in texts, text


def test_plot_kind_phase_writes_the_file_and_a_file_without_a_mean_field_run_says_why(
        results: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.svg"
    result = CliRunner().invoke(main, ["plot", str(results), "--kind", "phase", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<?xml")
    lines = results.read_text().splitlines()
    zeros_only = tmp_path / "zeros.csv"
    zeros_only.write_text("\n".join([lines[0], *(row for row in lines[1:] if ",zeros," in row)]))
    with pytest.raises(FigureInputError, match=r"zeros.*not random"):
        KINDS["phase"].figure(load_files([zeros_only]), PlotOptions())
