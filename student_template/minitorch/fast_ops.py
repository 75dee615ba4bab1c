"""The fast CPU backend: map, zip, reduce and matrix multiply compiled by numba (Module 3).

The loops are the simple backend's, compiled with ``njit(parallel=True)``:
the outer loop over output positions is a ``prange``, which numba splits
across the cores. Three things make the difference between a kernel that is
merely compiled and one that is fast:

* index buffers (``np.empty``) allocated once per parallel iteration, and
  each iteration a run of ``CHUNK`` neighbouring output positions;
* a fast path when the input and output have the same shape and strides:
  then storage position ``i`` of one is position ``i`` of the other, and no
  index arithmetic is needed at all;
* otherwise, an index that ticks like an odometer from one output position
  to the next, with storage positions that follow by adding strides, so the
  divisions of ``to_index`` happen once per run, not once per element;
* inner loops with no function calls: the compiler inlines the scalar function.

Compiled kernels are kept in numba's on-disk cache, so a second process
loads them instead of compiling them again (see :mod:`minitorch.jit`).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numba import njit, prange

from .jit import jitable, matmul_operands, matmul_result
from .tensor_data import broadcast_index, index_to_position, shape_broadcast, to_index  # noqa: F401 (yours may use it)
from .tensor_ops import MapProto, TensorOps

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_data import Shape, Storage, Strides

Fn = TypeVar("Fn", bound=Callable[..., Any])


# Output positions handled by one parallel iteration of the general (not
# aligned) loops: each iteration allocates its index buffers once, and a
# thread works through a run of neighbouring positions.
CHUNK = 1024


# Below this much work (output positions; multiply-adds for a matrix
# product) a kernel runs as a plain loop on one thread: starting a parallel
# loop costs about 8 microseconds, more than a small tensor's work, and
# training on mini-batches is almost all small tensors.
PARALLEL_WORK = 2**14


@jitable
def same_layout(shape: Shape, strides: Strides, other_shape: Shape, other_strides: Strides) -> bool:
    """Whether two tensors lay out their elements alike: storage position ``i`` of one is position ``i`` of the other.

    Callable inside kernels. A loop, not ``np.all(shape == other_shape)``:
    numba turns array expressions into parallel loops of their own, each
    compiled apart, and a kernel takes seconds longer to compile.

    Args:
        shape: One tensor's shape.
        strides: Its strides.
        other_shape: The other's shape.
        other_strides: The other's strides.
    """
    if len(shape) != len(other_shape):
        return False
    for d in range(len(shape)):  # noqa: SIM110 (a loop numba compiles, where all() would need a generator)
        if shape[d] != other_shape[d] or strides[d] != other_strides[d]:
            return False
    return True


def _kernel(fn: Fn) -> Fn:
    """Compile ``fn`` as a parallel kernel, cached on disk."""
    return njit(parallel=True, fastmath=True, cache=True)(fn)  # type: ignore[return-value]


def _by_size(kernel: Callable[..., None]) -> Callable[..., None]:
    """``run(work, *args)``: ``kernel``, or for less than ``PARALLEL_WORK`` its loops compiled for one thread."""
    loops = getattr(kernel, "py_func", None)
    serial = kernel if loops is None else njit(fastmath=True, cache=True)(_renamed(loops, "one_thread"))

    def run(work: int, *args: Any) -> None:
        (kernel if work >= PARALLEL_WORK else serial)(*args)

    return run


def _renamed(fn: Fn, suffix: str) -> Fn:
    """A copy of ``fn`` under another name.

    numba's disk cache files a kernel by its function's name and keys it by
    its code and argument types, not by how it was compiled: the parallel
    and the one-thread builds of one function would load each other's code.
    """
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = f"{fn.__qualname__}_{suffix}"
    return copy  # type: ignore[return-value]


class FastOps(TensorOps):
    """The numba backend: the simple backend's interface, compiled and parallel."""

    @staticmethod
    def map(fn: Callable[[float], float]) -> MapProto:
        """See :meth:`TensorOps.map`."""
        f = _by_size(tensor_map(jitable(fn)))

        def ret(a: Tensor, out: Tensor | None = None) -> Tensor:
            if out is None:
                out = a.zeros(a.shape)
            f(out.size, *out.tuple(), *a.tuple())
            return out

        return ret

    @staticmethod
    def zip(fn: Callable[[float, float], float]) -> Callable[[Tensor, Tensor], Tensor]:
        """See :meth:`TensorOps.zip`."""
        f = _by_size(tensor_zip(jitable(fn)))

        def ret(a: Tensor, b: Tensor) -> Tensor:
            shape = a.shape if a.shape == b.shape else shape_broadcast(a.shape, b.shape)
            out = a.zeros(shape)
            f(out.size, *out.tuple(), *a.tuple(), *b.tuple())
            return out

        return ret

    @staticmethod
    def reduce(fn: Callable[[float, float], float], start: float = 0.0) -> Callable[[Tensor, int], Tensor]:
        """See :meth:`TensorOps.reduce`."""
        f = _by_size(tensor_reduce(jitable(fn)))

        def ret(a: Tensor, dim: int) -> Tensor:
            out_shape = list(a.shape)
            out_shape[dim] = 1
            out = a.zeros(tuple(out_shape))
            out._tensor._storage[:] = start
            f(a.size, *out.tuple(), *a.tuple(), dim)
            return out

        return ret

    @staticmethod
    def matrix_multiply(a: Tensor, b: Tensor) -> Tensor:
        """Batched matrix product of the last two dimensions, broadcasting the batch dimension.

        Args:
            a: Shape ``(n, m)`` or ``(batch, n, m)``.
            b: Shape ``(m, p)`` or ``(batch, m, p)``; a batch of 1 broadcasts.

        Returns:
            Shape ``(n, p)`` when both are 2-D, otherwise ``(batch, n, p)``.
        """
        a3, b3, out = matmul_operands(a, b)
        _matrix_multiply(out.size * a3.shape[2], *out.tuple(), *a3.tuple(), *b3.tuple())
        return matmul_result(out, a, b)


