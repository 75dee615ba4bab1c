"""Tests for minitorch.scalar and scalar_functions: Tasks 1.2 and 1.4."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable

import minitorch
import pytest
from hypothesis import given
from minitorch import MathTestVariable, Scalar

from .gradcheck import assert_derivatives
from .plain import as_float
from .strategies import assert_close, assert_on_grid, small_floats

one_arg, two_arg, _ = MathTestVariable._comp_testing()
# Where a function that is right on most of the line can still be wrong: negative, tiny and huge inputs.
EDGES = [-1000.0, -710.0, -20.0, -1.0, -1e-4, -0.0, 0.0, 1e-4, 1.0, 20.0, 710.0, 1000.0]
LOGS = [0.0, 1e-9, 1e-4, 1.0, 1e6]


def _logistic(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(x / 2.0))


def _derivative(method: str, x: float) -> float | None:
    """d/dx of ``Scalar(x).method()``, by backpropagation."""
    leaf = Scalar(x)
    getattr(leaf, method)().backward()
    return leaf.derivative


# Task 1.2


@pytest.mark.task1_2
@given(small_floats, small_floats)
def test_simple(a: float, b: float) -> None:
    """Scalar arithmetic gives the same numbers as float arithmetic."""
    assert_close((Scalar(a) + Scalar(b)).data, a + b, "Scalar.data")
    assert_close((Scalar(a) * Scalar(b)).data, a * b, "Scalar.data")
    assert_close((Scalar(a) - Scalar(b)).data, a - b, "Scalar.data")
    assert_close((-Scalar(a)).data, -a, "Scalar.data")
    assert_close((Scalar(a) + 2.0).data, a + 2.0, "Scalar.data")
    assert_close((Scalar(a) - 2.0).data, a - 2.0, "Scalar.data")
    assert as_float((Scalar(a) < Scalar(b)).data, "Scalar.data") == (1.0 if a < b else 0.0)
    assert as_float((Scalar(a) > Scalar(b)).data, "Scalar.data") == (1.0 if a > b else 0.0)
    assert as_float((Scalar(a) == Scalar(b)).data, "Scalar.data") == (1.0 if a == b else 0.0)


@pytest.mark.task1_2
@given(small_floats)
def test_simple_methods(a: float) -> None:
    """The Scalar methods match the operators."""
    assert_close(Scalar(a).relu().data, minitorch.operators.relu(a))
    assert_close(Scalar(a).sigmoid().data, minitorch.operators.sigmoid(a))
    assert_close((Scalar(abs(a)) + 1.0).log().data, minitorch.operators.log(abs(a) + 1.0))
    assert_close((Scalar(a) / 100.0).exp().data, minitorch.operators.exp(a / 100.0))


@pytest.mark.task1_2
@given(small_floats)
@pytest.mark.parametrize(("name", "base", "variable"), one_arg, ids=[n for n, _, _ in one_arg])
def test_one_args(name: str, base: Callable[[float], float], variable: Callable[[Scalar], Scalar], t1: float) -> None:
    """Every one-argument function computes the same value on Scalars as on floats."""
    assert_close(variable(Scalar(t1)).data, base(t1))


@pytest.mark.task1_2
@given(small_floats, small_floats)
@pytest.mark.parametrize(("name", "base", "variable"), two_arg, ids=[n for n, _, _ in two_arg])
def test_two_args(
    name: str, base: Callable[[float, float], float], variable: Callable[[Scalar, Scalar], Scalar], t1: float, t2: float
) -> None:
    """Every two-argument function computes the same value on Scalars as on floats."""
    assert_close(variable(Scalar(t1), Scalar(t2)).data, base(t1, t2))


@pytest.mark.task1_2
def test_functions_on_a_grid() -> None:
    """sigmoid, relu, exp and log on negative, tiny and huge inputs; comparisons at and near ties."""
    eps = minitorch.operators.EPS
    one = [(x,) for x in EDGES]
    assert_on_grid("sigmoid", lambda x: Scalar(x).sigmoid().data, _logistic, one, rel=0.0, abs_tol=1e-6)
    assert_on_grid("relu", lambda x: Scalar(x).relu().data, lambda x: builtins.max(x, 0.0), one, abs_tol=0.0)
    assert_on_grid("exp", lambda x: Scalar(x).exp().data, math.exp, [(x,) for x in EDGES if x < 709.0])
    assert_on_grid("log", lambda x: Scalar(x).log().data, lambda x: math.log(x + eps), [(x,) for x in LOGS])
    ties = {(1.0, 1.0): (0.0, 1.0), (1.0, 1.005): (1.0, 0.0), (1.0, 1.0 + 1e-9): (1.0, 0.0), (-2.0, -2.0): (0.0, 1.0)}
    assert_on_grid("<", lambda x, y: (Scalar(x) < Scalar(y)).data, lambda x, y: ties[x, y][0], ties, abs_tol=0.0)
    assert_on_grid("==", lambda x, y: (Scalar(x) == Scalar(y)).data, lambda x, y: ties[x, y][1], ties, abs_tol=0.0)


# Task 1.4


@pytest.mark.task1_4
@given(small_floats)
@pytest.mark.parametrize(("name", "base", "variable"), one_arg, ids=[n for n, _, _ in one_arg])
def test_one_derivative(
    name: str, base: Callable[[float], float], variable: Callable[[Scalar], Scalar], t1: float
) -> None:
    """Backpropagation agrees with central differences for every one-argument function."""
    assert_derivatives(variable, t1)


@pytest.mark.task1_4
@given(small_floats, small_floats)
@pytest.mark.parametrize(("name", "base", "variable"), two_arg, ids=[n for n, _, _ in two_arg])
def test_two_derivative(
    name: str, base: Callable[[float, float], float], variable: Callable[[Scalar, Scalar], Scalar], t1: float, t2: float
) -> None:
    """Backpropagation agrees with central differences for every two-argument function."""
    assert_derivatives(variable, t1, t2)


@pytest.mark.task1_4
@given(small_floats, small_floats)
def test_composite_derivative(a: float, b: float) -> None:
    """A composite expression that reuses its inputs."""
    assert_derivatives(lambda x, y: (x * y + x).sigmoid() * y - (x * x + 1.0).log() / (y * y + 2.0), a, b)


@pytest.mark.task1_4
def test_derivatives_on_a_grid() -> None:
    """The derivatives of log, relu, sigmoid and exp at 0, near it, and at huge inputs."""
    eps = minitorch.operators.EPS
    one = [(x,) for x in EDGES]
    assert_on_grid("log'", lambda x: _derivative("log", x), lambda x: 1.0 / (x + eps), [(x,) for x in LOGS], rel=1e-6)
    assert_on_grid("relu'", lambda x: _derivative("relu", x), lambda x: 1.0 if x > 0 else 0.0, one, abs_tol=0.0)
    sigmoid_slope = lambda x: _logistic(x) * (1.0 - _logistic(x))  # noqa: E731
    assert_on_grid("sigmoid'", lambda x: _derivative("sigmoid", x), sigmoid_slope, one, rel=0.0, abs_tol=1e-6)
    assert_on_grid("exp'", lambda x: _derivative("exp", x), math.exp, [(x,) for x in EDGES if x < 709.0])
