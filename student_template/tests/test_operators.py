"""Tests for minitorch.operators: Tasks 0.1, 0.2 and 0.3.

The tests marked ``task0_2`` (and ``test_sum_distribute`` in Task 0.3) are the
ones you write. They are graded by the mutants they catch: each must pass on any correct
``operators.py`` (the reference, and correct ones written another way) and
fail on deliberately broken versions of it.

The course's tests read every value the library returns as a plain number
or list first (``plain.py``), so a result is judged by its value alone.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from minitorch.operators import (
    EPS,
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

from .call_styles import call_map, call_reduce, call_zip_with
from .plain import as_float, as_floats
from .strategies import assert_close, assert_on_grid, small_floats

positive_floats = st.floats(min_value=0.01, max_value=100, allow_nan=False)
float_lists = st.lists(small_floats, max_size=10)


def logistic(x: float) -> float:
    """The logistic function through tanh, independently of the code under test: it never overflows."""
    return 0.5 * (1.0 + math.tanh(x / 2.0))


# Where a function that is right on most of the line can still be wrong: negative, tiny and huge inputs.
NEGATIVE = [-1000.0, -710.0, -100.0, -20.0, -4.5, -2.0, -1.0, -0.5, -0.1, -1e-4]
POSITIVE = [1e-4, 0.1, 0.5, 1.0, 2.0, 4.5, 20.0, 100.0, 710.0, 1000.0]
EDGES = [*NEGATIVE, -0.0, 0.0, *POSITIVE]


# Task 0.1


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_same_as_python(x: float, y: float) -> None:
    """Arithmetic and comparison operators agree with Python's."""
    assert_close(mul(x, y), x * y, "operators.mul")
    assert_close(add(x, y), x + y, "operators.add")
    assert_close(neg(x), -x, "operators.neg")
    assert_close(max(x, y), x if x > y else y, "operators.max")
    assert as_float(id(x), "operators.id") == x
    assert as_float(lt(x, y), "operators.lt") == (1.0 if x < y else 0.0)
    assert as_float(eq(x, y), "operators.eq") == (1.0 if x == y else 0.0)
    assert as_float(eq(x, x), "operators.eq") == 1.0


@pytest.mark.task0_1
@given(small_floats)
@example(-1000.0)
@example(-1e-4)
@example(-0.0)
@example(0.0)
@example(1e-4)
@example(1000.0)
def test_relu(a: float) -> None:
    """ReLU keeps positive values and zeroes the rest."""
    assert as_float(relu(a), "operators.relu") == (a if a > 0 else 0.0)


@pytest.mark.task0_1
@given(small_floats, small_floats)
@example(-1e-4, 2.5)
@example(-0.0, 2.5)
@example(0.0, 2.5)
@example(1e-4, 2.5)
def test_relu_back(a: float, b: float) -> None:
    """ReLU's derivative passes the upstream value through only for a > 0."""
    assert as_float(relu_back(a, b), "operators.relu_back") == (b if a > 0 else 0.0)


@pytest.mark.task0_1
@given(st.floats(min_value=-700, max_value=700, allow_nan=False))
def test_sigmoid_matches_formula(x: float) -> None:
    """Sigmoid computes the logistic function."""
    assert_close(sigmoid(x), logistic(x), "operators.sigmoid")


@pytest.mark.task0_1
def test_sigmoid_on_a_grid() -> None:
    """Sigmoid is right for negative, tiny and huge inputs too, and never overflows."""
    assert_on_grid("sigmoid", sigmoid, logistic, [(x,) for x in EDGES], rel=0.0, abs_tol=1e-6)


@pytest.mark.task0_1
def test_functions_on_a_grid() -> None:
    """exp, log, inv and their backward operators on negative, tiny and huge inputs (relu's tests have examples)."""
    assert_on_grid("exp", exp, math.exp, [(x,) for x in EDGES if x < 709.0])
    logs = [0.0, 1e-9, 1e-4, 0.5, 1.0, 100.0, 1e6, 1e300]
    assert_on_grid("log", log, lambda x: math.log(x + EPS), [(x,) for x in logs])
    assert_on_grid("inv", inv, lambda x: 1.0 / x, [(x,) for x in NEGATIVE + POSITIVE])
    assert_on_grid("log_back", log_back, lambda x, d: d / (x + EPS), [(x, d) for x in logs for d in (-2.0, 3.0)])
    backs = [(x, d) for x in (-100.0, -1.0, -1e-3, 1e-3, 1.0, 100.0) for d in (-2.0, 3.0)]
    assert_on_grid("inv_back", inv_back, lambda x, d: -d / (x * x), backs)


