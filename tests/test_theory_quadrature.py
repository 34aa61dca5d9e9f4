"""The Gaussian expectations of mean-field theory agree with independent integrals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import dblquad, quad

from inittui.core.theory.activations import FUNCTIONS, Moments, moments
from inittui.core.theory.gaussian import expect, expect_pair

ACTS = tuple(FUNCTIONS)
QS = (0.05, 0.7, 1.0, 2.5, 12.0, 80.0)


def _reference(f, q: float) -> float:
    """E[f(√q z)] by adaptive quadrature over u ~ N(0, q), split at 0 (kinks live there)."""
    sd = math.sqrt(q)
    def density(u):
        return f(np.array([u]))[0] * math.exp(-u * u / (2 * q)) / (sd * math.sqrt(
            2 * math.pi))
    left = quad(density, -14 * sd, 0, limit=400, epsabs=1e-13, epsrel=1e-13)[0]
    right = quad(density, 0, 14 * sd, limit=400, epsabs=1e-13, epsrel=1e-13)[0]
    return left + right


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("q", QS)
def test_single_expectations_match_adaptive_quadrature_to_1e_6(activation: str, q: float):
    phi, d1, d2, _ = FUNCTIONS[activation]
    mom = moments(activation)
    assert mom.second(q) == pytest.approx(_reference(lambda x: phi(x) ** 2, q), abs=1e-6)
    assert mom.slope(q) == pytest.approx(_reference(lambda x: d1(x) ** 2, q), abs=1e-6)
    assert mom.curvature(q) == pytest.approx(_reference(lambda x: d2(x) * phi(x), q),
                                             abs=1e-6)


@pytest.mark.parametrize("activation", ["tanh", "selu", "gelu", "sigmoid"])
@pytest.mark.parametrize("q", [0.3, 1.0, 6.0])
def test_doubling_the_nodes_changes_nothing(activation: str, q: float):
    phi, d1, _, smooth = FUNCTIONS[activation]
    for f in (lambda x: phi(x) ** 2, lambda x: d1(x) ** 2):
        assert expect(f, q, smooth) == pytest.approx(
            expect(f, q, smooth, nodes=48, hermite_nodes=256), abs=1e-11)
    assert expect_pair(phi, phi, q, q, 0.4, smooth) == pytest.approx(
        expect_pair(phi, phi, q, q, 0.4, smooth, nodes=48, hermite_nodes=256), abs=1e-11)


@pytest.mark.parametrize("activation", ["tanh", "relu", "selu"])
@pytest.mark.parametrize(("q", "c"), [(0.5, 0.3), (2.0, -0.6), (1.5, 0.95)])
def test_pair_expectations_match_a_double_integral_to_1e_6(activation: str, q: float, c: float):
    phi, d1, _, _ = FUNCTIONS[activation]
    det = q * q * (1 - c * c)
    reach = 9 * math.sqrt(q)

    def integrand(f):
        def inner(u2: float, u1: float) -> float:  # the bivariate density of (u1, u2)
            form = (u1 * u1 - 2 * c * u1 * u2 + u2 * u2) / (q * (1 - c * c))
            weight = math.exp(-form / 2) / (2 * math.pi * math.sqrt(det))
            return float(f(np.array([u1]))[0] * f(np.array([u2]))[0]) * weight
        return inner

    halves = ((-reach, 0), (0, reach))  # the kinks lie on the axes u1 = 0 and u2 = 0
    for f, got in ((phi, moments(activation).pair(q, c)),
                   (d1, moments(activation).slope_pair(q, c))):
        want = sum(dblquad(integrand(f), a, b, lo, hi, epsabs=1e-11, epsrel=1e-11)[0]
                   for a, b in halves for lo, hi in halves)
        assert got == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("activation", ["relu", "leaky-relu", "linear"])
def test_closed_forms_equal_the_quadrature(activation: str):
    closed, numeric = moments(activation), Moments(activation)
    for q in (0.2, 3.0):
        assert closed.second(q) == pytest.approx(numeric.second(q), abs=1e-10)
        assert closed.slope(q) == pytest.approx(numeric.slope(q), abs=1e-10)
        for c in (-0.7, 0.0, 0.5, 0.99, 1.0):
            assert closed.pair(q, c) == pytest.approx(numeric.pair(q, c), abs=1e-10)
            assert closed.slope_pair(q, c) == pytest.approx(numeric.slope_pair(q, c),
                                                            abs=1e-10)


def test_numpy_activations_are_the_training_registry_s():
    import torch

    from inittui.core.models.activations import ACTIVATIONS

    x = torch.linspace(-6, 6, 241, dtype=torch.float64)
    for name, (phi, d1, _, _) in FUNCTIONS.items():
        forward = ACTIVATIONS[name].forward
        xs = x.clone().requires_grad_()
        (slope,) = torch.autograd.grad(forward(xs).sum(), xs)
        assert np.allclose(phi(x.numpy()), forward(x).numpy(), atol=1e-12), name
        kink_free = x.numpy() != 0
        assert np.allclose(d1(x.numpy())[kink_free], slope.numpy()[kink_free], atol=1e-12), name


def test_orthogonal_gains_are_the_registry_s():
    from inittui.core.init.draws import activation_gain
    from inittui.core.theory.activations import GAINS

    assert {name: activation_gain(name) for name in GAINS} == GAINS
