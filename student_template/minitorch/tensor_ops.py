"""Tensor backends: map, zip, reduce (and matrix multiply) over strided storage (Module 2).

A backend is a class of four higher-order functions. :class:`TensorBackend`
specialises them to the scalar operators every tensor function needs. The
simple backend here loops in Python over every output position; Module 3's
backends compile the same loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np

from . import operators
from .tensor_data import (
    broadcast_index,
    index_to_position,
    shape_broadcast,
    to_index,
)

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_data import Shape, Storage, Strides


class MapProto(Protocol):
    """A mapped function: ``f(a)`` or ``f(a, out)`` to write into ``out``."""

    def __call__(self, x: Tensor, out: Tensor | None = ..., /) -> Tensor:
        """Apply the function elementwise."""
        ...


class TensorOps:
    """The interface every backend implements."""

    cuda = False

    @staticmethod
    def map(fn: Callable[[float], float]) -> MapProto:
        """Elementwise ``fn``, broadcasting the input to ``out``."""
        raise NotImplementedError

    @staticmethod
    def zip(fn: Callable[[float, float], float]) -> Callable[[Tensor, Tensor], Tensor]:
        """Elementwise ``fn`` of two tensors, broadcast to a common shape."""
        raise NotImplementedError

    @staticmethod
    def reduce(fn: Callable[[float, float], float], start: float = 0.0) -> Callable[[Tensor, int], Tensor]:
        """Fold ``fn`` along one dimension, which becomes size 1."""
        raise NotImplementedError

    @staticmethod
    def matrix_multiply(a: Tensor, b: Tensor) -> Tensor:
        """Batched matrix product of the last two dimensions."""
        raise NotImplementedError("matrix multiply needs the fast backend of Module 3")


class TensorBackend:
    """A backend's map, zip and reduce, specialised to the operators tensors use.

    Args:
        ops: The backend class (``SimpleOps``, ``FastOps``, ``CudaOps``).
    """

    def __init__(self, ops: type[TensorOps]) -> None:
        self.neg_map = ops.map(operators.neg)
        self.sigmoid_map = ops.map(operators.sigmoid)
        self.relu_map = ops.map(operators.relu)
        self.log_map = ops.map(operators.log)
        self.exp_map = ops.map(operators.exp)
        self.id_map = ops.map(operators.id)
        self.inv_map = ops.map(operators.inv)
        self.add_zip = ops.zip(operators.add)
        self.mul_zip = ops.zip(operators.mul)
        self.lt_zip = ops.zip(operators.lt)
        self.eq_zip = ops.zip(operators.eq)
        self.is_close_zip = ops.zip(operators.is_close)
        self.relu_back_zip = ops.zip(operators.relu_back)
        self.log_back_zip = ops.zip(operators.log_back)
        self.inv_back_zip = ops.zip(operators.inv_back)
        self.add_reduce = ops.reduce(operators.add, 0.0)
        self.mul_reduce = ops.reduce(operators.mul, 1.0)
        self.max_reduce = ops.reduce(operators.max, float("-inf"))
        self.matrix_multiply = ops.matrix_multiply
        self.cuda = ops.cuda


class SimpleOps(TensorOps):
    """The reference backend: plain Python loops over :mod:`tensor_data` indexing."""

    @staticmethod
    def map(fn: Callable[[float], float]) -> MapProto:
        """See :meth:`TensorOps.map`."""
        f = tensor_map(fn)

        def ret(a: Tensor, out: Tensor | None = None) -> Tensor:
            if out is None:
                out = a.zeros(a.shape)
            f(*out.tuple(), *a.tuple())
            return out

        return ret

    @staticmethod
    def zip(fn: Callable[[float, float], float]) -> Callable[[Tensor, Tensor], Tensor]:
        """See :meth:`TensorOps.zip`."""
        f = tensor_zip(fn)

        def ret(a: Tensor, b: Tensor) -> Tensor:
            shape = a.shape if a.shape == b.shape else shape_broadcast(a.shape, b.shape)
            out = a.zeros(shape)
            f(*out.tuple(), *a.tuple(), *b.tuple())
            return out

        return ret

    @staticmethod
    def reduce(fn: Callable[[float, float], float], start: float = 0.0) -> Callable[[Tensor, int], Tensor]:
        """See :meth:`TensorOps.reduce`."""
        f = tensor_reduce(fn)

        def ret(a: Tensor, dim: int) -> Tensor:
            out_shape = list(a.shape)
            out_shape[dim] = 1
            out = a.zeros(tuple(out_shape))
            out._tensor._storage[:] = start
            f(*out.tuple(), *a.tuple(), dim)
            return out

        return ret


def _size(shape: Shape | list[int]) -> int:
    return int(np.prod(shape)) if len(shape) else 1


def _lists(*arrays: Shape | Strides) -> list[list[int]]:
    """Shapes and strides as lists of Python ints."""
    return [[int(x) for x in array] for array in arrays]


def tensor_map(fn: Callable[[float], float]) -> Callable[..., None]:
    """The low-level map: ``out[i] = fn(in[j])`` where ``j`` is ``i`` broadcast to the input's shape.

    Args:
        fn: Function from float to float.

    Returns:
        ``_map(out, out_shape, out_strides, in_storage, in_shape, in_strides)``,
        which writes every position of ``out``. Strides may be anything
        (permuted, broadcast); ``in_shape`` must broadcast to ``out_shape``.
    """

    def _map(
        out: Storage, out_shape: Shape, out_strides: Strides,
        in_storage: Storage, in_shape: Shape, in_strides: Strides,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement _map.")

    return _map


def tensor_zip(fn: Callable[[float, float], float]) -> Callable[..., None]:
    """The low-level zip: ``out[i] = fn(a[j], b[k])`` with ``j``, ``k`` broadcast from ``i``.

    Args:
        fn: Function from two floats to a float.

    Returns:
        ``_zip(out, out_shape, out_strides, a_storage, a_shape, a_strides,
        b_storage, b_shape, b_strides)``.
    """

    def _zip(
        out: Storage, out_shape: Shape, out_strides: Strides,
        a_storage: Storage, a_shape: Shape, a_strides: Strides,
        b_storage: Storage, b_shape: Shape, b_strides: Strides,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement _zip.")

    return _zip


def tensor_reduce(fn: Callable[[float, float], float]) -> Callable[..., None]:
    """The low-level reduce: fold ``fn`` along ``reduce_dim`` into ``out``.

    ``out`` has the input's shape with ``reduce_dim`` of size 1 and arrives
    filled with the fold's start value.

    Returns:
        ``_reduce(out, out_shape, out_strides, a_storage, a_shape, a_strides, reduce_dim)``.
    """

    def _reduce(
        out: Storage, out_shape: Shape, out_strides: Strides,
        a_storage: Storage, a_shape: Shape, a_strides: Strides, reduce_dim: int,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 2.3.
        raise NotImplementedError("Task 2.3: implement _reduce.")

    return _reduce


SimpleBackend = TensorBackend(SimpleOps)

__all__ = [
    "MapProto",
    "SimpleBackend",
    "SimpleOps",
    "TensorBackend",
    "TensorOps",
    "tensor_map",
    "tensor_reduce",
    "tensor_zip",
]
