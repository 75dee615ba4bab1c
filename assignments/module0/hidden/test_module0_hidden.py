"""Hidden tests for Module 0: edge cases the public tests leave open."""

from __future__ import annotations

import minitorch
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..call_styles import call_reduce
from ..plain import as_bool, as_float, as_floats, as_str
from ..strategies import assert_close


@pytest.mark.task0_1
def test_hidden_sigmoid_extremes() -> None:
    """The two-branch sigmoid never overflows and saturates at both ends."""
    assert as_float(minitorch.operators.sigmoid(-1000.0), "operators.sigmoid") == pytest.approx(0.0, abs=1e-12)
    assert as_float(minitorch.operators.sigmoid(1000.0), "operators.sigmoid") == pytest.approx(1.0)
    assert as_float(minitorch.operators.sigmoid(0.0), "operators.sigmoid") == 0.5


@pytest.mark.task0_1
def test_hidden_comparison_edges() -> None:
    """Ties: lt is strict, max of equals is that value, relu_back at 0 is 0."""
    assert as_float(minitorch.operators.lt(2.0, 2.0), "operators.lt") == 0.0
    assert as_float(minitorch.operators.eq(-0.0, 0.0), "operators.eq") == 1.0
    assert as_float(minitorch.operators.max(3.0, 3.0), "operators.max") == 3.0
    assert as_float(minitorch.operators.relu(0.0), "operators.relu") == 0.0
    assert as_float(minitorch.operators.relu_back(0.0, 5.0), "operators.relu_back") == 0.0
    assert as_float(minitorch.operators.is_close(1.0, 1.01 + 1e-9), "operators.is_close") == 0.0


@pytest.mark.task0_1
def test_hidden_log_at_zero() -> None:
    """log is shifted so log(0) is finite, and log_back matches it."""
    assert as_float(minitorch.operators.log(0.0), "operators.log") < -10.0
    assert_close(minitorch.operators.log_back(1.0, 2.0), 2.0, "operators.log_back")


@pytest.mark.task0_3
@given(st.lists(st.text("abc", max_size=2), max_size=6))  # an alphabet: no Unicode tables to build
def test_hidden_reduce_order(words: list[str]) -> None:
    """reduce calls fn(element, accumulator), left to right."""
    assert as_str(
        call_reduce(minitorch.operators.reduce, lambda x, acc: acc + x, "", words), "reduce(fn, '')"
    ) == "".join(words)


@pytest.mark.task0_3
def test_hidden_functional_accepts_iterables() -> None:
    """The list functions take any iterable, including generators and tuples."""
    assert as_floats(minitorch.operators.negList(x for x in (1.0, 2.0)), "negList") == [-1.0, -2.0]
    assert as_floats(minitorch.operators.addLists((1.0, 2.0), (3.0, 4.0)), "addLists") == [4.0, 6.0]
    assert as_float(minitorch.operators.sum(iter([1.0, 2.0, 3.0])), "operators.sum") == 6.0
    assert as_float(minitorch.operators.prod((2.0, 3.0)), "operators.prod") == 6.0


def _chain(depth: int) -> minitorch.Module:
    """A module with a Parameter and, above depth 0, a chain inside; made when a test runs, so that a
    module.py that fails to import costs Task 0.4 only, not every test of this file."""

    class Chain(minitorch.Module):
        def __init__(self, depth: int) -> None:
            super().__init__()
            self.weight = minitorch.Parameter(float(depth))
            if depth > 0:
                self.inner = Chain(depth - 1)

    return Chain(depth)


@pytest.mark.task0_4
def test_hidden_deep_tree() -> None:
    """Deep trees: names are full paths and mode switches reach the leaves."""
    module = _chain(4)
    names = [as_str(name, "a name from named_parameters()") for name, _ in module.named_parameters()]
    assert names[0] == "weight"
    assert "inner.inner.inner.inner.weight" in names
    assert len(names) == 5
    module.eval()
    assert not as_bool(module.inner.inner.inner.inner.training, "Module.training")
    module.train()
    assert as_bool(module.inner.inner.inner.inner.training, "Module.training")


@pytest.mark.task0_4
def test_hidden_parameters_are_objects() -> None:
    """parameters() returns the Parameter objects themselves, not their values."""
    module = _chain(1)
    assert all(isinstance(p, minitorch.Parameter) for p in module.parameters())
    assert module.parameters()[0] is module.weight
