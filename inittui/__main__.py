"""Lets `python -m inittui` behave exactly like the `inittui` console script."""

from inittui.cli import run

run()
