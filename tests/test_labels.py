"""Run labels that do not fit their column keep whole words as long as they can."""

from __future__ import annotations

from inittui.tui.results.labels import compact, fit, shorten


def test_a_label_that_fits_is_shown_as_it_is() -> None:
    assert shorten("he-normal @ hidden=64x10", 40) == "he-normal @ hidden=64x10"


def test_field_names_go_first_then_the_at_sign_every_word_whole() -> None:
    label = "xavier-normal @ hidden=64x30,lr=1e-3"
    assert compact(label) == [label, "xavier-normal @ 64x30,1e-3", "xavier-normal 64x30,1e-3"]
    assert shorten(label, 26) == "xavier-normal @ 64x30,1e-3"
    assert shorten(label, 24) == "xavier-normal 64x30,1e-3"


def test_only_a_column_too_narrow_for_every_whole_spelling_is_cut_in_the_middle() -> None:
    cut = shorten("xavier-normal @ hidden=64x30", 15)
    assert len(cut) == 15 and cut.startswith("xavier") and cut.endswith("64x30")
    assert shorten("he-normal @ hidden=64x10", 15) == "he-normal 64x10"


def test_the_cells_of_a_grid_stay_apart_at_every_width() -> None:
    labels = [f"{init} @ hidden=64x{depth}" for init in ("he-normal", "xavier-normal")
              for depth in (10, 20, 30)]
    for width in range(8, 30):
        assert len({shorten(label, width) for label in labels}) == len(labels)


def test_a_column_spells_every_label_at_one_level() -> None:
    labels = ["he-normal @ lr=1e-3", "xavier-normal @ lr=1e-3", "zeros @ lr=1e-1"]
    assert fit(labels, 19) == ["he-normal 1e-3", "xavier-normal 1e-3", "zeros 1e-1"]
    assert fit(labels, 23) == labels
    assert fit(["he-normal", "zeros"], 4) == ["h…al", "z…os"]
