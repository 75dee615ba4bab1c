"""Tests for minitorch.scalar and scalar_functions: Tasks 1.2 and 1.4."""

from __future__ import annotations

from collections.abc import Callable

import minitorch
import pytest
from hypothesis import given
from minitorch import MathTestVariable, Scalar

from .gradcheck import assert_derivatives
from .strategies import assert_close, small_floats

one_arg, two_arg = MathTestVariable._tests()


# Task 1.2


@pytest.mark.task1_2
@given(small_floats, small_floats)
def test_simple(a: float, b: float) -> None:
    """Scalar arithmetic gives the same numbers as float arithmetic."""
    assert_close((Scalar(a) + Scalar(b)).data, a + b)
    assert_close((Scalar(a) * Scalar(b)).data, a * b)
    assert_close((Scalar(a) - Scalar(b)).data, a - b)
    assert_close((-Scalar(a)).data, -a)
    assert_close((Scalar(a) + 2.0).data, a + 2.0)
    assert_close((Scalar(a) - 2.0).data, a - 2.0)
    assert (Scalar(a) < Scalar(b)).data == (1.0 if a < b else 0.0)
    assert (Scalar(a) > Scalar(b)).data == (1.0 if a > b else 0.0)
    assert (Scalar(a) == Scalar(b)).data == (1.0 if a == b else 0.0)


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
