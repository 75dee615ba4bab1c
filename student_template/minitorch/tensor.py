"""Tensor: a multidimensional array that records the computation that produced it (Module 2)."""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt

from . import operators
from .autodiff import Context, Variable, backpropagate
from .tensor_data import TensorData
from .tensor_functions import (
    EQ,
    LT,
    Add,
    All,
    Copy,
    Exp,
    Inv,
    IsClose,
    Log,
    MatMul,
    Mul,
    Neg,
    Permute,
    ReLU,
    Sigmoid,
    Sum,
    View,
)
from .tensor_ops import SimpleBackend, TensorBackend

if TYPE_CHECKING:
    from .tensor_data import Shape, Storage, Strides, UserIndex, UserShape
    from .tensor_functions import Function

TensorLike = Union[float, int, "Tensor"]

_ids = itertools.count(1)


@dataclass(frozen=True)
class History:
    """How a tensor was made: the function, its saved context, its inputs."""

    last_fn: type[Function] | None = None
    ctx: Context | None = None
    inputs: Sequence[Tensor] = field(default_factory=tuple)


class Tensor:
    """A tensor of floats on a backend, with the history autodiff needs.

    Args:
        v: The strided data.
        back: Its history; ``None`` for a tensor that needs no gradient.
        name: Optional name.
        backend: Which backend runs its operations.
    """

    def __init__(
        self, v: TensorData, back: History | None = None, name: str | None = None, backend: TensorBackend | None = None
    ) -> None:
        self._tensor = v
        self.history = back
        self.backend = backend if backend is not None else SimpleBackend
        self.grad: Tensor | None = None
        self.unique_id = next(_ids)
        self.name = name if name is not None else str(self.unique_id)
        self.f = self.backend

    # Construction.

    @staticmethod
    def make(
        storage: Storage | Sequence[float], shape: UserShape, strides: Sequence[int] | None = None,
        backend: TensorBackend | None = None,
    ) -> Tensor:  # fmt: skip
        """A tensor over ``storage`` viewed with ``shape`` (and ``strides``)."""
        return Tensor(TensorData(storage, shape, strides), backend=backend)

    def _new(self, tensor_data: TensorData) -> Tensor:
        return Tensor(tensor_data, backend=self.backend)

    def _ensure_tensor(self, b: TensorLike) -> Tensor:
        if isinstance(b, int | float):
            return Tensor.make([float(b)], (1,), backend=self.backend)
        b._type_(self.backend)
        return b

    def _type_(self, backend: TensorBackend) -> None:
        self.backend = backend
        self.f = backend

    def zeros(self, shape: UserShape | None = None) -> Tensor:
        """A tensor of zeros on the same backend (this tensor's shape by default)."""
        shape = self.shape if shape is None else shape
        size = int(operators.prod(shape)) if shape else 1
        return Tensor.make(np.zeros(size), tuple(shape), backend=self.backend)

    # Properties.

    @property
    def shape(self) -> tuple[int, ...]:
        """Size of each dimension."""
        return tuple(self._tensor.shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        return self._tensor.size

    @property
    def dims(self) -> int:
        """Number of dimensions."""
        return self._tensor.dims

    def tuple(self) -> tuple[Storage, Shape, Strides]:
        """Storage, shape and strides, as the backends take them."""
        return self._tensor.tuple()

    def to_numpy(self) -> npt.NDArray[np.float64]:
        """A numpy copy with this tensor's shape."""
        return self.contiguous()._tensor._storage.reshape(self.shape).copy()

    def item(self) -> float:
        """The value of a one-element tensor."""
        if self.size != 1:
            raise ValueError(f"item() needs a tensor of one element, not shape {self.shape}")
        return float(self._tensor._storage[self._tensor.index((0,) * self.dims)])

    def __getitem__(self, key: int | UserIndex) -> float:
        index = (key,) if isinstance(key, int) else key
        return self._tensor.get(index)

    def __setitem__(self, key: int | UserIndex, val: float) -> None:
        index = (key,) if isinstance(key, int) else key
        self._tensor.set(index, val)

    def __repr__(self) -> str:
        return self._tensor.to_string()

    # Autodiff.

    def requires_grad_(self, x: bool) -> None:
        """Make this tensor a leaf that collects a gradient (or stop it)."""
        self.history = History() if x else None

    def requires_grad(self) -> bool:
        """Whether gradients flow to or through this tensor."""
        return self.history is not None

    def detach(self) -> Tensor:
        """The same data without history."""
        return Tensor(self._tensor, backend=self.backend)

    def is_leaf(self) -> bool:
        """Whether this tensor was created by the user, not by a function."""
        return self.history is not None and self.history.last_fn is None

    def is_constant(self) -> bool:
        """Whether this tensor needs no gradient."""
        return self.history is None

    @property
    def parents(self) -> Iterable[Variable]:
        """The inputs of the function that made this tensor."""
        assert self.history is not None
        return self.history.inputs

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to this leaf's gradient."""
        assert self.is_leaf(), "only leaf tensors accumulate gradients"
        if self.grad is None:
            self.grad = self.zeros(self.shape)
        self.grad = self.grad + x

    def expand(self, other: Tensor) -> Tensor:
        """Bring a gradient to this tensor's shape.

        A gradient broadcast up to a larger shape is summed back over the
        broadcast dimensions; a smaller one (from a sum) is broadcast out.
        """
        if self.shape == other.shape:
            return other
        true_shape = TensorData.shape_broadcast(self.shape, other.shape)
        buffer = self.zeros(true_shape)
        self.backend.id_map(other, buffer)
        if self.shape == true_shape:
            return buffer
        out = buffer
        padded = [1] * (len(out.shape) - len(self.shape)) + list(self.shape)
        for dim, size in enumerate(out.shape):
            if padded[dim] == 1 and size != 1:
                out = self.backend.add_reduce(out, dim)
        assert out.size == self.size, f"{out.shape} {self.shape}"
        return Tensor.make(out._tensor._storage, self.shape, backend=self.backend)

    def chain_rule(self, d_output: Any) -> Iterable[builtins.tuple[Variable, Any]]:
        """One step of the chain rule, with gradients brought to each input's shape.

        Unlike :meth:`Scalar.chain_rule`, constant inputs are left out here:
        bringing a gradient to a constant's shape is a reduction that
        backpropagation would throw away.
        """
        history = self.history
        assert history is not None and history.last_fn is not None and history.ctx is not None
        grads = history.last_fn._backward(history.ctx, d_output)
        assert len(grads) == len(history.inputs), f"{history.last_fn} returned {len(grads)} gradients"
        return [
            (inp, inp.expand(self._ensure_tensor(grad)))
            for inp, grad in zip(history.inputs, grads)
            if not inp.is_constant()
        ]

    def backward(self, grad_output: Tensor | None = None) -> None:
        """Backpropagate from this tensor (a one-element tensor by default)."""
        if grad_output is None:
            if self.shape != (1,):
                raise ValueError(f"backward() without a gradient needs a one-element tensor, not shape {self.shape}")
            grad_output = Tensor.make([1.0], (1,), backend=self.backend)
        backpropagate(self, grad_output)

    def zero_grad_(self) -> None:
        """Forget the gradient."""
        self.grad = None

    # Operators.

    def __add__(self, b: TensorLike) -> Tensor:
        return Add.apply(self, self._ensure_tensor(b))

    def __radd__(self, b: TensorLike) -> Tensor:
        return self + b

    def __sub__(self, b: TensorLike) -> Tensor:
        return Add.apply(self, -self._ensure_tensor(b))

    def __rsub__(self, b: TensorLike) -> Tensor:
        return Add.apply(self._ensure_tensor(b), -self)

    def __mul__(self, b: TensorLike) -> Tensor:
        return Mul.apply(self, self._ensure_tensor(b))

    def __rmul__(self, b: TensorLike) -> Tensor:
        return self * b

    def __truediv__(self, b: TensorLike) -> Tensor:
        return Mul.apply(self, Inv.apply(self._ensure_tensor(b)))

    def __rtruediv__(self, b: TensorLike) -> Tensor:
        return Mul.apply(self._ensure_tensor(b), Inv.apply(self))

    def __matmul__(self, b: Tensor) -> Tensor:
        return MatMul.apply(self, b)

    def __lt__(self, b: TensorLike) -> Tensor:
        return LT.apply(self, self._ensure_tensor(b))

    def __gt__(self, b: TensorLike) -> Tensor:
        return LT.apply(self._ensure_tensor(b), self)

    def __eq__(self, b: TensorLike) -> Tensor:  # type: ignore[override]
        return EQ.apply(self, self._ensure_tensor(b))

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __hash__(self) -> int:
        return hash(self.unique_id)

    def all(self, dim: int | None = None) -> Tensor:
        """1 if every element (along ``dim``) is non-zero."""
        if dim is None:
            return All.apply(self.contiguous().view(self.size), self._ensure_tensor(0))
        return All.apply(self, self._ensure_tensor(dim))

    def is_close(self, b: Tensor) -> Tensor:
        """|self - b| < 1e-2, elementwise."""
        return IsClose.apply(self, b)

    def sigmoid(self) -> Tensor:
        """The logistic function, elementwise."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0), elementwise."""
        return ReLU.apply(self)

    def log(self) -> Tensor:
        """Natural logarithm, elementwise."""
        return Log.apply(self)

    def exp(self) -> Tensor:
        """e^x, elementwise."""
        return Exp.apply(self)

    def sum(self, dim: int | None = None) -> Tensor:
        """Sum over ``dim`` (kept as size 1), or over everything into shape (1,)."""
        if dim is None:
            return Sum.apply(self.contiguous().view(self.size), self._ensure_tensor(0))
        return Sum.apply(self, self._ensure_tensor(dim))

    def mean(self, dim: int | None = None) -> Tensor:
        """Mean over ``dim`` (kept as size 1), or over everything."""
        count = self.shape[dim] if dim is not None else self.size
        return self.sum(dim) / count

    def permute(self, *order: int) -> Tensor:
        """Reorder the dimensions (a view)."""
        return Permute.apply(self, Tensor.make([float(o) for o in order], (len(order),), backend=self.backend))

    def view(self, *shape: int) -> Tensor:
        """The same contiguous storage with another shape."""
        return View.apply(self, Tensor.make([float(s) for s in shape], (len(shape),), backend=self.backend))

    def contiguous(self) -> Tensor:
        """A row-major copy (differentiable)."""
        return Copy.apply(self)
