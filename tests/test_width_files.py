"""The width studies' CSVs keep the results file's promises (core/results/writing.RecordFile).

Exclusive create or --overwrite, one writer, whole rows, the old file kept until the first
rows are in, symbolic links and pipes refused untouched, text cells as data; and through the
real command line, for the coordinate check and the mup2022 study.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inittui.core.errors import ResultFileError
from inittui.core.results.writing import RecordFile
from inittui.core.studies.records import (
    COORD_COLUMNS,
    TRANSFER_COLUMNS,
    CoordPoint,
    TransferCell,
    read_coord_points,
    read_transfer_cells,
    row,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = "synthetic:train=200,val=50,test=50,side=8"
POINT = CoordPoint("mup", "he-normal", 64, 1, "output", 0.25, 2)


def test_rows_read_back_exactly_and_the_file_appears_with_its_first_rows(tmp_path):
    out = tmp_path / "cc.csv"
    records = RecordFile(out, COORD_COLUMNS)
    try:
        assert not out.exists()  # nothing at the name before the first rows
        records.write([row(POINT)])
        assert read_coord_points(out) == [POINT]
        records.write([row(POINT), row(POINT)])
    finally:
        records.close()
    assert read_coord_points(out) == [POINT] * 3
    assert not list(tmp_path.glob(".cc.csv.*.tmp"))


def test_an_existing_file_is_refused_without_overwrite_and_replaced_only_once_rows_exist(
        tmp_path):
    out = tmp_path / "study.csv"
    out.write_text("old\n")
    with pytest.raises(ResultFileError, match="already exists; pass"):
        RecordFile(out, TRANSFER_COLUMNS)
    records = RecordFile(out, TRANSFER_COLUMNS, overwrite=True)
    try:
        assert out.read_text() == "old\n"  # a study stopped now would leave it as it was
        cell = TransferCell("sp", 64, 1e-3, 1, 0.5, 0.9, "ok", 2.0)
        records.write([row(cell)])
        assert read_transfer_cells(out) == [cell]
    finally:
        records.close()


def test_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "cc.csv"
    first = RecordFile(out, COORD_COLUMNS)
    try:
        with pytest.raises(ResultFileError, match="being written by another inittui process"):
            RecordFile(out, COORD_COLUMNS, overwrite=True)
    finally:
        first.close()


def test_symbolic_links_and_pipes_are_refused_and_left_alone(tmp_path):
    target = tmp_path / "elsewhere.csv"
    target.write_text("keep\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with pytest.raises(ResultFileError, match="symbolic link"):
        RecordFile(link, COORD_COLUMNS, overwrite=True)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ResultFileError, match="not a regular file"):
        RecordFile(fifo, COORD_COLUMNS, overwrite=True)
    assert target.read_text() == "keep\n" and link.is_symlink()


def test_text_cells_are_data_not_formulas(tmp_path):
    out = tmp_path / "cc.csv"
    records = RecordFile(out, COORD_COLUMNS)
    try:
        records.write([row(CoordPoint("mup", "=HYPERLINK(1)", 64, 0, "1", -0.5, 1))])
    finally:
        records.close()
    with out.open() as handle:
        written = next(csv.DictReader(handle))
    assert written["init"] == "'=HYPERLINK(1)"
    assert written["l1"] == "-0.5"  # numbers stay numbers


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "inittui", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


COORD_ARGS = ("--headless", "--coord-check", "--dataset", DATA, "--hidden", "16",
              "--init", "he-normal", "--coord-widths", "8,16", "--coord-steps", "1")


@pytest.mark.slow
def test_the_coordinate_check_refuses_a_link_and_overwrites_only_when_asked(tmp_path):
    (tmp_path / "real.csv").write_text("keep\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    refused = run_cli(*COORD_ARGS, "--out", "link.csv", "--overwrite", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: 'link.csv' is a symbolic link; give the path of the file itself"]
    assert (tmp_path / "real.csv").read_text() == "keep\n"

    done = run_cli(*COORD_ARGS, "--out", "real.csv", "--overwrite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    points = read_coord_points(tmp_path / "real.csv")
    assert len(points) == 2 * 2 * 2  # widths × steps × (1 hidden layer, output)


@pytest.mark.slow
def test_the_study_writes_its_cells_through_the_same_contract(tmp_path):
    (tmp_path / "study.csv").write_text("old\n")
    args = ("--headless", "--preset", "mup2022", "--dataset", DATA, "--epochs", "1",
            "--hidden", "16", "--base-width", "16", "--out", "study.csv")
    refused = run_cli(*args, cwd=tmp_path)
    assert refused.returncode == 1
    assert "already exists; pass --overwrite" in refused.stderr
    assert (tmp_path / "study.csv").read_text() == "old\n"
