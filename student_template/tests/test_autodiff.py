"""Tests for minitorch.autodiff: Tasks 1.1, 1.3 and 1.4."""

from __future__ import annotations

import math

import minitorch
import pytest
from hypothesis import given
from minitorch import Context, Scalar, ScalarFunction, ScalarHistory

from .plain import as_bool, as_float, as_int
from .strategies import assert_close, small_floats


class Function1(ScalarFunction):
    """f(x, y) = x + y + 10, with the derivative (1, 1)."""

    @staticmethod
    def forward(ctx: Context, x: float, y: float) -> float:
        return x + y + 10.0

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return d_output, d_output


class Function2(ScalarFunction):
    """f(x, y) = x * y + x, with the derivative (y + 1, x)."""

    @staticmethod
    def forward(ctx: Context, x: float, y: float) -> float:
        ctx.save_for_backward(x, y)
        return x * y + x

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        x, y = ctx.saved_values
        return d_output * (y + 1.0), d_output * x


class Square(ScalarFunction):
    """f(x) = x * x, with the derivative 2x: a one-input function whose backward returns a bare float."""

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (x,) = ctx.saved_values
        return 2.0 * x * d_output


# Task 1.1


@pytest.mark.task1_1
@given(small_floats, small_floats)
def test_central_difference(x: float, y: float) -> None:
    """central_difference estimates partial derivatives of plain functions."""
    assert_close(minitorch.central_difference(lambda a: a * a, x), 2 * x, "central_difference")
    assert_close(minitorch.central_difference(lambda a, b: a * b, x, y, arg=0), y, "central_difference")
    assert_close(minitorch.central_difference(lambda a, b: a * b, x, y, arg=1), x, "central_difference")
    assert_close(minitorch.central_difference(lambda a, b: a + 3 * b, x, y, arg=1), 3.0, "central_difference")


@pytest.mark.task1_1
def test_central_difference_of_exp() -> None:
    """A curved function: d/dx exp(x) = exp(x)."""
    for x in (-2.0, 0.0, 1.5):
        assert_close(minitorch.central_difference(math.exp, x), math.exp(x), "central_difference")


# Task 1.3


def _leaf(value: float) -> Scalar:
    return Scalar(value, ScalarHistory())


def _back(out: Scalar, d_output: float) -> list[tuple[int, float]]:
    """``out.chain_rule(d_output)`` as (``id`` of the variable, its derivative as a plain float) pairs."""
    return [(id(v), as_float(d, "a derivative from chain_rule")) for v, d in out.chain_rule(d_output)]


def _uid(variable: Scalar) -> int:
    return as_int(variable.unique_id, "Scalar.unique_id")


def _derivative(variable: Scalar) -> float:
    return as_float(variable.derivative, "Scalar.derivative")


@pytest.mark.task1_3
def test_chain_rule_keeps_constants() -> None:
    """Constant inputs stay in chain_rule's answer, paired with their derivative, as in the public course."""
    constants = [Scalar(0.0, None), Scalar(1.0, None)]
    out = Scalar(11.0, ScalarHistory(Function1, Context(), constants))
    back = _back(out, 5.0)
    assert back == [(id(constants[0]), 5.0), (id(constants[1]), 5.0)], (
        f"chain_rule must return one (input, derivative) pair per input, constants included: got {back}"
    )
    var = _leaf(2.0)
    mixed = Scalar(13.0, ScalarHistory(Function1, Context(), [constants[0], var]))
    assert _back(mixed, 5.0) == [(id(constants[0]), 5.0), (id(var), 5.0)]


@pytest.mark.task1_3
def test_chain_rule_one_input() -> None:
    """A constant, then a variable: the variable gets d_output times the local derivative."""
    var = _leaf(0.0)
    out = Function1.apply(0, var)
    back = list(out.chain_rule(5.0))
    assert len(back) == 2, "chain_rule must return one pair per input, the constant 0 included"
    variable, derivative = back[1]
    assert variable is var
    assert as_float(derivative, "a derivative from chain_rule") == 5.0


