"""Module 4's last tasks: extra credit counted on top, broken networks and CUDA convolutions caught."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course
from autograder.render import to_gradescope
from autograder.results import GradeReport, TaskResult, TestResult

from ..conftest import as_submission

pytestmark = pytest.mark.slow  # grades the real course


def _plant(tree: Path, file: str, old: str, new: str) -> None:
    path = tree / file
    text = path.read_text()
    assert text.count(old) == 1, f"{file} no longer contains {old!r} once"
    path.write_text(text.replace(old, new))


def test_extra_credit_task_is_in_the_manifest(course: Course) -> None:
    task = course.task("4.4b")
    assert task.extra_credit and task.cuda
    assert not any(t.extra_credit for t in course.tasks if t.id != "4.4b")


def test_extra_credit_counts_on_top_of_the_total() -> None:
    passed = TestResult("tests/test_x.py::test_a", "passed", False, 1.0)
    regular = TaskResult("4.4", "Max", 15.0, [passed])
    extra = TaskResult("4.4b", "CUDA", 5.0, [dataclasses.replace(passed)], extra_credit=True)
    report = GradeReport("s", "minitorch", "v", [regular, extra])
    assert (report.score, report.max_score) == (20.0, 15.0)
    assert report.to_dict()["tasks"][1]["extra_credit"] is True
    gradescope = to_gradescope(report)
    assert [t["max_score"] for t in gradescope["tests"]] == [15.0, 0.0]
    assert gradescope["score"] == 20.0


CUDA_CONV_BUGS = {
    # Every thread writes, also those past the end of the output.
    "no-bounds-guard": (
        "    position = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x\n    if position < out_size:\n"
        "        out_channels, out_width = out_shape[1], out_shape[2]\n",
        "    position = cuda.blockIdx.x * cuda.blockDim.x + cuda.threadIdx.x\n    if True:\n"
        "        out_channels, out_width = out_shape[1], out_shape[2]\n",
    ),
    # reverse ignored: the input's gradient is wrong while the forward pass is right; the fixed
    # right-edge-and-reverse test catches it whatever the simulator's example count.
    "reverse-ignored": ("                at = x - k if reverse else x + k\n", "                at = x + k\n"),
}


@pytest.mark.parametrize("bug", sorted(CUDA_CONV_BUGS))
def test_planted_cuda_conv_bug_loses_points(course: Course, solved_tree: Path, bug: str) -> None:
    _plant(solved_tree, "minitorch/cuda_conv.py", *CUDA_CONV_BUGS[bug])
    task = grade(course, as_submission(solved_tree), task_ids=["4.4b"]).tasks[0]
    failed = {t.name.split("::")[-1] for t in task.tests if not t.passed}
    assert task.score < task.points
    expected = {"reverse-ignored": "test_cuda_conv1d_right_edge_and_reverse"}.get(bug, "test_cuda_conv1d_matches_numpy")
    assert expected in failed, failed
