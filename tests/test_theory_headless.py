"""Headless prints mean field's phase table and a reading per initializer after a sweep."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from inittui.cli import main
from inittui.core.events import LayerStats, LayerStatsReady, SweepStarted, TheoryReady
from inittui.core.results.book import ResultsBook
from inittui.core.results.hints import pitfalls
from inittui.core.spec.experiment import ExperimentSpec, RunPlan
from inittui.core.theory.predict import run_theory
from inittui.core.theory.readings import PhaseRow, hint, phase_rows, reading

DATA = "synthetic:train=200,val=100,test=100,side=8"


def test_the_table_follows_the_leaderboard_with_one_reading_per_initializer():
    result = CliRunner().invoke(main, [
        "--headless", "--dataset", DATA, "--hidden", "32x4", "--activation", "relu",
        "--init", "he-normal,normal:std=0.01,zeros", "--seeds", "2", "--epochs", "1",
        "--device", "cpu"], terminal_width=160)
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.index("Leaderboard") < text.index("Mean-field phase at initialization")
    assert "he-normal, relu: χ₁ = 1.00, critical; ξ_c unbounded" in text
    assert "normal, relu: χ₁ = 0.0016, ordered; signals die within ~1 layer" in text
    assert "zeros, relu: no mean-field prediction (zeros weights are not random" in text
    assert text.count("he-normal, relu:") == 1  # seeds share one row
    assert "normal:std=0.01" not in text  # the default std: the registry's canonical label


def _theory(init: str, activation: str, depth: int, bias: str = "zeros"):
    spec = ExperimentSpec(hidden=(128,) * depth, activation=activation, bias_init=bias)
    return run_theory(spec, RunPlan(0, init, 0, bias), 784, 1.0)


@pytest.mark.parametrize(("init", "activation", "words"), [
    ("he-normal", "relu", "he-normal, relu: χ₁ = 1.00, critical; ξ_c unbounded"),
    ("normal", "tanh", "normal, tanh: χ₁ = 0.01, ordered; signals die within ~1 layer; "
                       "6ξ_c = 1 < depth 20"),
    ("variance-scaling:scale=4", "relu", "variance-scaling:scale=4, relu: χ₁ = 2.00, chaotic; "
                                         "the variance grows without bound with depth"),
    ("lsuv", "tanh", "lsuv, tanh: no mean-field prediction (lsuv rescales each layer"),
])
def test_readings_say_the_phase_in_one_line(init: str, activation: str, words: str):
    assert reading(init, activation, _theory(init, activation, 20)).startswith(words)


def test_a_hint_names_the_trainable_depth_only_when_the_net_is_deeper():
    deep = hint("variance-scaling:scale=0.8", _theory("variance-scaling:scale=0.8", "tanh", 40,
                                                      "normal:std=0.1"))
    assert deep is not None and deep.startswith(
        "variance-scaling:scale=0.8: ordered phase (χ₁ = 0.74): gradient variance shrinks "
        "~0.74× per layer; expect trouble beyond ~6ξ_c = 20 layers (this net has 40)")
    assert hint("he-normal", _theory("he-normal", "relu", 40)) is None  # critical
    assert hint("variance-scaling:scale=0.8", _theory("variance-scaling:scale=0.8", "tanh", 3,
                                                      "normal:std=0.1")) is None


def test_the_book_keeps_each_run_s_theory_and_the_hints_use_it():
    spec = ExperimentSpec(hidden=(64,) * 30, activation="tanh", inits=("normal:std=0.05",))
    plan = spec.runs()[0]
    book = ResultsBook()
    book.apply(SweepStarted(spec, (plan,), "cpu", 1, 1))
    theory = run_theory(spec, plan, 784, 1.0)
    book.apply(TheoryReady(plan, theory))
    book.apply(LayerStatsReady(plan, 0, (LayerStats(1, 0, 1, 1, 1, 0, 64, 64),)))
    [row] = phase_rows(book.current.runs.values(), spec)
    assert row == PhaseRow("normal:std=0.05", "tanh", 30, theory)
    assert any("ordered phase (χ₁ = 0.16)" in line and "beyond ~6ξ_c = 3 layers" in line
               for line in pitfalls(book))


def test_a_piped_phase_table_prints_every_number_whole() -> None:
    """Four initializers make the table wider than 80 columns; a pipe must not squeeze it
    (0.0128 once printed as 0.01…)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "inittui", "--headless", "--epochs", "1", "--device", "cpu",
         "--dataset", "synthetic:train=200,val=100,test=100,side=8"],
        capture_output=True, text=True, env={**__import__("os").environ, "COLUMNS": "80"},
        check=True)
    table = result.stdout.split("Mean-field phase at initialization")[1]
    assert "…" not in table.split("σ_w² = fan_in")[0]
    assert "0.0128" in table
