"""A zoo of small functions that the tests run on floats, scalars and tensors.

Each function exists twice: :class:`MathTest` computes it on floats with
:mod:`minitorch.operators`, as the trusted answer, and
:class:`MathTestVariable` computes it on minitorch values (``Scalar``, later
``Tensor``) through their methods, as the code under test. Constants shift
the inputs away from the places where a function is not differentiable
(``log`` near 0, ``relu`` at 0).

The helpers have the shapes of the public MiniTorch package's:
``_tests()`` returns three lists of ``(name, function)`` pairs (one-argument
functions, two-argument functions, reductions) taken from the class it is
called on, and ``_comp_testing()`` returns the same three lists as
``(name, float function, variable function)`` triples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import operators

Fn = Callable[..., Any]
Pair = tuple[str, Fn]
Named = tuple[str, Fn, Fn]

ONE_ARG = ["neg", "addConstant", "square", "cube", "subConstant", "multConstant", "div", "inv", "sig", "log"]
ONE_ARG += ["relu", "exp", "explog", "complex"]
TWO_ARG = ["add2", "mul2", "div2", "gt2", "lt2", "eq2"]
REDUCTIONS = ["sum_red", "mean_red", "mean_full_red"]


class MathTest:
    """The functions on floats (the trusted side)."""

    @staticmethod
    def neg(a: float) -> float:
        """Negate."""
        return -a

    @staticmethod
    def addConstant(a: float) -> float:
        """Add a constant."""
        return a + 5.0

    @staticmethod
    def square(a: float) -> float:
        """Square."""
        return a * a

    @staticmethod
    def cube(a: float) -> float:
        """Cube."""
        return a * a * a

    @staticmethod
    def subConstant(a: float) -> float:
        """Subtract a constant."""
        return a - 5.0

    @staticmethod
    def multConstant(a: float) -> float:
        """Multiply by a constant."""
        return 5.0 * a

    @staticmethod
    def div(a: float) -> float:
        """Divide by a constant."""
        return a / 5.0

    @staticmethod
    def inv(a: float) -> float:
        """Reciprocal, shifted off zero."""
        return 1.0 / (a + 3.5)

    @staticmethod
    def sig(a: float) -> float:
        """Sigmoid."""
        return operators.sigmoid(a)

    @staticmethod
    def log(a: float) -> float:
        """Logarithm, shifted off zero."""
        return operators.log(a + 100000.0)

    @staticmethod
    def relu(a: float) -> float:
        """ReLU, shifted off its kink."""
        return operators.relu(a + 5.5)

    @staticmethod
    def exp(a: float) -> float:
        """Exponential, shifted so it does not overflow."""
        return operators.exp(a - 200.0)

    @staticmethod
    def explog(a: float) -> float:
        """Logarithm plus exponential."""
        return operators.log(a + 100000.0) + operators.exp(a - 200.0)

    @staticmethod
    def add2(a: float, b: float) -> float:
        """Add."""
        return a + b

    @staticmethod
    def mul2(a: float, b: float) -> float:
        """Multiply."""
        return a * b

    @staticmethod
    def div2(a: float, b: float) -> float:
        """Divide, with the divisor shifted off zero."""
        return a / (b + 5.5)

    @staticmethod
    def gt2(a: float, b: float) -> float:
        """Greater than, with a shift so ties are rare."""
        return operators.lt(b, a + 1.2)

    @staticmethod
    def lt2(a: float, b: float) -> float:
        """Less than, with a shift so ties are rare."""
        return operators.lt(a + 1.2, b)

    @staticmethod
    def eq2(a: float, b: float) -> float:
        """Equality, with a shift so it is mostly false."""
        return operators.eq(a, b + 5.5)

    @staticmethod
    def complex(a: float) -> float:
        """A composition of many of the above."""
        return (
            operators.log(operators.sigmoid(operators.relu(operators.relu(a * 10.0 + 7.0) * 6.0 + 5.0) * 10.0)) / 50.0
        )

    @staticmethod
    def sum_red(a: list[float]) -> float:
        """Sum of a list."""
        return operators.sum(a)

    @staticmethod
    def mean_red(a: list[float]) -> float:
        """Mean of a list (the variable version reduces dimension 0)."""
        return operators.sum(a) / float(len(a))

    @staticmethod
    def mean_full_red(a: list[float]) -> float:
        """Mean of a list (the variable version reduces every dimension)."""
        return operators.sum(a) / float(len(a))

    @classmethod
    def _tests(cls) -> tuple[list[Pair], list[Pair], list[Pair]]:
        """The one-argument, two-argument and reduction functions of ``cls``, as (name, fn)."""
        return (
            [(name, getattr(cls, name)) for name in ONE_ARG],
            [(name, getattr(cls, name)) for name in TWO_ARG],
            [(name, getattr(cls, name)) for name in REDUCTIONS],
        )

    @classmethod
    def _comp_testing(cls) -> tuple[list[Named], list[Named], list[Named]]:
        """The same three lists as (name, float fn, ``cls`` fn), to compare the two versions."""
        lists = zip(MathTest._tests(), cls._tests())
        one, two, red = ([(name, base, own) for (name, base), (_, own) in zip(floats, mine)] for floats, mine in lists)
        return one, two, red


class MathTestVariable(MathTest):
    """The functions on minitorch values, through their methods and operators."""

    @staticmethod
    def inv(a: Any) -> Any:
        """Reciprocal, shifted off zero."""
        return 1.0 / (a + 3.5)

    @staticmethod
    def sig(a: Any) -> Any:
        """Sigmoid."""
        return a.sigmoid()

    @staticmethod
    def log(a: Any) -> Any:
        """Logarithm, shifted off zero."""
        return (a + 100000.0).log()

    @staticmethod
    def relu(a: Any) -> Any:
        """ReLU, shifted off its kink."""
        return (a + 5.5).relu()

    @staticmethod
    def exp(a: Any) -> Any:
        """Exponential, shifted so it does not overflow."""
        return (a - 200.0).exp()

    @staticmethod
    def explog(a: Any) -> Any:
        """Logarithm plus exponential."""
        return (a + 100000.0).log() + (a - 200.0).exp()

    @staticmethod
    def gt2(a: Any, b: Any) -> Any:
        """Greater than, with a shift so ties are rare."""
        return a + 1.2 > b

    @staticmethod
    def lt2(a: Any, b: Any) -> Any:
        """Less than, with a shift so ties are rare."""
        return a + 1.2 < b

    @staticmethod
    def eq2(a: Any, b: Any) -> Any:
        """Equality, with a shift so it is mostly false."""
        return a == (b + 5.5)

    @staticmethod
    def complex(a: Any) -> Any:
        """A composition of many of the above."""
        return (((a * 10.0 + 7.0).relu() * 6.0 + 5.0).relu() * 10.0).sigmoid().log() / 50.0

    @staticmethod
    def sum_red(a: Any) -> Any:
        """Sum over dimension 0."""
        return a.sum(0)

    @staticmethod
    def mean_red(a: Any) -> Any:
        """Mean over dimension 0."""
        return a.mean(0)

    @staticmethod
    def mean_full_red(a: Any) -> Any:
        """Mean of every element."""
        return a.mean()
