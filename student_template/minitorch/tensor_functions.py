"""Differentiable functions of tensors, and the functions that make tensors (Module 2)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import numpy as np

import minitorch

from . import operators
from .autodiff import Context
from .tensor_ops import SimpleBackend, TensorBackend

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_data import UserIndex, UserShape


def wrap_tuple(x: Any) -> tuple[Any, ...]:
    """Turn a single value into a one-element tuple; leave tuples alone."""
    if isinstance(x, tuple):
        return x
    return (x,)


class Function:
    """A tensor function with a forward and a backward pass (see ``ScalarFunction``)."""

    @classmethod
    def _backward(cls, ctx: Context, grad_out: Tensor) -> tuple[Tensor, ...]:
        return wrap_tuple(cls.backward(ctx, grad_out))  # type: ignore[attr-defined]

    @classmethod
    def _forward(cls, ctx: Context, *inps: Tensor) -> Tensor:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined, no-any-return]

    @classmethod
    def apply(cls, *vals: Tensor) -> Tensor:
        """Run the forward pass on detached inputs; record it if any input needs a gradient."""
        need_grad = any(v.requires_grad() for v in vals)
        ctx = Context(not need_grad)
        out = cls._forward(ctx, *(v.detach() for v in vals))
        history = minitorch.History(cls, ctx, vals) if need_grad else None
        return minitorch.Tensor(out._tensor, history, backend=out.backend)


class Neg(Function):
    """-a. A worked example."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        return t1.f.neg_map(t1)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output.f.neg_map(grad_output)


class Inv(Function):
    """1 / a. A worked example."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        ctx.save_for_backward(t1)
        return t1.f.inv_map(t1)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (t1,) = ctx.saved_values
        return grad_output.f.inv_back_zip(t1, grad_output)


class Add(Function):
    """a + b, broadcasting. A worked example."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor, t2: Tensor) -> Tensor:
        return t1.f.add_zip(t1, t2)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return grad_output, grad_output


class All(Function):
    """1 if every element (along ``dim``) is non-zero."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Tensor) -> Tensor:
        return a.f.mul_reduce(a, int(dim.item()))


class Mul(Function):
    """a * b, elementwise with broadcasting."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class Sigmoid(Function):
    """The logistic function, elementwise."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class ReLU(Function):
    """max(a, 0), elementwise."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class Log(Function):
    """Natural logarithm, elementwise."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class Exp(Function):
    """e^a, elementwise."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class Sum(Function):
    """Sum along dimension ``dim``, which becomes size 1."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class LT(Function):
    """a < b as 1.0 / 0.0, elementwise; its gradient is zero."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class EQ(Function):
    """a == b as 1.0 / 0.0, elementwise; its gradient is zero."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class IsClose(Function):
    """|a - b| < 1e-2 as 1.0 / 0.0, elementwise; not differentiable."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")


class Permute(Function):
    """Reorder the dimensions; the storage is shared."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, order: Tensor) -> Tensor:
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        # TODO: Implement for Task 2.4.
        raise NotImplementedError("Task 2.4: implement backward.")


class View(Function):
    """The same contiguous storage with another shape of the same size."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: Tensor) -> Tensor:
        ctx.save_for_backward(a.shape)
        if not a._tensor.is_contiguous():
            raise minitorch.IndexingError(
                f"view of a non-contiguous tensor (shape {a.shape}, strides {a._tensor.strides}): "
                "call contiguous() first"
            )
        new_shape = tuple(int(shape[i]) for i in range(shape.size))
        if int(operators.prod(new_shape)) != a.size:
            raise minitorch.IndexingError(f"cannot view a tensor of shape {a.shape} as {new_shape}")
        return minitorch.Tensor.make(a._tensor._storage, new_shape, backend=a.backend)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        (original,) = ctx.saved_values
        return minitorch.Tensor.make(
            grad_output.contiguous()._tensor._storage, original, backend=grad_output.backend
        ), 0.0


class Copy(Function):
    """A contiguous copy."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        return a.f.id_map(a)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        return grad_output


class MatMul(Function):
    """Batched matrix product of the last two dimensions (fast backends only)."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor, t2: Tensor) -> Tensor:
        ctx.save_for_backward(t1, t2)
        return t1.f.matrix_multiply(t1, t2)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        t1, t2 = ctx.saved_values

        def transpose(a: Tensor) -> Tensor:
            order = list(range(a.dims))
            order[-2], order[-1] = order[-1], order[-2]
            return a._new(a._tensor.permute(*order))

        return (
            grad_output.f.matrix_multiply(grad_output, transpose(t2)),
            grad_output.f.matrix_multiply(transpose(t1), grad_output),
        )


# Making tensors.


def zeros(shape: UserShape, backend: TensorBackend = SimpleBackend) -> Tensor:
    """A tensor of zeros."""
    return minitorch.Tensor.make(np.zeros(int(operators.prod(shape)) if shape else 1), tuple(shape), backend=backend)


def rand(shape: UserShape, backend: TensorBackend = SimpleBackend, requires_grad: bool = False) -> Tensor:
    """A tensor of values uniform in [0, 1), drawn from Python's ``random``."""
    values = [random.random() for _ in range(int(operators.prod(shape)))]
    tensor = minitorch.Tensor.make(values, tuple(shape), backend=backend)
    tensor.requires_grad_(requires_grad)
    return tensor


def _tensor(ls: Any, shape: UserShape, backend: TensorBackend = SimpleBackend, requires_grad: bool = False) -> Tensor:
    """A tensor from flat values and a shape."""
    tensor = minitorch.Tensor.make(ls, tuple(shape), backend=backend)
    tensor.requires_grad_(requires_grad)
    return tensor


def tensor(ls: Any, backend: TensorBackend = SimpleBackend, requires_grad: bool = False) -> Tensor:
    """A tensor from a nested list (or a number), its shape read off the nesting.

    Raises:
        minitorch.IndexingError: If the nested lists are ragged.
    """
    array = np.asarray(ls, dtype=np.float64) if not isinstance(ls, np.ndarray) else ls.astype(np.float64)
    if array.dtype == object:
        raise minitorch.IndexingError("tensor() needs nested lists of equal lengths")
    shape = array.shape if array.shape else (1,)
    return _tensor(array.reshape(-1).tolist(), shape, backend=backend, requires_grad=requires_grad)


# Gradient checks.


def grad_central_difference(f: Any, *vals: Tensor, arg: int = 0, epsilon: float = 1e-6, ind: UserIndex) -> float:
    """Central difference of ``f(*vals).sum()`` in element ``ind`` of argument ``arg``."""
    x = vals[arg]
    up = zeros(x.shape, x.backend)
    up[ind] = epsilon
    vals1 = [v if i != arg else v + up for i, v in enumerate(vals)]
    vals2 = [v if i != arg else v - up for i, v in enumerate(vals)]
    delta = f(*vals1).sum() - f(*vals2).sum()
    return float(delta[0]) / (2.0 * epsilon)


def grad_check(f: Any, *vals: Tensor) -> None:
    """Check backpropagated gradients of ``f(*vals).sum()`` against central differences at random elements."""
    for x in vals:
        x.requires_grad_(True)
        x.zero_grad_()
    random.seed(10)
    out = f(*vals)
    out.sum().backward()
    for i, x in enumerate(vals):
        ind = x._tensor.sample()
        check = grad_central_difference(f, *vals, arg=i, ind=ind)
        assert x.grad is not None
        got = x.grad[ind]
        assert abs(got - check) <= 1e-2 * (1.0 + abs(check)), (
            f"gradient of argument {i} at {ind}: backpropagation gave {got}, central difference {check}"
        )
