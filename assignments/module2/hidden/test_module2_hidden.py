"""Hidden tests for Module 2: the classic strided-storage bugs."""

from __future__ import annotations

import minitorch
import numpy as np
import pytest

from ..plain import as_array, as_float, as_shape


@pytest.mark.task2_1
def test_hidden_permute_of_permute() -> None:
    """Permuting twice composes the permutations and keeps the storage."""
    data = minitorch.TensorData(list(range(24)), (2, 3, 4))
    twice = data.permute(2, 0, 1).permute(1, 2, 0)
    assert as_shape(twice.shape, "TensorData.shape") == (2, 3, 4)
    assert [as_float(twice.get(i), "TensorData.get") for i in twice.indices()] == [float(v) for v in range(24)]
    with pytest.raises((minitorch.IndexingError, AssertionError)):  # provided code: the public course's asserts
        data.permute(0, 0, 1)


@pytest.mark.task2_1
def test_hidden_to_index_single_dimension_and_last_ordinal() -> None:
    """One-dimensional shapes and the very last element."""
    out = np.zeros(1, dtype=np.int32)
    minitorch.to_index(4, np.array([5], dtype=np.int32), out)
    assert out[0] == 4
    out3 = np.zeros(3, dtype=np.int32)
    minitorch.to_index(23, np.array([2, 3, 4], dtype=np.int32), out3)
    assert list(out3) == [1, 2, 3]


@pytest.mark.task2_2
def test_hidden_broadcast_index_size_one_dims() -> None:
    """A size-1 dimension maps every index to 0, also in the middle of the shape."""
    out = np.zeros(3, dtype=np.int32)
    minitorch.broadcast_index(
        np.array([1, 2, 3, 4], dtype=np.int32),
        np.array([2, 3, 4, 5], dtype=np.int32),
        np.array([3, 1, 5], dtype=np.int32),
        out,
    )
    assert list(out) == [2, 0, 4]


@pytest.mark.task2_2
def test_hidden_broadcast_with_empty_and_equal_shapes() -> None:
    """Equal shapes broadcast to themselves; a scalar shape to the other."""
    assert as_shape(minitorch.shape_broadcast((3, 4), (3, 4)), "shape_broadcast") == (3, 4)
    assert as_shape(minitorch.shape_broadcast((), (2, 3)), "shape_broadcast") == (2, 3)
    assert as_shape(minitorch.shape_broadcast((4, 1), (1,)), "shape_broadcast") == (4, 1)


@pytest.mark.task2_3
def test_hidden_reduce_over_a_permuted_tensor() -> None:
    """Reductions follow the strides, not the storage order."""
    values = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = minitorch.tensor(values.tolist()).permute(1, 0)
    assert np.allclose(as_array(t.sum(0), "t.sum(0)"), values.T.sum(axis=0, keepdims=True))
    assert np.allclose(as_array(t.sum(1), "t.sum(1)"), values.T.sum(axis=1, keepdims=True))


@pytest.mark.task2_3
def test_hidden_zip_broadcasts_size_one_dims_on_both_sides() -> None:
    """(1, 3) with (2, 1) gives (2, 3)."""
    a = minitorch.tensor([[1.0, 2.0, 3.0]])
    b = minitorch.tensor([[10.0], [20.0]])
    assert np.allclose(as_array(a + b, "a + b"), np.array([[11, 12, 13], [21, 22, 23]]))


@pytest.mark.task2_4
def test_hidden_shared_tensor_gradient() -> None:
    """A tensor used twice gets both contributions: d/dx sum(x * x) = 2x."""
    x = minitorch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad is not None
    assert np.allclose(as_array(x.grad, "x.grad"), [2.0, -4.0, 6.0])


@pytest.mark.task2_4
def test_hidden_one_element_tensor_broadcast_gradient() -> None:
    """A (1,) tensor broadcast over (2, 2) collects the sum of the upstream gradient."""
    w = minitorch.tensor([3.0], requires_grad=True)
    x = minitorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    (x * w).sum().backward()
    assert w.grad is not None and as_shape(w.grad.shape, "w.grad.shape") == (1,)
    assert np.isclose(as_float(w.grad.item(), "w.grad.item()"), 10.0)
