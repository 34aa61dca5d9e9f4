"""Groups as Ray tasks: a grid's batched groups train across a cluster, events come home.

Each group (one batched model) is one Ray task. The task runs the same engine as a local
run and pushes its events in small batches to a channel actor; the driver drains the
channel and hands the events on in the order a local run gives them (group by group), so
the front ends write the same rows, show the same progress and rank the same leaderboard.
The channel also carries the driver's stop request back to the tasks, which end between
two steps as a local run does.

A worker that dies mid-task (killed, out of memory, its node lost) has its group run
again, up to `retries` times; training is deterministic, so the events the first attempt
already delivered are recognised and not repeated. A group that still cannot finish is
reported as failed, with the reason, and the other groups' results are kept.

Ray is imported only here, and only when a cluster run starts (the `cluster` extra).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from inittui.core.errors import InittuiError
from inittui.core.events import (
    EpochFinished,
    Event,
    EventSink,
    GroupFinished,
    LayerStatsReady,
    RunDiverged,
    RunFinished,
    RunStarted,
    StepProgress,
    SweepFinished,
    SweepStarted,
)
from inittui.core.spec.experiment import ExperimentSpec, RunPlan

Group = Any
"""What one task trains: a whole ExperimentSpec (one sweep), or a grid's batched group
(`inittui.core.training.plan.Group`, trained by the engine's `run_group`)."""

FLUSH_INTERVAL_S = 0.2
"""How often a task sends its events home: often enough for a live progress bar, seldom
enough that the channel is not a bottleneck."""
POLL_S = 0.05


class ClusterError(InittuiError):
    """Ray could not be started or joined, or a group could not be trained on it."""


@dataclass(frozen=True)
class GroupFailed:
    """A group's task could not finish on the cluster; its unfinished runs have no results.

    Sent after the runs' `RunFinished(status="failed")`, once the group's earlier events
    have been delivered."""

    group: int
    runs: tuple[RunPlan, ...]
    reason: str


@dataclass(frozen=True)
class GroupRetried:
    """A group's worker died; the group runs again (attempt counts from 1)."""

    group: int
    attempt: int
    reason: str


@dataclass
class _Delivery:
    """What the driver has passed on for one group, so a retry's repeats are dropped."""

    delivered: set[Hashable] = field(default_factory=set)
    progress: tuple[int, int] = (0, 0)
    pending: list[Event] = field(default_factory=list)
    runs: tuple[RunPlan, ...] = ()
    finished: set[int] = field(default_factory=set)
    epochs: dict[int, int] = field(default_factory=dict)
    done: bool = False

    def admit(self, event: Event) -> bool:
        """True for an event not delivered before (a retry replays the same training)."""
        if isinstance(event, StepProgress):
            position = (event.epoch, event.step)
            if position <= self.progress:
                return False
            self.progress = position
            return True
        key = _event_key(event)
        if key is None:
            return True
        if key in self.delivered:
            return False
        self.delivered.add(key)
        if isinstance(event, SweepStarted):
            self.runs = event.runs
        elif isinstance(event, EpochFinished):
            self.epochs[event.run.index] = event.epoch
        elif isinstance(event, RunFinished):
            self.finished.add(event.run.index)
        return True


def _event_key(event: Event) -> Hashable | None:
    """What makes an event unique within a group; None for one that cannot be told apart."""
    if isinstance(event, SweepStarted):
        return ("sweep",)
    if isinstance(event, SweepFinished):
        return ("end",)
    if isinstance(event, (RunStarted, RunDiverged, RunFinished)):
        return (type(event).__name__, event.run.index)
    if isinstance(event, (EpochFinished, LayerStatsReady)):
        return (type(event).__name__, event.run.index, event.epoch)
    try:  # any other event: a retry repeats it exactly (it carries no wall time)
        return (type(event).__name__, hash(event), event)
    except TypeError:  # unhashable: let it through
        return None


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError("Ray is not installed") from None
    return ray


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None,
                keep: bool = False) -> Iterator[Any]:
    """Join the cluster at address, or start a local Ray bound to 127.0.0.1; on exit,
    disconnect (a local instance is shut down) unless keep is set, for the next sweep of
    a long-lived program (Ray then shuts down when the process exits). A program that has
    connected Ray itself keeps its connection."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing reported home
    if address is None:
        # Read when ray is imported (and by every Ray process): listeners on loopback only.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray = _ray()
    if ray.is_initialized():  # the program connected Ray itself: use it, leave it running
        yield ray
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.ERROR,
                              "log_to_driver": False}
    if address is None:
        kwargs.update(_node_ip_address="127.0.0.1", num_cpus=num_cpus)
    else:
        _check_reachable(address)
        kwargs.update(address=address)
    try:
        ray.init(**kwargs)
    except (ConnectionError, ValueError, RuntimeError) as error:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise ClusterError(f"could not start or join {where}: "
                           f"{str(error).strip().splitlines()[0]}") from None
    if keep:
        yield ray
        return
    try:
        yield ray
    finally:
        ray.shutdown()


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """A quick TCP connect first: ray.init keeps retrying an address nobody answers (and
    cannot be interrupted meanwhile), so a wrong one would look like a hang."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"the Ray address '{address}' is not HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: "
                           f"{error.strerror or error}") from None


