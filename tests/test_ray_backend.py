"""Groups on Ray: the same numbers as a local run, all on loopback, and a worker killed for
real mid-task costs a retry (same results) or one group (reported), never the others."""

from __future__ import annotations

import csv
import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.errors import InittuiError
from inittui.core.events import (
    EpochFinished,
    Event,
    RunFinished,
    SweepFinished,
    SweepStarted,
)
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.ray_tasks import (
    ClusterError,
    GroupFailed,
    GroupRetried,
    ray_session,
    run_groups_on_ray,
)
from inittui.core.training.sweep import run_sweep

GROUP = ExperimentSpec(inits=("zeros", "xavier-normal", "he-normal"),
                       dataset="synthetic:train=300,val=60,test=60,side=8", hidden=(16,),
                       epochs=2, batch_size=32, lr=0.01, device="cpu", diagnostics=False)
OTHER = replace(GROUP, hidden=(24, 8), activation="tanh", seeds=2)
LONG_EPOCHS = (30, 120, 480)
"""A group is trained for the first of these that lasts long enough (about a second here)
for its worker to be killed after the first epoch, before the last."""


def long_group(epochs: int) -> ExperimentSpec:
    return replace(GROUP, dataset="synthetic:train=600,val=60,test=60,side=8", epochs=epochs)


def descendants(root: int) -> dict[int, str]:
    """pid -> command line of every process below root (Ray's daemons and workers)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            names[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ") \
                .decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = names.get(child, "")
            todo.append(child)
    return found


@pytest.fixture(scope="module")
def local_ray() -> Iterator[object]:
    """One local 2-CPU Ray for the module; afterwards none of its processes may be left."""
    with ray_session(num_cpus=2) as connected:
        yield connected
    deadline = time.monotonic() + 30
    while (left := {pid: name for pid, name in descendants(os.getpid()).items()
                    if "ray" in name or "gcs_server" in name}) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"Ray processes left after shutdown: {left}"


@functools.cache
def local_run(group: ExperimentSpec) -> tuple[Event, ...]:
    """A local run with one torch thread, as a 1-CPU Ray task has (the headless test below
    compares with the default threads): on a busy machine two threads wait on each other."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        events: list[Event] = []
        run_sweep(group, events.append)
        return tuple(events)
    finally:
        torch.set_num_threads(threads)


def local_events(*groups: ExperimentSpec) -> list[Event]:
    return [event for group in groups for event in local_run(group)]


def results(events: list[Event]) -> list[tuple[object, ...]]:
    """Every number a front end writes or ranks, in order, without wall times."""
    rows: list[tuple[object, ...]] = []
    for event in events:
        if isinstance(event, EpochFinished):
            rows.append((event.run.run_id, event.epoch, event.train_loss, event.train_acc,
                         event.val_loss, event.val_acc, event.test_acc, event.status))
        elif isinstance(event, RunFinished):
            rows.append((event.run.run_id, event.status, event.epochs, event.test_acc))
        elif isinstance(event, SweepStarted):
            rows.append((event.spec, event.runs, event.steps_per_epoch))
    return rows


@pytest.mark.slow
def test_groups_on_ray_give_a_local_runs_events_and_listen_on_loopback_only(
        local_ray: object) -> None:
    events: list[Event] = []
    run_groups_on_ray([GROUP, OTHER], events.append, ray=local_ray)
    assert results(events) == results(local_events(GROUP, OTHER))
    listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    ours = {str(pid) for pid in descendants(os.getpid())}
    ray_listeners = [line.split()[3] for line in listening.splitlines()
                     if any(f"pid={pid}," in line for pid in ours)]
    assert ray_listeners, listening  # the check below must look at something
    assert all(address.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:"))
               for address in ray_listeners), ray_listeners


def kill_a_training_worker(events: list[Event], killed: list[int]) -> threading.Thread:
    """Kill (SIGKILL) the Ray worker training a group, once its first epoch is home."""

    def killer() -> None:
        while not killed and not any(isinstance(e, SweepFinished) for e in events):
            if any(isinstance(e, EpochFinished) for e in events):
                workers = [pid for pid, name in descendants(os.getpid()).items()
                           if name.startswith("ray::_train_group")]
                if workers:
                    os.kill(workers[0], signal.SIGKILL)
                    killed.append(workers[0])
            time.sleep(0.01)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    return thread


