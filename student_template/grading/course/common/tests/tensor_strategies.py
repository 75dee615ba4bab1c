"""Tensor strategies under the names and signatures that tests written for the public MiniTorch course use.

Such tests import them from here (``from .tensor_strategies import
tensors``): ``tensors(numbers, backend, shape)``, ``shaped_tensors(n,
numbers, backend)``, ``tensor_data(numbers, shape)``,
``matmul_tensors(numbers)``, ``indices(layout)``, ``shapes()``,
``vals(size, number)`` and ``assert_close_tensor(a, b)``. They are built
on this course's own strategies (:mod:`tests.strategies`), which the
course's tests use.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from . import strategies
from .strategies import indices, shapes

FLOATS = st.floats(allow_nan=False, min_value=-100, max_value=100)

assert_close_tensor = strategies.assert_tensor_close

__all__ = [
    "FLOATS", "assert_close_tensor", "indices", "matmul_tensors", "shaped_tensors", "shapes", "tensor_data",
    "tensors", "vals",
]  # fmt: skip


@st.composite
def vals(draw: st.DrawFn, size: int, number: st.SearchStrategy[float]) -> Any:
    """A 1-D tensor of ``size`` values drawn from ``number``."""
    import minitorch

    return minitorch.tensor(draw(st.lists(number, min_size=size, max_size=size)))


@st.composite
def tensor_data(
    draw: st.DrawFn, numbers: st.SearchStrategy[float] = FLOATS, shape: tuple[int, ...] | None = None
) -> Any:
    """A ``TensorData`` of ``shape`` (or a random one) with values from ``numbers``, its storage usually permuted."""
    import minitorch

    layout = draw(strategies.tensor_data(tuple(shape) if shape is not None else None))
    values = draw(st.lists(numbers, min_size=layout.size, max_size=layout.size))
    return minitorch.TensorData(values, layout.shape, layout.strides)


@st.composite
def tensors(
    draw: st.DrawFn,
    numbers: st.SearchStrategy[float] = FLOATS,
    backend: Any = None,
    shape: tuple[int, ...] | None = None,
) -> Any:
    """A ``Tensor`` over :func:`tensor_data`, on ``backend`` (the simple one by default)."""
    import minitorch

    return minitorch.Tensor(draw(tensor_data(numbers, shape)), backend=backend)


@st.composite
def shaped_tensors(draw: st.DrawFn, n: int, numbers: st.SearchStrategy[float] = FLOATS, backend: Any = None) -> Any:
    """``n`` tensors of one random shape and layout, each with its own values."""
    import minitorch

    layout = draw(tensor_data(numbers))
    tensors = []
    for _ in range(n):
        values = draw(st.lists(numbers, min_size=layout.size, max_size=layout.size))
        tensors.append(minitorch.Tensor(minitorch.TensorData(values, layout.shape, layout.strides), backend=backend))
    return tensors


@st.composite
def matmul_tensors(draw: st.DrawFn, numbers: st.SearchStrategy[float] = FLOATS) -> Any:
    """Two tensors of shapes ``(i, j)`` and ``(j, k)``, each edge 1 to 10: a matrix product."""
    import minitorch

    i, j, k = (draw(st.integers(min_value=1, max_value=10)) for _ in range(3))
    pair = []
    for shape in ((i, j), (j, k)):
        values = draw(st.lists(numbers, min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]))
        pair.append(minitorch.Tensor(minitorch.TensorData(values, shape)))
    return pair
