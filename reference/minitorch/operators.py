"""Scalar operators and the higher-order list functions built on them (Module 0).

Every later module builds on these: the autodiff functions of Module 1 call
them for their forward passes, and the tensor backends of Modules 2-4 map
them over storage.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

# Task 0.1: mathematical operators.


def mul(x: float, y: float) -> float:
    """Multiply two numbers.

    Args:
        x: First factor.
        y: Second factor.

    Returns:
        The product ``x * y``.
    """
    ### BEGIN SOLUTION task0_1
    return x * y
    ### END SOLUTION


def id(x: float) -> float:
    """Return the input unchanged.

    Args:
        x: Any number.

    Returns:
        ``x`` itself.
    """
    ### BEGIN SOLUTION task0_1
    return x
    ### END SOLUTION


def add(x: float, y: float) -> float:
    """Add two numbers.

    Args:
        x: First term.
        y: Second term.

    Returns:
        The sum ``x + y``.
    """
    ### BEGIN SOLUTION task0_1
    return x + y
    ### END SOLUTION


def neg(x: float) -> float:
    """Negate a number.

    Args:
        x: Any number.

    Returns:
        ``-x``.
    """
    ### BEGIN SOLUTION task0_1
    return -x
    ### END SOLUTION


def lt(x: float, y: float) -> float:
    """Test whether one number is less than another.

    Args:
        x: Left operand.
        y: Right operand.

    Returns:
        1.0 if ``x < y`` else 0.0.
    """
    ### BEGIN SOLUTION task0_1
    return 1.0 if x < y else 0.0
    ### END SOLUTION


def eq(x: float, y: float) -> float:
    """Test two numbers for equality.

    Args:
        x: Left operand.
        y: Right operand.

    Returns:
        1.0 if ``x == y`` else 0.0.
    """
    ### BEGIN SOLUTION task0_1
    return 1.0 if x == y else 0.0
    ### END SOLUTION


def max(x: float, y: float) -> float:
    """Return the larger of two numbers.

    Args:
        x: Left operand.
        y: Right operand.

    Returns:
        ``x`` if ``x > y`` else ``y``.
    """
    ### BEGIN SOLUTION task0_1
    return x if x > y else y
    ### END SOLUTION


def is_close(x: float, y: float) -> float:
    """Test whether two numbers are within 1e-2 of each other.

    Args:
        x: Left operand.
        y: Right operand.

    Returns:
        1.0 if ``|x - y| < 1e-2`` else 0.0.
    """
    ### BEGIN SOLUTION task0_1
    return 1.0 if abs(x - y) < 1e-2 else 0.0
    ### END SOLUTION


def sigmoid(x: float) -> float:
    r"""The logistic function $f(x) = \frac{1}{1 + e^{-x}}$.

    Computed in the numerically stable two-branch form: for ``x >= 0`` as
    ``1 / (1 + exp(-x))`` and for ``x < 0`` as ``exp(x) / (1 + exp(x))``, so
    that ``exp`` never overflows.

    Args:
        x: Any number.

    Returns:
        A value in [0, 1].
    """
    ### BEGIN SOLUTION task0_1
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
    ### END SOLUTION


def relu(x: float) -> float:
    """The rectified linear unit.

    Args:
        x: Any number.

    Returns:
        ``x`` if ``x > 0`` else 0.0.
    """
    ### BEGIN SOLUTION task0_1
    return x if x > 0.0 else 0.0
    ### END SOLUTION


EPS = 1e-6


def log(x: float) -> float:
    """The natural logarithm, shifted by a tiny epsilon so that the log of 0 is finite.

    Args:
        x: A non-negative number.

    Returns:
        ``ln(x + EPS)``.
    """
    ### BEGIN SOLUTION task0_1
    return math.log(x + EPS)
    ### END SOLUTION


def exp(x: float) -> float:
    """The exponential function.

    Args:
        x: Any number.

    Returns:
        ``e ** x``.
    """
    ### BEGIN SOLUTION task0_1
    return math.exp(x)
    ### END SOLUTION


def inv(x: float) -> float:
    """The reciprocal.

    Args:
        x: A non-zero number.

    Returns:
        ``1 / x``.
    """
    ### BEGIN SOLUTION task0_1
    return 1.0 / x
    ### END SOLUTION


def log_back(x: float, d: float) -> float:
    """The derivative of ``log`` at ``x``, times an upstream derivative.

    Args:
        x: Point at which ``log`` was applied.
        d: Upstream derivative.

    Returns:
        ``d / (x + EPS)``, consistent with :func:`log`.
    """
    ### BEGIN SOLUTION task0_1
    return d / (x + EPS)
    ### END SOLUTION


def inv_back(x: float, d: float) -> float:
    """The derivative of ``inv`` at ``x``, times an upstream derivative.

    Args:
        x: Point at which ``inv`` was applied.
        d: Upstream derivative.

    Returns:
        ``-d / x**2``.
    """
    ### BEGIN SOLUTION task0_1
    return -d / (x * x)
    ### END SOLUTION


def relu_back(x: float, d: float) -> float:
    """The derivative of ``relu`` at ``x``, times an upstream derivative.

    Args:
        x: Point at which ``relu`` was applied.
        d: Upstream derivative.

    Returns:
        ``d`` if ``x > 0`` else 0.0.
    """
    ### BEGIN SOLUTION task0_1
    return d if x > 0.0 else 0.0
    ### END SOLUTION


# Task 0.3: higher-order functions.


def map(fn: Callable[[float], float]) -> Callable[[Iterable[float]], list[float]]:
    """Higher-order map.

    Args:
        fn: Function from one value to one value.

    Returns:
        A function that takes a list and returns the list of ``fn`` applied to
        each element.
    """

    ### BEGIN SOLUTION task0_3
    def apply(ls: Iterable[float]) -> list[float]:
        return [fn(x) for x in ls]

    return apply
    ### END SOLUTION


def zipWith(
    fn: Callable[[float, float], float],
) -> Callable[[Iterable[float], Iterable[float]], list[float]]:
    """Higher-order zip-with.

    Args:
        fn: Function combining two values into one.

    Returns:
        A function that takes two equally long lists and returns the list of
        ``fn(x, y)`` for each pair of elements.
    """

    ### BEGIN SOLUTION task0_3
    def apply(ls1: Iterable[float], ls2: Iterable[float]) -> list[float]:
        return [fn(x, y) for x, y in zip(ls1, ls2)]

    return apply
    ### END SOLUTION


def reduce(fn: Callable[[float, float], float], start: float) -> Callable[[Iterable[float]], float]:
    r"""Higher-order reduce (left fold).

    Args:
        fn: Function combining an accumulator and a value.
        start: Initial accumulator.

    Returns:
        A function that takes a list ``[x_1, ..., x_n]`` and returns
        ``fn(x_n, fn(x_{n-1}, ... fn(x_1, start)...))``; ``start`` for an
        empty list.
    """

    ### BEGIN SOLUTION task0_3
    def apply(ls: Iterable[float]) -> float:
        acc = start
        for x in ls:
            acc = fn(x, acc)
        return acc

    return apply
    ### END SOLUTION


def negList(ls: Iterable[float]) -> list[float]:
    """Negate every element of a list, using :func:`map` and :func:`neg`."""
    ### BEGIN SOLUTION task0_3
    return map(neg)(ls)
    ### END SOLUTION


def addLists(ls1: Iterable[float], ls2: Iterable[float]) -> list[float]:
    """Add two lists elementwise, using :func:`zipWith` and :func:`add`."""
    ### BEGIN SOLUTION task0_3
    return zipWith(add)(ls1, ls2)
    ### END SOLUTION


def sum(ls: Iterable[float]) -> float:
    """Sum a list, using :func:`reduce` and :func:`add`."""
    ### BEGIN SOLUTION task0_3
    return reduce(add, 0.0)(ls)
    ### END SOLUTION


def prod(ls: Iterable[float]) -> float:
    """Multiply the elements of a list, using :func:`reduce` and :func:`mul`."""
    ### BEGIN SOLUTION task0_3
    return reduce(mul, 1.0)(ls)
    ### END SOLUTION
