"""Task 4.4b (extra credit): the convolutions as CUDA kernels, forward and backward, against numpy.

Like Module 3's CUDA tests these run on a GPU when there is one and under
numba's CUDA simulator otherwise; sizes stay small because a simulated
thread is slow, and cross block edges (``THREADS_PER_BLOCK``) anyway.
"""

from __future__ import annotations

import minitorch
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .backends import get_backend
from .cuda_blocks import block_threads
from .plain import as_array
from .strategies import assert_tensor_close, tensors
from .test_conv import assert_gradients_match_numpy, numpy_conv1d, numpy_conv2d

pytestmark = [pytest.mark.task4_4b, pytest.mark.cuda]

small = st.integers(min_value=1, max_value=3)


def _cuda():  # type: ignore[no-untyped-def]
    backend = get_backend("cuda")  # chooses the simulator when there is no GPU, before numba.cuda is imported
    from minitorch import cuda_conv

    return backend, cuda_conv


@given(data=st.data())
def test_cuda_conv1d_matches_numpy(data: st.DataObject) -> None:
    """Any batch, channels, width and kernel width; the kernel may be wider than the input."""
    backend, cuda_conv = _cuda()
    batch, in_channels, out_channels = data.draw(small), data.draw(small), data.draw(small)
    width, kernel = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 4))
    x = data.draw(tensors((batch, in_channels, width), backend=backend))
    w = data.draw(tensors((out_channels, in_channels, kernel), backend=backend))
    assert_tensor_close(cuda_conv.conv1d(x, w), numpy_conv1d(as_array(x, "x"), as_array(w, "w")))


def test_cuda_conv1d_right_edge_and_reverse() -> None:
    """Past the edges the input counts as 0, and ``reverse`` anchors the kernel at its other end."""
    backend, cuda_conv = _cuda()
    x = minitorch.tensor([[[1.0, 2.0, 3.0, 4.0]]], backend=backend)
    w = minitorch.tensor([[[1.0, 10.0, 100.0]]], backend=backend)
    assert_tensor_close(cuda_conv.conv1d(x, w), [[[321.0, 432.0, 43.0, 4.0]]])
    out = x.zeros((1, 1, 4))
    cuda_conv.cuda_conv1d(*out.tuple(), out.size, *x.tuple(), *w.tuple(), True)
    assert_tensor_close(out, numpy_conv1d(as_array(x, "x"), as_array(w, "w"), reverse=True))


def test_cuda_conv1d_more_outputs_than_a_block() -> None:
    """An output of more than THREADS_PER_BLOCK positions needs every block."""
    backend, cuda_conv = _cuda()
    width = block_threads(cuda_conv) + 3
    x = minitorch.tensor([[[float(i % 7) for i in range(width)]]], backend=backend)
    w = minitorch.tensor([[[1.0, -2.0]]], backend=backend)
    assert_tensor_close(cuda_conv.conv1d(x, w), numpy_conv1d(as_array(x, "x"), as_array(w, "w")))


@given(data=st.data())
def test_cuda_conv1d_gradients(data: st.DataObject) -> None:
    """Both gradients, every element, against numpy's central differences."""
    backend, cuda_conv = _cuda()
    x = data.draw(tensors((2, data.draw(small), data.draw(st.integers(1, 5))), backend=backend))
    w = data.draw(tensors((data.draw(small), x.shape[1], data.draw(st.integers(1, 3))), backend=backend))
    assert_gradients_match_numpy(cuda_conv.conv1d, numpy_conv1d, x, w)


@given(data=st.data())
def test_cuda_conv2d_matches_numpy(data: st.DataObject) -> None:
    """Any batch, channels, image and kernel size."""
    backend, cuda_conv = _cuda()
    batch, in_channels, out_channels = data.draw(small), data.draw(small), data.draw(small)
    height, width = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    x = data.draw(tensors((batch, in_channels, height, width), backend=backend))
    w = data.draw(tensors((out_channels, in_channels, kh, kw), backend=backend))
    assert_tensor_close(cuda_conv.conv2d(x, w), numpy_conv2d(as_array(x, "x"), as_array(w, "w")))


@given(data=st.data())
def test_cuda_conv2d_gradients(data: st.DataObject) -> None:
    """Both gradients, every element, against numpy's central differences."""
    backend, cuda_conv = _cuda()
    x = data.draw(
        tensors((1, data.draw(small), data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))), backend=backend)
    )
    w = data.draw(
        tensors(
            (data.draw(small), x.shape[1], data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))), backend=backend
        )
    )
    assert_gradients_match_numpy(cuda_conv.conv2d, numpy_conv2d, x, w)