def run_with_a_kill(local_ray: object, groups: list[ExperimentSpec], retries: int
                    ) -> tuple[list[Event], list[object], ClusterError | None]:
    """Run groups on Ray, killing the first group's worker mid-training; a first group
    that ends before the kill lands is made longer."""
    for epochs in LONG_EPOCHS:
        events: list[Event] = []
        notices: list[object] = []
        killed: list[int] = []
        killer = kill_a_training_worker(events, killed)
        failure = None
        try:
            run_groups_on_ray([long_group(epochs), *groups], events.append, ray=local_ray,
                              retries=retries, on_notice=notices.append)
        except ClusterError as error:
            failure = error
        killer.join()
        if killed:
            return events, notices, failure
    raise AssertionError(f"no worker was killed mid-training in {LONG_EPOCHS} epochs")


def first_group(events: list[Event]) -> tuple[list[Event], list[Event]]:
    """Events of the first group and of the rest (delivery is group by group)."""
    end = next(i for i, e in enumerate(events) if isinstance(e, SweepFinished)) + 1
    return events[:end], events[end:]


@pytest.mark.slow
def test_a_gpu_group_on_a_cluster_without_gpus_is_one_clear_error(local_ray: object) -> None:
    with pytest.raises(ClusterError, match="device 'cuda' was asked for but the Ray cluster "
                                           "has no GPU"):
        run_groups_on_ray([replace(GROUP, device="cuda")], lambda _: None, ray=local_ray)


@pytest.mark.slow
def test_an_error_in_a_task_is_the_error_a_local_run_raises(local_ray: object,
                                                             tmp_path: Path) -> None:
    missing = replace(GROUP, dataset="fashion-mnist", data_dir=str(tmp_path))
    with pytest.raises(InittuiError) as local:
        run_sweep(missing, lambda _: None)
    with pytest.raises(InittuiError) as on_ray:
        run_groups_on_ray([missing], lambda _: None, ray=local_ray)
    assert type(on_ray.value) is type(local.value) and str(on_ray.value) == str(local.value)


@pytest.mark.slow
def test_a_killed_worker_costs_a_retry_and_not_a_number(local_ray: object) -> None:
    events, notices, failure = run_with_a_kill(local_ray, [], retries=1)
    assert failure is None
    (retried,) = notices
    assert isinstance(retried, GroupRetried) and retried.attempt == 2
    assert "worker" in retried.reason.lower()
    epochs = first_group(events)[0][0].spec.epochs  # type: ignore[attr-defined]
    assert results(events) == results(local_events(long_group(epochs)))  # no epoch twice


@pytest.mark.slow
def test_a_group_whose_worker_dies_for_good_is_failed_and_the_others_are_kept(
        local_ray: object) -> None:
    events, notices, failure = run_with_a_kill(local_ray, [OTHER], retries=0)
    assert failure is not None and "1 of 2 groups failed on Ray (group 1: " in str(failure)
    (failed,) = notices
    assert isinstance(failed, GroupFailed) and failed.group == 0 and failed.reason
    long, other = first_group(events)
    epochs = long[0].spec.epochs  # type: ignore[attr-defined]
    finished = [e for e in long if isinstance(e, RunFinished)]
    assert {e.run.run_id for e in finished} == {run.run_id for run in long_group(epochs).runs()}
    assert {e.status for e in finished} == {"failed"}
    # The epochs it finished are kept, exactly as a local run has them; then it stops.
    kept = [row for row in results(long) if len(row) == 8]
    assert kept and kept == [row for row in results(local_events(long_group(epochs)))
                             if len(row) == 8][:len(kept)]
    assert results(other) == results(local_events(OTHER))


@pytest.mark.slow
def test_a_grid_group_whose_worker_dies_is_failed_and_closed_the_other_kept(
        local_ray: object) -> None:
    from inittui.core.events import GroupFinished
    from inittui.core.training.plan import plan_grid
    from inittui.core.training.ray_tasks import RayBackend
    from inittui.core.training.sweep import run_grid

    for epochs in LONG_EPOCHS:
        grid = long_group(epochs).with_axis("hidden", [(16,), (8, 8)])
        events: list[Event] = []
        notices: list[object] = []
        killed: list[int] = []
        killer = kill_a_training_worker(events, killed)
        failure: ClusterError | None = None
        try:  # a quick machine may finish the grid before the kill lands: then go longer
            run_grid(grid, events.append, backend=RayBackend(local_ray, 0, notices.append))
        except ClusterError as error:
            failure = error
        killer.join()
        if killed and failure is not None:
            break
    else:
        raise AssertionError("no worker was killed mid-training")
    assert "1 of 2 groups failed on Ray" in str(failure)
    (failed,) = notices
    assert isinstance(failed, GroupFailed)
    groups = plan_grid(grid).groups
    ended = {e.run.run_id: e.status for e in events if isinstance(e, RunFinished)}
    assert {ended[r.run_id] for r in groups[failed.group].runs} == {"failed"}
    assert {ended[r.run_id] for r in groups[1 - failed.group].runs} == {"ok"}
    closed = [e.group for e in events if isinstance(e, GroupFinished)]
    assert sorted(closed) == [0, 1] and isinstance(events[-1], SweepFinished)


