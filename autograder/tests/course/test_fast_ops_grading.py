"""Tasks 3.1-3.2: correct but serial or uncompiled kernels lose the points that are about speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course
from autograder.results import TaskResult

from ..conftest import FEW, as_submission

pytestmark = pytest.mark.slow  # grades the real course

MATMUL_LOOP = "    for task in prange(batches * row_blocks * col_blocks):\n"


def _plant(tree: Path, old: str, new: str) -> None:
    path = tree / "minitorch/fast_ops.py"
    text = path.read_text()
    assert old in text, f"the reference no longer contains {old!r}"
    path.write_text(text.replace(old, new))


def _failed(task: TaskResult) -> dict[str, str]:
    """Test function name -> message, for the tests of ``task`` that did not pass."""
    return {t.name.split("::")[-1].split("[")[0]: t.message or "" for t in task.tests if not t.passed}


def test_serial_matmul_is_correct_but_not_parallel(course: Course, solved_tree: Path) -> None:
    _plant(solved_tree, MATMUL_LOOP, MATMUL_LOOP.replace("prange(", "range("))
    task = grade(course, as_submission(solved_tree), task_ids=["3.2"], options=FEW).tasks[0]
    failed = _failed(task)
    # Every correctness test passes. The speed check may fail too: with the
    # outer loop serial, numba runs the kernel's array statements as parallel
    # loops, one launch per row, which a busy machine makes very slow.
    assert "test_matmul_is_parallel" in failed and set(failed) <= {"test_matmul_is_parallel", "test_matmul_is_fast"}
    assert "no parallel loop" in failed["test_matmul_is_parallel"]
    assert 0 < task.score < task.points


def test_matmul_compiled_without_parallel_says_so(course: Course, solved_tree: Path) -> None:
    old = "tensor_matrix_multiply = _kernel(_tensor_matrix_multiply)"
    _plant(solved_tree, old, "tensor_matrix_multiply = njit(cache=True)(_tensor_matrix_multiply)")
    task = grade(course, as_submission(solved_tree), task_ids=["3.2"], options=FEW).tasks[0]
    failed = _failed(task)
    assert set(failed) == {"test_matmul_is_parallel"}, failed
    assert "without parallel=True" in failed["test_matmul_is_parallel"]


def test_uncompiled_fast_ops_are_correct_but_slow(course: Course, solved_tree: Path) -> None:
    """Kernels left as Python (never handed to numba) pass the suite and fail both checks."""
    _plant(solved_tree, "    return njit(parallel=True, fastmath=True, cache=True)(fn)", "    return fn")
    _plant(solved_tree, "from numba import njit, prange", "from numba import njit\n\nprange = range")
    task = grade(course, as_submission(solved_tree), task_ids=["3.1"], options=FEW).tasks[0]
    failed = _failed(task)
    assert set(failed) == {"test_map_zip_reduce_are_parallel", "test_map_is_fast"}, failed
    assert "not compiled by numba" in failed["test_map_zip_reduce_are_parallel"]
    assert "below the" in failed["test_map_is_fast"]
