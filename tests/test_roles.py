"""Initialization by parameter role, and each structural initializer's formula."""

from __future__ import annotations

import math

import pytest
import torch

from inittui.core.errors import SpecError
from inittui.core.init.apply import initialize_runs
from inittui.core.init.roles import (
    BIAS,
    BRANCH_GAIN,
    DENSE,
    EMBEDDING,
    GPT2_STD,
    NORM_GAIN,
    NORM_SHIFT,
    READOUT,
    RESIDUAL,
    SMALL_EMBEDDING_BOUND,
    STRUCTURAL_NEEDS,
    parameter_roles,
)
from inittui.core.models import GPT, MLP, ResMLP, ResNet, plain_model
from inittui.core.models.stacked import StackedModel
from inittui.core.spec.experiment import ExperimentSpec

WIDTH, BLOCKS = 64, 8


def initialized(model: str, init: str, hidden: tuple[int, ...] = (WIDTH,) * BLOCKS,
                input_shape: tuple[int, ...] = (1, 8, 8), classes: int = 10,
                norm: str = "none", residual_init: str | None = None) -> StackedModel:
    spec = ExperimentSpec(model=model, inits=(init,), hidden=hidden, norm=norm,
                          residual_init=residual_init, activation="relu")
    stacked = StackedModel(plain_model(spec, input_shape, classes), "relu", 1, 1)
    sample = torch.randn(1, 4, *input_shape) if len(input_shape) == 3 \
        else torch.randint(0, classes, (1, 4, *input_shape))
    initialize_runs(stacked, spec.runs(), sample, None, residual_init, model)
    return stacked


def value(model: StackedModel, name: str) -> torch.Tensor:
    return model.parameter(name)[0].detach()


def assert_std(tensor: torch.Tensor, std: float) -> None:
    """Within 5 standard errors of a normal sample's std."""
    assert abs(tensor.std().item() - std) <= 5 * std / math.sqrt(2 * tensor.numel())


def test_roles_of_a_residual_mlp() -> None:
    roles = {r.name: r.role for r in parameter_roles(ResMLP((1, 8, 8), 10, (16, 16)))}
    assert roles["stem.weight"] == DENSE and roles["stem.bias"] == BIAS
    assert roles["blocks.0.fc1.weight"] == DENSE and roles["blocks.1.fc2.weight"] == RESIDUAL
    assert roles["blocks.0.gain"] == BRANCH_GAIN and roles["head.weight"] == READOUT


def test_roles_of_a_gpt_list_the_tied_head_once_as_the_embedding() -> None:
    roles = {r.name: r.role for r in parameter_roles(GPT((12,), 20, (16, 16)))}
    assert roles["token.weight"] == EMBEDDING and "head.weight" not in roles
    assert roles["blocks.0.attn.proj.weight"] == RESIDUAL
    assert roles["blocks.1.mlp.proj.weight"] == RESIDUAL
    assert roles["blocks.0.ln1.weight"] == NORM_GAIN and roles["ln.bias"] == NORM_SHIFT


def test_a_plain_initializer_draws_every_weight_role_and_norms_start_as_torchs() -> None:
    model = initialized("resmlp", "he-normal", hidden=(WIDTH,) * 2, norm="layer")
    for name in ("blocks.0.fc1.weight", "blocks.1.fc2.weight", "head.weight"):
        weight = value(model, name)
        assert_std(weight, math.sqrt(2 / weight.shape[1]))
    assert torch.equal(value(model, "blocks.0.norm.weight"), torch.ones(WIDTH))
    assert torch.equal(value(model, "blocks.0.norm.bias"), torch.zeros(WIDTH))
    assert value(model, "blocks.0.gain").item() == 1.0


def test_residual_init_draws_the_branch_outputs_alone() -> None:
    model = initialized("resmlp", "he-normal", residual_init="zeros")
    for block in range(BLOCKS):
        assert value(model, f"blocks.{block}.fc2.weight").abs().max() == 0
        assert_std(value(model, f"blocks.{block}.fc1.weight"), math.sqrt(2 / WIDTH))


def test_fixup_zeroes_branch_outputs_and_readout_and_scales_the_rest() -> None:
    """Zhang et al. 2019: L branches of m = 2 layers → He std · L^(-1/(2m-2)) = He / √L."""
    model = initialized("resmlp", "fixup")
    for block in range(BLOCKS):
        assert value(model, f"blocks.{block}.fc2.weight").abs().max() == 0
        assert value(model, f"blocks.{block}.fc2.bias").abs().max() == 0
        assert_std(value(model, f"blocks.{block}.fc1.weight"),
                   math.sqrt(2 / WIDTH) * BLOCKS ** -0.5)
    assert value(model, "head.weight").abs().max() == 0
    assert_std(value(model, "stem.weight"), math.sqrt(2 / 64))


