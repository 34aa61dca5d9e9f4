"""The screens' stylesheets, one `.tcss` file each, read into the screen's DEFAULT_CSS.

DEFAULT_CSS, not CSS_PATH: a screen's CSS_PATH is scoped and ranked as that screen's own
stylesheet, which draws differently from the DEFAULT_CSS these rules were written as. The
files are package data, so an installed wheel reads them the same way.
"""

from __future__ import annotations

from importlib.resources import files


def stylesheet(name: str) -> str:
    """The text of `styles/<name>` (a `.tcss` file shipped in the package)."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")
