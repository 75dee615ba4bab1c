"""Tests for the simple tensor backend and tensor functions: Tasks 2.3 and 2.4."""

from __future__ import annotations

from collections.abc import Callable

import minitorch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minitorch import MathTestVariable, Tensor

from .strategies import assert_tensor_close, shaped_tensors, tensors

one_arg, two_arg = MathTestVariable._tests()


def _elementwise(fn: Callable[..., float], *arrays: np.ndarray) -> np.ndarray:
    return np.vectorize(fn, otypes=[np.float64])(*arrays)


# Task 2.3


@pytest.mark.task2_3
@given(tensors())
@pytest.mark.parametrize(("name", "base", "variable"), one_arg, ids=[n for n, _, _ in one_arg])
def test_one_args(name: str, base: Callable[[float], float], variable: Callable[[Tensor], Tensor], t1: Tensor) -> None:
    """Every one-argument function, elementwise over a (permuted) tensor."""
    assert_tensor_close(variable(t1), _elementwise(base, t1.to_numpy()))


@pytest.mark.task2_3
@given(shaped_tensors(2))
@pytest.mark.parametrize(("name", "base", "variable"), two_arg, ids=[n for n, _, _ in two_arg])
def test_two_args(
    name: str, base: Callable[[float, float], float], variable: Callable[..., Tensor], ts: list[Tensor]
) -> None:
    """Every two-argument function, elementwise over two tensors of one shape and different layouts."""
    a, b = ts
    assert_tensor_close(variable(a, b), _elementwise(base, a.to_numpy(), b.to_numpy()))


@pytest.mark.task2_3
@given(tensors(), st.data())
def test_reductions(t1: Tensor, draw: st.DataObject) -> None:
    """sum and mean over one dimension (kept as size 1) and over everything."""
    dim = draw.draw(st.integers(min_value=0, max_value=t1.dims - 1))
    values = t1.to_numpy()
    assert_tensor_close(t1.sum(dim), values.sum(axis=dim, keepdims=True))
    assert_tensor_close(t1.mean(dim), values.mean(axis=dim, keepdims=True))
    assert_tensor_close(t1.sum(), [values.sum()])


@pytest.mark.task2_3
@given(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=2), st.integers(min_value=1, max_value=3))
def test_broadcast_forward(lead: list[int], cols: int) -> None:
    """Zip broadcasts like numpy: (n, 1) with (m,) gives (n, m)."""
    a_values = np.arange(lead[0], dtype=np.float64).reshape(lead[0], 1)
    b_values = np.arange(cols, dtype=np.float64) * 10.0
    a = minitorch.tensor(a_values.tolist())
    b = minitorch.tensor(b_values.tolist())
    assert_tensor_close(a + b, a_values + b_values)
    assert_tensor_close(a * b, a_values * b_values)
    assert_tensor_close(a + 1.5, a_values + 1.5)


@pytest.mark.task2_3
def test_permute_view_contiguous() -> None:
    """Permute is a view; view needs contiguous storage, which contiguous() provides."""
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    p = t.permute(1, 0)
    assert p.shape == (3, 2)
    assert_tensor_close(p, np.array([[1, 4], [2, 5], [3, 6]]))
    with pytest.raises(minitorch.IndexingError, match="contiguous"):
        p.view(6)
    assert_tensor_close(p.contiguous().view(6), np.array([1, 4, 2, 5, 3, 6]))
    assert (t < 3.5).sum().item() == 3.0


# Task 2.4


@pytest.mark.task2_4
@settings(max_examples=25)
@given(tensors())
@pytest.mark.parametrize(("name", "base", "variable"), one_arg, ids=[n for n, _, _ in one_arg])
def test_one_derivative(
    name: str, base: Callable[[float], float], variable: Callable[[Tensor], Tensor], t1: Tensor
) -> None:
    """Backpropagated gradients of every one-argument function match central differences."""
    minitorch.grad_check(variable, t1)


@pytest.mark.task2_4
@settings(max_examples=25)
@given(shaped_tensors(2))
@pytest.mark.parametrize(("name", "base", "variable"), two_arg, ids=[n for n, _, _ in two_arg])
def test_two_derivative(
    name: str, base: Callable[[float, float], float], variable: Callable[..., Tensor], ts: list[Tensor]
) -> None:
    """Backpropagated gradients of every two-argument function match central differences."""
    minitorch.grad_check(variable, *ts)


@pytest.mark.task2_4
@settings(max_examples=25)
@given(tensors(), st.data())
def test_reduce_and_permute_derivatives(t1: Tensor, draw: st.DataObject) -> None:
    """Gradients flow through sum, mean and permute."""
    dim = draw.draw(st.integers(min_value=0, max_value=t1.dims - 1))
    order = draw.draw(st.permutations(range(t1.dims)))
    minitorch.grad_check(lambda a: a.sum(dim), t1)
    minitorch.grad_check(lambda a: a.mean(dim), t1)
    minitorch.grad_check(lambda a: a.permute(*order) * 2.0, t1)


@pytest.mark.task2_4
def test_broadcast_gradients_are_reduced_to_the_input_shape() -> None:
    """A broadcast input's gradient has the input's shape: summed over the broadcast dimensions."""
    a = minitorch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    b = minitorch.tensor([10.0, 20.0], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.shape == (3, 1) and b.grad.shape == (2,)
    assert_tensor_close(a.grad, [[30.0], [30.0], [30.0]])
    assert_tensor_close(b.grad, [6.0, 6.0])
