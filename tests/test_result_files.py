"""Results files: nothing lost, nothing half-written, nothing clobbered, any file loads.

File tests use real files in a temporary folder, real processes, `prlimit` for a full
disk and real special files (symbolic links, FIFOs, devices).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from inittui.core.errors import InittuiError
from inittui.core.results.book import ResultsBook
from inittui.core.results.reading import load_results
from inittui.core.results.safe_files import check_writable, neutralize
from inittui.core.results.schema import RESULT_COLUMNS
from inittui.core.results.writing import ResultFiles, write_results
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.sweep import run_sweep
from tests.conftest import csv_cells

TINY_DATA = "synthetic:train=200,val=50,test=50,side=8"
S = [sys.executable, "-m", "inittui", "--headless", "--dataset", TINY_DATA, "--hidden", "16",
     "--init", "he-normal", "--device", "cpu"]
ROOT = Path(__file__).resolve().parent.parent


def headless(*args: str, prefix: tuple[str, ...] = (), cwd: Path | None = None,
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, *S, *args], capture_output=True, text=True, timeout=180,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


def spec(**changes: object) -> ExperimentSpec:
    values: dict[str, object] = dict(inits=("zeros", "he-normal"), dataset=TINY_DATA,
                                     hidden=(16,), epochs=2, device="cpu")
    values.update(changes)
    return ExperimentSpec(**values)  # type: ignore[arg-type]


def leftovers(folder: Path) -> list[str]:
    """Temporary files a writer would leave behind (lock files are meant to stay)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ── writing ────────────────────────────────────────────────────────────────────────────

