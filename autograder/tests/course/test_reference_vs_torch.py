"""The reference's Module 4 layers agree with PyTorch on the CPU (skipped where PyTorch is not installed).

The course's own tests compare with numpy; this is a second opinion from
an independent implementation, forward and backward.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ..conftest import REPO

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison with it is skipped")
F = torch.nn.functional

sys.path.insert(0, str(REPO / "reference"))
import minitorch  # noqa: E402

FAST = minitorch.TensorBackend(minitorch.FastOps)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    global RNG
    RNG = np.random.default_rng(0)  # each test draws the same values whatever ran before


RNG = np.random.default_rng(0)


def pair(shape: tuple[int, ...]) -> tuple[minitorch.Tensor, torch.Tensor]:
    values = RNG.standard_normal(shape)
    return (
        minitorch.tensor(values.tolist(), backend=FAST, requires_grad=True),
        torch.tensor(values, dtype=torch.float64, requires_grad=True),
    )


# The course's log is ln(x + 1e-6) (finite at 0), so a log-softmax is off by up to 1e-6.
LOG_EPS = 1e-5


def assert_same(ours: minitorch.Tensor, theirs: torch.Tensor, atol: float = 1e-9) -> None:
    np.testing.assert_allclose(ours.to_numpy(), theirs.detach().numpy(), rtol=1e-7, atol=atol)


def backward_both(ours: minitorch.Tensor, theirs: torch.Tensor) -> None:
    weights = RNG.standard_normal(tuple(theirs.shape))
    (ours * minitorch.tensor(weights.tolist(), backend=FAST)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()


@pytest.mark.parametrize("shape", [(2, 3, 7), (1, 1, 2)])
@pytest.mark.parametrize("kernel", [1, 3, 4])
def test_conv1d_matches_torch(shape: tuple[int, int, int], kernel: int) -> None:
    x, tx = pair(shape)
    w, tw = pair((4, shape[1], kernel))
    ours = minitorch.conv1d(x, w)
    theirs = F.conv1d(F.pad(tx, (0, kernel - 1)), tw)  # minitorch pads zeros on the right
    assert_same(ours, theirs)
    backward_both(ours, theirs)
    assert_same(x.grad, tx.grad)
    assert_same(w.grad, tw.grad)


@pytest.mark.parametrize(("kh", "kw"), [(1, 1), (2, 3), (3, 3)])
def test_conv2d_matches_torch(kh: int, kw: int) -> None:
    x, tx = pair((2, 3, 5, 6))
    w, tw = pair((2, 3, kh, kw))
    ours = minitorch.conv2d(x, w)
    theirs = F.conv2d(F.pad(tx, (0, kw - 1, 0, kh - 1)), tw)
    assert_same(ours, theirs)
    backward_both(ours, theirs)
    assert_same(x.grad, tx.grad)
    assert_same(w.grad, tw.grad)


@pytest.mark.parametrize(
    ("ours_fn", "theirs_fn", "atol"),
    [
        (lambda t: minitorch.softmax(t, 1), lambda t: torch.softmax(t, 1), 1e-9),
        (lambda t: minitorch.logsoftmax(t, 2), lambda t: torch.log_softmax(t, 2), LOG_EPS),
        (lambda t: minitorch.max(t, 1), lambda t: torch.max(t, 1, keepdim=True).values, 1e-9),
        (lambda t: minitorch.avgpool2d(t, (2, 2)), lambda t: F.avg_pool2d(t, (2, 2)), 1e-9),
        (lambda t: minitorch.maxpool2d(t, (2, 1)), lambda t: F.max_pool2d(t, (2, 1)), 1e-9),
    ],
    ids=["softmax", "logsoftmax", "max", "avgpool2d", "maxpool2d"],
)
def test_nn_layers_match_torch(ours_fn, theirs_fn, atol: float) -> None:  # type: ignore[no-untyped-def]
    x, tx = pair((2, 4, 4, 6))
    ours, theirs = ours_fn(x), theirs_fn(tx)
    assert_same(ours, theirs, atol)
    backward_both(ours, theirs)
    assert_same(x.grad, tx.grad, atol)


def test_logsoftmax_of_large_inputs_matches_torch() -> None:
    values = np.array([[1000.0, 1001.0, 999.0], [-1000.0, 0.0, 5.0]])
    ours = minitorch.logsoftmax(minitorch.tensor(values.tolist(), backend=FAST), 1)
    assert_same(ours, torch.log_softmax(torch.tensor(values), 1), LOG_EPS)
