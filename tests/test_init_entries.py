"""One entry per initializer, specified: it names its draw, and its rules match what it draws.

A parsed choice is its canonical label as a str, carrying its entry and parameters, so the
spec, the run plans and the draws share one object and nothing parses a label again.
"""

from __future__ import annotations

import math
import pickle

import pytest
import torch

from inittui.core.errors import SpecError
from inittui.core.init import draws as init_draws
from inittui.core.init.draws import activation_gain, draw_weight
from inittui.core.init.registry import (
    UNKNOWN,
    InitializerChoice,
    bias_registry,
    parse_bias_initializer,
    parse_initializer,
    read_initializer,
    registry,
)
from inittui.core.init.roles import SCHEMES
from inittui.core.spec.experiment import ExperimentSpec, RunPlan, parse_field

DENSE = (256, 784)
CONV = (32, 16, 3, 3)


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def test_every_entry_names_a_draw_that_exists():
    for info in registry():
        if info.structural:
            assert info.draw in SCHEMES, info.name
        else:
            assert callable(getattr(init_draws, info.draw, None)), info.name
    for info in bias_registry():
        assert callable(getattr(init_draws, info.draw, None)), info.name


def test_every_entry_has_an_example_that_parses():
    for info in (*registry(), *bias_registry()):
        label = info.example.split(":", 1)[0].split(" ")[0]
        assert label and info.example != label, info.name  # a spelling and why
        parse = parse_bias_initializer if info in bias_registry() else parse_initializer
        assert parse(info.example.split(" ")[0].rstrip(":")).info is info, info.name


def test_a_public_draws_docstring_is_its_entrys_formula_paper_and_example():
    for info in registry():
        if info.structural:
            continue
        doc = getattr(init_draws, info.draw).__doc__
        assert info.formula in doc and info.paper in doc and info.example in doc, info.name


VARIANCE_LABELS = [info.name for info in registry() if info.variance is not None] + [
    "normal:std=0.05,truncated=true", "uniform:a=0,b=1", "xavier-normal:gain=2",
    "he-normal:mode=fan_out", "orthogonal:gain=auto", "orthogonal:gain=0.5",
    "variance-scaling:distribution=uniform,mode=fan_avg,scale=2",
    "variance-scaling:distribution=untruncated_normal,mode=fan_out", "constant:value=-2.5",
]


@pytest.mark.parametrize("shape", [DENSE, (10, 64), (64, 512)], ids=str)
@pytest.mark.parametrize("label", VARIANCE_LABELS)
def test_the_variance_rule_is_the_variance_drawn(label, shape):
    """Var W from the entry's rule (what theory reads as σ_w² / fan_in) against a draw:
    within five standard errors of a sample variance (σ²·√(2/n), a normal's, which the
    lighter-tailed uniform and truncated draws stay inside)."""
    choice = parse_initializer(label)
    expected = choice.variance(*fans(shape), activation_gain("tanh"))
    weight = draw_weight(choice, shape, "tanh", torch.Generator().manual_seed(0)).double()
    n = weight.numel()
    assert abs(weight.var(correction=0).item() - expected) <= (
        5 * expected * math.sqrt(2 / n) + 1e-12)


def test_entries_without_a_variance_rule_are_data_dependent_or_structural():
    assert {info.name for info in registry() if info.variance is None} == {
        info.name for info in registry() if info.data_dependent or info.structural}


def test_fan_rules_give_mup_a_width_rule_for_every_entry_that_draws_by_fan_alone():
    """None: fixed std; a fan: std ∝ 1/√fan. Data-dependent and structural have none."""
    for info in registry():
        has_rule = info.fan is not None
        assert has_rule == (not info.data_dependent and not info.structural), info.name
    assert parse_initializer("he-normal:mode=fan_out").info.fan(
        parse_initializer("he-normal:mode=fan_out").params, 784, 256) == 256
    assert parse_initializer("normal").info.fan({}, 784, 256) is None


def test_a_spec_keeps_the_parsed_choices_and_its_runs_share_them():
    spec = ExperimentSpec(inits=("HeNormal", "orthogonal:gain=auto"), bias_init="Constant",
                          output_init="GlorotUniform", residual_init="zeros")
    assert all(isinstance(choice, InitializerChoice) for choice in spec.inits)
    assert spec.inits == ("HeNormal", "orthogonal:gain=auto")  # spelled as given, in code
    assert spec.inits[0].params == {"mode": "fan_in", "truncated": True}
    assert spec.bias_init.params == {"value": 0.01}
    assert spec.output_init.info.name == "xavier-uniform"
    assert spec.residual_init.info.name == "zeros"
    assert [run.init for run in spec.runs()] == list(spec.inits)
    assert all(run.init is choice for run, choice in zip(spec.runs(), spec.inits))
    assert spec.runs()[0].bias_init is spec.bias_init


def test_parsing_fields_gives_choices_that_print_as_their_labels():
    inits = parse_field("inits", "RandomNormal,he-normal:mode=fan_out")
    assert [type(c) for c in inits] == [InitializerChoice, InitializerChoice]
    assert ",".join(inits) == "normal:std=0.05,he-normal:mode=fan_out"
    assert f"{inits[0]}" == "normal:std=0.05" and inits[0].label == "normal:std=0.05"
    assert parse_initializer(inits[1]) is inits[1]  # a choice is not parsed again


def test_a_choice_is_immutable_and_pickles_to_an_equal_choice():
    choice = parse_initializer("he-normal:mode=fan_out")
    with pytest.raises(AttributeError):
        choice.info = registry()[0]  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(choice))
    assert again == choice and again.info is choice.info and again.params == choice.params
    spelled = ExperimentSpec(inits=("HeNormal",)).inits[0]
    assert pickle.loads(pickle.dumps(spelled)) == "HeNormal"  # the label travels as it is
    bias = parse_bias_initializer("constant:value=0.1")
    assert pickle.loads(pickle.dumps(bias)).params == {"value": 0.1}


def test_a_label_this_version_does_not_know_is_kept_but_never_drawn():
    """A results file from another version still loads and shows its label."""
    choice = read_initializer("he-normal-v2:alpha=3")
    assert choice == "he-normal-v2:alpha=3" and choice.info is UNKNOWN and not choice.known
    plan = RunPlan(0, "he-normal-v2:alpha=3", 0)
    assert plan.init.info is UNKNOWN and plan.run_id == "he-normal-v2:alpha=3/s0"
    assert pickle.loads(pickle.dumps(plan)) == plan
    with pytest.raises(SpecError, match="unknown initializer") as caught:
        draw_weight(choice, (4, 4), "relu", torch.Generator())
    assert caught.value.field == "init" and "\n" not in str(caught.value)


def test_a_spec_refuses_an_unknown_initializer_when_it_is_made():
    with pytest.raises(SpecError) as caught:
        ExperimentSpec(inits=("he-norml",))
    assert caught.value.field == "init" and "did you mean 'he-normal'" in str(caught.value)
