"""Every initializer, one entry each: adding an initializer is one entry here plus its test.

An entry names its draw (a public function of `inittui.core.init.draws`), its fan rule (for
μP), its variance (for theory), its flags and its docs; see `init_entry.InitializerInfo`.
Hyphenated names give the PyTorch draw (`he-normal` is `kaiming_normal_`); a Keras class
name gives the Keras draw, whose *Normal* initializers are truncated at ±2σ and rescaled to
keep the target std (`HeNormal` is `he-normal:truncated=true`). No torch is imported here.
"""

from __future__ import annotations

from inittui.core.init.entry import (
    KERAS_TRUNCATED_STD,
    InitializerInfo,
    by_fan_in,
    by_fan_sum,
    by_larger_fan,
    by_mode,
    fixed_std,
    gain_of,
    uniform_variance,
)
from inittui.core.spec.activations import ACTIVATIONS

_FANS = ("fan_in", "fan_out")
_TRUNCATED = {"truncated": True}

WEIGHTS = (
    InitializerInfo(
        "zeros", "W = 0", "Rumelhart, Hinton & Williams 1986 (symmetry must be broken)",
        ("linear",), {},
        note="units stay identical; with zero biases (and f(0) = 0) every hidden gradient is 0 "
             "and only the output bias learns",
        example="zeros: the symmetry-breaking lesson (every hidden unit alike)",
        draw="zeros", fan=fixed_std, variance=lambda p, fi, fo, g: 0.0, symmetric=True,
    ),
    InitializerInfo(
        "constant", "W = value", "Rumelhart, Hinton & Williams 1986 (symmetry must be broken)",
        ("linear",), {"value": 0.0},
        note="units stay identical; value 0 by default, as Keras' Constant()",
        example="constant:value=0.1: identical units with a nonzero start",
        draw="constant", fan=fixed_std, variance=lambda p, fi, fo, g: 0.0, symmetric=True,
    ),
    InitializerInfo(
        "normal", "N(0, std²)", "Krizhevsky et al. 2012, ImageNet Classification (std 0.01)",
        ("tanh", "sigmoid"), {"std": 0.01, "truncated": False}, ("RandomNormal",),
        note="torch.nn.init.normal_; Keras RandomNormal is std=0.05, not truncated",
        example="normal:std=0.05: a fixed scale that ignores the layer's width",
        draw="normal", fan=fixed_std, variance=lambda p, fi, fo, g: p["std"] ** 2,
        presets={"randomnormal": {"std": 0.05}},
    ),
    InitializerInfo(
        "uniform", "U(a, b)", "Keras RandomUniform default (Chollet et al. 2015)",
        ("tanh", "sigmoid"), {"a": -0.05, "b": 0.05}, ("RandomUniform",),
        note="torch.nn.init.uniform_ with Keras' default bounds",
        example="uniform:a=-0.1,b=0.1: a fixed bound that ignores the layer's width",
        draw="uniform", fan=fixed_std, variance=lambda p, fi, fo, g: uniform_variance(p["a"],
                                                                                      p["b"]),
    ),
    InitializerInfo(
        "truncated-normal", "N(0, std²) cut at ±2·std",
        "Keras TruncatedNormal default (Chollet et al. 2015)",
        ("tanh", "sigmoid"), {"std": 0.05}, ("trunc-normal", "TruncatedNormal"),
        note="Keras TruncatedNormal = torch trunc_normal_: std is before the cut, result 0.88·std",
        example="truncated-normal:std=0.02: no weight beyond ±0.04",
        draw="truncated_normal", fan=fixed_std,
        variance=lambda p, fi, fo, g: (KERAS_TRUNCATED_STD * p["std"]) ** 2,
    ),
    InitializerInfo(
        "lecun-normal", "N(0, 1/fan_in)", "LeCun et al. 1998, Efficient BackProp",
        ("selu", "linear", "tanh"), {"truncated": False}, ("LecunNormal",),
        note="torch kaiming_normal_(nonlinearity='linear'); Keras LecunNormal is truncated",
        example="lecun-normal with --activation selu: a self-normalizing net",
        draw="lecun_normal", fan=by_fan_in, variance=lambda p, fi, fo, g: 1 / fi,
        presets={"lecunnormal": _TRUNCATED},
    ),
    InitializerInfo(
        "lecun-uniform", "U(±√(3/fan_in))", "LeCun et al. 1998, Efficient BackProp",
        ("selu", "linear", "tanh"), {}, ("LecunUniform",),
        note="torch kaiming_uniform_(nonlinearity='linear') = Keras LecunUniform",
        example="lecun-uniform with --activation tanh: variance kept, bounded weights",
        draw="lecun_uniform", fan=by_fan_in, variance=lambda p, fi, fo, g: 1 / fi,
    ),
    InitializerInfo(
        "xavier-normal", "N(0, gain²·2/(fan_in+fan_out))",
        "Glorot & Bengio 2010, Understanding the difficulty of training deep FNNs",
        ("tanh", "sigmoid", "linear"), {"gain": 1.0, "truncated": False},
        ("glorot-normal", "GlorotNormal"),
        note="torch xavier_normal_; Keras GlorotNormal is truncated",
        example="xavier-normal:gain=1.667 with --activation tanh: tanh's gain, by hand",
        draw="xavier_normal", fan=by_fan_sum,
        variance=lambda p, fi, fo, g: p["gain"] ** 2 * 2 / (fi + fo),
        presets={"glorotnormal": _TRUNCATED},
    ),
    InitializerInfo(
        "xavier-uniform", "U(±gain·√(6/(fan_in+fan_out)))",
        "Glorot & Bengio 2010, Understanding the difficulty of training deep FNNs",
        ("tanh", "sigmoid", "linear"), {"gain": 1.0}, ("glorot-uniform", "GlorotUniform"),
        note="torch xavier_uniform_ = Keras GlorotUniform (gain 1)",
        example="GlorotUniform: Keras' default for Dense layers",
        draw="xavier_uniform", fan=by_fan_sum,
        variance=lambda p, fi, fo, g: p["gain"] ** 2 * 2 / (fi + fo),
    ),
    InitializerInfo(
        "he-normal", "N(0, 2/fan_in)", "He et al. 2015, Delving Deep into Rectifiers",
        ("relu", "leaky-relu", "gelu"), {"mode": "fan_in", "truncated": False},
        ("kaiming-normal", "HeNormal"),
        note="torch kaiming_normal_(nonlinearity='relu'); Keras HeNormal is truncated",
        example="he-normal:mode=fan_out: keeps the backward pass's variance instead",
        draw="he_normal", fan=by_mode, variance=lambda p, fi, fo, g: 2 / by_mode(p, fi, fo),
        choices={"mode": _FANS}, presets={"henormal": _TRUNCATED}, rectifier=True,
    ),
    InitializerInfo(
        "he-uniform", "U(±√(6/fan_in))", "He et al. 2015, Delving Deep into Rectifiers",
        ("relu", "leaky-relu", "gelu"), {"mode": "fan_in"}, ("kaiming-uniform", "HeUniform"),
        note="torch kaiming_uniform_(nonlinearity='relu') = Keras HeUniform",
        example="he-uniform with --activation relu: He's variance, bounded weights",
        draw="he_uniform", fan=by_mode, variance=lambda p, fi, fo, g: 2 / by_mode(p, fi, fo),
        choices={"mode": _FANS}, rectifier=True,
    ),
    InitializerInfo(
        "orthogonal", "gain·Q, Q orthogonal (QR of a Gaussian)",
        "Saxe et al. 2014, Exact solutions to the dynamics of deep linear networks",
        ("linear", "tanh", "relu", "leaky-relu"), {"gain": 1.0},
        note="torch orthogonal_ = Keras Orthogonal (gain 1); gain=auto takes the activation's",
        example="orthogonal:gain=auto: dynamical isometry for deep tanh nets",
        draw="orthogonal", fan=by_larger_fan,
        variance=lambda p, fi, fo, g: gain_of(p, g) ** 2 / max(fi, fo), auto=("gain",),
    ),
    InitializerInfo(
        "delta-orthogonal", "centre tap gain·Q (Q orthogonal), every other tap 0",
        "Xiao et al. 2018, Dynamical Isometry and a Mean Field Theory of CNNs",
        ("linear", "tanh", "relu", "leaky-relu"), {"gain": 1.0},
        note="a convolution starts as an orthogonal 1x1 one (a delta in space); a dense "
             "layer is plain orthogonal; gain=auto takes the activation's",
        example="delta-orthogonal:gain=auto with --model cnn: each conv starts as a 1x1 one",
        draw="delta_orthogonal", fan=by_larger_fan,
        variance=lambda p, fi, fo, g: gain_of(p, g) ** 2 / max(fi, fo), auto=("gain",),
    ),
    InitializerInfo(
        "pytorch-default", "U(±1/√fan_in)",
        "LeCun et al. 1998, Efficient BackProp (bound kept from Torch7's nn.Linear)",
        ("relu", "tanh"), {},
        note="what nn.Linear and nn.Conv2d do: kaiming_uniform_(a=√5), variance 1/(3·fan_in)",
        example="pytorch-default: what a model built with torch.nn starts from",
        draw="pytorch_default", fan=by_fan_in, variance=lambda p, fi, fo, g: 1 / (3 * fi),
        embedding_draw="embedding_default",
    ),
    InitializerInfo(
        "lsuv", "orthogonal, then each layer scaled to unit output variance",
        "Mishkin & Matas 2016, All you need is a good init",
        ACTIVATIONS, {}, data_dependent=True,
        note="draws orthogonal (gain 1); the model rescales each layer on a data batch",
        example="lsuv: unit variance measured on data, any activation",
        draw="lsuv",
    ),
    InitializerInfo(
        "variance-scaling", "std √(scale/fan): truncated normal, normal or uniform",
        "Keras VarianceScaling (Chollet et al. 2015); Klambauer et al. 2017 for SELU",
        ("selu", "linear", "tanh"),
        {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"},
        ("VarianceScaling",),
        note="Keras' general form, with Keras' defaults (LeCun normal, truncated)",
        example="variance-scaling:scale=2,distribution=uniform: He-uniform, Keras-style",
        draw="variance_scaling", fan=by_mode,
        variance=lambda p, fi, fo, g: p["scale"] / by_mode(p, fi, fo),
        choices={"mode": (*_FANS, "fan_avg"),
                 "distribution": ("truncated_normal", "untruncated_normal", "uniform")},
    ),
    # Structural schemes: they ask the model for its residual branches (or embeddings) and
    # refuse a model without them; their draws (roles.SCHEMES) go by parameter role.
    InitializerInfo(
        "fixup", "branch's last layer 0, its other layers He·L^(-1/(2m-2)), readout 0, "
        "biases 0 (L branches of m layers)",
        "Zhang, Dauphin & Ma 2019, Fixup Initialization: Residual Learning Without "
        "Normalization",
        ("relu", "leaky-relu", "gelu"), {},
        note="residual models only (resmlp, resnet, gpt); the branch scalar multiplier "
             "starts at 1 and the layers' own biases serve as Fixup's scalar biases",
        example="fixup with --model resmlp --norm none: a deep residual net, no norm",
        draw="fixup", needs="residual branches",
    ),
    InitializerInfo(
        "skipinit", "x + α·f(x) with α = 0 on every residual branch; weights He-normal",
        "De & Smith 2020, Batch Normalization Biases Residual Blocks Towards the Identity "
        "Function in Deep Networks",
        ("relu", "leaky-relu", "gelu"), {},
        note="needs a scalar gain on each residual branch (resmlp, resnet)",
        example="skipinit with --model resnet: every block starts as the identity",
        draw="skipinit", needs="residual branches with a scalar gain",
    ),
    InitializerInfo(
        "zero-residual", "each residual branch's last BN gain 0 (its last layer 0 without "
        "BN); weights He-normal",
        "Goyal et al. 2017, Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
        ("relu", "leaky-relu", "gelu"), {}, ("zero-init-residual",),
        note="residual models only (resmlp, resnet, gpt); torchvision's zero_init_residual",
        example="zero-residual with --model resnet --norm batch: torchvision's option",
        draw="zero_residual", needs="residual branches",
    ),
    InitializerInfo(
        "gpt2", "N(0, 0.02²); residual projections N(0, (0.02/√(2·layers))²); biases 0",
        "Radford et al. 2019, Language Models are Unsupervised Multitask Learners (GPT-2)",
        ("gelu", "relu"), {},
        note="residual models only; a GPT has 2 branches per layer, so the std is divided "
             "by √(number of residual branches)",
        example="gpt2 with --model gpt: the GPT-2 recipe",
        draw="gpt2", needs="residual branches",
    ),
    InitializerInfo(
        "small-embedding", "embeddings U(±1e-4); everything else as gpt2",
        "Nguyen & Salazar 2019, Transformers without Tears (small embedding init)",
        ("gelu", "relu"), {}, ("small-init",),
        note="models with an embedding layer (gpt)",
        example="small-embedding with --model gpt: tiny embeddings, GPT-2 elsewhere",
        draw="small_embedding", needs="an embedding layer",
    ),
)
"""Every weight initializer, in the order the UI lists them."""

BIASES = (
    InitializerInfo(
        "zeros", "b = 0", "Glorot & Bengio 2010 (biases start at 0)", ACTIVATIONS, {},
        note="the usual default; with zero weights too, symmetry is never broken",
        example="zeros: the default", draw="zeros", fan=fixed_std, symmetric=True,
    ),
    InitializerInfo(
        "constant", "b = value", "Krizhevsky et al. 2012 (positive biases for ReLU layers)",
        ("relu", "leaky-relu", "gelu"), {"value": 0.01},
        note="a small positive bias keeps ReLUs active at the start",
        example="constant:value=0.1 with --activation relu", draw="constant", fan=fixed_std,
        symmetric=True,
    ),
    InitializerInfo(
        "normal", "N(0, std²)", "common practice", ACTIVATIONS, {"std": 0.01},
        note="random biases partly break the symmetry of zero weights",
        example="normal with --init zeros: symmetry partly broken", draw="normal",
        fan=fixed_std,
    ),
    InitializerInfo(
        "uniform", "U(a, b)", "common practice", ACTIVATIONS, {"a": -0.05, "b": 0.05},
        note="random biases partly break the symmetry of zero weights",
        example="uniform:a=0,b=0.1: small positive biases", draw="uniform", fan=fixed_std,
    ),
    InitializerInfo(
        "pytorch-default", "U(±1/√fan_in)", "PyTorch nn.Linear / nn.Conv2d reset_parameters",
        ACTIVATIONS, {},
        note="what nn.Linear and nn.Conv2d do to their bias",
        example="pytorch-default with --init pytorch-default: torch's own layers",
        draw="pytorch_default_bias", fan=by_fan_in,
    ),
)
"""Every bias initializer, in the order the UI lists them."""
