"""What comes home from Ray tasks: each group's events once, in a local run's order.

A retried group replays the same deterministic training, so the driver keeps, per group,
what it has already passed on (`Delivery`) and drops the repeats; a group that cannot
finish is closed with its unfinished runs failed (`close_failed`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from inittui.core.events import (
    EpochFinished,
    Event,
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
class Delivery:
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


def deliver_pending(ray: Any, channel: Any, deliveries: list[Delivery]) -> None:
    """Move what the channel holds into the groups' pending lists (a finished task's
    last events are in the channel before its result is)."""
    for index, _attempt, events in ray.get(channel.drain.remote()):
        deliveries[index].pending.extend(events)


def close_failed(delivery: Delivery, group: Any, index: int, reason: str) -> GroupFailed:
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
