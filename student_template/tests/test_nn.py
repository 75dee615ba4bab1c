"""Tasks 4.3 and 4.4: tiling, pooling, max, softmax and dropout, against numpy.

``test_max`` is yours to write (Task 4.4): it is graded by whether it
passes on any correct library and fails on broken versions of ``max``.
"""

from __future__ import annotations

import math
import random

import minitorch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minitorch import Tensor

from .backends import get_backend
from .gradcheck import assert_tensor_gradients
from .plain import as_array, as_float, as_int
from .strategies import assert_tensor_close, tensors

BACKENDS = ["simple", "fast"]  # CUDA is Module 3's; these tests grade Module 4 only
small = st.integers(min_value=1, max_value=3)


def _images(data: st.DataObject, backend: str, kh: int, kw: int) -> Tensor:
    shape = (data.draw(small), data.draw(small), kh * data.draw(small), kw * data.draw(small))
    return data.draw(tensors(shape, backend=get_backend(backend)))


def _numpy_tiles(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    b, c, h, w = x.shape
    return x.reshape(b, c, h // kh, kh, w // kw, kw).transpose(0, 1, 2, 4, 3, 5).reshape(b, c, h // kh, w // kw, -1)


# Task 4.3


@pytest.mark.task4_3
@given(data=st.data(), kh=small, kw=small)
def test_tile_matches_numpy(data: st.DataObject, kh: int, kw: int) -> None:
    """Each kh x kw tile, row by row, in the last dimension."""
    x = _images(data, "simple", kh, kw)
    values = as_array(x, "x")
    tiles, new_height, new_width = minitorch.tile(x, (kh, kw))
    assert (as_int(new_height, "tile's new height"), as_int(new_width, "tile's new width")) == (
        values.shape[2] // kh,
        values.shape[3] // kw,
    )
    assert_tensor_close(tiles, _numpy_tiles(values, kh, kw))


@pytest.mark.task4_3
@given(data=st.data(), kh=small, kw=small)
@pytest.mark.parametrize("backend", BACKENDS)
def test_avgpool2d_matches_numpy(backend: str, data: st.DataObject, kh: int, kw: int) -> None:
    """The mean of every tile."""
    x = _images(data, backend, kh, kw)
    assert_tensor_close(minitorch.avgpool2d(x, (kh, kw)), _numpy_tiles(as_array(x, "x"), kh, kw).mean(axis=4))


@pytest.mark.task4_3
@settings(max_examples=20)
@given(data=st.data())
def test_avgpool2d_gradient(data: st.DataObject) -> None:
    """Gradients flow back through the tiles."""
    assert_tensor_gradients(lambda t: minitorch.avgpool2d(t, (2, 2)), _images(data, "simple", 2, 2))


# Task 4.4


@pytest.mark.task4_4
@given(data=st.data())
@pytest.mark.parametrize("backend", BACKENDS)
def test_max_argmax_forward(backend: str, data: st.DataObject) -> None:
    """max keeps the reduced dimension as size 1; argmax marks the maxima."""
    t = data.draw(tensors(backend=get_backend(backend)))
    values = as_array(t, "t")
    dim = data.draw(st.integers(0, values.ndim - 1))
    assert_tensor_close(minitorch.max(t, dim), values.max(axis=dim, keepdims=True))
    assert_tensor_close(minitorch.argmax(t, dim), values == values.max(axis=dim, keepdims=True))


@pytest.mark.task4_4
@settings(max_examples=30)
@given(data=st.data())
def test_max_gradient(data: st.DataObject) -> None:
    """The gradient of max goes to the largest element (distinct values: no ties)."""
    shape = data.draw(st.lists(small, min_size=1, max_size=3).map(tuple))
    values = np.array(data.draw(st.permutations(range(math.prod(shape)))), dtype=np.float64).reshape(shape)
    t = minitorch.tensor(values.tolist(), requires_grad=True)
    dim = data.draw(st.integers(0, t.dims - 1))
    minitorch.max(t, dim).sum().backward()
    assert t.grad is not None
    assert_tensor_close(t.grad, values == values.max(axis=dim, keepdims=True))


@pytest.mark.task4_4
@given(data=st.data())
@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_and_logsoftmax_match_numpy(backend: str, data: st.DataObject) -> None:
    """softmax sums to 1 along the dimension; logsoftmax is its log."""
    t = data.draw(tensors(backend=get_backend(backend)))
    values = as_array(t, "t")
    dim = data.draw(st.integers(0, values.ndim - 1))
    shifted = np.exp(values - values.max(axis=dim, keepdims=True))
    expected = shifted / shifted.sum(axis=dim, keepdims=True)
    assert_tensor_close(minitorch.softmax(t, dim), expected)
    assert_tensor_close(minitorch.logsoftmax(t, dim), np.log(expected))


@pytest.mark.task4_4
@settings(max_examples=20)
@given(data=st.data())
def test_softmax_gradients(data: st.DataObject) -> None:
    """Gradients of softmax and logsoftmax match central differences."""
    t = data.draw(tensors())
    dim = data.draw(st.integers(0, t.dims - 1))
    assert_tensor_gradients(lambda a: minitorch.softmax(a, dim), t)
    assert_tensor_gradients(lambda a: minitorch.logsoftmax(a, dim), t)


@pytest.mark.task4_4
def test_max_gradient_splits_ties() -> None:
    """Tied maxima share max's gradient equally: a requirement of this course beyond the public one."""
    t = minitorch.tensor([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, 1.0]], requires_grad=True)
    minitorch.max(t, 1).sum().backward()
    assert t.grad is not None
    got = as_array(t.grad, "the gradient of max")
    want = [[0.5, 0.0, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]]
    assert np.allclose(got, want), (
        "Max.backward must split the gradient equally among tied maxima, k ties getting 1/k each, so that it "
        "still sums to the upstream gradient (Task 4.4); argmax alone gives all of it to every tie: "
        f"got {got.tolist()}, expected {want}"
    )


@pytest.mark.task4_4
@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_and_logsoftmax_do_not_overflow(backend: str) -> None:
    """Inputs near +-1000 give finite, right answers: a requirement of this course beyond the public one."""
    rows = [[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]]
    t = minitorch.tensor(rows, backend=get_backend(backend))
    values = np.array(rows)
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    expected = shifted / shifted.sum(axis=1, keepdims=True)
    rule = "softmax and logsoftmax must subtract the maximum along dim before exp, so no input overflows (Task 4.4)"
    for name, fn, want in (
        ("softmax", minitorch.softmax, expected),
        ("logsoftmax", minitorch.logsoftmax, np.log(expected)),
    ):
        try:
            got = as_array(fn(t, 1), name)
        except (OverflowError, ValueError, ZeroDivisionError) as error:
            raise AssertionError(f"{name} raised {error!r} on inputs near +-1000: {rule}") from None
        assert np.all(np.isfinite(got)) and np.allclose(got, want), f"{name}: got {got.tolist()}: {rule}"


@pytest.mark.task4_4
@given(data=st.data(), kh=small, kw=small)
def test_maxpool2d_matches_numpy(data: st.DataObject, kh: int, kw: int) -> None:
    """The largest value of every tile."""
    x = _images(data, "simple", kh, kw)
    assert_tensor_close(minitorch.maxpool2d(x, (kh, kw)), _numpy_tiles(as_array(x, "x"), kh, kw).max(axis=4))


@pytest.mark.task4_4
def test_dropout_rates() -> None:
    """rate 0 and ignore keep everything; rate 1 drops everything; rate 0.5 about half, 0.25 about three in four."""
    random.seed(3)
    t = minitorch.tensor(np.ones(1000).tolist())
    assert_tensor_close(minitorch.dropout(t, 0.0), np.ones(1000))
    assert_tensor_close(minitorch.dropout(t, 0.9, ignore=True), np.ones(1000))
    assert_tensor_close(minitorch.dropout(t, 1.0), np.zeros(1000))
    kept = as_float(minitorch.dropout(t, 0.5).sum().item(), "Tensor.item()")
    assert 400 < kept < 600, f"rate 0.5 kept {kept:.0f} of 1000"
    kept = as_float(minitorch.dropout(t, 0.25).sum().item(), "Tensor.item()")
    assert 680 < kept < 820, f"rate 0.25 (drop a quarter) kept {kept:.0f} of 1000"


@pytest.mark.task4_4
@given(tensors())
def test_max(t: Tensor) -> None:
    """Check max: its value along each dimension, and where its gradient goes."""
    # TODO: Implement for Task 4.4.
    raise NotImplementedError("Task 4.4: implement test_max.")