def test_skipinit_zeroes_each_branch_gain_and_draws_he_normal() -> None:
    model = initialized("resmlp", "skipinit")
    for block in range(BLOCKS):
        assert value(model, f"blocks.{block}.gain").item() == 0.0
        assert_std(value(model, f"blocks.{block}.fc2.weight"), math.sqrt(2 / WIDTH))


def test_zero_residual_zeroes_the_last_batchnorm_gain_or_else_the_last_conv() -> None:
    with_bn = initialized("resnet", "zero-residual", hidden=(8, 8, 16), norm="batch")
    without = initialized("resnet", "zero-residual", hidden=(8, 8, 16))
    for block in range(3):
        assert value(with_bn, f"blocks.{block}.norm2.weight").abs().max() == 0
        assert value(with_bn, f"blocks.{block}.norm1.weight").eq(1).all()
        assert value(with_bn, f"blocks.{block}.conv2.weight").abs().max() > 0
        assert value(without, f"blocks.{block}.conv2.weight").abs().max() == 0
        conv1 = value(without, f"blocks.{block}.conv1.weight")
        assert_std(conv1, math.sqrt(2 / (conv1.shape[1] * 9)))


def test_gpt2_draws_0_02_and_residual_projections_over_root_two_layers() -> None:
    blocks = 6
    model = initialized("gpt", "gpt2", hidden=(WIDTH,) * blocks, input_shape=(16,),
                        classes=30)
    assert_std(value(model, "token.weight"), GPT2_STD)
    assert_std(torch.cat([value(model, f"blocks.{b}.mlp.fc.weight").flatten()
                          for b in range(blocks)]), GPT2_STD)
    projections = torch.cat([value(model, f"blocks.{b}.{part}.proj.weight").flatten()
                             for b in range(blocks) for part in ("attn", "mlp")])
    assert_std(projections, GPT2_STD / math.sqrt(2 * blocks))
    assert value(model, "blocks.0.attn.qkv.bias").abs().max() == 0


def test_small_embedding_draws_tiny_embeddings_and_gpt2_elsewhere() -> None:
    model = initialized("gpt", "small-embedding", hidden=(WIDTH,) * 2, input_shape=(16,),
                        classes=30)
    for name in ("token.weight", "position.weight"):
        embedding = value(model, name)
        assert embedding.abs().max() <= SMALL_EMBEDDING_BOUND
        assert_std(embedding, SMALL_EMBEDDING_BOUND / math.sqrt(3))
    assert_std(value(model, "blocks.0.mlp.fc.weight"), GPT2_STD)


def test_pytorch_default_on_an_embedding_is_nn_embeddings_unit_normal() -> None:
    model = initialized("gpt", "pytorch-default", hidden=(WIDTH,), input_shape=(16,),
                        classes=200)
    assert_std(value(model, "token.weight"), 1.0)
    qkv = value(model, "blocks.0.attn.qkv.weight")
    assert qkv.abs().max() <= 1 / math.sqrt(WIDTH)


@pytest.mark.parametrize(("model", "init", "message"), [
    ("mlp", "fixup", "fixup needs residual branches; model 'mlp' has none"),
    ("cnn", "gpt2", "gpt2 needs residual branches; model 'cnn' has none"),
    ("mlp", "zero-residual", "zero-residual needs residual branches"),
    ("gpt", "skipinit", "skipinit needs residual branches with a scalar gain; model 'gpt'"),
    ("resmlp", "small-embedding", "small-embedding needs an embedding layer"),
])
def test_a_structural_initializer_refuses_a_model_without_the_structure(
        model: str, init: str, message: str) -> None:
    shape = (16,) if model == "gpt" else (1, 8, 8)
    with pytest.raises(SpecError, match=message) as error:
        initialized(model, init, hidden=(16, 16), input_shape=shape)
    assert error.value.field == "init"


def test_every_structural_initializer_is_tested_here() -> None:
    assert set(STRUCTURAL_NEEDS) == {"fixup", "skipinit", "zero-residual", "gpt2",
                                     "small-embedding"}


def test_residual_init_on_a_model_without_branches_is_an_error() -> None:
    with pytest.raises(SpecError, match="--residual-init needs residual branches; model "
                                        "'mlp' has none") as error:
        initialized("mlp", "he-normal", hidden=(16,), residual_init="zeros")
    assert error.value.field == "residual-init"


def test_the_plain_modules_are_ordinary_torch_modules() -> None:
    """Each architecture runs as itself, with no stacking: (batch, ...) in, logits out."""
    assert MLP((1, 8, 8), 10, (16,))(torch.randn(3, 1, 8, 8)).shape == (3, 10)
    assert ResNet((3, 32, 32), 10, (8, 16, 32))(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert ResNet((1, 28, 28), 10, (8, 16, 32))(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    assert GPT((12,), 20, (16, 16))(torch.randint(0, 20, (2, 12))).shape == (2, 12, 20)
