"""Loading a large results file: the streaming reader against the old one, side by side.

    python benchmarks/bench_load.py [--mb 100] [--keep FILE]

Writes a results CSV of about --mb megabytes in the current format (sweeps of 20 runs,
each run a few hundred epochs, rows as `ResultFiles` writes them), then reads it in a
fresh child process per reader, so that each peak resident memory (ru_maxrss) is its
own:

1. old: the reader inittui had before the streaming one, reproduced here as it was
   (`csv.DictReader` into a list of every row's dict, grouped by configuration, then
   events applied to a `ResultsBook`);
2. new: `inittui.core.results.reading.load_results`, which parses row by row and keeps
   only each run's epoch records.

Printed per reader: wall time, peak resident memory above the interpreter with its
imports, and the runs and rows it loaded. A script that prints figures, never a timed
test: the machine is shared, so read them with the load average printed alongside.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inittui.core.results.schema import RESULT_COLUMNS  # noqa: E402

RUNS_PER_SWEEP = 20
EPOCHS = 400

OLD_READER = r'''
import csv, math
from inittui.core.events import EpochFinished, RunFinished, SweepStarted
from inittui.core.results.book import ResultsBook
from inittui.core.spec.experiment import ExperimentSpec, RunPlan, parse_hidden

CONFIG = ("dataset", "model", "hidden", "activation", "optimizer", "lr", "batch_size",
          "device")

def _float(text):
    return float(text) if text else math.nan

def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    count = len(rows)
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[c] for c in CONFIG), []).append(row)
    book = ResultsBook()
    for rows in groups.values():
        first = rows[0]
        spec = ExperimentSpec(dataset=first["dataset"], model=first["model"],
                              hidden=parse_hidden(first["hidden"]),
                              activation=first["activation"], optimizer=first["optimizer"],
                              lr=float(first["lr"]), batch_size=int(first["batch_size"]))
        infos = {}
        for row in rows:
            infos.setdefault(row["run_id"], RunPlan(len(infos), row["init"], int(row["seed"]),
                                                    row["bias_init"]))
        book.apply(SweepStarted(spec, tuple(infos.values()), first["device"], 0, 0))
        for row in rows:
            info = infos[row["run_id"]]
            test = float(row["test_acc"]) if row["test_acc"] else None
            book.apply(EpochFinished(info, int(row["epoch"]), _float(row["train_loss"]),
                                     _float(row["train_acc"]), _float(row["val_loss"]),
                                     _float(row["val_acc"]), _float(row["wall_s"]),
                                     row["status"], test))
            if test is not None:
                book.apply(RunFinished(info, row["status"], int(row["epoch"]), test))
    return book, count
'''

CHILD = r'''
import json, resource, sys, time
sys.path.insert(0, {root!r})
import inittui.core.results.reading, inittui.core.results.book, inittui.core.events
{old}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if {which!r} == "old":
    book, rows = read({path!r})
else:
    loaded = inittui.core.results.reading.load_results({path!r})
    book, rows = loaded.book, loaded.rows
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(seconds=seconds, peak_mib=(peak - base) / 1024,
                      runs=len(book.records()), rows=rows)))
'''


def generate(path: Path, megabytes: float) -> int:
    """Rows as the writer writes them, sweep after sweep, until the file is large enough."""
    rng = random.Random(0)
    target = megabytes * 2**20
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_COLUMNS)
        sweep = 0
        while handle.tell() < target:
            sweep += 1
            sweep_id = f"20261130-120000-{sweep:06x}"
            lr = repr(10 ** rng.uniform(-4, -1))
            for epoch in range(1, EPOCHS + 1):
                for run in range(RUNS_PER_SWEEP):
                    init, seed = f"init{run % 10}", run // 10
                    acc = min(1.0, 0.1 + epoch / EPOCHS * rng.uniform(0.5, 0.9))
                    test = repr(acc) if epoch == EPOCHS else ""
                    writer.writerow([
                        sweep_id, f"{init}/s{seed}", init, "zeros", "", seed, "mnist-5k",
                        "mlp", "128,64", "relu", "adam", lr, "0.9", 64, EPOCHS, epoch,
                        repr(rng.uniform(0, 2)), repr(acc), repr(rng.uniform(0, 2)),
                        repr(acc), test, "ok", repr(rng.uniform(0, 1)), "cpu",
                    ])
                    rows += 1
    return rows


def measure(which: str, path: Path) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), old=OLD_READER if which == "old" else "",
                        which=which, path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100,
                        help="size of the generated file (100 MB keeps a run near 2 minutes "
                        "on 2 cores; the issue's case is 200)")
    parser.add_argument("--keep", type=Path, help="write the file here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "results.csv"
        start = time.perf_counter()
        rows = generate(path, args.mb)
        size = os.path.getsize(path) / 2**20
        print(f"generated {size:.0f} MiB, {rows:,} rows in {time.perf_counter() - start:.1f}s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'reader':<8}{'seconds':>10}{'peak MiB':>10}{'runs':>8}{'rows':>12}")
        for which in ("old", "new"):
            figures = measure(which, path)
            print(f"{which:<8}{figures['seconds']:>10.1f}{figures['peak_mib']:>10.0f}"
                  f"{figures['runs']:>8}{figures['rows']:>12,}")


if __name__ == "__main__":
    main()
