"""The core must stay UI-free, so that headless runs and other front ends never load a screen."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

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


def modules_loaded_by(module: str, candidates: tuple[str, ...]) -> list[str]:
    """Which of `candidates` a fresh interpreter has loaded after importing `module`."""
    code = (f"import sys, {module}; "
            f"print(' '.join(m for m in {candidates!r} if m in sys.modules))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split()


def test_importing_the_cli_loads_no_torch_and_no_ui_library() -> None:
    """That is what keeps `inittui --help` fast: heavy imports wait until a command runs."""
    assert modules_loaded_by("inittui.cli", ("torch", "torchvision", "textual", "plotext")) == []


def test_importing_the_engine_does_not_load_torchvision() -> None:
    """torchvision is imported only when a torchvision data set is loaded."""
    assert modules_loaded_by("inittui.core.training.engine", ("torchvision",)) == []


def test_the_initializer_registry_loads_no_torch() -> None:
    """Names, formulas, papers and the parser come without torch, so the app and
    `--list-inits` start before torch has loaded."""
    assert modules_loaded_by("inittui.core.init.registry", ("torch",)) == []


def test_parsing_a_spec_loads_no_torch() -> None:
    """Specs parse initializer names through the torch-free registry."""
    code = ("import sys; from inittui.core.spec.experiment import parse_inits; "
            "parse_inits('he-normal:mode=fan_out,HeNormal'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_the_layering_contracts_in_pyproject_hold() -> None:
    """import-linter's contracts (pyproject.toml): the core imports no UI and no front end;
    front ends use the core's public modules only (not its models, data, diagnostics or
    draws); the app and the headless front end stay apart. Function-level imports count."""
    root = Path(__file__).resolve().parents[1]
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
