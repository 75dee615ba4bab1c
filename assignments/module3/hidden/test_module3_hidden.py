"""Hidden tests for Module 3: the classic fast-kernel bugs."""

from __future__ import annotations

import minitorch
import numpy as np
import pytest

from ..backends import get_backend
from ..plain import as_array


def _backend() -> minitorch.TensorBackend:
    """The fast backend, built once per process (each new backend loads or compiles its kernels again)."""
    return get_backend("fast")


def _tensor(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=_backend())


@pytest.mark.task3_1
def test_hidden_same_shape_different_strides_is_not_aligned() -> None:
    """A square tensor plus its transpose: equal shapes, different strides, so no aligned shortcut."""
    values = np.arange(16, dtype=np.float64).reshape(4, 4)
    t = _tensor(values)
    assert np.allclose(as_array(t + t.permute(1, 0), "t + t.T"), values + values.T)
    assert np.allclose(as_array(-t.permute(1, 0), "-t.T"), -values.T)


@pytest.mark.task3_1
def test_hidden_map_into_a_broadcast_output() -> None:
    """map broadcasts its input to the output's shape."""
    source = _tensor(np.array([[1.0, -2.0, 3.0]]))
    out = minitorch.zeros((4, 3), backend=_backend())
    _backend().neg_map(source, out)
    assert np.allclose(as_array(out, "out"), -np.tile([[1.0, -2.0, 3.0]], (4, 1)))


@pytest.mark.task3_1
def test_hidden_large_reduce_over_a_permuted_dimension() -> None:
    """Every output position of a large reduce is folded once, whatever the thread."""
    rng = np.random.default_rng(3)
    values = rng.random((60, 50, 7))
    t = _tensor(values).permute(2, 0, 1)
    for dim in range(3):
        assert np.allclose(as_array(t.sum(dim), "t.sum(dim)"), values.transpose(2, 0, 1).sum(axis=dim, keepdims=True))


@pytest.mark.task3_1
def test_hidden_large_map_and_zip_over_permuted_and_broadcast_inputs() -> None:
    """Outputs of many thousand positions from permuted and broadcast inputs: every position, whatever the thread."""
    rng = np.random.default_rng(6)
    values, row = rng.random((60, 50, 7)), rng.random((1, 60, 1))
    t = _tensor(values).permute(2, 0, 1)
    expected = values.transpose(2, 0, 1)
    assert np.allclose(as_array(-t, "-t"), -expected)
    assert np.allclose(as_array(t * _tensor(row), "t * row"), expected * row)
    assert np.allclose(as_array(_tensor(row) + t, "row + t"), row + expected)


@pytest.mark.task3_2
def test_hidden_matmul_ragged_blocks() -> None:
    """Sizes just past powers of two, which leave partial tiles at every edge."""
    rng = np.random.default_rng(4)
    a, b = rng.random((2, 65, 130)), rng.random((2, 130, 67))
    assert np.allclose(as_array(_tensor(a) @ _tensor(b), "a @ b"), a @ b)


@pytest.mark.task3_2
def test_hidden_matmul_broadcast_batch_and_2d() -> None:
    """A 2-D left operand against a batch, and a batch of one against three."""
    rng = np.random.default_rng(5)
    a, b = rng.random((5, 4)), rng.random((3, 4, 6))
    got = as_array(_tensor(a).view(1, 5, 4) @ _tensor(b), "a @ b")
    assert got.shape == (3, 5, 6) and np.allclose(got, a @ b)


@pytest.mark.task3_2
def test_hidden_matmul_of_permuted_batches() -> None:
    """Operands whose batch dimension is not the outermost in storage."""
    rng = np.random.default_rng(6)
    a, b = rng.random((3, 2, 4)), rng.random((5, 2, 4))
    left = _tensor(a).permute(1, 0, 2)  # (2, 3, 4)
    right = _tensor(b).permute(1, 2, 0)  # (2, 4, 5)
    assert np.allclose(as_array(left @ right, "left @ right"), a.transpose(1, 0, 2) @ b.transpose(1, 2, 0))
