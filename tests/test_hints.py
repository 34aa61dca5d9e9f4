"""Pitfall hints name the known cause behind a result."""

from __future__ import annotations

from inittui.core.events import EpochFinished, RunFinished, SweepStarted
from inittui.core.results.book import ResultsBook
from inittui.core.results.hints import pitfalls
from inittui.core.spec.experiment import ExperimentSpec, RunPlan


def hints_for(init: str, bias: str = "zeros", activation: str = "relu",
              status: str = "ok", output_init: str | None = None) -> list[str]:
    run = RunPlan(0, init, 0, bias)
    book = ResultsBook()
    spec = ExperimentSpec(activation=activation, output_init=output_init)
    book.apply(SweepStarted(spec, (run,), "cpu", 1, 1))
    book.apply(EpochFinished(run, 1, 1.0, 0.5, 1.0, 0.5, 0.1))
    book.apply(RunFinished(run, status, 1, None))
    return pitfalls(book)


def test_zero_weights_and_biases_say_only_the_output_bias_learns() -> None:
    assert any("only the output bias learns" in hint for hint in hints_for("zeros"))
    assert any("only the output bias learns" in hint
               for hint in hints_for("zeros", activation="tanh"))


def test_zero_weights_that_do_not_silence_the_net_say_symmetry_is_not_broken() -> None:
    """sigmoid(0) = 0.5, a constant bias, or a random output layer let more than the output
    bias learn; the units still start identical."""
    for hints in (hints_for("zeros", activation="sigmoid"),
                  hints_for("zeros", bias="constant:value=0.1"),
                  hints_for("zeros", output_init="xavier-uniform"),
                  hints_for("constant")):
        assert any("symmetry is not broken" in hint for hint in hints), hints
        assert not any("only the output bias" in hint for hint in hints)


def test_only_the_output_bias_learns_from_zero_weights_and_biases(tiny_spec) -> None:
    """What the hint says, checked on the engine's own model after training."""
    from dataclasses import replace

    from inittui.core.training.engine import GroupTraining
    from inittui.core.training.plan import plan_grid

    spec = replace(tiny_spec, inits=("zeros",), epochs=1, activation="tanh")
    sweep = GroupTraining(plan_grid(spec).groups[0], lambda event: None)
    output = len(sweep.model.layers) - 1
    before = sweep.model.bias(output, 0).clone()
    sweep.run()
    for layer in range(len(sweep.model.layers)):
        assert sweep.model.weight(layer, 0).abs().max().item() == 0.0
        if layer < output:
            assert sweep.model.bias(layer, 0).abs().max().item() == 0.0
    assert not sweep.model.bias(output, 0).equal(before)


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


def test_a_hint_reads_each_runs_own_activation_in_a_grid() -> None:
    """he-normal saturates tanh units: the tanh cell of a relu,tanh grid says so, though the
    grid's first activation is relu."""
    from inittui.core.training.plan import plan_grid

    spec = ExperimentSpec(inits=("he-normal",)).with_text(activation="relu,tanh")
    runs = plan_grid(spec).runs
    book = ResultsBook()
    book.apply(SweepStarted(spec, runs, "cpu", 1, 1))
    for run in runs:
        book.apply(EpochFinished(run, 1, 1.0, 0.5, 1.0, 0.5, 0.1))
        book.apply(RunFinished(run, "ok", 1, None))
    assert any("with tanh its larger variance saturates" in hint for hint in pitfalls(book))