@pytest.mark.slow
def test_headless_on_ray_writes_the_local_csv_apart_from_wall_time_and_device(
        local_ray: object, tmp_path: Path) -> None:
    # A grid of 2 batched groups (two depths), each with 2 learning rates × 4 inits × 2 seeds.
    args = ["--headless", "--dataset", "synthetic:train=300,val=60,test=60,side=8",
            "--hidden", "16", "--hidden", "12,8", "--lr", "0.01,0.001", "--epochs", "2",
            "--seeds", "2", "--device", "cpu"]
    runner = CliRunner()
    local = runner.invoke(main, [*args, "--out", str(tmp_path / "local.csv")])
    on_ray = runner.invoke(main, [*args, "--cluster", "ray", "--out", str(tmp_path / "ray.csv")])
    assert local.exit_code == 0 and on_ray.exit_code == 0, on_ray.output

    def rows(name: str) -> list[dict[str, str]]:
        with (tmp_path / name).open(newline="") as handle:
            return [{k: v for k, v in row.items() if k not in ("wall_s", "device", "sweep_id")}
                    for row in csv.DictReader(handle)]

    assert rows("ray.csv") == rows("local.csv") and len(rows("ray.csv")) == 64
    assert "ray: " in on_ray.output and "2 groups as tasks" in on_ray.output


@pytest.mark.slow
async def test_the_app_trains_on_ray_and_ranks_what_a_local_run_ranks(local_ray: object) -> None:
    from inittui.core.results.book import ResultsBook, leaderboard
    from inittui.headless.cluster import ray_trainer
    from inittui.tui.app import create_app

    said: list[str] = []
    app = create_app(GROUP, engine=ray_trainer(None, announce=said.append, keep=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.running and [n.message for n in app._notifications
                                    if n.severity == "error"] == []
        on_ray = leaderboard(app.book)
    local = ResultsBook()
    for event in local_events(GROUP):
        local.apply(event)
    assert on_ray == leaderboard(local) and len(on_ray) == 3
    assert said and said[0].startswith("ray: ")


async def test_the_app_shows_a_run_whose_group_failed_as_failed() -> None:
    """The events a failed group sends (a real sweep's, one run ended as failed)."""
    from inittui.tui.app import create_app
    from inittui.tui.results.leaderboard import Leaderboard

    def engine(spec: ExperimentSpec, on_event: Callable[[Event], None],
               stop: threading.Event) -> None:
        def relay(event: Event) -> None:
            if isinstance(event, RunFinished) and event.run.init == "zeros":
                event = RunFinished(event.run, "failed", event.epochs - 1, None)
            on_event(event)

        run_sweep(spec, relay, stop)

    app = create_app(replace(GROUP, epochs=1), engine=engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        statuses = {r.plan.init: r.status for r in app.book.records()}
        assert statuses == {"zeros": "failed", "xavier-normal": "ok", "he-normal": "ok"}
        table = app.query_one(Leaderboard)
        cells = [str(cell) for row in range(table.row_count)
                 for cell in table.get_row_at(row)]
        assert "failed" in cells


@pytest.mark.slow  # a fresh interpreter importing torch (for the options' defaults)
def test_without_the_cluster_extra_it_is_one_line_naming_the_extra() -> None:
    blocked = ("import sys; sys.modules['ray'] = None; from inittui.cli import main; "
               "main(['--headless', '--cluster', 'ray'])")
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr == ("error: --cluster ray needs the 'cluster' extra: "
                             "pip install 'inittui[cluster]'\n")


@pytest.mark.slow  # a fresh interpreter importing torch and ray
def test_an_address_nobody_answers_is_one_line_and_exit_1() -> None:
    with socket.socket() as closed:  # a port that was free a moment ago
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", "--cluster", "ray", "--address",
         f"127.0.0.1:{port}", "--dataset", "synthetic:train=64,val=16,test=16,side=4",
         "--epochs", "1"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot reach the Ray cluster at 127.0.0.1:{port}: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--headless", "--address", "10.0.0.1:6379"], "--address needs --cluster ray"),
    (["--headless", "--cluster", "dask"], "'dask' is not one of 'local', 'ray'"),
])
def test_cluster_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.output
