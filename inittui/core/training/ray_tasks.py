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

Ray is imported only here and in `ray_session`, and only when a cluster run starts (the
`cluster` extra). Joining Ray is `ray_session`'s; what comes home, `ray_delivery`'s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from inittui.core.events import Event, EventSink, SweepFinished
from inittui.core.spec.experiment import ExperimentSpec
from inittui.core.training.ray_delivery import (
    Delivery,
    GroupFailed,
    GroupRetried,
    close_failed,
    deliver_pending,
)
from inittui.core.training.ray_session import ClusterError, ray_session

__all__ = ["ClusterError", "GroupFailed", "GroupRetried", "RayBackend", "ray_session",
           "run_groups_on_ray"]
"""The cluster run's public names, wherever they are defined (`ray_session`: joining Ray;
`ray_delivery`: what comes home)."""

TaskWork = Any
"""What one task trains: a whole ExperimentSpec (one sweep), or a grid's batched group
(`inittui.core.training.plan.BatchedGroup`, trained by the engine's `run_group`)."""

FLUSH_INTERVAL_S = 0.2
"""How often a task sends its events home: often enough for a live progress bar, seldom
enough that the channel is not a bottleneck."""
POLL_S = 0.05


def _train_group(group: TaskWork, channel: Any, index: int, attempt: int) -> None:
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


def _task_options(ray: Any, group: TaskWork) -> tuple[dict[str, Any], TaskWork]:
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


def run_groups_on_ray(groups: Sequence[TaskWork], on_event: EventSink,
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
    deliveries = [Delivery() for _ in groups]
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
                failures.append(close_failed(deliveries[index], groups[index], index, reason))
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
