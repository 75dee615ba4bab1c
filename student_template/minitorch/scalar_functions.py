"""Differentiable functions of scalars: a forward and a backward pass each (Module 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import operators
from .autodiff import Context

if TYPE_CHECKING:
    from .scalar import Scalar, ScalarLike


def wrap_tuple(x: Any) -> tuple[Any, ...]:
    """Turn a single value into a one-element tuple; leave tuples alone."""
    if isinstance(x, tuple):
        return x
    return (x,)


def unwrap_tuple(x: tuple[Any, ...]) -> Any:
    """Turn a one-element tuple into its element; leave longer tuples alone."""
    if len(x) == 1:
        return x[0]
    return x


class ScalarFunction:
    """A function of floats with a derivative, applied to :class:`Scalar` values.

    Subclasses define ``forward(ctx, *floats) -> float`` and
    ``backward(ctx, d_output) -> float | tuple[float, ...]`` (one derivative
    per input); :meth:`apply` records the call in the output's history.
    """

    @classmethod
    def _backward(cls, ctx: Context, d_out: float) -> tuple[float, ...]:
        return wrap_tuple(cls.backward(ctx, d_out))  # type: ignore[attr-defined]

    @classmethod
    def _forward(cls, ctx: Context, *inps: float) -> float:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined, no-any-return]

    @classmethod
    def apply(cls, *vals: ScalarLike) -> Scalar:
        """Run the forward pass on ``vals`` and record it for backpropagation.

        Plain numbers become constants: they take part in the forward pass
        but never receive a derivative.
        """
        from .scalar import Scalar

        scalars = [v if isinstance(v, Scalar) else Scalar(float(v), None) for v in vals]
        ctx = Context(not any(s.history is not None for s in scalars))
        result = cls._forward(ctx, *(s.data for s in scalars))
        if not isinstance(result, float | int):
            raise TypeError(f"{cls.__name__}.forward must return a float, got {type(result).__name__}")
        return Scalar.from_function(float(result), cls, ctx, scalars)


class Add(ScalarFunction):
    """Addition: f(x, y) = x + y. A worked example."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return a + b

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return d_output, d_output


class Log(ScalarFunction):
    """Natural logarithm: f(x) = log(x). A worked example."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return operators.log(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return operators.log_back(a, d_output)


class Mul(ScalarFunction):
    """Multiplication: f(x, y) = x * y."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        # TODO: Implement for Task 1.4.
        raise NotImplementedError("Task 1.4: implement backward.")


class Inv(ScalarFunction):
    """Reciprocal: f(x) = 1 / x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # TODO: Implement for Task 1.4.
        raise NotImplementedError("Task 1.4: implement backward.")


class Neg(ScalarFunction):
    """Negation: f(x) = -x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # TODO: Implement for Task 1.4.
        raise NotImplementedError("Task 1.4: implement backward.")


class Sigmoid(ScalarFunction):
    """Logistic function: f(x) = 1 / (1 + e^-x)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # TODO: Implement for Task 1.4.
        raise NotImplementedError("Task 1.4: implement backward.")


class ReLU(ScalarFunction):
    """Rectified linear unit: f(x) = max(x, 0)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # TODO: Implement for Task 1.4.
        raise NotImplementedError("Task 1.4: implement backward.")


class Exp(ScalarFunction):
    """Exponential: f(x) = e^x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # TODO: Implement for Task 1.4.
        raise NotImplementedError("Task 1.4: implement backward.")


class LT(ScalarFunction):
    """Less-than: f(x, y) = 1.0 if x < y else 0.0. Its derivative is zero."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return 0.0, 0.0


class EQ(ScalarFunction):
    """Equality: f(x, y) = 1.0 if x == y else 0.0. Its derivative is zero."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement forward.")

    @staticmethod
    def backward(ctx: Context, d_output: float) -> tuple[float, float]:
        return 0.0, 0.0
