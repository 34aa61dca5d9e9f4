"""Figures for papers, from real files of tiny real runs: every kind in PNG, SVG and PDF,
text kept as text, and plotted data that is the file's own numbers.
"""

from __future__ import annotations

import csv
import statistics
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from inittui.core.spec.presets import PRESETS
from inittui.figures.data import FigureInputError, load_files
from inittui.figures.kinds import KINDS, PlotOptions, chosen, drawable
from inittui.figures.writing import write_figure
from tests.figure_inputs import Inputs, make_inputs, with_theory_columns, without_theory_columns

pytestmark = pytest.mark.slow  # the input files come from real runs (about 10 s)

SVG = "{http://www.w3.org/2000/svg}"
KIND_FILES = {"curves": "results", "leaderboard": "results", "sensitivity": "results",
              "heatmap": "results", "depth-profile": "stats", "layer-stds": "stats",
              "coord-check": "coord", "lr-transfer": "transfer", "spectrum": "spectrum"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return make_inputs(tmp_path_factory.mktemp("inputs"))


def svg_texts(path: Path) -> list[str]:
    """Every piece of text in an SVG, as text elements (svg.fonttype none)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_every_automatic_kind_is_one_registry_entry_with_a_test_file() -> None:
    assert set(KIND_FILES) == {kind.name for kind in KINDS.values() if kind.auto}


@pytest.mark.parametrize("kind", sorted(KIND_FILES))
def test_each_kind_is_written_as_valid_png_svg_and_pdf(kind: str, inputs: Inputs,
                                                       tmp_path: Path) -> None:
    data = load_files([inputs.results, getattr(inputs, KIND_FILES[kind])])
    paths = [tmp_path / f"{kind}.{suffix}" for suffix in ("png", "svg", "pdf")]
    write_figure(data, KINDS[kind], paths, PlotOptions())
    png, pdf = paths[0].read_bytes(), paths[2].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png[-16:]
    assert svg_texts(paths[1]), "the SVG holds no text elements"
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf  # TrueType text, not glyph paths


def test_the_svg_names_every_run_and_both_axes_as_text(inputs: Inputs, tmp_path: Path) -> None:
    out = tmp_path / "curves.svg"
    write_figure(load_files([inputs.results]), KINDS["curves"], [out], PlotOptions())
    texts = svg_texts(out)
    for label in ("xavier-normal @ hidden=16,16", "he-normal @ hidden=16x4", "epoch",
                  "validation accuracy", "initializer"):
        assert label in texts, f"{label!r} not in the SVG's text: {texts}"


def csv_means(path: Path, metric: str) -> dict[str, dict[int, float]]:
    """Mean over seeds of a metric per (cell, init) per epoch, read with the csv module."""
    values: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            label = f"{row['init']} @ {row['cell']}"
            values[label][int(row["epoch"])].append(float(row[metric]))
    return {label: {e: statistics.fmean(v) for e, v in by.items()}
            for label, by in values.items()}


@pytest.mark.parametrize("metric", ["val_acc", "train_loss"])
def test_curves_draw_the_files_mean_over_seeds_per_epoch(metric: str,
                                                         inputs: Inputs) -> None:
    figure = KINDS["curves"].figure(load_files([inputs.results]), PlotOptions(metric=metric))
    (axis,) = figure.axes
    drawn = {line.get_label(): line.get_xydata() for line in axis.get_lines()}
    expected = csv_means(inputs.results, metric)
    assert set(drawn) == set(expected)
    for label, by_epoch in expected.items():
        assert drawn[label] == pytest.approx(np.array([[e, by_epoch[e]]
                                                       for e in sorted(by_epoch)]))


def test_smoothing_and_the_log_axis_are_applied_and_said(inputs: Inputs) -> None:
    data = load_files([inputs.results])
    figure = KINDS["curves"].figure(data, PlotOptions(metric="train_loss", smooth=2, log=True))
    (axis,) = figure.axes
    assert axis.get_yscale() == "log"
    assert "mean of the last 2 epochs" in axis.get_title()
    expected = csv_means(inputs.results, "train_loss")
    line = next(line for line in axis.get_lines() if line.get_label() in expected)
    means = expected[str(line.get_label())]
    assert line.get_xydata()[1][1] == pytest.approx((means[1] + means[2]) / 2)


def test_the_leaderboard_bars_are_the_best_val_acc_means(inputs: Inputs) -> None:
    figure = KINDS["leaderboard"].figure(load_files([inputs.results]), PlotOptions())
    (axis,) = figure.axes
    bars = {label.get_text(): patch.get_width()
            for label, patch in zip(axis.get_yticklabels(), axis.patches)}
    best: dict[str, dict[str, float]] = defaultdict(dict)
    with inputs.results.open(newline="") as handle:
        for row in csv.DictReader(handle):
            run = best[f"{row['init']} @ {row['cell']}"]
            run[row["seed"]] = max(run.get(row["seed"], 0.0), float(row["val_acc"]))
    assert bars == pytest.approx({k: statistics.fmean(v.values()) for k, v in best.items()})


def test_layer_stds_draw_theory_lines_only_where_the_file_has_the_columns(
        inputs: Inputs, tmp_path: Path) -> None:
    old = without_theory_columns(inputs.stats, tmp_path / "stats-old.csv")
    plain = KINDS["layer-stds"].figure(load_files([old]), PlotOptions())
    assert not any(line.get_gid() == "theory" for axis in plain.axes
                   for line in axis.get_lines())
    assert "activation std" in plain.axes[0].get_ylabel()
    theory = with_theory_columns(inputs.stats, tmp_path / "stats-theory.csv")
    figure = KINDS["layer-stds"].figure(load_files([theory]), PlotOptions())
    left, right = figure.axes
    assert left.get_ylabel().startswith("pre-activation std")
    dotted = [line for line in left.get_lines() if line.get_gid() == "theory"]
    measured = [line for line in left.get_lines() if line.get_gid() != "theory"]
    assert len(dotted) == len(measured) + 1 == 5  # 2 inits × 2 depths, and the legend's
    for theory_line, measured_line in zip(dotted, measured):
        assert theory_line.get_ydata() == pytest.approx(measured_line.get_ydata() / 1.5 * 1.25)
    assert any(line.get_gid() == "theory" for line in right.get_lines())
    assert [text.get_text() for text in right.get_legend().get_texts()][-1] == \
        "mean-field theory (thin dots in the run's colour)"


def test_the_depth_profile_is_the_last_layers_std_at_initialization(inputs: Inputs) -> None:
    figure = KINDS["depth-profile"].figure(load_files([inputs.stats]), PlotOptions())
    activation = figure.axes[0]
    expected: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    with inputs.stats.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["epoch"] == "0"]
    depth = defaultdict(int)
    for row in rows:
        depth[row["run_id"]] = max(depth[row["run_id"]], int(row["layer"]))
    for row in rows:
        if int(row["layer"]) == depth[row["run_id"]]:
            expected[row["init"]][depth[row["run_id"]]].append(float(row["act_std"]))
    drawn = {line.get_label(): line.get_xydata() for line in activation.get_lines()}
    assert set(drawn) == set(expected) == {"xavier-normal", "he-normal"}
    for init, by_depth in expected.items():
        assert drawn[init] == pytest.approx(np.array(
            [[d, statistics.fmean(by_depth[d])] for d in sorted(by_depth)]))
    assert activation.get_yscale() == "log"


def test_the_coordinate_check_has_a_line_per_step_against_width(inputs: Inputs) -> None:
    figure = KINDS["coord-check"].figure(load_files([inputs.coord]), PlotOptions())
    first = figure.axes[0]
    assert [line.get_label() for line in first.get_lines()] == ["step 0", "step 1", "step 2"]
    assert first.get_lines()[0].get_xdata().tolist() == [16, 32, 64]
    assert first.get_xscale() == "log" and "width" in first.get_xlabel()


def test_the_coordinate_check_has_a_row_per_initializer_and_says_where_all_is_zero(
        tmp_path: Path) -> None:
    from figure_inputs import DATA

    from inittui.core.spec.experiment import ExperimentSpec
    from inittui.headless.coord_check import run_coord_check
    from inittui.interrupts import StopSignals

    out = tmp_path / "coord.csv"
    spec = ExperimentSpec(inits=("zeros", "he-normal"), dataset=DATA, hidden=(16, 16),
                          batch_size=32, device="cpu", optimizer="adam", lr=0.01)
    assert run_coord_check(spec, out, False, (16, 32), 1, StopSignals()) == 0
    figure = KINDS["coord-check"].figure(load_files([out]), PlotOptions())
    titles = [axis.get_title() for axis in figure.axes]
    assert titles[:3] == ["zeros, sp: hidden layer 1", "zeros, sp: hidden layer 2",
                          "zeros, sp: output (logits)"]
    assert titles[3] == "he-normal, sp: hidden layer 1"
    assert "every value is 0" in [text.get_text() for text in figure.axes[0].texts]
    assert figure.axes[0].get_yscale() == "linear" and figure.axes[3].get_yscale() == "log"


def test_lr_transfer_has_a_line_per_width_against_lr(inputs: Inputs) -> None:
    figure = KINDS["lr-transfer"].figure(load_files([inputs.transfer]), PlotOptions())
    with inputs.transfer.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    sp = figure.axes[0]
    assert sp.get_title().startswith("standard") and sp.get_xscale() == "log"
    line = next(line for line in sp.get_lines() if line.get_label() == "width 32")
    assert line.get_xydata() == pytest.approx(np.array(sorted(
        [float(r["lr"]), float(r["final_train_loss"])] for r in rows
        if r["param"] == "sp" and r["width"] == "32")))


def test_the_spectrum_has_a_histogram_per_depth_and_the_spread_against_depth(
        inputs: Inputs) -> None:
    figure = KINDS["spectrum"].figure(load_files([inputs.spectrum]), PlotOptions())
    assert [axis.get_title() for axis in figure.axes] == [
        "2 hidden layers", "6 hidden layers", "spread against depth"]
    spread = {line.get_label(): line.get_ydata().tolist() for line in figure.axes[2].get_lines()}
    assert spread["orthogonal"] == pytest.approx([0, 0], abs=1e-6)  # every value is 1
    assert spread["lecun-normal"][1] > spread["lecun-normal"][0] > 0.1


@pytest.mark.parametrize(("file", "kind"), [
    ("results", "sensitivity"), ("stats", "depth-profile"), ("coord", "coord-check"),
    ("transfer", "lr-transfer"), ("spectrum", "spectrum")])
def test_the_kind_is_chosen_from_what_the_file_holds(file: str, kind: str,
                                                     inputs: Inputs) -> None:
    assert chosen(load_files([getattr(inputs, file)])).name == kind


def test_a_file_of_the_wrong_kind_says_what_the_figure_needs(inputs: Inputs) -> None:
    with pytest.raises(FigureInputError, match="'curves' needs a results file"):
        KINDS["curves"].figure(load_files([inputs.coord]), PlotOptions())
    assert "curves" not in {kind.name for kind in drawable(load_files([inputs.stats]))}


def test_every_preset_names_figure_kinds_that_exist() -> None:
    for preset in PRESETS.values():
        assert preset.figures, f"{preset.name} names no figure"
        assert set(preset.figures) <= set(KINDS), preset.name


def test_a_series_has_the_apps_colour_darkened_for_paper_in_every_figure(
        inputs: Inputs) -> None:
    from matplotlib.colors import to_rgb

    from inittui.core.results.reading import read_results
    from inittui.figures.style import darkened
    from inittui.tui.groups import seed_groups

    app_colours = {group.label: tuple(c / 255 for c in darkened(group.color))
                   for group in seed_groups(read_results(inputs.results))}
    data = load_files([inputs.results, inputs.stats])
    for kind in ("curves", "layer-stds"):
        figure = KINDS[kind].figure(data, PlotOptions())
        lines = [line for axis in figure.axes for line in axis.get_lines()
                 if line.get_gid() != "theory"]
        assert {line.get_label() for line in lines} == set(app_colours)
        for line in lines:
            assert to_rgb(line.get_color()) == pytest.approx(app_colours[line.get_label()])
    dashes = {KINDS["curves"].figure(data, PlotOptions()).axes[0].get_lines()[i].get_linestyle()
              for i in range(4)}
    assert len(dashes) == 4  # told apart in grey scale too


def test_layer_stds_draw_act_stds_prediction_where_the_file_lacks_pre_act_std(
        inputs: Inputs, tmp_path: Path) -> None:
    """A file with mf_act_std but no pre_act_std: the left panel is act std, with its
    prediction dotted under it."""
    with inputs.stats.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = [c for c in rows[0] if c != "pre_act_std"]
    path = tmp_path / "stats-act.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "mf_act_std": repr(float(row["act_std"]) * 0.9)
                             if row["epoch"] == "0" else ""})
    left = KINDS["layer-stds"].figure(load_files([path]), PlotOptions()).axes[0]
    assert left.get_ylabel().startswith("activation std")
    dotted = [line for line in left.get_lines() if line.get_gid() == "theory"][:-1]
    measured = [line for line in left.get_lines() if line.get_gid() != "theory"]
    assert dotted and len(dotted) == len(measured)
    for theory_line, measured_line in zip(dotted, measured):
        assert theory_line.get_ydata() == pytest.approx(measured_line.get_ydata() * 0.9)
