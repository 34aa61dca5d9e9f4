"""The core must stay UI-free, so that headless runs and other front ends never load a screen."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import inittui.core

CORE_MODULES = sorted(f"inittui.core.{m.name}" for m in pkgutil.iter_modules(inittui.core.__path__))


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_ui_library(module: str) -> None:
    code = (f"import sys, {module}; "
            "print(' '.join(m for m in ('textual', 'rich', 'plotext') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []
