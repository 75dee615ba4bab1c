"""Scalar: a float that remembers how it was computed (Module 1)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Union

from .autodiff import Context, Variable, backpropagate, central_difference
from .scalar_functions import (
    EQ,
    LT,
    Add,
    Exp,
    Inv,
    Log,
    Mul,
    Neg,
    ReLU,
    ScalarFunction,
    Sigmoid,
)

ScalarLike = Union[float, int, "Scalar"]

_ids = itertools.count(1)


@dataclass(frozen=True)
class ScalarHistory:
    """How a :class:`Scalar` was made.

    Attributes:
        last_fn: The function that produced it; ``None`` for a leaf.
        ctx: What that function saved for its backward pass.
        inputs: The function's inputs.
    """

    last_fn: type[ScalarFunction] | None = None
    ctx: Context | None = None
    inputs: Sequence[Scalar] = field(default_factory=tuple)


LEAF = ScalarHistory()


class Scalar:
    """A real number that records the computation that produced it.

    A leaf (created by the user) has an empty :class:`ScalarHistory`; a
    constant has no history at all and never receives a derivative.

    Args:
        v: The value.
        back: Its history; pass ``None`` for a constant.
        name: Optional name, for display.
    """

    def __init__(self, v: float, back: ScalarHistory | None = LEAF, name: str | None = None) -> None:
        self.data = float(v)
        self.history = back
        self.derivative: float | None = None
        self.unique_id = next(_ids)
        self.name = name if name is not None else str(self.unique_id)

    @classmethod
    def from_function(cls, value: float, fn: type[ScalarFunction], ctx: Context, inputs: Sequence[Scalar]) -> Scalar:
        """The output of ``fn``: a constant if every input was one."""
        return cls(value, None if ctx.no_grad else ScalarHistory(fn, ctx, inputs))

    def requires_grad_(self, flag: bool) -> None:
        """Make this scalar a leaf that collects a derivative, or a constant."""
        self.history = LEAF if flag else None

    def __repr__(self) -> str:
        return f"Scalar({self.data})"

    def __hash__(self) -> int:
        return hash(self.unique_id)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __mul__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(self, b)

    def __rmul__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(b, self)

    def __truediv__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(self, Inv.apply(b))

    def __rtruediv__(self, b: ScalarLike) -> Scalar:
        return Mul.apply(b, Inv.apply(self))

    def __add__(self, b: ScalarLike) -> Scalar:
        """Return self + b."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement __add__.")

    def __radd__(self, b: ScalarLike) -> Scalar:
        return self + b

    def __lt__(self, b: ScalarLike) -> Scalar:
        """Return self < b, as a Scalar 1.0 or 0.0."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement __lt__.")

    def __gt__(self, b: ScalarLike) -> Scalar:
        """Return self > b, as a Scalar 1.0 or 0.0."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement __gt__.")

    def __eq__(self, b: ScalarLike) -> Scalar:  # type: ignore[override]
        """Return self == b, as a Scalar 1.0 or 0.0."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement __eq__.")

    def __sub__(self, b: ScalarLike) -> Scalar:
        """Return self - b."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement __sub__.")

    def __neg__(self) -> Scalar:
        """Return -self."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement __neg__.")

    def log(self) -> Scalar:
        """Natural logarithm."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement log.")

    def exp(self) -> Scalar:
        """Exponential."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement exp.")

    def sigmoid(self) -> Scalar:
        """Logistic function."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement sigmoid.")

    def relu(self) -> Scalar:
        """Rectified linear unit."""
        # TODO: Implement for Task 1.2.
        raise NotImplementedError("Task 1.2: implement relu.")

    # The Variable protocol, used by backpropagate.

    def accumulate_derivative(self, x: float) -> None:
        """Add ``x`` to this leaf's derivative."""
        assert self.is_leaf(), "only leaf variables accumulate derivatives"
        self.derivative = (self.derivative or 0.0) + x

    def is_leaf(self) -> bool:
        """Whether this scalar was created by the user, not by a function."""
        return self.history is not None and self.history.last_fn is None

    def is_constant(self) -> bool:
        """Whether this scalar needs no derivative."""
        return self.history is None

    @property
    def parents(self) -> Iterable[Variable]:
        """The inputs of the function that made this scalar."""
        assert self.history is not None
        return self.history.inputs

    def chain_rule(self, d_output: float) -> Iterable[tuple[Variable, float]]:
        """Apply the chain rule one step back from this scalar.

        Args:
            d_output: The derivative of the final output with respect to this scalar.

        Returns:
            One ``(input, derivative)`` pair per input of the function that made
            this scalar, in the order of its inputs, where the derivative is
            ``d_output`` times the local derivative of the function with respect
            to that input. Constant inputs (plain numbers passed to ``apply``)
            are kept, paired with their derivative like any other input, as in
            the public MiniTorch course; :func:`backpropagate` is the one that
            leaves them out.
        """
        history = self.history
        assert history is not None and history.last_fn is not None and history.ctx is not None
        # TODO: Implement for Task 1.3.
        raise NotImplementedError("Task 1.3: implement chain_rule.")

    def backward(self, d_output: float | None = None) -> None:
        """Backpropagate from this scalar: fill in the derivative of every leaf.

        Args:
            d_output: Starting derivative; 1.0 by default.
        """
        backpropagate(self, 1.0 if d_output is None else d_output)


def derivative_check(f: Callable[..., Scalar], *scalars: Scalar) -> None:
    """Check the derivatives backpropagation gives against central differences.

    Args:
        f: A function from scalars to one scalar.
        *scalars: The point at which to check.

    Raises:
        AssertionError: If a derivative disagrees.
    """
    out = f(*scalars)
    out.backward()
    for i, x in enumerate(scalars):
        check = central_difference(f, *scalars, arg=i)
        expected = check.data if isinstance(check, Scalar) else check
        got = x.derivative or 0.0
        assert abs(got - expected) <= 1e-2 + 1e-2 * abs(expected), (
            f"Derivative check failed for argument {i} of {f}: backpropagation gave {got}, "
            f"central difference {expected}, at {[s.data for s in scalars]}"
        )
