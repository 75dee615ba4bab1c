"""Hidden tests for Module 4: right and bottom edges, ties, overflow."""

from __future__ import annotations

import minitorch
import numpy as np
import pytest

from ..backends import get_backend
from ..plain import as_array


def _fast(values: np.ndarray, requires_grad: bool = False) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=get_backend("fast"), requires_grad=requires_grad)


@pytest.mark.task4_1
def test_hidden_conv1d_wider_kernel_than_input() -> None:
    """A kernel of 5 over an input of 2: only the overlapping weights count."""
    got = minitorch.fast_conv.conv1d(_fast(np.array([[[1.0, 2.0]]])), _fast(np.array([[[1.0, 10.0, 100.0, 7.0, 7.0]]])))
    assert np.allclose(as_array(got, "conv1d"), [[[21.0, 2.0]]])


@pytest.mark.task4_2
def test_hidden_conv2d_bottom_right_corner() -> None:
    """The bottom-right output sees only the bottom-right input (everything past the edges is 0)."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    got = as_array(minitorch.fast_conv.conv2d(_fast(x), _fast(w)), "conv2d")
    assert got[0, 0, 2, 2] == 9.0 and got[0, 0, 2, 0] == 7.0 + 8.0 and got[0, 0, 0, 2] == 3.0 + 6.0


@pytest.mark.task4_4
def test_hidden_max_gradient_on_ties() -> None:
    """Tied maxima share the gradient: it still sums to the upstream gradient."""
    t = minitorch.tensor([[3.0, 1.0, 3.0]], requires_grad=True)
    minitorch.max(t, 1).sum().backward()
    assert t.grad is not None
    assert np.allclose(as_array(t.grad, "t.grad"), [[0.5, 0.0, 0.5]])


@pytest.mark.task4_4
def test_hidden_softmax_does_not_overflow() -> None:
    """Inputs near 1000 would overflow exp(); the shifted forms stay finite."""
    t = minitorch.tensor([[1000.0, 1001.0, 999.0]])
    soft = as_array(minitorch.softmax(t, 1), "softmax")
    logsoft = as_array(minitorch.logsoftmax(t, 1), "logsoftmax")
    expected = np.exp([-1.0, 0.0, -2.0]) / np.exp([-1.0, 0.0, -2.0]).sum()
    assert np.all(np.isfinite(soft)) and np.allclose(soft, expected)
    assert np.all(np.isfinite(logsoft)) and np.allclose(logsoft, np.log(expected))
