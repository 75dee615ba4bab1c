"""Tests for minitorch.tensor_data: Tasks 2.1 and 2.2."""

from __future__ import annotations

import minitorch
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from minitorch import IndexingError, TensorData

from .plain import as_bool, as_float, as_int, as_ints, as_shape
from .strategies import indices, shapes, tensor_data


def position(data: TensorData, index: tuple[int, ...]) -> int:
    """``data.index(index)``, read as a plain int."""
    return as_int(data.index(index), "TensorData.index")


# What provided code raises for a bad index: this course's IndexingError, or the public course's AssertionError.
PROVIDED_ERRORS = (IndexingError, AssertionError)

# Task 2.1


@pytest.mark.task2_1
def test_layout() -> None:
    """Contiguous and permuted layouts of the same storage."""
    data = TensorData([0.0] * 15, (3, 5), (5, 1))
    assert as_bool(data.is_contiguous(), "TensorData.is_contiguous()")
    assert position(data, (1, 0)) == 5
    assert position(data, (1, 2)) == 7
    flipped = TensorData([0.0] * 15, (5, 3), (1, 5))
    assert not as_bool(flipped.is_contiguous(), "TensorData.is_contiguous()")
    assert position(flipped, (1, 0)) == 1
    assert position(flipped, (1, 2)) == 11


@pytest.mark.task2_1
@given(tensor_data())
def test_every_position_is_used_once(data: TensorData) -> None:
    """Enumerating all indices visits each storage position exactly once, in row-major order."""
    size = as_int(data.size, "TensorData.size")
    positions = [position(data, index) for index in data.indices()]
    assert sorted(positions) == list(range(size))
    listed = [as_ints(index, "an index from TensorData.indices()") for index in data.indices()]
    assert listed == sorted(listed)
    assert len(listed) == size


@pytest.mark.task2_1
@given(shapes(), st.data())
def test_to_index_inverts_the_row_major_position(shape: tuple[int, ...], draw: st.DataObject) -> None:
    """to_index(ordinal) is the index whose contiguous position is ordinal."""
    strides = np.array(minitorch.tensor_data.strides_from_shape(shape), dtype=np.int32)
    size = int(np.prod(shape))
    ordinal = draw.draw(st.integers(min_value=0, max_value=size - 1))
    out = np.zeros(len(shape), dtype=np.int32)
    minitorch.to_index(ordinal, np.array(shape, dtype=np.int32), out)
    assert all(0 <= out[i] < shape[i] for i in range(len(shape)))
    assert as_int(minitorch.index_to_position(out, strides), "index_to_position") == ordinal


@pytest.mark.task2_1
@given(tensor_data(), st.data())
def test_permute_moves_dimensions(data: TensorData, draw: st.DataObject) -> None:
    """A permuted view reads the same values at permuted indices."""
    shape = as_shape(data.shape, "TensorData.shape")
    order = draw.draw(st.permutations(range(len(shape))))
    permuted = data.permute(*order)
    index = draw.draw(indices(permuted))
    original = [0] * len(shape)
    for i, dim in enumerate(order):
        original[dim] = index[i]
    assert as_shape(permuted.shape, "TensorData.permute(...).shape") == tuple(shape[i] for i in order)
    assert as_float(permuted.get(index), "TensorData.get") == as_float(data.get(tuple(original)), "TensorData.get")


@pytest.mark.task2_1
def test_index_errors_are_clear() -> None:
    """In-range indices find their position; out-of-range and wrong-length ones raise IndexingError."""
    data = TensorData([0.0] * 6, (2, 3))
    assert position(data, (1, 2)) == 5
    with pytest.raises(PROVIDED_ERRORS):
        data.index((2, 0))
    with pytest.raises(PROVIDED_ERRORS):
        data.index((0,))


@pytest.mark.task2_1
def test_index_to_position_reads_only_as_many_entries_as_strides() -> None:
    """Compiled kernels pass index buffers longer than the shape: only the first len(strides) entries count."""
    buffer = np.array([1, 2, 7, 7, 7], dtype=np.int32)
    assert as_int(minitorch.index_to_position(buffer, np.array([3, 1], dtype=np.int32)), "index_to_position") == 5


# Task 2.2


@pytest.mark.task2_2
def test_shape_broadcast_follows_numpy() -> None:
    """The broadcast shape of two shapes is numpy's."""
    cases = [((1,), (5, 5)), ((5, 5), (1,)), ((1, 5, 5), (5, 5)), ((5, 1, 5, 1), (1, 5, 1, 5)), ((2, 5), (5,))]
    for a, b in cases:
        assert as_shape(minitorch.shape_broadcast(a, b), "shape_broadcast") == np.broadcast_shapes(a, b)


@pytest.mark.task2_2
def test_incompatible_shapes_raise() -> None:
    """Mismatched dimensions that are not 1 cannot broadcast."""
    with pytest.raises(IndexingError):
        minitorch.shape_broadcast((5, 7, 5, 1), (1, 5, 1, 5))
    with pytest.raises(IndexingError):
        minitorch.shape_broadcast((2, 3), (3, 2))


@pytest.mark.task2_2
@given(shapes(max_dims=3), st.data())
def test_broadcast_index_matches_numpy(shape: tuple[int, ...], draw: st.DataObject) -> None:
    """Reading a broadcast view through broadcast_index gives numpy's broadcast values."""
    lead = draw.draw(st.lists(st.integers(min_value=1, max_value=3), max_size=2))
    big = tuple(lead) + tuple(s if s > 1 else draw.draw(st.integers(min_value=1, max_value=3)) for s in shape)
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    expected = np.broadcast_to(values, big)
    out = np.zeros(len(shape), dtype=np.int32)
    big_index = tuple(draw.draw(st.integers(min_value=0, max_value=s - 1)) for s in big)
    minitorch.broadcast_index(
        np.array(big_index, dtype=np.int32), np.array(big, dtype=np.int32), np.array(shape, dtype=np.int32), out
    )
    assert values[tuple(out)] == expected[big_index]
