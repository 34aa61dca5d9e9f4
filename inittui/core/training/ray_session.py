"""Joining a Ray cluster, or starting a local Ray on loopback, for a cluster run.

Ray is imported only here and in `ray_tasks`, and only when a cluster run starts (the
`cluster` extra).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

from inittui.core.errors import InittuiError


class ClusterError(InittuiError):
    """Ray could not be started or joined, or a group could not be trained on it."""


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
