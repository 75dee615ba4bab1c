"""Code written the way public MiniTorch solutions write it is graded on what it computes, not on its conventions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course
from autograder.results import TaskResult

from ..conftest import FEW, REPO, as_submission

pytestmark = pytest.mark.slow  # grades the real course

UNCURRIED = '''def map(fn: Callable[[float], float], ls: Iterable[float]) -> Iterable[float]:
    """map, taking the list at once; it returns a generator."""
    return (fn(x) for x in ls)


def zipWith(fn: Callable[[float, float], float], ls1: Iterable[float], ls2: Iterable[float]) -> list[float]:
    """zipWith, taking the lists at once."""
    return [fn(x, y) for x, y in zip(ls1, ls2)]


def reduce(fn: Callable[[float, float], float], iterable: Iterable[float], start: float) -> float:
    """reduce, taking the list at once (before start, as functools.reduce does)."""
    acc = start
    for x in iterable:
        acc = fn(x, acc)
    return acc


'''


def _edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text()
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} is not in {path} once"
        text = text.replace(old, new)
    path.write_text(text)


def _course_failures(task: TaskResult) -> list[tuple[str, str | None]]:
    """The failed tests of a task, its trusted checks left out."""
    return [(t.name, t.message) for t in task.tests if not t.passed and not t.name.startswith("checks/")]


def test_uncurried_map_zip_with_and_reduce_pass_the_course_tests(course: Course, solved_tree: Path) -> None:
    path = solved_tree / "minitorch/operators.py"
    text = path.read_text()
    path.write_text(text[: text.index("def map(")] + UNCURRIED + text[text.index("def negList(") :])
    _edit(
        path,
        ("return map(neg)(ls)", "return list(map(neg, ls))"),
        ("return zipWith(add)(ls1, ls2)", "return zipWith(add, ls1, ls2)"),
        ("return reduce(add, 0.0)(ls)", "return reduce(add, ls, 0.0)"),
        ("return reduce(mul, 1.0)(ls)", "return reduce(mul, ls, 1.0)"),
    )
    task = grade(course, as_submission(solved_tree), task_ids=["0.3"]).tasks[0]
    assert _course_failures(task) == []


def test_an_untouched_cuda_conv_is_todo_beside_files_laid_out_otherwise(course: Course, solved_tree: Path) -> None:
    """cuda_conv.py uses no helper of cuda_ops.py or fast_conv.py: renamed ones leave 4.4b "not started"."""
    ops = solved_tree / "minitorch/cuda_ops.py"
    ops.write_text(re.sub(r"\b_blocks\b", "_grid", ops.read_text()))
    conv = solved_tree / "minitorch/fast_conv.py"
    conv.write_text(conv.read_text().replace("conv1d_forward", "forward_1d").replace("conv2d_forward", "forward_2d"))
    shutil.copyfile(REPO / "student_template/minitorch/cuda_conv.py", solved_tree / "minitorch/cuda_conv.py")
    task = grade(course, as_submission(solved_tree), task_ids=["4.4b"]).tasks[0]
    assert task.not_started, [(t.name, t.message) for t in task.tests]


@pytest.mark.slow
def test_public_style_cuda_kernels_with_32x32_blocks_pass(course: Course, solved_tree: Path) -> None:
    """Blocks of 32 and 32x32 threads under the simulator, the block size named BLOCK_DIM, is_cuda_array called."""
    path = solved_tree / "minitorch/cuda_ops.py"
    _edit(
        path,
        ("TILE = cuda_tile()\nTHREADS_PER_BLOCK = TILE * TILE\n", "BLOCK_DIM = 32\nTHREADS_PER_BLOCK = 32\n"),
        (
            "    jit_sum_practice[_blocks(size), THREADS_PER_BLOCK]",
            "    storage = a.contiguous()._tensor._storage\n"
            "    assert cuda.is_cuda_array(cuda.to_device(storage)) and not cuda.is_cuda_array(storage)\n"
            "    jit_sum_practice[_blocks(size), THREADS_PER_BLOCK]",
        ),
    )
    path.write_text(path.read_text().replace("TILE", "BLOCK_DIM"))
    report = grade(course, as_submission(solved_tree), task_ids=["3.3", "3.4"], options=FEW)
    assert [(t.id, t.score == t.points, _course_failures(t)) for t in report.tasks] == [
        ("3.3", True, []),
        ("3.4", True, []),
    ]
