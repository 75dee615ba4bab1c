"""Numerical derivatives computed by the tests themselves.

The derivative checks of later tasks compare against these, not against the
student's own ``central_difference`` (Task 1.1), so that each task's tests
depend on that task's code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def numerical_derivative(f: Callable[..., Any], *vals: float, arg: int = 0, epsilon: float = 1e-6) -> float:
    """Central difference of ``f`` (a function of floats) in argument ``arg``."""
    up = list(vals)
    down = list(vals)
    up[arg] += epsilon
    down[arg] -= epsilon
    return (float(f(*up)) - float(f(*down))) / (2.0 * epsilon)


def assert_derivatives(f: Callable[..., Any], *vals: float) -> None:
    """Backpropagate through ``f`` on fresh Scalars and compare with central differences.

    Args:
        f: A function from ``minitorch.Scalar`` values to one Scalar.
        *vals: The point, as floats.
    """
    import minitorch

    scalars = [minitorch.Scalar(v) for v in vals]
    out = f(*scalars)
    out.backward()
    for i, scalar in enumerate(scalars):
        expected = numerical_derivative(lambda *xs: f(*[minitorch.Scalar(x) for x in xs]).data, *vals, arg=i)
        got = scalar.derivative if scalar.derivative is not None else 0.0
        assert abs(got - expected) <= 1e-2 * (1.0 + abs(expected)), (
            f"derivative in argument {i} at {list(vals)}: backpropagation gave {got}, central difference {expected}"
        )
