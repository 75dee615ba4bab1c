"""Hypothesis strategies and comparison helpers shared by every module's tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .plain import SEQUENCES, as_array, as_float

small_ints = st.integers(min_value=1, max_value=3)
small_floats = st.floats(min_value=-100, max_value=100, allow_nan=False)
med_ints = st.integers(min_value=1, max_value=20)


def assert_close(actual: float, expected: float, what: str = "the library") -> None:
    """Fail unless ``actual`` and ``expected`` are plain numbers that agree to within 1e-2 (the course's is_close).

    ``what`` names where ``actual`` came from, for the message.
    """
    actual, expected = as_float(actual, what), as_float(expected, what)
    assert math.isfinite(actual) and math.isfinite(expected), f"{what}: got {actual}, expected {expected}"
    assert abs(actual - expected) < 1e-2, f"{what}: got {actual}, expected {expected} (to within 0.01)"


def assert_on_grid(
    name: str,
    fn: Callable[..., Any],
    expected: Callable[..., float],
    cases: Iterable[tuple[float, ...]],
    rel: float = 1e-9,
    abs_tol: float = 1e-9,
) -> None:
    """``fn`` returns plain numbers close to ``expected``'s on every case; the message names the first it fails on.

    A grid of chosen inputs (negative, tiny, huge, ties) finds what a property
    test finds only by luck: a function that is wrong on part of the line.
    """
    wrong = []
    for args in cases:
        want = float(expected(*args))
        try:
            result = fn(*args)
        except Exception as error:  # noqa: BLE001 (every failure is reported with its input)
            wrong.append(f"{name}({_arguments(args)}) raised {type(error).__name__}, expected {want!r}")
            continue
        got = as_float(result, f"{name}({_arguments(args)})")
        if not math.isclose(got, want, rel_tol=rel, abs_tol=abs_tol):
            wrong.append(f"{name}({_arguments(args)}): got {got!r}, expected {want!r}")
    assert not wrong, "; ".join(wrong[:3]) + (f" (and {len(wrong) - 3} more)" if len(wrong) > 3 else "")


def _arguments(args: tuple[float, ...]) -> str:
    return ", ".join(repr(arg) for arg in args)


@st.composite
def shapes(draw: st.DrawFn, max_dims: int = 4, max_size: int = 4) -> tuple[int, ...]:
    """A tensor shape of 1 to ``max_dims`` dimensions, each of size 1 to ``max_size``."""
    return tuple(draw(st.lists(st.integers(min_value=1, max_value=max_size), min_size=1, max_size=max_dims)))


@st.composite
def tensor_data(draw: st.DrawFn, shape: tuple[int, ...] | None = None, permute: bool = True) -> Any:
    """A ``TensorData`` of the given (or a random) shape whose strides are usually not contiguous.

    The values are laid out for a permuted shape and then permuted back, so
    the result has exactly ``shape`` but walks its storage out of order.
    """
    import minitorch

    shape = shape if shape is not None else draw(shapes())
    size = math.prod(shape)
    values = draw(st.lists(small_floats, min_size=size, max_size=size))
    if not permute:
        return minitorch.TensorData(values, shape)
    order = draw(st.permutations(range(len(shape))))
    inverse = [order.index(i) for i in range(len(shape))]
    return minitorch.TensorData(values, tuple(shape[i] for i in order)).permute(*inverse)


@st.composite
def indices(draw: st.DrawFn, data: Any) -> tuple[int, ...]:
    """A valid index into ``data``."""
    return tuple(draw(st.integers(min_value=0, max_value=s - 1)) for s in data.shape)


@st.composite
def tensors(draw: st.DrawFn, shape: tuple[int, ...] | None = None, permute: bool = True, backend: Any = None) -> Any:
    """A ``Tensor`` over :func:`tensor_data` (usually permuted), on ``backend`` (simple by default)."""
    import minitorch

    return minitorch.Tensor(draw(tensor_data(shape, permute)), backend=backend)


@st.composite
def shaped_tensors(draw: st.DrawFn, n: int, max_dims: int = 3, backend: Any = None) -> list[Any]:
    """``n`` tensors of one random shape, each with its own layout."""
    shape = draw(shapes(max_dims=max_dims, max_size=3))
    return [draw(tensors(shape, backend=backend)) for _ in range(n)]


def assert_tensor_close(actual: Any, expected: Any, what: str = "the tensor") -> None:
    """Elementwise closeness of a Tensor and a numpy array, a list of numbers, or another Tensor.

    Both sides are read as plain numpy arrays first (:func:`plain.as_array`).
    """
    got = as_array(actual, what)
    want = as_array(expected, "the expected tensor") if _is_tensor_or_array(expected) else _literal(expected)
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    assert np.allclose(got, want, rtol=1e-2, atol=1e-2), f"got {got}, expected {want}"


def _is_tensor_or_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or hasattr(type(value), "to_numpy")


def _literal(value: Any) -> np.ndarray:
    """An expected value written in a test (a number, or nested lists of numbers) as a float64 array."""
    if type(value) in SEQUENCES:
        return np.array([_literal(item) for item in value], dtype=np.float64)
    return np.array(as_float(value, "the expected value"), dtype=np.float64)
