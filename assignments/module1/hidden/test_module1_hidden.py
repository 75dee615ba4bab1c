"""Hidden tests for Module 1: the classic autodiff bugs."""

from __future__ import annotations

import minitorch
import pytest

from ..plain import as_float, as_int
from ..strategies import assert_close


def _data(scalar: minitorch.Scalar) -> float:
    return as_float(scalar.data, "Scalar.data")


def _derivative(scalar: minitorch.Scalar) -> float:
    return as_float(scalar.derivative, "Scalar.derivative")


def _uid(scalar: minitorch.Scalar) -> int:
    return as_int(scalar.unique_id, "Scalar.unique_id")


@pytest.mark.task1_1
def test_hidden_central_difference_other_argument() -> None:
    """arg selects the argument; the others stay fixed."""
    f = lambda a, b, c: a * b * c  # noqa: E731
    assert_close(minitorch.central_difference(f, 2.0, 3.0, 4.0, arg=2), 6.0, "central_difference")
    assert_close(minitorch.central_difference(f, 2.0, 3.0, 4.0, arg=0, epsilon=1e-3), 12.0, "central_difference")


@pytest.mark.task1_2
def test_hidden_comparisons_with_floats() -> None:
    """Comparisons accept plain numbers on either side and return Scalars."""
    x = minitorch.Scalar(3.0)
    assert _data(x < 4.0) == 1.0
    assert _data(x > 4.0) == 0.0
    assert _data(x == 3.0) == 1.0
    assert isinstance(x - 1.0, minitorch.Scalar) and _data(x - 1.0) == 2.0
    assert _data(-x) == -3.0


@pytest.mark.task1_3
def test_hidden_chain_rule_uses_saved_values() -> None:
    """chain_rule multiplies by the local derivative from the saved context."""
    x = minitorch.Scalar(3.0)
    y = minitorch.Scalar(4.0)
    out = x * y
    back = {_uid(v): as_float(d, "a derivative from chain_rule") for v, d in out.chain_rule(2.0)}
    assert back == {_uid(x): 8.0, _uid(y): 6.0}


@pytest.mark.task1_4
def test_hidden_topological_sort_expands_each_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A node reached by many paths (2**20 here) is expanded once, not once per path."""
    x = minitorch.Scalar(1.0)
    y = x
    for _ in range(20):
        y = y + y
    visits = 0
    parents = minitorch.Scalar.parents

    def counted(self: minitorch.Scalar) -> object:
        nonlocal visits
        visits += 1
        if visits > 200:
            raise AssertionError("topological_sort asked a node for its parents once per path, not once")
        return parents.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(minitorch.Scalar, "parents", property(counted))
    order = list(minitorch.topological_sort(y))
    assert len(order) == 21


@pytest.mark.task1_4
def test_hidden_shared_nodes_accumulate_once() -> None:
    """Each node's derivative is summed over its uses before it is passed on.

    Doubling 20 times gives 2**20 paths from the output to x: visiting each
    path separately takes a million steps; summing per node takes 20.
    """
    x = minitorch.Scalar(1.0)
    y = x
    for _ in range(20):
        y = y + y
    y.backward()
    assert _derivative(x) == 2.0**20


@pytest.mark.task1_4
def test_hidden_constants_get_no_derivative() -> None:
    """A constant takes part in the forward pass but never collects a derivative."""
    c = minitorch.Scalar(2.0, None)
    x = minitorch.Scalar(5.0)
    (c * x + c).backward()
    assert c.derivative is None
    assert _derivative(x) == 2.0


@pytest.mark.task1_4
def test_hidden_diamond_order() -> None:
    """A diamond with a long and a short path: the shared node waits for both."""
    x = minitorch.Scalar(2.0)
    a = x * 3.0
    long_path = ((a + 1.0) * 2.0).relu()
    out = long_path * a  # out = 2(3x + 1) * 3x = 18x^2 + 6x
    out.backward()
    assert_close(_derivative(x), 36 * 2.0 + 6)
    order = list(minitorch.topological_sort(out))
    position = {_uid(v): i for i, v in enumerate(order)}
    assert position[_uid(a)] > position[_uid(long_path)]


@pytest.mark.task1_4
def test_hidden_backward_accumulates_across_calls() -> None:
    """Calling backward twice adds the derivatives (until they are reset)."""
    x = minitorch.Scalar(3.0)
    (x * x).backward()
    (x * x).backward()
    assert _derivative(x) == 12.0
