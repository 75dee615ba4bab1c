"""Tasks 4.1 and 4.2: 1-D and 2-D convolutions, against numpy, forward and backward."""

from __future__ import annotations

import minitorch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .backends import get_backend
from .kernel_checks import assert_parallel, kernel_args
from .plain import as_array
from .strategies import assert_tensor_close, tensors

small = st.integers(min_value=1, max_value=4)


def numpy_conv1d(x: np.ndarray, w: np.ndarray, reverse: bool = False) -> np.ndarray:
    """out[b, o, t] = sum over i, k of x[b, i, t + k] * w[o, i, k] (t - k with reverse); 0 past the edges."""
    batch, _, width = x.shape
    out = np.zeros((batch, w.shape[0], width))
    for t in range(width):
        for k in range(w.shape[2]):
            at = t - k if reverse else t + k
            if 0 <= at < width:
                out[:, :, t] += x[:, :, at] @ w[:, :, k].T
    return out


def numpy_conv2d(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """out[b, o, y, x] = sum of x[b, i, y + ky, x + kx] * w[o, i, ky, kx]; 0 past the bottom and right edges."""
    batch, channels, height, width = x.shape
    kh, kw = w.shape[2], w.shape[3]
    padded = np.zeros((batch, channels, height + kh, width + kw))
    padded[:, :, :height, :width] = x
    out = np.zeros((batch, w.shape[0], height, width))
    for ky in range(kh):
        for kx in range(kw):
            out += np.einsum("bihw,oi->bohw", padded[:, :, ky : ky + height, kx : kx + width], w[:, :, ky, kx])
    return out


def _fast() -> minitorch.TensorBackend:
    return get_backend("fast")


def assert_gradients_match_numpy(fn, reference, x: minitorch.Tensor, w: minitorch.Tensor) -> None:  # type: ignore[no-untyped-def]
    """Every element of both gradients of sum(fn(x, w) * r), against central differences of the numpy version."""
    rng = np.random.default_rng(1)
    xv, wv = as_array(x, "x"), as_array(w, "w")
    r = rng.random(reference(xv, wv).shape)
    x.requires_grad_(True)
    w.requires_grad_(True)
    (fn(x, w) * minitorch.tensor(r.tolist(), backend=x.backend)).sum().backward()
    for tensor, values, arg in ((x, xv, 0), (w, wv, 1)):
        numeric = np.zeros_like(values)
        for index in np.ndindex(values.shape):
            up, down = values.copy(), values.copy()
            up[index] += 1e-6
            down[index] -= 1e-6
            args_up = (up, wv) if arg == 0 else (xv, up)
            args_down = (down, wv) if arg == 0 else (xv, down)
            numeric[index] = ((reference(*args_up) - reference(*args_down)) * r).sum() / 2e-6
        assert tensor.grad is not None
        assert_tensor_close(tensor.grad, numeric)


@pytest.mark.task4_1
@given(data=st.data())
def test_conv1d_matches_numpy(data: st.DataObject) -> None:
    """Any batch, channels, width and kernel width; the kernel may be wider than the input."""
    batch, in_channels, out_channels = data.draw(small), data.draw(small), data.draw(small)
    width, kernel = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 4))
    x = data.draw(tensors((batch, in_channels, width), backend=_fast()))
    w = data.draw(tensors((out_channels, in_channels, kernel), backend=_fast()))
    assert_tensor_close(minitorch.fast_conv.conv1d(x, w), numpy_conv1d(as_array(x, "x"), as_array(w, "w")))


@pytest.mark.task4_1
def test_conv1d_right_edge_reads_zero() -> None:
    """Past the right edge the input counts as 0: the last output sees only the last input."""
    x = minitorch.tensor([[[1.0, 2.0, 3.0, 4.0]]], backend=_fast())
    w = minitorch.tensor([[[1.0, 10.0, 100.0]]], backend=_fast())
    assert_tensor_close(minitorch.fast_conv.conv1d(x, w), [[[321.0, 432.0, 43.0, 4.0]]])


@pytest.mark.task4_1
@settings(max_examples=10)
@given(data=st.data())
def test_conv1d_gradients(data: st.DataObject) -> None:
    """Both gradients, every element, against numpy's central differences."""
    x = data.draw(tensors((2, data.draw(small), data.draw(st.integers(1, 6))), backend=_fast()))
    w = data.draw(tensors((data.draw(small), x.shape[1], data.draw(st.integers(1, 3))), backend=_fast()))
    assert_gradients_match_numpy(minitorch.fast_conv.conv1d, numpy_conv1d, x, w)


@pytest.mark.task4_2
@given(data=st.data())
def test_conv2d_matches_numpy(data: st.DataObject) -> None:
    """Any batch, channels, image and kernel size."""
    batch, in_channels, out_channels = data.draw(small), data.draw(small), data.draw(small)
    height, width = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    x = data.draw(tensors((batch, in_channels, height, width), backend=_fast()))
    w = data.draw(tensors((out_channels, in_channels, kh, kw), backend=_fast()))
    assert_tensor_close(minitorch.fast_conv.conv2d(x, w), numpy_conv2d(as_array(x, "x"), as_array(w, "w")))


@pytest.mark.task4_2
@settings(max_examples=10)
@given(data=st.data())
def test_conv2d_gradients(data: st.DataObject) -> None:
    """Both gradients, every element, against numpy's central differences."""
    x = data.draw(
        tensors((1, data.draw(small), data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))), backend=_fast())
    )
    w = data.draw(
        tensors(
            (data.draw(small), x.shape[1], data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))), backend=_fast()
        )
    )
    assert_gradients_match_numpy(minitorch.fast_conv.conv2d, numpy_conv2d, x, w)


def _conv_args(out: np.ndarray, x: np.ndarray, w: np.ndarray) -> list[object]:
    """The low-level kernel's arguments: out, its size, input, weight, reverse."""
    args = kernel_args(out, x, w)
    return [*args[:3], out.size, *args[3:], False]


@pytest.mark.task4_1
def test_conv1d_kernel_is_parallel() -> None:
    """numba's parallel diagnostics show a prange loop in the 1-D convolution kernel."""
    from minitorch import fast_conv

    out, x, w = np.zeros((2, 3, 5)), np.ones((2, 2, 5)), np.ones((3, 2, 2))
    assert_parallel(fast_conv.tensor_conv1d, "tensor_conv1d", *_conv_args(out, x, w))


@pytest.mark.task4_2
def test_conv2d_kernel_is_parallel() -> None:
    """numba's parallel diagnostics show a prange loop in the 2-D convolution kernel."""
    from minitorch import fast_conv

    out, x, w = np.zeros((2, 3, 4, 5)), np.ones((2, 2, 4, 5)), np.ones((3, 2, 2, 2))
    assert_parallel(fast_conv.tensor_conv2d, "tensor_conv2d", *_conv_args(out, x, w))
