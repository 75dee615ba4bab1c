"""Hypothesis strategies and comparison helpers shared by every module's tests."""

from __future__ import annotations

import math

from hypothesis import strategies as st

small_ints = st.integers(min_value=1, max_value=3)
small_floats = st.floats(min_value=-100, max_value=100, allow_nan=False)
med_ints = st.integers(min_value=1, max_value=20)


def assert_close(a: float, b: float) -> None:
    """Fail unless ``a`` and ``b`` agree to within 1e-2 (the course's is_close)."""
    assert math.isfinite(a) and math.isfinite(b), f"non-finite value: {a}, {b}"
    assert abs(a - b) < 1e-2, f"Failure x={a} y={b}"