def _train_group(group: Group, channel: Any, index: int, attempt: int) -> None:
    """The task: train one group, sending events home in batches; stop when asked."""
    import ray

    from inittui.core.training.engine import run_group
    from inittui.core.training.sweep import run_sweep

    # A whole spec is a sweep; a grid's group is trained by the engine's run_group.
    train = run_sweep if isinstance(group, ExperimentSpec) else run_group
    stop = threading.Event()
    batch: list[Event] = []
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal batch, last_flush
        if batch and ray.get(channel.push.remote(index, attempt, batch)):
            stop.set()
        batch, last_flush = [], time.monotonic()

    def on_event(event: Event) -> None:
        batch.append(event)
        if time.monotonic() - last_flush >= FLUSH_INTERVAL_S or \
                isinstance(event, SweepFinished):
            flush()

    if ray.get(channel.stopping.remote()):  # stopped before this group's turn came
        return
    try:
        train(group, on_event, stop)
    finally:
        flush()


class _Channel:
    """The actor between tasks and driver: events in, drained by the driver; stop out."""

    def __init__(self) -> None:
        self.events: list[tuple[int, int, list[Event]]] = []
        self.stop = False

    def push(self, index: int, attempt: int, events: list[Event]) -> bool:
        self.events.append((index, attempt, events))
        return self.stop

    def drain(self) -> list[tuple[int, int, list[Event]]]:
        events, self.events = self.events, []
        return events

    def request_stop(self) -> None:
        self.stop = True

    def stopping(self) -> bool:
        return self.stop


def _task_options(ray: Any, group: Group) -> tuple[dict[str, Any], Group]:
    """Resources for a group's task, and the group as the worker should run it.

    A group asking for a GPU (cuda, or auto on a cluster that has GPUs) gets one, which
    Ray makes the worker's only visible device: cuda:N becomes plain cuda there."""
    whole = isinstance(group, ExperimentSpec)
    spec = group if whole else group.spec
    device = spec.device
    has_gpu = ray.cluster_resources().get("GPU", 0) > 0
    wants_gpu = device.startswith("cuda") or (device == "auto" and has_gpu)
    if not wants_gpu:
        return {"num_cpus": 1, "num_gpus": 0, "max_retries": 0}, group
    if not has_gpu:
        raise ClusterError(f"device '{device}' was asked for but the Ray cluster has no GPU")
    on_gpu = replace(spec, device="cuda")
    return ({"num_cpus": 1, "num_gpus": 1, "max_retries": 0},
            on_gpu if whole else replace(group, spec=on_gpu))