# The kernels.


def tensor_map(fn: Callable[[float], float]) -> Callable[..., None]:
    """The compiled, parallel map: ``out[i] = fn(in[j])``, ``j`` broadcast from ``i``.

    Args:
        fn: A scalar function made :func:`jitable`.

    Returns:
        A compiled ``_map(out, out_shape, out_strides, in_storage, in_shape, in_strides)``.
    """

    def _map(
        out: Storage, out_shape: Shape, out_strides: Strides,
        in_storage: Storage, in_shape: Shape, in_strides: Strides,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 3.1.
        raise NotImplementedError("Task 3.1: implement _map.")

    return _kernel(_map)


def tensor_zip(fn: Callable[[float, float], float]) -> Callable[..., None]:
    """The compiled, parallel zip: ``out[i] = fn(a[j], b[k])``, ``j`` and ``k`` broadcast from ``i``.

    Args:
        fn: A scalar function of two floats made :func:`jitable`.

    Returns:
        A compiled ``_zip(out, out_shape, out_strides, a_storage, a_shape,
        a_strides, b_storage, b_shape, b_strides)``.
    """

    def _zip(
        out: Storage, out_shape: Shape, out_strides: Strides,
        a_storage: Storage, a_shape: Shape, a_strides: Strides,
        b_storage: Storage, b_shape: Shape, b_strides: Strides,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 3.1.
        raise NotImplementedError("Task 3.1: implement _zip.")

    return _kernel(_zip)


def tensor_reduce(fn: Callable[[float, float], float]) -> Callable[..., None]:
    """The compiled, parallel reduce: fold ``fn`` along ``reduce_dim``.

    Each output position is one parallel iteration; its inner loop walks
    the reduced dimension by stride, with no function calls (``fn`` is
    inlined) and no index arithmetic beyond one addition.

    Args:
        fn: A scalar function of two floats made :func:`jitable`.

    Returns:
        A compiled ``_reduce(out, out_shape, out_strides, a_storage, a_shape,
        a_strides, reduce_dim)``; ``out`` arrives filled with the start value.
    """

    def _reduce(
        out: Storage, out_shape: Shape, out_strides: Strides,
        a_storage: Storage, a_shape: Shape, a_strides: Strides, reduce_dim: int,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 3.1.
        raise NotImplementedError("Task 3.1: implement _reduce.")

    return _kernel(_reduce)


# The matrix multiply's tiles: one parallel task computes BLOCK x BLOCK
# outputs, taking the inner dimension DEPTH terms at a time.
BLOCK = 64
DEPTH = 64


def _tensor_matrix_multiply(
    out: Storage, out_shape: Shape, out_strides: Strides,
    a_storage: Storage, a_shape: Shape, a_strides: Strides,
    b_storage: Storage, b_shape: Shape, b_strides: Strides,
) -> None:  # fmt: skip
    """Batched matrix multiply ``out[n] = a[n] @ b[n]`` of 3-D tensors.

    A batch dimension of size 1 broadcasts (its stride counts as 0). The
    output is cut into ``BLOCK x BLOCK`` tiles, one parallel task each. A
    task walks the inner dimension ``DEPTH`` terms at a time. For each
    step it copies its rows of ``a`` and its columns of ``b`` (transposed)
    into two small contiguous buffers, whatever the strides: they stay in
    the fastest cache. It then adds to the tile two rows by four columns at
    a time: eight dot products that share every value they load, summed in
    local variables, which the compiler keeps in vector registers.

    Args:
        out: Output storage, shape ``(batch, n, p)``.
        out_shape: Output shape.
        out_strides: Output strides.
        a_storage: Left storage, shape ``(batch or 1, n, m)``.
        a_shape: Left shape.
        a_strides: Left strides.
        b_storage: Right storage, shape ``(batch or 1, m, p)``.
        b_shape: Right shape.
        b_strides: Right strides.
    """
    # TODO: Implement for Task 3.2.
    raise NotImplementedError("Task 3.2: implement _tensor_matrix_multiply.")


tensor_matrix_multiply = _kernel(_tensor_matrix_multiply)
_matrix_multiply = _by_size(tensor_matrix_multiply)

__all__ = [
    "BLOCK",
    "CHUNK",
    "DEPTH",
    "PARALLEL_WORK",
    "FastOps",
    "same_layout",
    "tensor_map",
    "tensor_matrix_multiply",
    "tensor_reduce",
    "tensor_zip",
]
