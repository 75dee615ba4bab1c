"""Calibrate Task 3.1's map speed check on honest and dishonest kernels.

``test_map_is_fast`` (assignments/module3/tests/test_fast_ops.py) requires the
student's compiled map to be some multiple of a plain Python loop per
element. This script times, exactly as that test does (same inputs, same
helpers from ``kernel_checks.py``, side by side in one process), several
maps written here:

- ``handout``: the map as the Task 3.1 handout describes it, a ``prange``
  over output positions with ``np.empty(len(shape))`` index buffers inside
  the loop and the aligned fast path;
- ``max_dims``: the same with ``np.zeros(MAX_DIMS)`` buffers in the loop,
  as many public-course solutions write it;
- ``reference``: the course's own kernel (chunks of positions per thread);
- ``serial``: the handout's map compiled without ``parallel=True`` (the
  parallel check, not the speed check, is what fails it);
- ``uncompiled``: the handout's map run as plain Python, timed on the small
  input only (it would take minutes on the large one).

Run ``python bench/map_speed.py`` (``NUMBA_NUM_THREADS=1`` as well: a
grading child gets the cores divided among the gradings that run at once).
It prints each kernel's ratio against the test's Python loop, and the
threshold the test uses.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reference"))
sys.path.insert(0, str(ROOT / "assignments" / "module3" / "tests"))

from kernel_checks import best_seconds, kernel_args, python_map  # type: ignore[import-not-found]  # noqa: E402
from minitorch import fast_ops, operators  # noqa: E402
from minitorch.jit import jitable  # noqa: E402
from minitorch.tensor_data import MAX_DIMS, broadcast_index, index_to_position, to_index  # noqa: E402

Kernel = Callable[..., None]


def handout_map(fn: Callable[[float], float], loop: Callable[[int], Any], buffer: Callable[[int], Any]) -> Kernel:
    """The plain map of the handout; ``loop`` is ``prange`` or ``range``, ``buffer`` makes an index buffer."""

    def _map(out: Any, out_shape: Any, out_strides: Any, in_storage: Any, in_shape: Any, in_strides: Any) -> None:
        if len(out_shape) == len(in_shape) and np.all(out_shape == in_shape) and np.all(out_strides == in_strides):
            for i in loop(len(out)):
                out[i] = fn(in_storage[i])
            return
        for i in loop(len(out)):
            out_index = buffer(len(out_shape))
            in_index = buffer(len(in_shape))
            to_index(i, out_shape, out_index)
            broadcast_index(out_index, out_shape, in_shape, in_index)
            out[index_to_position(out_index, out_strides)] = fn(in_storage[index_to_position(in_index, in_strides)])

    return _map


def _empty(n: int) -> Any:
    return np.empty(n, np.int32)


def _max_dims(n: int) -> Any:
    return np.zeros(MAX_DIMS, np.int32)


def kernels() -> dict[str, tuple[Kernel, bool]]:
    """Each kernel, and whether it is fast enough to time on the large input."""
    neg: Any = jitable(operators.neg)  # as test_map_is_fast and FastOps build it
    empty, max_dims = numba.njit(_empty), numba.njit(_max_dims)
    parallel: Any = numba.njit(parallel=True)
    return {
        "handout": (parallel(handout_map(neg, numba.prange, empty)), True),
        "max_dims": (parallel(handout_map(neg, numba.prange, max_dims)), True),
        "reference": (fast_ops.tensor_map(neg), True),
        "serial": (numba.njit(handout_map(neg, range, empty)), True),
        "uncompiled": (handout_map(operators.neg, range, _empty), False),
    }


def _column_major(rows: int, cols: int) -> np.ndarray:
    return np.linspace(-3.0, 3.0, rows * cols).reshape(cols, rows).T


def per_element(kernel: Kernel, large: bool) -> float:
    """Seconds per element, as the test measures it: the slower of row- and column-major inputs."""
    if not large:
        out, x = np.zeros((100, 200)), _column_major(100, 200)
        seconds = best_seconds(functools.partial(kernel, *kernel_args(out, x)), repeat=1) / 20_000
        assert np.array_equal(out, -x), "the timed map is wrong"
        return float(seconds)
    inputs = [np.linspace(-3.0, 3.0, 1_000_000).reshape(1000, 1000), _column_major(1000, 1000)]
    outs = [np.zeros((1000, 1000)) for _ in inputs]
    cases = [kernel_args(out, x) for out, x in zip(outs, inputs, strict=True)]
    seconds = max(best_seconds(functools.partial(kernel, *args)) for args in cases) / 1_000_000
    assert all(np.array_equal(out, -x) for out, x in zip(outs, inputs, strict=True)), "the timed map is wrong"
    return float(seconds)


def python_loop() -> float:
    """The test's Python loop, per element."""
    small = kernel_args(np.zeros((100, 200)), _column_major(100, 200))
    return float(best_seconds(lambda: python_map(operators.neg, *small), repeat=1) / 20_000)


def main() -> None:
    """Print every kernel's ratio to the Python loop, timed side by side."""
    test = (ROOT / "assignments" / "module3" / "tests" / "test_fast_ops.py").read_text()
    MAP_SPEEDUP = float(re.search(r"^MAP_SPEEDUP = ([0-9.]+)", test, re.MULTILINE)[1])  # type: ignore[index]  # noqa: N806
    threads = os.environ.get("NUMBA_NUM_THREADS", str(numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    print(f"cores {os.cpu_count()}, numba threads {threads}, threshold {MAP_SPEEDUP:g}x")
    for name, (kernel, large) in kernels().items():
        seconds = per_element(kernel, large)
        slow = python_loop()
        verdict = "passes" if slow / seconds >= MAP_SPEEDUP else "fails"
        print(f"{name:<11} {seconds * 1e9:8.1f} ns/element   Python loop {slow * 1e9:6.0f} ns   "
              f"ratio {slow / seconds:7.1f}x   {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
