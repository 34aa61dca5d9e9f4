"""Pitfall hints name the known cause behind a result."""

from __future__ import annotations

from inittui.core.events import EpochFinished, RunFinished, SweepStarted
from inittui.core.hints import pitfalls
from inittui.core.results import ResultsBook
from inittui.core.specs import ExperimentSpec, RunInfo


def hints_for(init: str, bias: str = "zeros", activation: str = "relu",
              status: str = "ok") -> list[str]:
    run = RunInfo(0, init, 0, bias)
    book = ResultsBook()
    book.apply(SweepStarted(ExperimentSpec(activation=activation), (run,), "cpu", 1, 1))
    book.apply(EpochFinished(run, 1, 1.0, 0.5, 1.0, 0.5, 0.1))
    book.apply(RunFinished(run, status, 1, None))
    return pitfalls(book)


def test_zero_weights_with_zero_biases_never_break_symmetry() -> None:
    assert any("symmetry is never broken" in hint for hint in hints_for("zeros"))


def test_random_biases_break_symmetry_only_partly() -> None:
    assert any("only partly" in hint for hint in hints_for("zeros", bias="normal"))


def test_he_with_a_saturating_activation_is_flagged() -> None:
    assert any("derived for ReLU" in hint for hint in hints_for("he-normal", activation="tanh"))
    assert hints_for("he-normal", activation="relu") == []


def test_a_unit_normal_init_explodes() -> None:
    assert any("explode" in hint for hint in hints_for("normal:std=1"))
    assert hints_for("normal") == []


def test_a_diverged_run_is_explained() -> None:
    assert any("diverged" in hint for hint in hints_for("he-normal", status="diverged"))
