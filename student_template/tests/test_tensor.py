"""The tensor suite: Tasks 2.3 and 2.4 on the simple backend, and every later backend.

Each test takes a ``backend`` from the harness (``backends.py``): on the
simple backend it grades Task 2.3 (forward) or 2.4 (backward); the fast and
CUDA backends of Module 3 run the same tests for their own tasks.
Every result is compared with numpy, on inputs whose strides are usually
not contiguous.
"""

from __future__ import annotations

from collections.abc import Callable

import minitorch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minitorch import MathTestVariable, Tensor

from .backends import backend_params, get_backend
from .gradcheck import assert_tensor_gradients
from .plain import as_array, as_bool, as_float, as_shape
from .strategies import assert_tensor_close, shaped_tensors, tensors

one_arg, two_arg, _ = MathTestVariable._comp_testing()
FORWARD = backend_params("forward")
BACKWARD = backend_params("backward")
# Where a function that is right on most of the line can still be wrong: negative, tiny and huge inputs.
EDGES = [-1000.0, -710.0, -20.0, -1.0, -1e-4, -0.0, 0.0, 1e-4, 1.0, 20.0, 710.0, 1000.0]


def _elementwise(fn: Callable[..., float], *arrays: np.ndarray) -> np.ndarray:
    """``fn`` (a function of floats from ``MathTest``) on every element, each result read as a plain float."""
    return np.vectorize(lambda *xs: as_float(fn(*xs), "the MathTest function"), otypes=[np.float64])(*arrays)


# Forward (Task 2.3 on the simple backend)


@given(data=st.data())
@pytest.mark.parametrize(("name", "base", "variable"), one_arg, ids=[n for n, _, _ in one_arg])
@pytest.mark.parametrize("backend", FORWARD)
def test_one_args(
    backend: str, name: str, base: Callable[[float], float], variable: Callable[[Tensor], Tensor], data: st.DataObject
) -> None:
    """Every one-argument function, elementwise over a (permuted) tensor."""
    t1 = data.draw(tensors(backend=get_backend(backend)))
    assert_tensor_close(variable(t1), _elementwise(base, as_array(t1, "t1")))


@given(data=st.data())
@pytest.mark.parametrize(("name", "base", "variable"), two_arg, ids=[n for n, _, _ in two_arg])
@pytest.mark.parametrize("backend", FORWARD)
def test_two_args(
    backend: str, name: str, base: Callable[[float, float], float], variable: Callable[..., Tensor], data: st.DataObject
) -> None:
    """Every two-argument function, elementwise over two tensors of one shape and different layouts."""
    a, b = data.draw(shaped_tensors(2, backend=get_backend(backend)))
    assert_tensor_close(variable(a, b), _elementwise(base, as_array(a, "a"), as_array(b, "b")))


@given(data=st.data())
@pytest.mark.parametrize("backend", FORWARD)
def test_reductions(backend: str, data: st.DataObject) -> None:
    """sum, mean and all over one dimension (kept as size 1) and over everything."""
    t1 = data.draw(tensors(backend=get_backend(backend)))
    values = as_array(t1, "t1")
    dim = data.draw(st.integers(min_value=0, max_value=values.ndim - 1))
    assert_tensor_close(t1.sum(dim), values.sum(axis=dim, keepdims=True))
    assert_tensor_close(t1.mean(dim), values.mean(axis=dim, keepdims=True))
    assert_tensor_close(t1.sum(), [values.sum()])
    positive = t1 > -50.0
    assert_tensor_close(positive.all(dim), (values > -50.0).all(axis=dim, keepdims=True))
    assert_tensor_close(positive.all(), [(values > -50.0).all()])


@given(data=st.data())
@pytest.mark.parametrize("backend", FORWARD)
def test_broadcast_forward(backend: str, data: st.DataObject) -> None:
    """Zip broadcasts like numpy: (n, 1) with (m,) gives (n, m), and tensors mix with floats."""
    rows = data.draw(st.integers(min_value=1, max_value=4))
    cols = data.draw(st.integers(min_value=1, max_value=4))
    a = data.draw(tensors((rows, 1), backend=get_backend(backend)))
    b = data.draw(tensors((cols,), backend=get_backend(backend)))
    a_values, b_values = as_array(a, "a"), as_array(b, "b")
    assert_tensor_close(a + b, a_values + b_values)
    assert_tensor_close(a * b, a_values * b_values)
    assert_tensor_close(b - a, b_values - a_values)
    assert_tensor_close(a + 1.5, a_values + 1.5)
    assert_tensor_close(2.0 * b, 2.0 * b_values)


