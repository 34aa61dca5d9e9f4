"""The `inittui` command line: the command (`command`), its options (`options`) and one
function per mode (`modes`)."""

from inittui.cli.command import main, run
from inittui.cli.options import AXIS_METRIC_NAMES, build_spec, flag

__all__ = ["AXIS_METRIC_NAMES", "build_spec", "flag", "main", "run"]
