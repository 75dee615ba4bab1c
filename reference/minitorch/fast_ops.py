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
        ### BEGIN SOLUTION task3_1
        size = out.size
        aligned = same_layout(out_shape, out_strides, in_shape, in_strides)
        # The output in order, CHUNK positions per parallel iteration. Aligned, position i of the output
        # is position i of the input. Otherwise the index of a chunk's first position is worked out once;
        # after that it ticks like an odometer, and both storage positions follow by adding strides: no
        # division per element. The input's steps are its strides seen from the output's dimensions, 0
        # where it broadcasts.
        dims = len(out_shape)
        for chunk in prange((size + CHUNK - 1) // CHUNK):
            first, end = chunk * CHUNK, min(size, (chunk + 1) * CHUNK)
            if aligned:
                for i in range(first, end):
                    out[i] = fn(in_storage[i])
                continue
            in_step = np.zeros(dims, np.int32)
            for d in range(len(in_shape)):
                if in_shape[d] > 1:
                    in_step[dims - len(in_shape) + d] = in_strides[d]
            index = np.empty(dims, np.int32)
            to_index(first, out_shape, index)
            out_at = index_to_position(index, out_strides)
            in_at = index_to_position(index, in_step)
            for _ in range(first, end):
                out[out_at] = fn(in_storage[in_at])
                d = dims - 1
                index[d] += 1
                out_at, in_at = out_at + out_strides[d], in_at + in_step[d]
                while d > 0 and index[d] == out_shape[d]:
                    index[d] = 0
                    out_at, in_at = out_at - out_shape[d] * out_strides[d], in_at - out_shape[d] * in_step[d]
                    d -= 1
                    index[d] += 1
                    out_at, in_at = out_at + out_strides[d], in_at + in_step[d]
        ### END SOLUTION

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
        ### BEGIN SOLUTION task3_1
        size = out.size
        aligned = same_layout(out_shape, out_strides, a_shape, a_strides)
        aligned = aligned and same_layout(out_shape, out_strides, b_shape, b_strides)
        # Map's walk, with a storage position and steps for each input.
        dims = len(out_shape)
        for chunk in prange((size + CHUNK - 1) // CHUNK):
            first, end = chunk * CHUNK, min(size, (chunk + 1) * CHUNK)
            if aligned:
                for i in range(first, end):
                    out[i] = fn(a_storage[i], b_storage[i])
                continue
            a_step = np.zeros(dims, np.int32)
            for d in range(len(a_shape)):
                if a_shape[d] > 1:
                    a_step[dims - len(a_shape) + d] = a_strides[d]
            b_step = np.zeros(dims, np.int32)
            for d in range(len(b_shape)):
                if b_shape[d] > 1:
                    b_step[dims - len(b_shape) + d] = b_strides[d]
            index = np.empty(dims, np.int32)
            to_index(first, out_shape, index)
            out_at = index_to_position(index, out_strides)
            a_at, b_at = index_to_position(index, a_step), index_to_position(index, b_step)
            for _ in range(first, end):
                out[out_at] = fn(a_storage[a_at], b_storage[b_at])
                d = dims - 1
                index[d] += 1
                out_at, a_at, b_at = out_at + out_strides[d], a_at + a_step[d], b_at + b_step[d]
                while d > 0 and index[d] == out_shape[d]:
                    index[d] = 0
                    out_at -= out_shape[d] * out_strides[d]
                    a_at, b_at = a_at - out_shape[d] * a_step[d], b_at - out_shape[d] * b_step[d]
                    d -= 1
                    index[d] += 1
                    out_at, a_at, b_at = out_at + out_strides[d], a_at + a_step[d], b_at + b_step[d]
        ### END SOLUTION

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
        ### BEGIN SOLUTION task3_1
        step = a_strides[reduce_dim]
        length = a_shape[reduce_dim]
        size = out.size
        for chunk in prange((size + CHUNK - 1) // CHUNK):
            out_index = np.empty(len(out_shape), np.int32)
            for ordinal in range(chunk * CHUNK, min(size, (chunk + 1) * CHUNK)):
                to_index(ordinal, out_shape, out_index)
                position = index_to_position(out_index, out_strides)
                start = index_to_position(out_index, a_strides)
                acc = out[position]
                for j in range(length):
                    acc = fn(acc, a_storage[start + j * step])
                out[position] = acc
        ### END SOLUTION

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
    ### BEGIN SOLUTION task3_2
    a_batch = a_strides[0] if a_shape[0] > 1 else 0
    b_batch = b_strides[0] if b_shape[0] > 1 else 0
    batches, rows, cols = out_shape[0], out_shape[1], out_shape[2]
    inner = a_shape[2]
    row_blocks = (rows + BLOCK - 1) // BLOCK
    col_blocks = (cols + BLOCK - 1) // BLOCK
    for task in prange(batches * row_blocks * col_blocks):
        n = task // (row_blocks * col_blocks)
        i0 = (task // col_blocks) % row_blocks * BLOCK
        j0 = task % col_blocks * BLOCK
        height, width = min(BLOCK, rows - i0), min(BLOCK, cols - j0)
        # Rounded up to whole 2 x 4 blocks; the extra rows and columns stay 0 and are never written out.
        tall, wide, deep = height + height % 2, (width + 3) // 4 * 4, DEPTH
        a_rows, b_cols, tile = np.zeros((tall, deep)), np.zeros((wide, deep)), np.zeros((tall, wide))
        for k0 in range(0, inner, DEPTH):
            depth = min(DEPTH, inner - k0)
            for i in range(height):
                a_row = n * a_batch + (i0 + i) * a_strides[1] + k0 * a_strides[2]
                for k in range(depth):
                    a_rows[i, k] = a_storage[a_row + k * a_strides[2]]
            for k in range(depth):
                b_row = n * b_batch + (k0 + k) * b_strides[1] + j0 * b_strides[2]
                for j in range(width):
                    b_cols[j, k] = b_storage[b_row + j * b_strides[2]]
            for i in range(0, tall, 2):
                for j in range(0, wide, 4):
                    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
                    for k in range(depth):
                        x0, x1 = a_rows[i, k], a_rows[i + 1, k]
                        y0, y1, y2, y3 = b_cols[j, k], b_cols[j + 1, k], b_cols[j + 2, k], b_cols[j + 3, k]
                        s00, s01, s02, s03 = s00 + x0 * y0, s01 + x0 * y1, s02 + x0 * y2, s03 + x0 * y3
                        s10, s11, s12, s13 = s10 + x1 * y0, s11 + x1 * y1, s12 + x1 * y2, s13 + x1 * y3
                    tile[i, j] += s00
                    tile[i, j + 1] += s01
                    tile[i, j + 2] += s02
                    tile[i, j + 3] += s03
                    tile[i + 1, j] += s10
                    tile[i + 1, j + 1] += s11
                    tile[i + 1, j + 2] += s12
                    tile[i + 1, j + 3] += s13
        for i in range(height):
            out_row = n * out_strides[0] + (i0 + i) * out_strides[1] + j0 * out_strides[2]
            for j in range(width):
                out[out_row + j * out_strides[2]] = tile[i, j]
    ### END SOLUTION


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
