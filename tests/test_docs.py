"""The README is the front door and the docs site cannot drift from the code.

The option reference is generated from the click command and compared here; the README's
key table is checked against every binding the app's classes declare; the site is built
with `mkdocs build --strict`, so a broken link or a missing capture fails.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import inittui.tui

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

README_SPELLING = {
    "question_mark": "?", "slash": "/", "left_square_bracket": "[",
    "right_square_bracket": "]", "comma": ",", "full_stop": ".", "left": "←", "right": "→",
    "up": "↑", "down": "↓",
}
"""Textual's key names as the README's key table writes them."""


def options_page() -> ModuleType:
    """docs/options_page.py, loaded from its file (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("options_page", DOCS / "options_page.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section(text: str, heading: str) -> str:
    """The markdown under `## heading`, up to the next `## `."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def app_bindings() -> dict[str, str]:
    """Every key bound by a class of inittui.tui, mapped to the class that binds it."""
    keys: dict[str, str] = {}
    for info in pkgutil.walk_packages(inittui.tui.__path__, "inittui.tui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, DOMNode) or not cls.__module__.startswith("inittui."):
                continue
            for binding in cls.__dict__.get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    for key in binding.key.split(","):
                        keys[key.strip()] = f"{cls.__name__} ({binding.action})"
    return keys


def readme_table_keys() -> set[str]:
    """The keys the README's key table names: the backticked words of its first column."""
    keys: set[str] = set()
    for line in section(README.read_text(), "Keys").splitlines():
        if line.startswith("| `"):
            keys.update(re.findall(r"`([^`]+)`", line.split(" | ")[0]))
    return keys


def test_the_option_reference_page_is_what_the_click_command_says() -> None:
    committed = (DOCS / "options.md").read_text()
    assert committed == options_page().render(), (
        "docs/options.md differs from the click command: run `python docs/regenerate "
        "--options` and commit the page")


def test_a_new_flag_changes_the_generated_page() -> None:
    """The comparison above fails when another engineer adds a flag, as it should."""
    from inittui.cli import main

    grown = copy.copy(main)
    grown.params = [*main.params, click.Option(["--new-flag"], is_flag=True, help="New.")]
    page = options_page().render(grown)
    assert "| `--new-flag` | – | New. |" in page
    assert page != (DOCS / "options.md").read_text()


def test_the_option_reference_names_every_option_with_its_default() -> None:
    from inittui.cli import main

    page = (DOCS / "options.md").read_text()
    for param in main.params:
        row = next(line for line in page.splitlines() if line.startswith(f"| `{param.opts[0]}`"))
        if isinstance(param.default, str) and param.default:
            assert f"`{param.default}`" in row, row


def test_every_key_the_app_binds_is_in_the_readme_key_table() -> None:
    bound = app_bindings()
    assert {"ctrl+r", "L", "question_mark", "p", "i", "w"} <= set(bound)  # the walk works
    listed = readme_table_keys()
    missing = {key: where for key, where in bound.items()
               if README_SPELLING.get(key, key) not in listed}
    assert not missing, f"keys missing from the README's key table: {missing}"


def test_the_readme_is_a_front_door_of_at_most_300_lines() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 300
    assert "docs/images/app-mid-sweep.svg" in text
    assert (DOCS / "images" / "app-mid-sweep.svg").read_text().lstrip().startswith("<svg")


def test_the_readme_links_every_page_of_the_site() -> None:
    text = README.read_text()
    pages = {path.name for path in DOCS.glob("*.md")} - {"index.md"}
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)", text))
    assert pages <= linked, f"pages the README does not link: {pages - linked}"
    assert linked <= pages | {"index.md"}, f"links to missing pages: {linked - pages}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = next(line for line in README.read_text().splitlines()
                   if line.startswith("python3 -m venv") and "pytest" in line)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[ci.index("# README test command:") + 1] == command


def test_the_readme_main_job_output_is_the_captured_one() -> None:
    block = README.read_text().split("<!-- regenerate:main-job -->")[1]
    block = block.split("<!-- /regenerate:main-job -->")[0]
    captured = (DOCS / "captured" / "main-job.md").read_text()
    shown = [line for line in block.splitlines()[2:]
             if line and line not in ("...", "```") and not line.startswith("(Captured")]
    assert len(shown) > 10
    assert all(line in captured.splitlines() for line in shown), \
        "the README's main-job block was edited by hand: run python docs/regenerate"


def build_site(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # Not --quiet: it hides the warnings that --strict counts, and the build would pass.
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--config-file", str(config), "--site-dir", str(site)],
                          capture_output=True, text=True, cwd=config.parent,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    result = build_site(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "options" / "index.html").exists()
    assert "app-mid-sweep.svg" in (tmp_path / "site" / "index.html").read_text()


@pytest.mark.parametrize("damage", [
    ("app.md", "[the grids](grids.md#no-such-heading)"),
    ("app.md", "[gone](no-such-page.md)"),
    ("headless.md", '--8<-- "docs/captured/no-such-capture.md"'),
])
def test_a_broken_link_or_a_missing_capture_fails_the_build(
        tmp_path: Path, damage: tuple[str, str]) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(DOCS, copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    page, text = damage
    with (copy / "docs" / page).open("a") as file:
        file.write(f"\n\n{text}\n")
    assert build_site(copy / "mkdocs.yml", tmp_path / "site").returncode != 0
