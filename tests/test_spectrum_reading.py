"""Reading spectra for the views: log-spaced bins, and float32 rounding counted as 0."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from inittui.core.results.spectrum_reading import RESOLVED, floored, log_histogram
from inittui.core.results.spectrum_summary import spread
from inittui.headless.theory import ratio_text


def test_bins_are_equal_in_log10_and_hold_every_positive_value() -> None:
    values = [10.0 ** (k / 4) for k in range(-8, 9)]  # 1e-2 … 1e2, four per decade
    histogram = log_histogram(values, bins=8)
    widths = [math.log10(b) - math.log10(a)
              for a, b in zip(histogram.edges, histogram.edges[1:], strict=False)]
    assert widths == pytest.approx([0.5] * 8)
    assert histogram.edges[0] == pytest.approx(1e-2) and histogram.edges[-1] == pytest.approx(1e2)
    assert sum(histogram.counts) == len(values) and histogram.zeros == 0
    assert histogram.centers[0] == pytest.approx(10 ** -1.75)


def test_equal_values_make_one_bar_a_decade_wide() -> None:
    histogram = log_histogram([1.0] * 5, bins=4)
    assert histogram.edges[0] == pytest.approx(10 ** -0.5)
    assert sorted(histogram.counts) == [0, 0, 0, 5]


def test_values_below_the_float32_floor_of_their_input_count_as_zero() -> None:
    row = (3.0, 1.0, 3.0 * RESOLVED * 2, 3.0 * RESOLVED / 2, 1e-30, 0.0)
    assert floored(row) == (3.0, 1.0, 3.0 * RESOLVED * 2, 0.0, 0.0, 0.0)
    histogram = log_histogram(list(floored(row)))
    assert histogram.zeros == 3 and sum(histogram.counts) == 3


def test_the_spectrum_figure_leaves_unresolved_values_off_its_log_axis_and_says_so(
        tmp_path: Path) -> None:
    import csv

    from inittui.core.results.stats_reading import SPECTRUM_COLUMNS
    from inittui.figures.data import load_files
    from inittui.figures.kinds import KINDS, PlotOptions
    from inittui.figures.style import drawing

    path = tmp_path / "spectrum.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SPECTRUM_COLUMNS)
        for index, value in enumerate((2.0, 1.0, 0.5, 1e-31, 1e-40)):  # two ReLU zeros
            writer.writerow(["he-normal/s0", "he-normal", 0, "8,8", "relu", "", 2, 0, index,
                             repr(value)])
    with drawing():
        figure = KINDS["spectrum"].figure(load_files([path]), PlotOptions())
    assert "2 values below 1e-6 × their input's largest left out" in figure.get_suptitle()
    low, high = figure.axes[0].get_xlim()
    assert 1e-2 < low < 0.5 and 2.0 < high < 10


def test_a_spectrum_of_zeros_has_no_spread_to_print_and_dead_directions_an_infinite_one() -> None:
    assert ratio_text(spread(((0.0, 0.0, 0.0),)).ratio) == "-"
    assert ratio_text(spread(((0.0,) * 10 + (1.0,) * 10,)).ratio) == "∞"
    assert ratio_text(spread(((1.0,) * 20,)).ratio) == "1"
