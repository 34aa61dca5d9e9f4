"""Start-up: the real app paints its first frame before torch starts loading.

The app is launched as a user would (the `inittui` command line in a pseudo-terminal);
an import watcher in its process notes when torch is imported. See
`benchmarks/bench_startup.py` for the timings.
"""

from __future__ import annotations

import pytest

from tests.startup_probe import launch_app

TINY = ("--dataset", "synthetic:train=200,val=50,test=50,side=8", "--hidden", "16")


@pytest.mark.slow
def test_first_frame_is_painted_before_torch_loads_and_torch_then_loads_in_a_worker() -> None:
    launch = launch_app(TINY, wait_for_torch=True)
    assert launch.torch_started_s is not None, "the app never loaded torch in the background"
    assert launch.torch_started_s > launch.first_frame_s
    assert launch.torch_finished_s is not None
