"""Hypothesis strategies and comparison helpers shared by every module's tests."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

small_ints = st.integers(min_value=1, max_value=3)
small_floats = st.floats(min_value=-100, max_value=100, allow_nan=False)
med_ints = st.integers(min_value=1, max_value=20)


def assert_close(a: float, b: float) -> None:
    """Fail unless ``a`` and ``b`` agree to within 1e-2 (the course's is_close)."""
    assert math.isfinite(a) and math.isfinite(b), f"non-finite value: {a}, {b}"
    assert abs(a - b) < 1e-2, f"Failure x={a} y={b}"


@st.composite
def shapes(draw: st.DrawFn, max_dims: int = 4, max_size: int = 4) -> tuple[int, ...]:
    """A tensor shape of 1 to ``max_dims`` dimensions, each of size 1 to ``max_size``."""
    return tuple(draw(st.lists(st.integers(min_value=1, max_value=max_size), min_size=1, max_size=max_dims)))


@st.composite
def tensor_data(draw: st.DrawFn, shape: tuple[int, ...] | None = None, permute: bool = True) -> Any:
    """A ``TensorData`` of random values, permuted so its strides are usually not contiguous."""
    import minitorch

    shape = shape if shape is not None else draw(shapes())
    size = math.prod(shape)
    values = draw(st.lists(small_floats, min_size=size, max_size=size))
    data = minitorch.TensorData(values, shape)
    if permute:
        order = draw(st.permutations(range(len(shape))))
        data = data.permute(*order)
    return data


@st.composite
def indices(draw: st.DrawFn, data: Any) -> tuple[int, ...]:
    """A valid index into ``data``."""
    return tuple(draw(st.integers(min_value=0, max_value=s - 1)) for s in data.shape)
