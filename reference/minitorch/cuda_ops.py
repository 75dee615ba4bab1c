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
        ### BEGIN SOLUTION task3_3
        out_index = cuda.local.array(MAX_DIMS, numba.int32)
        in_index = cuda.local.array(MAX_DIMS, numba.int32)
        i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
        if i < out_size:
            to_index(i, out_shape, out_index)
            broadcast_index(out_index, out_shape, in_shape, in_index)
            value = in_storage[index_to_position(in_index, in_strides)]
            out[index_to_position(out_index, out_strides)] = fn(value)
        ### END SOLUTION

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
        ### BEGIN SOLUTION task3_3
        out_index = cuda.local.array(MAX_DIMS, numba.int32)
        a_index = cuda.local.array(MAX_DIMS, numba.int32)
        b_index = cuda.local.array(MAX_DIMS, numba.int32)
        i = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x
        if i < out_size:
            to_index(i, out_shape, out_index)
            broadcast_index(out_index, out_shape, a_shape, a_index)
            broadcast_index(out_index, out_shape, b_shape, b_index)
            a = a_storage[index_to_position(a_index, a_strides)]
            b = b_storage[index_to_position(b_index, b_strides)]
            out[index_to_position(out_index, out_strides)] = fn(a, b)
        ### END SOLUTION

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
    ### BEGIN SOLUTION task3_3
    cache = cuda.shared.array(THREADS_PER_BLOCK, numba.float64)
    t = cuda.threadIdx.x
    i = cuda.blockIdx.x * cuda.blockDim.x + t
    cache[t] = a[i] if i < size else 0.0
    cuda.syncthreads()
    stride = 1
    while stride < cuda.blockDim.x:
        if t % (2 * stride) == 0 and t + stride < cuda.blockDim.x:
            cache[t] += cache[t + stride]
        stride *= 2
        cuda.syncthreads()
    if t == 0:
        out[cuda.blockIdx.x] = cache[0]
    ### END SOLUTION


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
        ### BEGIN SOLUTION task3_3
        cache = cuda.shared.array(THREADS_PER_BLOCK, numba.float64)
        out_index = cuda.local.array(MAX_DIMS, numba.int32)
        t = cuda.threadIdx.x
        block = cuda.blockIdx.x
        acc = reduce_value
        if block < out_size:
            to_index(block, out_shape, out_index)
            start = index_to_position(out_index, a_strides)
            for j in range(t, a_shape[reduce_dim], cuda.blockDim.x):
                acc = fn(acc, a_storage[start + j * a_strides[reduce_dim]])
        cache[t] = acc
        cuda.syncthreads()
        stride = 1
        while stride < cuda.blockDim.x:
            if t % (2 * stride) == 0 and t + stride < cuda.blockDim.x:
                cache[t] = fn(cache[t], cache[t + stride])
            stride *= 2
            cuda.syncthreads()
        if t == 0 and block < out_size:
            out[index_to_position(out_index, out_strides)] = cache[0]
        ### END SOLUTION

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
    ### BEGIN SOLUTION task3_4
    a_shared = cuda.shared.array((TILE, TILE), numba.float64)
    b_shared = cuda.shared.array((TILE, TILE), numba.float64)
    i = cuda.threadIdx.y
    j = cuda.threadIdx.x
    if i < size and j < size:
        a_shared[i, j] = a[i * size + j]
        b_shared[i, j] = b[i * size + j]
    cuda.syncthreads()
    if i < size and j < size:
        acc = 0.0
        for k in range(size):
            acc += a_shared[i, k] * b_shared[k, j]
        out[i * size + j] = acc
    ### END SOLUTION


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
    ### BEGIN SOLUTION task3_4
    a_shared = cuda.shared.array((TILE, TILE), numba.float64)
    b_shared = cuda.shared.array((TILE, TILE), numba.float64)
    a_batch = a_strides[0] if a_shape[0] > 1 else 0
    b_batch = b_strides[0] if b_shape[0] > 1 else 0
    n = cuda.blockIdx.z
    i = cuda.blockIdx.y * TILE + cuda.threadIdx.y
    j = cuda.blockIdx.x * TILE + cuda.threadIdx.x
    ty = cuda.threadIdx.y
    tx = cuda.threadIdx.x
    inner = a_shape[2]
    acc = 0.0
    for k0 in range(0, inner, TILE):
        k = k0 + tx
        if i < a_shape[1] and k < inner:
            a_shared[ty, tx] = a_storage[n * a_batch + i * a_strides[1] + k * a_strides[2]]
        else:
            a_shared[ty, tx] = 0.0
        k = k0 + ty
        if k < inner and j < b_shape[2]:
            b_shared[ty, tx] = b_storage[n * b_batch + k * b_strides[1] + j * b_strides[2]]
        else:
            b_shared[ty, tx] = 0.0
        cuda.syncthreads()
        for kk in range(TILE):
            acc += a_shared[ty, kk] * b_shared[kk, tx]
        cuda.syncthreads()
    if i < out_shape[1] and j < out_shape[2]:
        out[n * out_strides[0] + i * out_strides[1] + j * out_strides[2]] = acc
    ### END SOLUTION


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
