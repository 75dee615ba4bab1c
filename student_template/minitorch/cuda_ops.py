"""The CUDA backend: map, zip, reduce and matrix multiply as numba.cuda kernels (Module 3).

Every kernel runs one thread per output position (or per element of a
tile) and is correct for every block size, including sizes that do not
divide the data: a thread whose position falls outside the data does no
work but still reaches every ``cuda.syncthreads()``.

Without a GPU, numba's CUDA simulator runs the same kernels in Python, one
thread at a time (``NUMBA_ENABLE_CUDASIM=1``, which the grader sets; see
:func:`minitorch.jit.select_cuda_mode` for everyone else). A simulated thread costs about a millisecond, so the
block size comes from one setting, :data:`TILE`: 32 on a GPU, 4 under the
simulator, or ``$MINITORCH_CUDA_TILE`` (:func:`minitorch.jit.cuda_tile`).

Two simulator rules the kernels follow: one ``cuda.shared.array`` call per
source line (two on one line share memory under the simulator), and no
``cuda.syncthreads()`` inside a branch that only some threads take (it
deadlocks the simulated block, and is a bug on a GPU too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numba

from .jit import cuda_tile, jitable, matmul_operands, matmul_result, select_cuda_mode
from .tensor_data import MAX_DIMS, broadcast_index, index_to_position, shape_broadcast, to_index
from .tensor_ops import MapProto, TensorOps

select_cuda_mode()  # the simulator when there is no GPU; it must come before numba.cuda is imported
from numba import cuda  # noqa: E402

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_data import Shape, Storage, Strides


def simulated() -> bool:
    """Whether kernels run under numba's CUDA simulator rather than on a GPU."""
    return bool(numba.config.ENABLE_CUDASIM)  # type: ignore[attr-defined]


# The edge of a square tile of threads; 1-D kernels use blocks of TILE * TILE.
TILE = cuda_tile()
THREADS_PER_BLOCK = TILE * TILE


