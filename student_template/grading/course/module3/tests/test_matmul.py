"""Matrix multiply on every backend that has one: Task 3.2 (fast) and later Task 3.4 (CUDA).

Compared with numpy on inputs of ragged sizes (not multiples of any block
size), permuted layouts and broadcast batch dimensions.
"""

from __future__ import annotations

import minitorch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .backends import backend_params, get_backend
from .gradcheck import assert_tensor_gradients
from .plain import as_array
from .strategies import assert_tensor_close, tensors

MATMUL = backend_params("matmul")
sizes = st.integers(min_value=1, max_value=9)


@given(data=st.data())
@pytest.mark.parametrize("backend", MATMUL)
def test_matmul_2d(backend: str, data: st.DataObject) -> None:
    """(n, m) @ (m, p) matches numpy, on permuted layouts."""
    n, m, p = data.draw(sizes), data.draw(sizes), data.draw(sizes)
    a = data.draw(tensors((n, m), backend=get_backend(backend)))
    b = data.draw(tensors((m, p), backend=get_backend(backend)))
    assert_tensor_close(a @ b, as_array(a, "a") @ as_array(b, "b"))


@given(data=st.data())
@pytest.mark.parametrize("backend", MATMUL)
def test_matmul_batched_and_broadcast(backend: str, data: st.DataObject) -> None:
    """(batch, n, m) @ (batch or 1, m, p): a batch of 1 broadcasts on either side."""
    batch = data.draw(st.integers(min_value=1, max_value=3))
    a_batch, b_batch = data.draw(st.sampled_from([(batch, batch), (1, batch), (batch, 1)]))
    n, m, p = data.draw(sizes), data.draw(sizes), data.draw(sizes)
    a = data.draw(tensors((a_batch, n, m), backend=get_backend(backend)))
    b = data.draw(tensors((b_batch, m, p), backend=get_backend(backend)))
    assert_tensor_close(a @ b, as_array(a, "a") @ as_array(b, "b"))


@pytest.mark.parametrize("backend", MATMUL)
@pytest.mark.parametrize("a_batch, b_batch", [(2, 1), (1, 2), (3, 3)])
def test_matmul_batch_of_one_broadcasts(backend: str, a_batch: int, b_batch: int) -> None:
    """A batch of 1 on either side is used for every batch of the other, whatever examples are drawn."""
    a_values = np.arange(a_batch * 2 * 3, dtype=np.float64).reshape(a_batch, 2, 3) / 5.0 - 1.0
    b_values = np.arange(b_batch * 3 * 4, dtype=np.float64).reshape(b_batch, 3, 4) / 7.0 + 0.5
    a = minitorch.tensor(a_values.tolist(), backend=get_backend(backend))
    b = minitorch.tensor(b_values.tolist(), backend=get_backend(backend))
    assert_tensor_close(a @ b, a_values @ b_values)


@pytest.mark.parametrize("backend", MATMUL)
def test_matmul_of_a_transpose(backend: str) -> None:
    """x.T @ x, where the left operand walks its storage by columns."""
    values = np.arange(12, dtype=np.float64).reshape(4, 3) / 7.0
    x = minitorch.tensor(values.tolist(), backend=get_backend(backend))
    assert_tensor_close(x.permute(1, 0) @ x, values.T @ values)


@settings(max_examples=25)
@given(data=st.data())
@pytest.mark.parametrize("backend", MATMUL)
def test_matmul_gradient(backend: str, data: st.DataObject) -> None:
    """Gradients of both operands match central differences."""
    n, m, p = data.draw(sizes), data.draw(sizes), data.draw(sizes)
    a = data.draw(tensors((n, m), backend=get_backend(backend)))
    b = data.draw(tensors((m, p), backend=get_backend(backend)))
    assert_tensor_gradients(lambda x, y: x @ y, a, b)