@given(data=st.data())
@pytest.mark.parametrize("backend", FORWARD)
def test_permute_view_copy(backend: str, data: st.DataObject) -> None:
    """permute is numpy's transpose; contiguous copies in row-major order; view reshapes that copy."""
    t1 = data.draw(tensors(backend=get_backend(backend)))
    values = as_array(t1, "t1")
    order = data.draw(st.permutations(range(values.ndim)))
    permuted = t1.permute(*order)
    assert_tensor_close(permuted, values.transpose(order))
    copied = permuted.contiguous()
    assert as_bool(copied._tensor.is_contiguous(), "TensorData.is_contiguous()")
    assert_tensor_close(copied, values.transpose(order))
    assert_tensor_close(copied.view(values.size), values.transpose(order).reshape(-1))


@pytest.mark.parametrize("backend", FORWARD)
def test_view_needs_contiguous_storage(backend: str) -> None:
    """view of a permuted tensor fails clearly; contiguous() makes it work."""
    t = minitorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], backend=get_backend(backend))
    p = t.permute(1, 0)
    assert as_shape(p.shape, "Tensor.shape") == (3, 2)
    with pytest.raises((minitorch.IndexingError, AssertionError), match="contiguous"):  # either course's provided check
        p.view(6)
    assert_tensor_close(p.contiguous().view(6), np.array([1, 4, 2, 5, 3, 6]))
    assert as_float((t < 3.5).sum().item(), "Tensor.item()") == 3.0


