"""What a new user meets first on the command line: preset lines that run when pasted,
a plan that says what will train in counts a person writes, and a --help that is true."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.spec.experiment import MODEL_HIDDEN, parse_field
from inittui.core.spec.presets import PRESETS


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), terminal_width=100)
    return result.exit_code, result.output


def pasted(line: str) -> list[str]:
    """The words bash makes of a line pasted after `inittui` (a `;` would end the command,
    and the rest would run as commands of their own: that fails here)."""
    result = subprocess.run(["bash", "-c", f"set -e; printf '%s\\0' {line}"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"bash cannot run the pasted line: {result.stderr}"
    return result.stdout.split("\0")[:-1]


def preset_lines() -> dict[str, str]:
    """Each preset's `sets:` line as --list-presets prints it."""
    code, output = invoke("--list-presets")
    assert code == 0
    names = re.findall(r"^(\S+)$", output, re.MULTILINE)
    lines = re.findall(r"^  sets:   (.*)$", output, re.MULTILINE)
    assert names == list(PRESETS) and len(lines) == len(names)
    return dict(zip(names, lines, strict=True))


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_printed_preset_line_runs_when_pasted(name: str) -> None:
    words = pasted(preset_lines()[name])
    code, output = invoke(*words, "--plan")
    assert code == 0, output
    assert re.match(r"\d+ runs? = ", output)


def test_a_preset_line_sets_what_the_preset_sets() -> None:
    code, by_line = invoke(*pasted(preset_lines()["he2015"]), "--plan")
    _, by_name = invoke("--preset", "he2015", "--plan")
    assert code == 0 and by_line == by_name
    assert "--no-diagnostics" in preset_lines()["mup2022"]


def test_a_study_preset_lists_the_study_it_runs() -> None:
    _, output = invoke("--list-presets")
    assert "study:  widths 64, 256, 1024 × lr 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 × sp and mup; " \
           "--preset mup2022 runs it" in output


def test_the_plan_of_a_study_names_its_groups_widths_and_lrs() -> None:
    code, output = invoke("--preset", "mup2022", "--plan")
    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith(
        "learning-rate transfer study: 30 runs = 1 initializer (he-normal) × 3 widths × 5 lrs "
        "× 2 parametrizations (widths 64, 256, 1024 × lr 1e-4, 3e-4, 1e-3, 3e-3, 1e-2 × sp "
        "and mup)")
    assert lines[0].endswith("6 batched groups (one stacked model each, trained one after "
                             "another)")
    assert lines[1] == ("  group 1: sp, width 64 (hidden=64,64): 5 runs (lr 1e-4, 3e-4, 1e-3, "
                        "3e-3, 1e-2 × 1 seed)")
    assert lines[6].startswith("  group 6: mup, width 1024 (hidden=1024,1024): 5 runs")
    assert len(lines) == 7


def test_a_plan_of_one_counts_in_the_singular() -> None:
    code, output = invoke("--plan", "--init", "he-normal")
    assert code == 0
    assert output.splitlines() == [
        "1 run = 1 initializer (he-normal); 1 cell, 1 batched group (one stacked model)",
        "  every run: mlp sp, hidden=128,64, activation=relu, lr=1e-3, batch=64, adam, "
        "10 epochs, mnist-5k",
        "  group 1: one shape: 1 run (1 cell × 1 initializer × 1 seed)"]
    assert not re.search(r"\b1 (runs|initializers|cells|seeds|batched groups)\b", output)


TINY_DATA = {"text": "synthetic-text:train=64,val=16,test=16", "image":
             "synthetic:train=64,val=16,test=16,side=8"}


@pytest.mark.parametrize("model", ["mlp", "cnn", "resmlp", "resnet", "gpt"])
def test_each_model_trains_with_its_own_default_hidden_sizes(model: str, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    data = TINY_DATA["text" if model == "gpt" else "image"]
    code, output = invoke("--headless", "--model", model, "--dataset", data, "--epochs", "1",
                          "--batch-size", "16", "--init", "he-normal", "--no-diagnostics",
                          "--device", "cpu", "--out", str(out))
    assert code == 0, output
    with out.open(newline="") as handle:
        hidden = {parse_field("hidden", row["hidden"]) for row in csv.DictReader(handle)}
    expected = {"mlp": "128,64", "cnn": "128,64", "resmlp": "128x4",
                "resnet": "16x3,32x3,64x3", "gpt": "64x4"}[model]
    assert hidden == {parse_field("hidden", expected)} == {(MODEL_HIDDEN[model],)}


def test_the_hidden_sizes_given_or_a_presets_win_over_the_models_default() -> None:
    _, given = invoke("--plan", "--model", "gpt", "--hidden", "32x2")
    assert "hidden=32,32," in given
    _, preset = invoke("--plan", "--preset", "fixup2019")
    assert "hidden=64x50," in preset


def test_help_names_each_models_default_hidden_sizes_and_every_mup_model() -> None:
    _, output = invoke("--help")
    text = " ".join(output.split())
    assert ("[default: the model's own: mlp 128,64, cnn 128,64, resmlp 128x4, resnet "
            "16x3,32x3,64x3 (ResNet-20), gpt 64x4]") in text
    assert "scaled with width; mlp, resmlp, gpt)" in text and "mlp only" not in text


def test_the_coordinate_check_file_records_its_lr(tmp_path: Path) -> None:
    out = tmp_path / "coord.csv"
    code, output = invoke("--headless", "--coord-check", "--dataset", TINY_DATA["image"],
                          "--hidden", "8", "--init", "he-normal", "--lr", "0.02",
                          "--coord-widths", "4,8", "--coord-steps", "1", "--device", "cpu",
                          "--out", str(out))
    assert code == 0, output
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {row["lr"] for row in rows} == {"0.02"}
