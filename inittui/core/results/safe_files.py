"""The file mechanics under every results file: locks, exclusive creation, atomic swaps.

A target is checked (a regular file or nothing; never a link, pipe or device), locked
against a second inittui process, written to a temporary file in its folder and swapped in
by rename; a write that fails part-way is cut back to the last whole row; a killed writer's
leftovers are removed by the next run on the path.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from inittui.core.errors import (
    InittuiError,
    ResultFileError,
    option,
    shown_path,
)
from inittui.core.printable import printable
from inittui.core.results.schema import FORMULA_STARTS


def check_writable(path: str | Path, overwrite: bool) -> Path:
    """Refuse before any training, touching nothing at the path itself.

    An existing entry must be a regular file (never a symbolic link, pipe or device) and
    is refused unless overwrite; the folder must accept a new file, which is probed with
    a temporary file of its own rather than by opening the target.
    """
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise ResultFileError(f"cannot write '{shown_path(target)}': {os_reason(error)}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ResultFileError(f"'{shown_path(target)}' is a symbolic link; give the path of "
                                  "the file itself")
        if stat.S_ISDIR(info.st_mode):
            raise ResultFileError(f"cannot write results to '{shown_path(target)}': it is a "
                                  "directory")
        if not stat.S_ISREG(info.st_mode):
            raise ResultFileError(f"'{shown_path(target)}' is not a regular file (a pipe, socket "
                                  "or device); choose a file name")
        if not overwrite:
            raise ResultFileError(f"'{shown_path(target)}' already exists; pass "
                                  f"{option('overwrite')} to replace it")
    folder = _folder(target)
    if not folder.is_dir():
        raise ResultFileError(f"cannot write results to '{shown_path(target)}': folder "
                              f"'{shown_path(folder)}' does not exist")
    try:  # a real file in the folder also catches read-only mounts and root-proof folders
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".inittui-probe-"):
            pass
    except OSError as error:
        raise ResultFileError(f"cannot write results to '{shown_path(target)}': "
                              f"{os_reason(error)}") from None
    return target


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def os_reason(error: OSError) -> str:
    """What the system said went wrong, in its own words."""
    return error.strerror or str(error)


def _lock_path(target: Path) -> Path:
    return _folder(target) / f".{target.name}.lock"


def neutralize(text: str) -> str:
    """A text cell as data: control characters dropped, a formula start quoted with `'`."""
    clean = printable(text)
    return "'" + clean if clean.startswith(FORMULA_STARTS) or clean.startswith("'") else clean


class SafeCsv:
    """One CSV file written whole rows at a time through a temporary file.

    `begin` creates the temporary file (mode 0600 until committed) with the header and
    any rows to keep; `add` buffers a row; `flush` writes the buffer in one go, or cuts
    the file back to its last complete row and raises; `commit` gives the file its name:
    `os.replace` over an old file with overwrite, else a hard link, which fails if
    something appeared at the name meanwhile (an exclusive create).
    """

    def __init__(self, path: Path, columns: tuple[str, ...], overwrite: bool,
                 keep: Iterable[list[str]] = ()):
        self.path = path
        self.columns = columns
        self.overwrite = overwrite
        self.keep = list(keep)
        self.fd: int | None = None
        self.temp: Path | None = None
        self.committed = False
        self.size = 0
        self.buffer = io.StringIO()
        self.rows = 0
        self.pending = 0

    def begin(self) -> None:
        if self.fd is not None:
            return
        try:
            fd, name = tempfile.mkstemp(dir=_folder(self.path), prefix=f".{self.path.name}.",
                                        suffix=".tmp")
        except OSError as error:
            raise self._error(error) from None
        self.fd, self.temp = fd, Path(name)
        self.add(list(self.columns))
        for row in self.keep:
            self.add(row)
        self.pending = 0  # the header and kept rows are not new rows
        self.rows = len(self.keep)
        self.flush()

    def add(self, row: list[str]) -> None:
        csv.writer(self.buffer).writerow(row)
        self.pending += 1

    def flush(self) -> None:
        """Write the buffered rows as one piece; on failure keep only complete rows."""
        data = self.buffer.getvalue().encode("utf-8")
        if not data or self.fd is None:
            return
        self.buffer = io.StringIO()
        written = 0
        try:
            while written < len(data):
                written += os.write(self.fd, data[written:])
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)
            raise self._error(error) from None
        self.size += written
        self.rows += self.pending
        self.pending = 0

    def commit(self) -> None:
        if self.committed or self.fd is None or self.temp is None:
            return
        try:
            os.fchmod(self.fd, 0o666 & ~_umask())
            if self.overwrite:
                os.replace(self.temp, self.path)
            else:
                os.link(self.temp, self.path)
                os.unlink(self.temp)
        except FileExistsError:
            raise ResultFileError(f"'{shown_path(self.path)}' was created by another program "
                                  "while this sweep ran; nothing was written to it") from None
        except OSError as error:
            raise self._error(error) from None
        self.committed = True

    def close(self) -> None:
        """Close; a file never committed is removed, leaving the target as it was."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = None
        if not self.committed and self.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temp)

    def _error(self, error: OSError) -> ResultFileError:
        return ResultFileError(f"cannot write '{shown_path(self.path)}': {os_reason(error)}")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file, through symbolic links and `..` alike."""
    return os.path.realpath(first) == os.path.realpath(second)


def lock_for_writing(path: Path, overwrite: bool) -> Any:
    """Check the path, take its lock (refusing a second writer), check it again."""
    from filelock import FileLock, Timeout

    check_writable(path, overwrite)
    lock = FileLock(_lock_path(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ResultFileError(f"'{shown_path(path)}' is being written by another "
                              "inittui process; choose another file") from None
    except OSError as error:
        raise ResultFileError(f"cannot lock '{shown_path(path)}': "
                              f"{os_reason(error)}") from None
    try:
        check_writable(path, overwrite)  # again: another writer may have just finished
    except InittuiError:
        lock.release()
        raise
    remove_leftovers(path)
    return lock


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the temporary files (`.NAME.XXXXXXXX.tmp`) that a writer of path killed
    before its first epoch (SIGKILL, a power cut) left beside it; returns them.

    Called with path's lock held: no live inittui process is writing any of them.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    folder = _folder(path)
    removed = []
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if pattern.fullmatch(name) and (folder / name).is_file():
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)
                    removed.append(folder / name)
    return removed
