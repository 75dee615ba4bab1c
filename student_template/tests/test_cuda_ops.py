"""Tasks 3.3 and 3.4: the CUDA practice kernels, and ragged edges of the CUDA reduce and matmul.

Every test here carries the ``cuda`` marker: it runs on a GPU when there is
one and under numba's CUDA simulator otherwise (the grader's report says
which). The CUDA backend also runs the whole tensor suite (``test_tensor.py``)
and the matrix-multiply tests (``test_matmul.py``) through the backend harness.
Sizes are chosen around the block size (``TILE``, or whatever your
``cuda_ops.py`` calls it: ``cuda_blocks.py``), so that blocks and tiles
are partly outside the data.
"""

from __future__ import annotations

import minitorch
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .backends import get_backend
from .cuda_blocks import block_edge, block_sums, block_threads
from .plain import as_array
from .strategies import assert_tensor_close, tensors

pytestmark = pytest.mark.cuda


def _cuda_ops():  # type: ignore[no-untyped-def]
    get_backend("cuda")  # chooses the simulator when there is no GPU, before numba.cuda is imported
    from minitorch import cuda_ops

    return cuda_ops


def _vector(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=get_backend("cuda"))


@pytest.mark.task3_3
@given(data=st.data())
def test_sum_practice(data: st.DataObject) -> None:
    """One sum per block of THREADS_PER_BLOCK values, the last block partly empty.

    At most two blocks: the public course's wrapper has room for two sums.
    """
    cuda_ops = _cuda_ops()
    per_block = block_threads(cuda_ops)
    size = data.draw(st.integers(min_value=1, max_value=2 * per_block))
    values = np.linspace(-1.0, 2.0, size)
    got = block_sums(cuda_ops.sum_practice(_vector(values)))
    padded = np.concatenate([values, np.zeros(-size % per_block)])
    want = padded.reshape(-1, per_block).sum(axis=1)
    assert len(got) >= len(want), f"{len(got)} sums, expected one per block: {len(want)}"
    assert np.allclose(got[: len(want)], want, rtol=1e-2, atol=1e-2), f"got {got}, expected {want}"
    assert not got[len(want) :].any(), f"got {got}: sums beyond the {len(want)} blocks of data"


@pytest.mark.task3_3
@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_reduce_longer_than_a_block(extra: int) -> None:
    """A reduced dimension of two blocks and a bit (or a bit less) is folded completely."""
    cuda_ops = _cuda_ops()
    length = 2 * block_threads(cuda_ops) + extra
    values = np.linspace(0.5, 1.5, 3 * length).reshape(3, length)
    t = _vector(values)
    assert_tensor_close(t.sum(1), values.sum(axis=1, keepdims=True))
    assert_tensor_close(t.permute(1, 0).sum(0), values.T.sum(axis=0, keepdims=True))


@pytest.mark.task3_4
@given(data=st.data())
def test_mm_practice(data: st.DataObject) -> None:
    """Square products of every edge up to TILE, through shared memory."""
    cuda_ops = _cuda_ops()
    size = data.draw(st.integers(min_value=1, max_value=block_edge(cuda_ops)))
    a = data.draw(tensors((size, size), backend=get_backend("cuda")))
    b = data.draw(tensors((size, size), backend=get_backend("cuda")))
    assert_tensor_close(cuda_ops.mm_practice(a, b), as_array(a, "a") @ as_array(b, "b"))


@pytest.mark.task3_4
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 2, 1)], ids=str)
def test_matmul_ragged_tiles(shape: tuple[int, int, int]) -> None:
    """n, m, p of a tile plus one (m: two tiles plus one): every edge tile is partly outside the matrices.

    Two shapes, not more: with blocks of 32x32 threads each simulated launch runs thousands of threads.
    """
    cuda_ops = _cuda_ops()
    n, m, p = (block_edge(cuda_ops) * k + 1 for k in shape)
    rng = np.random.default_rng(n * 100 + m * 10 + p)
    a, b = rng.random((2, n, m)), rng.random((2, m, p))
    assert_tensor_close(_vector(a) @ _vector(b), a @ b)