@pytest.mark.task1_3
@given(small_floats, small_floats, small_floats)
def test_chain_rule_two_inputs(x: float, y: float, d: float) -> None:
    """Two variable inputs, each with its own local derivative."""
    var1, var2 = _leaf(x), _leaf(y)
    out = Function2.apply(var1, var2)
    back = dict(_back(out, d))
    assert_close(back[id(var1)], d * (y + 1.0))
    assert_close(back[id(var2)], d * x)


@pytest.mark.task1_3
def test_chain_rule_pairs_each_derivative_with_its_own_input() -> None:
    """A constant first, then a variable: the variable gets its own local derivative, not the constant's."""
    var = _leaf(2.0)
    constant = Scalar(4.0, None)
    out = Function2.apply(constant, var)
    assert _back(out, 5.0) == [(id(constant), 5.0 * 3.0), (id(var), 5.0 * 4.0)]


@pytest.mark.task1_3
def test_chain_rule_reaches_inputs_made_by_other_functions() -> None:
    """An input that is itself a function's output (not a leaf) still gets its derivative."""
    x, y = _leaf(1.0), _leaf(2.0)
    middle = Function2.apply(x, y)
    out = Function2.apply(middle, _leaf(3.0))
    back = {_uid(v): as_float(d, "a derivative from chain_rule") for v, d in out.chain_rule(1.0)}
    assert back[_uid(middle)] == 4.0
    assert _uid(x) not in back, "chain_rule goes one step back only"


@pytest.mark.task1_3
def test_chain_rule_of_a_one_input_function() -> None:
    """A backward that returns a single float still pairs it with the one input."""
    var = _leaf(3.0)
    out = Square.apply(var)
    assert _back(out, 2.0) == [(id(var), 12.0)]


# Task 1.4


@pytest.mark.task1_4
def test_topological_sort_order() -> None:
    """Every node comes before its parents, and each node appears once."""
    x, y = _leaf(1.0), _leaf(2.0)
    a = Function2.apply(x, y)
    b = Function1.apply(a, x)
    out = Function2.apply(b, a)
    order = list(minitorch.topological_sort(out))
    ids = [_uid(v) for v in order]
    assert len(ids) == len(set(ids)) == 5
    assert order[0] is out
    position = {uid: i for i, uid in enumerate(ids)}
    for node in order:
        if not as_bool(node.is_leaf(), "Scalar.is_leaf()"):
            for parent in node.parents:
                assert position[_uid(node)] < position[_uid(parent)]


@pytest.mark.task1_4
def test_backprop_single_function() -> None:
    """d/dvar (0 + var + 10) = 1, scaled by the starting derivative."""
    var = _leaf(0.0)
    Function1.apply(0, var).backward(d_output=5.0)
    assert _derivative(var) == 5.0


@pytest.mark.task1_4
def test_backprop_chain() -> None:
    """Two functions in a row."""
    var = _leaf(0.0)
    var2 = Function1.apply(0, var)
    Function1.apply(0, var2).backward(d_output=5.0)
    assert _derivative(var) == 5.0


@pytest.mark.task1_4
def test_backprop_shared_input() -> None:
    """A variable used twice collects both paths."""
    var1 = _leaf(0.0)
    var2 = Function1.apply(0, var1)
    var3 = Function1.apply(0, var1)
    Function1.apply(var2, var3).backward(d_output=5.0)
    assert _derivative(var1) == 10.0


@pytest.mark.task1_4
def test_backprop_diamond_through_products() -> None:
    """A diamond whose two paths have different local derivatives."""
    x = _leaf(3.0)
    y = _leaf(4.0)
    a = Function2.apply(x, y)  # x*y + x
    out = Function2.apply(a, x)  # a*x + a
    out.backward()
    # out = (xy + x) x + xy + x; d/dx = 2xy + 2x + y + 1, d/dy = x^2 + x
    assert_close(_derivative(x), 2 * 3 * 4 + 2 * 3 + 4 + 1)
    assert_close(_derivative(y), 9 + 3)
