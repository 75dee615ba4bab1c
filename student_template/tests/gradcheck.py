"""Numerical derivatives computed by the tests themselves.

The derivative checks of later tasks compare against these, not against the
student's own ``central_difference`` (Task 1.1) or ``minitorch.grad_check``
(which lives in ``tensor_functions.py``, a file students edit), so that each
task's tests depend on that task's code, and the check itself is the course's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from .plain import as_float, as_shape


def numerical_derivative(f: Callable[..., Any], *vals: float, arg: int = 0, epsilon: float = 1e-6) -> float:
    """Central difference of ``f`` (a function of floats returning plain numbers) in argument ``arg``."""
    up = list(vals)
    down = list(vals)
    up[arg] += epsilon
    down[arg] -= epsilon
    return (as_float(f(*up), "the function") - as_float(f(*down), "the function")) / (2.0 * epsilon)


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
        derivative = scalar.derivative
        got = 0.0 if derivative is None else as_float(derivative, f"Scalar.derivative of argument {i}")
        assert abs(got - expected) <= 1e-2 * (1.0 + abs(expected)), (
            f"derivative in argument {i} at {list(vals)}: backpropagation gave {got}, central difference {expected}"
        )


def assert_tensor_gradients(f: Callable[..., Any], *vals: Any) -> None:
    """Backpropagate through ``f(*vals).sum()``; compare one element of each gradient with a central difference.

    The element is drawn after seeding ``random`` with 10, as ``minitorch.grad_check`` does.

    Args:
        f: A function from Tensors to one Tensor.
        *vals: The Tensors; they are made leaves that collect gradients.
    """
    for x in vals:
        x.requires_grad_(True)
        x.zero_grad_()
    random.seed(10)
    f(*vals).sum().backward()
    for i, x in enumerate(vals):
        index = tuple(random.randint(0, size - 1) for size in as_shape(x.shape, f"the shape of argument {i}"))
        expected = _tensor_difference(f, vals, i, index)
        assert x.grad is not None, f"no gradient reached argument {i}"
        got = as_float(x.grad[index], f"the gradient of argument {i} at {index}")
        assert abs(got - expected) <= 1e-2 * (1.0 + abs(expected)), (
            f"gradient of argument {i} at {index}: backpropagation gave {got}, central difference {expected}"
        )


def _tensor_difference(
    f: Callable[..., Any], vals: tuple[Any, ...], arg: int, index: tuple[int, ...], epsilon: float = 1e-6
) -> float:
    """Central difference of ``f(*vals).sum()`` in element ``index`` of argument ``arg``."""
    import minitorch

    x = vals[arg]
    step = minitorch.zeros(x.shape, x.backend)
    step[index] = epsilon
    up = [v + step if i == arg else v for i, v in enumerate(vals)]
    down = [v - step if i == arg else v for i, v in enumerate(vals)]
    delta = f(*up).sum() - f(*down).sum()
    return as_float(delta[0], "the difference of two sums") / (2.0 * epsilon)
