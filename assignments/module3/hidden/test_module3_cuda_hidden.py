"""Hidden CUDA tests for Module 3: broadcast batches, permuted operands, wide maps."""

from __future__ import annotations

import minitorch
import numpy as np
import pytest

from ..backends import get_backend
from ..plain import as_array

pytestmark = pytest.mark.cuda


def _tensor(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=get_backend("cuda"))


@pytest.mark.task3_3
def test_hidden_cuda_zip_broadcast_and_permuted() -> None:
    """(3, 1) + (1, 5) and a transposed operand, over several blocks."""
    rng = np.random.default_rng(7)
    a, b, c = rng.random((3, 1)), rng.random((1, 5)), rng.random((5, 3))
    assert np.allclose(as_array(_tensor(a) + _tensor(b), "a + b"), a + b)
    assert np.allclose(as_array(_tensor(a) * _tensor(c).permute(1, 0), "a * c.T"), a * c.T)


@pytest.mark.task3_4
def test_hidden_cuda_matmul_broadcast_and_permuted() -> None:
    """A batch of one against two, with a transposed right operand."""
    rng = np.random.default_rng(8)
    a, b = rng.random((1, 6, 5)), rng.random((2, 7, 5))
    got = as_array(_tensor(a) @ _tensor(b).permute(0, 2, 1), "a @ b.T")
    assert np.allclose(got, a @ b.transpose(0, 2, 1))