def test_every_row_has_the_header_s_fields_and_each_sweep_its_own_id(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    files = ResultFiles(out)
    try:
        run_sweep(spec(), files)
        run_sweep(spec(), files)  # the same model twice: two sweeps, never merged
    finally:
        files.close()
    header, *rows = csv_cells(out)
    assert tuple(header) == RESULT_COLUMNS
    assert all(len(row) == len(header) for row in rows)
    assert len({row[0] for row in rows}) == 2 and len(rows) == 8
    assert len(load_results(out).book.sweeps) == 2


def test_overwrite_keeps_the_old_file_until_the_first_epoch_is_written(tmp_path: Path) -> None:
    out, stats = tmp_path / "r.csv", tmp_path / "s.csv"
    out.write_text("old results\n")
    stats.write_text("old stats\n")
    stop = threading.Event()
    stop.set()  # stopped before the first step: a clean stop with no finished epoch
    files = ResultFiles(out, stats, overwrite=True)
    try:
        run_sweep(spec(), files, stop)
    finally:
        files.close()
    assert out.read_text() == "old results\n" and stats.read_text() == "old stats\n"
    assert leftovers(tmp_path) == []

    files = ResultFiles(out, stats, overwrite=True)
    try:
        run_sweep(spec(epochs=1), files)
    finally:
        files.close()
    assert len(csv_cells(out)) == 3 and csv_cells(stats)[0][0] == "run_id"
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_failure_in_the_first_epoch_leaves_both_old_files_and_no_temporaries(
        tmp_path: Path) -> None:
    """--stats-out fails (file size limit) before results have rows: neither file changes."""
    out, stats = tmp_path / "r.csv", tmp_path / "s.csv"
    out.write_text("old results\n")
    stats.write_text("old stats\n")
    done = headless("--epochs", "3", "--hidden", "16,16,16,16", "--out", str(out), "--stats-out",
                    str(stats), "--overwrite", prefix=("prlimit", "--fsize=400"))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()  # whichever of the two files hits the limit first
    assert lines in ([f"error: cannot write '{stats}': File too large"],
                     [f"error: cannot write '{out}': File too large"])
    assert out.read_text() == "old results\n" and stats.read_text() == "old stats\n"
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_full_disk_cuts_the_file_back_to_its_last_complete_row(tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    done = headless("--epochs", "3", "--seeds", "3", "--out", str(out),
                    prefix=("prlimit", "--fsize=1000"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"error: cannot write '{out}': File too large"]
    text = out.read_bytes()
    assert text.endswith(b"\r\n") and len(text) <= 1000
    header, *rows = csv_cells(out)
    assert rows and all(len(row) == len(header) for row in rows)
    assert [row[header.index("epoch")] for row in rows] == ["1", "1", "1"]


@pytest.mark.slow
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_second_writer_is_refused_and_rows_never_mix(tmp_path: Path, overwrite: bool) -> None:
    out = tmp_path / "same.csv"
    flags = ["--overwrite"] if overwrite else []
    base = [*S, "--dataset", "synthetic:train=2000,val=50,test=50,side=8", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([*base, "--epochs", "15", "--seeds", "3", *flags], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([*base, "--epochs", "18", *flags], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, err in results if code == 1)
    assert len(refused.strip().splitlines()) == 1
    assert "being written by another inittui process" in refused or "already exists" in refused
    header, *rows = csv_cells(out)
    assert all(len(row) == len(header) for row in rows)
    assert len({row[0] for row in rows}) == 1  # one sweep's rows only
    assert len(rows) in (15 * 3, 18)


@pytest.mark.slow
def test_symlinks_pipes_and_devices_are_refused_without_touching_them(tmp_path: Path) -> None:
    dangling = tmp_path / "link.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path, overwrite, message in [
        (dangling, False, "is a symbolic link"), (dangling, True, "is a symbolic link"),
        (fifo, True, "is not a regular file"), (Path("/dev/full"), True, "is not a regular"),
    ]:
        with pytest.raises(InittuiError, match=message):
            check_writable(path, overwrite)
    done = headless("--epochs", "1", "--out", str(fifo), "--overwrite")  # used to hang
    assert done.returncode == 1 and "is not a regular file" in done.stderr
    done = headless("--epochs", "1", "--out", str(dangling))
    assert done.returncode == 1 and "is a symbolic link" in done.stderr
    assert dangling.is_symlink() and os.readlink(dangling) == str(tmp_path / "nowhere.csv")
    assert not (tmp_path / "nowhere.csv").exists() and fifo.is_fifo()


def test_without_overwrite_a_file_made_meanwhile_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    files = ResultFiles(out)
    try:
        out.write_text("someone else's\n")  # appears after the check, before the first rows
        with pytest.raises(InittuiError, match="was created by another program"):
            run_sweep(spec(epochs=1), files)
    finally:
        files.close()
    assert out.read_text() == "someone else's\n" and leftovers(tmp_path) == []


# ── cells are data ────────────────────────────────────────────────────────────────────

def test_formula_cells_are_quoted_and_control_characters_dropped() -> None:
    assert [neutralize(text) for text in ("=1+1", "+x", "-x", "@SUM(A1)", "he\x1b[31m\x07")] \
        == ["'=1+1", "'+x", "'-x", "'@SUM(A1)", "he[31m"]
    assert neutralize("he-normal") == "he-normal"


def test_export_load_export_is_byte_identical(tmp_path: Path) -> None:
    book = ResultsBook()
    run_sweep(spec(inits=("he-normal", "normal:std=1e20"), seeds=2), book.apply)
    stop = threading.Event()
    stop.set()
    run_sweep(spec(momentum=0.5, optimizer="sgd", output_init="zeros"), book.apply, stop)
    first, second = tmp_path / "1.csv", tmp_path / "2.csv"
    write_results(book, first)
    loaded = load_results(first)
    assert loaded.skipped == 0 and len(loaded.book.sweeps) == 2
    write_results(loaded.book, second)
    assert first.read_bytes() == second.read_bytes()
    rows = csv_cells(first)
    status = rows[0].index("status")
    assert [r[status] for r in rows[1:]].count("stopped") == 2  # the stopped sweep's runs
    assert [r[status] for r in rows[1:]].count("diverged") == 2


def test_a_sweep_s_normalization_and_residual_init_come_back_from_its_file(
        tmp_path: Path) -> None:
    """Two sweeps apart only in --norm (the batchnorm preset) stay apart on disk; gpt's
    row leaves norm empty, since its LayerNorms are not the option's."""
    book = ResultsBook()
    resmlp = dict(model="resmlp", hidden=(16, 16), epochs=1, inits=("he-normal",))
    run_sweep(spec(**resmlp, norm="batch", residual_init="zeros"), book.apply)
    run_sweep(spec(**resmlp), book.apply)
    run_sweep(spec(model="gpt", hidden=(16,), epochs=1, inits=("gpt2",),
                   dataset="synthetic-text:train=32,val=8,test=8"), book.apply)
    path = tmp_path / "r.csv"
    write_results(book, path)
    rows = list(csv.DictReader(path.open(newline="")))
    assert [(r["model"], r["norm"], r["residual_init"]) for r in rows] == [
        ("resmlp", "batch", "zeros"), ("resmlp", "none", ""), ("gpt", "", "")]
    loaded = [s.spec for s in load_results(path).book.sweeps]
    assert [(s.norm, s.residual_init) for s in loaded] == [
        ("batch", "zeros"), ("none", None), ("none", None)]


def test_labels_that_look_like_formulas_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    header = ",".join(RESULT_COLUMNS)
    row = {c: "" for c in RESULT_COLUMNS} | {
        "sweep_id": "x", "run_id": "'=evil/s0", "init": "'=evil", "bias_init": "zeros",
        "seed": "0", "dataset": "synthetic", "model": "mlp", "hidden": "16",
        "activation": "relu", "optimizer": "adam", "lr": "0.001", "momentum": "0.9",
        "batch_size": "64", "epochs": "1", "param": "sp", "base_width": "64", "epoch": "1",
        "train_loss": "1.0", "train_acc": "0.5", "val_loss": "1.0", "val_acc": "0.5",
        "test_acc": "0.5", "status": "ok", "wall_s": "0.1", "device": "cpu"}
    path.write_text(header + "\r\n" + ",".join(row[c] for c in RESULT_COLUMNS) + "\r\n")
    loaded = load_results(path)
    assert [r.plan.init for r in loaded.book.records()] == ["=evil"]
    again = tmp_path / "again.csv"
    write_results(loaded.book, again)
    assert again.read_bytes() == path.read_bytes()


# ── reading any file ──────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def good_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = ResultsBook()
    run_sweep(spec(), book.apply)
    path = tmp_path_factory.mktemp("good") / "r.csv"
    write_results(book, path)
    return path


def test_malformed_rows_are_counted_and_skipped_and_good_rows_load(
        good_file: Path, tmp_path: Path) -> None:
    header, *rows = good_file.read_text().splitlines()
    bad = [
        rows[0][: len(rows[0]) // 2],                       # truncated row
        rows[0].replace(",ok,", ",maybe,"),                 # unknown status
        rows[0].replace(",0.", ",abc", 1),                  # non-numeric cell
        header,                                             # a second header line
    ]
    path = tmp_path / "mixed.csv"
    path.write_text("\r\n".join([header, *rows[:2], *bad, *rows[2:]]) + "\r\n")
    loaded = load_results(path)
    assert loaded.rows == len(rows) and loaded.skipped == 4
    assert len(loaded.book.records()) == 2
    summary = loaded.summary(path)
    assert summary is not None and "\n" not in summary
    assert str(path) in summary and "skipped 4 malformed rows" in summary
    assert "line 4: " in summary and "fields where the header has" in summary
    assert "line 5: unknown status 'maybe'" in summary and "line 6: " in summary


def test_a_byte_order_mark_and_ranges(good_file: Path, tmp_path: Path) -> None:
    header, *rows = good_file.read_text().splitlines()
    bom = tmp_path / "excel.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + good_file.read_bytes())
    assert load_results(bom).rows == len(rows)
    columns = next(csv.reader([header]))

    def with_cell(column: str, value: str) -> str:
        cells = next(csv.reader([rows[0]]))
        cells[columns.index(column)] = value
        line = io.StringIO()
        csv.writer(line).writerow(cells)
        return line.getvalue().rstrip()

    bad = [with_cell("val_acc", "1.5"), with_cell("epoch", "-1"), with_cell("lr", "inf"),
           with_cell("train_loss", "-2"), with_cell("epoch", "1_0")]
    path = tmp_path / "ranges.csv"
    path.write_text("\r\n".join([header, *bad]) + "\r\n")
    loaded = load_results(path)
    assert loaded.rows == 0 and loaded.skipped == 5
    assert loaded.problems == ["line 2: val_acc 1.5 is outside [0, 1]",
                               "line 3: epoch '-1' is not a whole number",
                               "line 4: lr must be finite, got inf"]


def test_a_file_that_is_not_results_or_not_text_is_one_clear_error(tmp_path: Path) -> None:
    for name, content in [("empty.csv", b""), ("other.csv", b"a,b\n1,2\n"),
                          ("binary.csv", bytes(range(256)) * 4)]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InittuiError) as error:
            load_results(path)
        assert "\n" not in str(error.value)


def test_files_from_before_sweep_ids_still_load(good_file: Path, tmp_path: Path) -> None:
    old_columns = [c for c in RESULT_COLUMNS if c not in (
        "sweep_id", "output_init", "momentum", "epochs", "param", "base_width", "norm",
        "residual_init")]  # each column added since the first files
    with good_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    path = tmp_path / "old.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, old_columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    loaded = load_results(path)
    assert loaded.skipped == 0 and len(loaded.book.records()) == 2


def test_a_copy_in_the_folder_is_found_by_nobody(tmp_path: Path) -> None:
    """The lock file is the only trace a finished writer leaves next to its file."""
    out = tmp_path / "r.csv"
    files = ResultFiles(out)
    try:
        run_sweep(spec(epochs=1), files)
    finally:
        files.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".r.csv.lock") == ["r.csv"]
    shutil.rmtree(tmp_path)