@pytest.mark.parametrize("backend", FORWARD)
def test_functions_on_a_grid(backend: str) -> None:
    """sigmoid, relu, exp and log on negative, tiny and huge inputs; comparisons at and near ties."""
    values = np.array(EDGES)
    t = minitorch.tensor(EDGES, backend=get_backend(backend))
    assert_tensor_close(t.sigmoid(), 0.5 * (1.0 + np.tanh(values / 2.0)))
    assert_tensor_close(t.relu(), np.maximum(values, 0.0))
    finite = values[values < 709.0]
    assert_tensor_close(minitorch.tensor(finite.tolist(), backend=get_backend(backend)).exp(), np.exp(finite))
    logs = np.array([0.0, 1e-4, 1.0, 1e6])
    expected = np.log(logs + minitorch.operators.EPS)
    assert_tensor_close(minitorch.tensor(logs.tolist(), backend=get_backend(backend)).log(), expected)
    a = minitorch.tensor([1.0, 1.0, 1.0, -2.0, 1.0, 1.0], backend=get_backend(backend))
    b = minitorch.tensor([1.0, 1.005, 1.0 + 1e-9, -2.0, 1.02, 0.98], backend=get_backend(backend))
    assert_tensor_close(a < b, [0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    assert_tensor_close(a == b, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    assert_tensor_close(a.is_close(b), [1.0, 1.0, 1.0, 1.0, 0.0, 0.0])


# Backward (Task 2.4 on the simple backend)


@settings(max_examples=25)
@given(data=st.data())
@pytest.mark.parametrize(("name", "base", "variable"), one_arg, ids=[n for n, _, _ in one_arg])
@pytest.mark.parametrize("backend", BACKWARD)
def test_one_derivative(
    backend: str, name: str, base: Callable[[float], float], variable: Callable[[Tensor], Tensor], data: st.DataObject
) -> None:
    """Backpropagated gradients of every one-argument function match central differences."""
    assert_tensor_gradients(variable, data.draw(tensors(backend=get_backend(backend))))


@settings(max_examples=25)
@given(data=st.data())
@pytest.mark.parametrize(("name", "base", "variable"), two_arg, ids=[n for n, _, _ in two_arg])
@pytest.mark.parametrize("backend", BACKWARD)
def test_two_derivative(
    backend: str, name: str, base: Callable[[float, float], float], variable: Callable[..., Tensor], data: st.DataObject
) -> None:
    """Backpropagated gradients of every two-argument function match central differences."""
    assert_tensor_gradients(variable, *data.draw(shaped_tensors(2, backend=get_backend(backend))))


@settings(max_examples=25)
@given(data=st.data())
@pytest.mark.parametrize("backend", BACKWARD)
def test_reduce_permute_view_derivatives(backend: str, data: st.DataObject) -> None:
    """Gradients flow through sum, mean, permute, contiguous and view."""
    t1 = data.draw(tensors(backend=get_backend(backend)))
    dim = data.draw(st.integers(min_value=0, max_value=t1.dims - 1))
    order = data.draw(st.permutations(range(t1.dims)))
    assert_tensor_gradients(lambda a: a.sum(dim), t1)
    assert_tensor_gradients(lambda a: a.mean(dim), t1)
    assert_tensor_gradients(lambda a: a.permute(*order) * 2.0, t1)
    assert_tensor_gradients(lambda a: a.permute(*order).contiguous().view(a.size) * 3.0, t1)


@pytest.mark.parametrize("backend", BACKWARD)
def test_gradients_flow_through_functions_between_others(backend: str) -> None:
    """Each backward multiplies by the gradient it receives: it is not always ones.

    ``assert_tensor_gradients`` sums the output, so a function applied last sees a gradient
    of ones; scaling before and after makes every function see another one.
    """
    t = minitorch.tensor([[-1.5, -0.25, 0.5], [0.75, 1.0, 2.0]], backend=get_backend(backend))
    assert_tensor_gradients(lambda a: (a * 3.0).sigmoid() * 2.0, t)
    assert_tensor_gradients(lambda a: (a * a + 1.0).log() * 2.0, t)
    assert_tensor_gradients(lambda a: (a * 0.5).exp() * 2.0, t)
    assert_tensor_gradients(lambda a: (a * 2.0).relu() * 3.0, t)
    assert_tensor_gradients(lambda a: 2.0 / (a * a + 1.0) * 3.0, t)


@pytest.mark.parametrize("backend", BACKWARD)
def test_broadcast_gradients_are_reduced_to_the_input_shape(backend: str) -> None:
    """A broadcast input's gradient has the input's shape: summed over the broadcast dimensions."""
    a = minitorch.tensor([[1.0], [2.0], [3.0]], backend=get_backend(backend), requires_grad=True)
    b = minitorch.tensor([10.0, 20.0], backend=get_backend(backend), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert as_shape(a.grad.shape, "a.grad.shape") == (3, 1) and as_shape(b.grad.shape, "b.grad.shape") == (2,)
    assert_tensor_close(a.grad, [[30.0], [30.0], [30.0]])
    assert_tensor_close(b.grad, [6.0, 6.0])


def _gradient(backend: str, method: str, values: list[float]) -> Tensor:
    """The gradient of ``tensor(values).method().sum()``, by backpropagation."""
    t = minitorch.tensor(values, backend=get_backend(backend), requires_grad=True)
    getattr(t, method)().sum().backward()
    assert t.grad is not None, "no gradient reached the input"
    return t.grad


@pytest.mark.parametrize("backend", BACKWARD)
def test_gradients_on_a_grid(backend: str) -> None:
    """The gradients of relu, log, sigmoid and exp at 0, near it, and at huge inputs."""
    values = np.array(EDGES)
    assert_tensor_close(_gradient(backend, "relu", EDGES), (values > 0.0).astype(np.float64))
    logs = [0.0, 1e-4, 1.0, 1e6]
    assert_tensor_close(_gradient(backend, "log", logs), 1.0 / (np.array(logs) + minitorch.operators.EPS))
    logistic = 0.5 * (1.0 + np.tanh(values / 2.0))
    assert_tensor_close(_gradient(backend, "sigmoid", EDGES), logistic * (1.0 - logistic))
    finite = [x for x in EDGES if x < 709.0]
    assert_tensor_close(_gradient(backend, "exp", finite), np.exp(finite))