@pytest.mark.task0_1
def test_comparisons_at_and_near_ties() -> None:
    """lt, eq, max and is_close where their inputs are equal or nearly so."""
    tiny = 1e-9
    lt_cases = {(1.0, 1.0): 0.0, (1.0, 1.0 + tiny): 1.0, (1.0 + tiny, 1.0): 0.0, (-0.0, 0.0): 0.0}
    lt_cases |= {(-5.0, -5.0): 0.0, (-5.0 - tiny, -5.0): 1.0}
    assert_on_grid("lt", lt, lambda x, y: lt_cases[x, y], lt_cases, abs_tol=0.0)
    eq_cases = {(1.0, 1.0): 1.0, (1.0, 1.005): 0.0, (1.0, 1.0 + tiny): 0.0, (-0.0, 0.0): 1.0, (-3.0, -3.001): 0.0}
    assert_on_grid("eq", eq, lambda x, y: eq_cases[x, y], eq_cases, abs_tol=0.0)
    pairs = [(2.0, 2.0 + tiny), (2.0 + tiny, 2.0), (-1.0, -1.0), (-tiny, tiny), (-1000.0, -999.0)]
    assert_on_grid("max", max, lambda x, y: x if x > y else y, pairs, rel=0.0, abs_tol=0.0)
    close = [(1.0, 1.005), (1.005, 1.0), (1.0, 0.995), (0.001, 0.005), (100.0, 100.005), (-1.0, -1.005)]
    far = [(1.0, 1.02), (1.02, 1.0), (1.0, 0.98), (100.0, 100.02), (-1.0, -1.02)]
    is_close_cases = {**dict.fromkeys(close, 1.0), **dict.fromkeys(far, 0.0)}
    assert_on_grid("is_close", is_close, lambda x, y: is_close_cases[x, y], is_close_cases, abs_tol=0.0)


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_is_close(x: float, y: float) -> None:
    """is_close means |x - y| < 1e-2."""
    assert as_float(is_close(x, y), "operators.is_close") == (1.0 if abs(x - y) < 1e-2 else 0.0)
    assert as_float(is_close(x, x + 0.001), "operators.is_close") == 1.0


@pytest.mark.task0_1
@given(positive_floats)
def test_log_exp_inv(x: float) -> None:
    """log, exp and inv compute the natural logarithm, e^x and 1/x."""
    assert_close(log(x), math.log(x), "operators.log")
    assert_close(exp(math.log(x)), x, "operators.exp")
    assert_close(inv(x), 1.0 / x, "operators.inv")


@pytest.mark.task0_1
@given(positive_floats, small_floats)
def test_backward_operators(x: float, d: float) -> None:
    """log_back and inv_back are the derivatives of log and inv times d."""
    assert as_float(log_back(x, d), "operators.log_back") == pytest.approx(d / x, rel=1e-3, abs=1e-2)
    assert as_float(inv_back(x, d), "operators.inv_back") == pytest.approx(-d / (x * x), rel=1e-3, abs=1e-2)


@pytest.mark.task0_1
def test_log_of_zero_is_finite() -> None:
    """log(0) and log_back(0, d) are finite: a requirement of this course beyond the public one."""
    rule = "this course requires log(x) = ln(x + EPS) and log_back(x, d) = d / (x + EPS), EPS = 1e-6 (Task 0.1)"
    try:
        at_zero, back_at_zero = as_float(log(0.0), "log(0)"), as_float(log_back(0.0, 2.0), "log_back(0, 2)")
    except (ValueError, ZeroDivisionError) as error:
        raise AssertionError(f"log(0) and log_back(0, d) must be finite, but raised {error!r}: {rule}") from None
    assert math.isfinite(at_zero) and at_zero == pytest.approx(math.log(1e-6)), f"log(0) = {at_zero!r}: {rule}"
    assert back_at_zero == pytest.approx(2.0 / 1e-6), f"log_back(0, 2) = {back_at_zero!r}: {rule}"


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
    """map applies a function to every element, in order (curried or not: see call_styles.py)."""
    assert as_floats(call_map(map, lambda x: 2 * x + 1, ls), "map(fn)(ls)") == [2 * x + 1 for x in ls]
    assert as_floats(call_map(map, lambda x: x, []), "map(fn)([])") == []


@pytest.mark.task0_3
@given(float_lists)
def test_zip_with(ls: list[float]) -> None:
    """zipWith combines two lists pairwise, in order."""
    other = [x / 2 for x in ls]
    got = as_floats(call_zip_with(zipWith, lambda x, y: x - y, ls, other), "zipWith(fn)(ls1, ls2)")
    assert got == [x - y for x, y in zip(ls, other)]


@pytest.mark.task0_3
@given(st.lists(st.integers(min_value=0, max_value=9), max_size=8))
def test_reduce(digits: list[int]) -> None:
    """reduce folds from the left and returns start for an empty list."""
    as_number = as_float(call_reduce(reduce, lambda x, acc: acc * 10 + x, 0, digits), "reduce(fn, 0)(digits)")
    assert as_number == int("".join(str(d) for d in digits) or "0")
    assert as_float(call_reduce(reduce, lambda x, acc: x + acc, 7.0, []), "reduce(fn, 7.0)([])") == 7.0


@pytest.mark.task0_3
@given(float_lists)
def test_negList(ls: list[float]) -> None:
    """negList negates every element."""
    assert as_floats(negList(ls), "negList") == [-x for x in ls]


@pytest.mark.task0_3
@given(small_floats, small_floats, small_floats, small_floats)
def test_addLists(a: float, b: float, c: float, d: float) -> None:
    """addLists adds two lists elementwise."""
    x1, x2 = as_floats(addLists([a, b], [c, d]), "addLists")
    assert_close(x1, a + c)
    assert_close(x2, b + d)


@pytest.mark.task0_3
@given(float_lists)
def test_sum_prod(ls: list[float]) -> None:
    """sum and prod agree with Python's sum and math.prod."""
    assert_close(sum(ls), math.fsum(ls), "operators.sum")
    assert as_float(sum([]), "operators.sum") == 0.0
    short = ls[:4]
    assert_close(prod(short), math.prod(short), "operators.prod")
    assert as_float(prod([]), "operators.prod") == 1.0


@pytest.mark.task0_3
@given(float_lists, float_lists)
def test_sum_distribute(ls1: list[float], ls2: list[float]) -> None:
    """Write a test that ensures that the sum of `ls1` plus the sum of `ls2`.

    is the same as the sum of each element of `ls1` plus each element of `ls2`.
    """
    # TODO: Implement for Task 0.3.
    raise NotImplementedError("Task 0.3: implement test_sum_distribute.")
