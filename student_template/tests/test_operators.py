"""Tests for minitorch.operators: Tasks 0.1, 0.2 and 0.3.

The tests marked ``task0_2`` (and ``test_sum_distribute`` in Task 0.3) are the
ones you write. They are graded by mutation: each must pass on any correct
``operators.py`` (the reference, and correct ones written another way) and
fail on deliberately broken versions of it.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from minitorch.operators import (
    add,
    addLists,
    eq,
    exp,
    id,
    inv,
    inv_back,
    is_close,
    log,
    log_back,
    lt,
    map,
    max,
    mul,
    neg,
    negList,
    prod,
    reduce,
    relu,
    relu_back,
    sigmoid,
    sum,
    zipWith,
)

from .strategies import assert_close, small_floats

positive_floats = st.floats(min_value=0.01, max_value=100, allow_nan=False)
float_lists = st.lists(small_floats, max_size=10)


def reference_sigmoid(x: float) -> float:
    """The logistic function, computed independently of the code under test."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


# Task 0.1


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_same_as_python(x: float, y: float) -> None:
    """Arithmetic and comparison operators agree with Python's."""
    assert_close(mul(x, y), x * y)
    assert_close(add(x, y), x + y)
    assert_close(neg(x), -x)
    assert_close(max(x, y), x if x > y else y)
    assert id(x) == x
    assert lt(x, y) == (1.0 if x < y else 0.0)
    assert eq(x, y) == (1.0 if x == y else 0.0)
    assert eq(x, x) == 1.0


@pytest.mark.task0_1
@given(small_floats)
def test_relu(a: float) -> None:
    """ReLU keeps positive values and zeroes the rest."""
    assert relu(a) == (a if a > 0 else 0.0)


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_relu_back(a: float, b: float) -> None:
    """ReLU's derivative passes the upstream value through only for a > 0."""
    assert relu_back(a, b) == (b if a > 0 else 0.0)


@pytest.mark.task0_1
@given(st.floats(min_value=-700, max_value=700, allow_nan=False))
def test_sigmoid_matches_formula(x: float) -> None:
    """Sigmoid computes the logistic function."""
    assert_close(sigmoid(x), reference_sigmoid(x))


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_is_close(x: float, y: float) -> None:
    """is_close means |x - y| < 1e-2."""
    assert is_close(x, y) == (1.0 if abs(x - y) < 1e-2 else 0.0)
    assert is_close(x, x + 0.001) == 1.0


@pytest.mark.task0_1
@given(positive_floats)
def test_log_exp_inv(x: float) -> None:
    """log, exp and inv compute the natural logarithm, e^x and 1/x."""
    assert_close(log(x), math.log(x))
    assert_close(exp(math.log(x)), x)
    assert_close(inv(x), 1.0 / x)


@pytest.mark.task0_1
@given(positive_floats, small_floats)
def test_backward_operators(x: float, d: float) -> None:
    """log_back and inv_back are the derivatives of log and inv times d."""
    assert log_back(x, d) == pytest.approx(d / x, rel=1e-3, abs=1e-2)
    assert inv_back(x, d) == pytest.approx(-d / (x * x), rel=1e-3, abs=1e-2)


# Task 0.2: write these property tests yourself.


@pytest.mark.task0_2
@given(small_floats)
def test_sigmoid(a: float) -> None:
    """Check properties of the sigmoid function, specifically.

    * It is always between 0.0 and 1.0.
    * One minus sigmoid is the same as sigmoid of the negative.
    * It crosses 0 at 0.5.
    * It is strictly increasing.
    """
    # TODO: Implement for Task 0.2.
    raise NotImplementedError("Task 0.2: implement test_sigmoid.")


@pytest.mark.task0_2
@given(small_floats, small_floats, small_floats)
def test_transitive(a: float, b: float, c: float) -> None:
    """Test the transitive property of less-than (a < b and b < c implies a < c)."""
    # TODO: Implement for Task 0.2.
    raise NotImplementedError("Task 0.2: implement test_transitive.")


@pytest.mark.task0_2
@given(small_floats, small_floats)
def test_symmetric(x: float, y: float) -> None:
    """Write a test that ensures that :func:`minitorch.operators.mul` is symmetric."""
    # TODO: Implement for Task 0.2.
    raise NotImplementedError("Task 0.2: implement test_symmetric.")


@pytest.mark.task0_2
@given(small_floats, small_floats, small_floats)
def test_distribute(x: float, y: float, z: float) -> None:
    r"""Write a test that ensures your operators distribute: $z \times (x + y) = z \times x + z \times y$."""
    # TODO: Implement for Task 0.2.
    raise NotImplementedError("Task 0.2: implement test_distribute.")


@pytest.mark.task0_2
@given(small_floats, small_floats)
def test_other(x: float, y: float) -> None:
    """Write a test of a property of another operator of your choice."""
    # TODO: Implement for Task 0.2.
    raise NotImplementedError("Task 0.2: implement test_other.")


# Task 0.3


@pytest.mark.task0_3
@given(float_lists)
def test_map(ls: list[float]) -> None:
    """map applies a function to every element, in order."""
    assert map(lambda x: 2 * x + 1)(ls) == [2 * x + 1 for x in ls]
    assert map(lambda x: x)([]) == []


@pytest.mark.task0_3
@given(float_lists)
def test_zip_with(ls: list[float]) -> None:
    """zipWith combines two lists pairwise, in order."""
    other = [x / 2 for x in ls]
    assert zipWith(lambda x, y: x - y)(ls, other) == [x - y for x, y in zip(ls, other)]


@pytest.mark.task0_3
@given(st.lists(st.integers(min_value=0, max_value=9), max_size=8))
def test_reduce(digits: list[int]) -> None:
    """reduce folds from the left and returns start for an empty list."""
    as_number = reduce(lambda x, acc: acc * 10 + x, 0)
    assert as_number(digits) == int("".join(str(d) for d in digits) or "0")
    assert reduce(lambda x, acc: x + acc, 7.0)([]) == 7.0


@pytest.mark.task0_3
@given(float_lists)
def test_negList(ls: list[float]) -> None:
    """negList negates every element."""
    assert negList(ls) == [-x for x in ls]


@pytest.mark.task0_3
@given(small_floats, small_floats, small_floats, small_floats)
def test_addLists(a: float, b: float, c: float, d: float) -> None:
    """addLists adds two lists elementwise."""
    x1, x2 = addLists([a, b], [c, d])
    assert_close(x1, a + c)
    assert_close(x2, b + d)


@pytest.mark.task0_3
@given(float_lists)
def test_sum_prod(ls: list[float]) -> None:
    """sum and prod agree with Python's sum and math.prod."""
    assert_close(sum(ls), math.fsum(ls))
    assert sum([]) == 0.0
    short = ls[:4]
    assert_close(prod(short), math.prod(short))
    assert prod([]) == 1.0


@pytest.mark.task0_3
@given(float_lists, float_lists)
def test_sum_distribute(ls1: list[float], ls2: list[float]) -> None:
    """Write a test that ensures that the sum of `ls1` plus the sum of `ls2`.

    is the same as the sum of each element of `ls1` plus each element of `ls2`.
    """
    # TODO: Implement for Task 0.3.
    raise NotImplementedError("Task 0.3: implement test_sum_distribute.")