def _blocks(size: int, per_block: int = THREADS_PER_BLOCK) -> int:
    return max(1, (size + per_block - 1) // per_block)


class CudaOps(TensorOps):
    """The CUDA backend: the simple backend's interface, one GPU thread per output position."""

    cuda = True

    @staticmethod
    def map(fn: Callable[[float], float]) -> MapProto:
        """See :meth:`TensorOps.map`."""
        f = tensor_map(jitable(fn))

        def ret(a: Tensor, out: Tensor | None = None) -> Tensor:
            if out is None:
                out = a.zeros(a.shape)
            f[_blocks(out.size), THREADS_PER_BLOCK](*out.tuple(), out.size, *a.tuple())
            return out

        return ret

    @staticmethod
    def zip(fn: Callable[[float, float], float]) -> Callable[[Tensor, Tensor], Tensor]:
        """See :meth:`TensorOps.zip`."""
        f = tensor_zip(jitable(fn))

        def ret(a: Tensor, b: Tensor) -> Tensor:
            shape = a.shape if a.shape == b.shape else shape_broadcast(a.shape, b.shape)
            out = a.zeros(shape)
            f[_blocks(out.size), THREADS_PER_BLOCK](*out.tuple(), out.size, *a.tuple(), *b.tuple())
            return out

        return ret

    @staticmethod
    def reduce(fn: Callable[[float, float], float], start: float = 0.0) -> Callable[[Tensor, int], Tensor]:
        """See :meth:`TensorOps.reduce`: one block per output position."""
        f = tensor_reduce(jitable(fn))

        def ret(a: Tensor, dim: int) -> Tensor:
            out_shape = list(a.shape)
            out_shape[dim] = 1
            out = a.zeros(tuple(out_shape))
            f[out.size, THREADS_PER_BLOCK](*out.tuple(), out.size, *a.tuple(), dim, start)
            return out

        return ret

    @staticmethod
    def matrix_multiply(a: Tensor, b: Tensor) -> Tensor:
        """Batched matrix product of the last two dimensions (see :func:`minitorch.jit.matmul_operands`)."""
        a3, b3, out = matmul_operands(a, b)
        grid = (_blocks(out.shape[2], TILE), _blocks(out.shape[1], TILE), out.shape[0])
        tensor_matrix_multiply[grid, (TILE, TILE)](*out.tuple(), out.size, *a3.tuple(), *b3.tuple())
        return matmul_result(out, a, b)


# Task 3.3: map, zip, a practice sum, reduce.


def tensor_map(fn: Callable[[float], float]) -> Any:
    """The CUDA map: thread ``i`` writes output position ``i``.

    Args:
        fn: A scalar function made :func:`~minitorch.jit.jitable`.

    Returns:
        A kernel ``_map[blocks, threads](out, out_shape, out_strides,
        out_size, in_storage, in_shape, in_strides)``.
    """

    def _map(
        out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
        in_storage: Storage, in_shape: Shape, in_strides: Strides,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 3.3.
        raise NotImplementedError("Task 3.3: implement _map.")

    return cuda.jit()(_map)


def tensor_zip(fn: Callable[[float, float], float]) -> Any:
    """The CUDA zip: thread ``i`` writes output position ``i`` from both (broadcast) inputs.

    Args:
        fn: A scalar function of two floats made :func:`~minitorch.jit.jitable`.

    Returns:
        A kernel ``_zip[blocks, threads](out, out_shape, out_strides, out_size,
        a_storage, a_shape, a_strides, b_storage, b_shape, b_strides)``.
    """

    def _zip(
        out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
        a_storage: Storage, a_shape: Shape, a_strides: Strides,
        b_storage: Storage, b_shape: Shape, b_strides: Strides,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 3.3.
        raise NotImplementedError("Task 3.3: implement _zip.")

    return cuda.jit()(_zip)


def _sum_practice(out: Storage, a: Storage, size: int) -> None:
    """Sum each block's run of ``a`` in shared memory: ``out[block] = sum(a[block * n : (block + 1) * n])``.

    ``n`` is the number of threads per block. Thread ``t`` loads one value
    (0 past the end of ``a``) into shared memory; then, in rounds, thread
    ``t`` adds the value ``stride`` places to its right, doubling ``stride``,
    with every thread meeting at ``cuda.syncthreads()`` between rounds.

    Args:
        out: One value per block.
        a: The values.
        size: The length of ``a``.
    """
    # TODO: Implement for Task 3.3.
    raise NotImplementedError("Task 3.3: implement _sum_practice.")


jit_sum_practice = cuda.jit()(_sum_practice)


def sum_practice(a: Tensor) -> Tensor:
    """The per-block sums of a 1-D tensor, computed by :func:`_sum_practice`.

    Returns:
        A 1-D tensor with one sum per block of ``THREADS_PER_BLOCK`` values.
    """
    (size,) = a.shape
    out = a.zeros((_blocks(size),))
    jit_sum_practice[_blocks(size), THREADS_PER_BLOCK](out._tensor._storage, a.contiguous()._tensor._storage, size)
    return out


def tensor_reduce(fn: Callable[[float, float], float]) -> Any:
    """The CUDA reduce: block ``b`` folds ``fn`` along ``reduce_dim`` into output position ``b``.

    The block's threads stride along the reduced dimension, each folding
    every ``blockDim``-th value; then they combine their partial results in
    shared memory as in :func:`_sum_practice`.

    Args:
        fn: A scalar function of two floats made :func:`~minitorch.jit.jitable`.

    Returns:
        A kernel ``_reduce[out_size, threads](out, out_shape, out_strides,
        out_size, a_storage, a_shape, a_strides, reduce_dim, reduce_value)``,
        where ``reduce_value`` is the fold's start value.
    """

    def _reduce(
        out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
        a_storage: Storage, a_shape: Shape, a_strides: Strides, reduce_dim: int, reduce_value: float,
    ) -> None:  # fmt: skip
        # TODO: Implement for Task 3.3.
        raise NotImplementedError("Task 3.3: implement _reduce.")

    return cuda.jit()(_reduce)


# Task 3.4: a practice matrix multiply, then the tiled one.


def _mm_practice(out: Storage, a: Storage, b: Storage, size: int) -> None:
    """Square matrix multiply ``out = a @ b`` of contiguous ``size x size`` matrices, ``size <= TILE``.

    One block of ``TILE x TILE`` threads: each thread copies one element of
    ``a`` and one of ``b`` into shared memory, all threads meet, and thread
    ``(i, j)`` computes ``out[i, j]`` reading only shared memory.

    Args:
        out: Output storage.
        a: Left storage.
        b: Right storage.
        size: The matrices' edge.
    """
    # TODO: Implement for Task 3.4.
    raise NotImplementedError("Task 3.4: implement _mm_practice.")


jit_mm_practice = cuda.jit()(_mm_practice)


def mm_practice(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for square matrices of edge at most :data:`TILE`, by :func:`_mm_practice`."""
    (size, other) = a.shape
    if a.shape != b.shape or size != other or size > TILE:
        raise ValueError(f"mm_practice multiplies square matrices of edge <= {TILE}, got {a.shape} and {b.shape}")
    out = a.zeros((size, size))
    storages = (out._tensor._storage, a.contiguous()._tensor._storage, b.contiguous()._tensor._storage)
    jit_mm_practice[1, (TILE, TILE)](*storages, size)
    return out


def _tensor_matrix_multiply(
    out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
    a_storage: Storage, a_shape: Shape, a_strides: Strides,
    b_storage: Storage, b_shape: Shape, b_strides: Strides,
) -> None:  # fmt: skip
    """Tiled batched matrix multiply ``out[n] = a[n] @ b[n]`` through shared memory.

    Block ``(x, y, n)`` computes the ``TILE x TILE`` tile of batch ``n`` at
    rows ``y * TILE`` and columns ``x * TILE``. It walks the inner dimension
    one tile at a time: every thread copies one element of ``a``'s tile and
    one of ``b``'s into shared memory (0 outside the matrices), all threads
    meet, each adds its row-by-column product from shared memory, and all
    meet again before the next tile overwrites it. A batch of size 1
    broadcasts (its batch stride counts as 0).

    Args:
        out: Output storage, shape ``(batch, n, p)``.
        out_shape: Output shape.
        out_strides: Output strides.
        out_size: Output size.
        a_storage: Left storage, shape ``(batch or 1, n, m)``.
        a_shape: Left shape.
        a_strides: Left strides.
        b_storage: Right storage, shape ``(batch or 1, m, p)``.
        b_shape: Right shape.
        b_strides: Right strides.
    """
    # TODO: Implement for Task 3.4.
    raise NotImplementedError("Task 3.4: implement _tensor_matrix_multiply.")


tensor_matrix_multiply = cuda.jit()(_tensor_matrix_multiply)

__all__ = [
    "THREADS_PER_BLOCK",
    "TILE",
    "CudaOps",
    "mm_practice",
    "simulated",
    "sum_practice",
    "tensor_map",
    "tensor_matrix_multiply",
    "tensor_reduce",
    "tensor_zip",
]