def run_groups_on_ray(groups: Sequence[Group], on_event: EventSink,
                      stop: threading.Event | None = None, *, ray: Any,
                      retries: int = 1, on_notice: Callable[[object], None] | None = None
                      ) -> None:
    """Train every group as a Ray task on the connected cluster (see `ray_session`).

    Events reach on_event group by group, in a local run's order; `GroupRetried` reaches
    on_notice as it happens, `GroupFailed` once every group has ended. Raises ClusterError
    when a group failed, after every other group has finished and been delivered; an error
    the engine raised (a missing data set on a worker) is raised as it is, as locally.
    """
    stop = stop or threading.Event()
    notice = on_notice or (lambda _: None)
    remote_train = ray.remote(_train_group)
    channel = ray.remote(num_cpus=0)(_Channel).remote()
    deliveries = [_Delivery() for _ in groups]
    attempts = [1] * len(groups)
    prepared = [_task_options(ray, group) for group in groups]

    def submit(index: int) -> Any:
        options, group = prepared[index]
        return remote_train.options(**options).remote(group, channel, index, attempts[index])

    tasks = {submit(index): index for index in range(len(groups))}
    failures: list[GroupFailed] = []
    stop_sent = False
    next_group = 0  # the group whose events are being delivered

    def deliver() -> None:
        nonlocal next_group
        deliver_pending(ray, channel, deliveries)
        while next_group < len(groups):
            delivery = deliveries[next_group]
            pending, delivery.pending = delivery.pending, []
            for event in pending:
                if delivery.admit(event):
                    on_event(event)
            if not delivery.done:
                return
            next_group += 1

    while tasks:
        if stop.is_set() and not stop_sent:
            channel.request_stop.remote()
            stop_sent = True
        ready, _ = ray.wait(list(tasks), num_returns=1, timeout=POLL_S)
        for ref in ready:
            index = tasks.pop(ref)
            try:
                ray.get(ref)
            except ray.exceptions.RayTaskError as error:  # the engine raised: as locally
                for other in tasks:
                    ray.cancel(other, force=True)
                cause = error.cause if isinstance(error.cause, BaseException) else error
                raise cause from None
            except ray.exceptions.RayError as error:  # the worker or its node died
                reason = _reason(error)
                if attempts[index] <= retries and not stop.is_set():
                    attempts[index] += 1
                    notice(GroupRetried(index, attempts[index], reason))
                    tasks[submit(index)] = index
                    continue
                deliver_pending(ray, channel, deliveries)
                failures.append(_fail(deliveries[index], groups[index], index, reason))
            else:
                deliver_pending(ray, channel, deliveries)
            deliveries[index].done = True
        deliver()
    deliver()
    for failure in failures:
        notice(failure)
    if failures:
        first = failures[0]
        raise ClusterError(f"{len(failures)} of {len(groups)} groups failed on Ray "
                           f"(group {first.group + 1}: {first.reason}); the other groups' "
                           "results are kept")


def deliver_pending(ray: Any, channel: Any, deliveries: list[_Delivery]) -> None:
    """Move what the channel holds into the groups' pending lists (a finished task's
    last events are in the channel before its result is)."""
    for index, _attempt, events in ray.get(channel.drain.remote()):
        deliveries[index].pending.extend(events)


def _fail(delivery: _Delivery, group: Group, index: int, reason: str) -> GroupFailed:
    """Close a group that cannot finish: its unfinished runs end as failed.

    A grid's runs were all announced by the driver's SweepStarted, so they always end
    here; a whole spec's only if its task got as far as announcing them."""
    whole = isinstance(group, ExperimentSpec)
    runs = delivery.runs or _runs_of(group)
    unfinished = tuple(run for run in runs if run.index not in delivery.finished)
    if whole and not delivery.runs:
        return GroupFailed(index, unfinished, reason)
    delivery.pending.extend(RunFinished(run, "failed", delivery.epochs.get(run.index, 0), None)
                            for run in unfinished)
    if whole:
        delivery.pending.append(SweepFinished(stopped=False, wall_s=0.0))
    else:  # closed even if its GroupStarted never got home (the worker died before a flush)
        delivery.pending.append(GroupFinished(group.index, group.groups, stopped=False,
                                              wall_s=0.0))
    return GroupFailed(index, unfinished, reason)


def _runs_of(group: Any) -> tuple[RunPlan, ...]:
    """A spec's runs (a method), or a grid group's (a field)."""
    runs = group.runs
    return tuple(runs() if callable(runs) else runs)


def _reason(error: BaseException) -> str:
    """The first line of Ray's explanation, e.g. 'The worker died unexpectedly ...'."""
    text = str(error).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("(") and "Error" not in line.split(":")[0]:
            return line[:200]
    return type(error).__name__


class RayBackend:
    """Groups as Ray tasks behind the grid's backend protocol (`run_groups`).

    `data` is not sent: each worker loads the data set itself (the same seeded split), so
    nothing large crosses the network, and a node far from the driver reads its own copy.
    """

    def __init__(self, ray: Any, retries: int = 1,
                 on_notice: Callable[[object], None] | None = None) -> None:
        self.ray = ray
        self.retries = retries
        self.on_notice = on_notice

    def run_groups(self, groups: Sequence[Any], on_event: EventSink,
                   stop: threading.Event, data: object = None) -> None:
        run_groups_on_ray(groups, on_event, stop, ray=self.ray, retries=self.retries,
                          on_notice=self.on_notice)
