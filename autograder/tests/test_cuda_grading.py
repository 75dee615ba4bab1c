"""Tasks 3.3-3.4 under the CUDA simulator: results marked as simulated, planted kernel bugs caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grade import grade
from autograder.manifest import Course

from .conftest import as_submission

SYNC_BEFORE_PRODUCT = "        cuda.syncthreads()\n        for kk in range(TILE):\n"
BOUNDED_A_LOAD = "        if i < a_shape[1] and k < inner:\n"
BUGS = {
    # The threads of a block use the shared tiles before the others have filled them.
    "race-no-syncthreads": (SYNC_BEFORE_PRODUCT, "        for kk in range(TILE):\n"),
    # The last tile along the inner dimension reads past the end of a's rows.
    "out-of-bounds-tile-read": (BOUNDED_A_LOAD, "        if i < a_shape[1]:\n"),
}


def _plant(tree: Path, old: str, new: str) -> None:
    path = tree / "minitorch/cuda_ops.py"
    text = path.read_text()
    assert text.count(old) == 1, f"the reference no longer contains {old!r} once"
    path.write_text(text.replace(old, new))


def test_reference_cuda_tests_run_under_the_simulator(course: Course) -> None:
    from autograder.submission import reference_submission

    report = grade(course, reference_submission(course), task_ids=["3.4"])
    task = report.tasks[0]
    assert task.score == task.points, [(t.name, t.message) for t in task.tests if not t.passed]
    assert report.environment["cuda"] == "simulator"
    assert {t.cuda for t in task.tests} == {"simulator"}, "every 3.4 test is a CUDA test"
    assert any("CUDA simulator" in note for note in report.notes)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_planted_cuda_bug_loses_points(course: Course, solved_tree: Path, bug: str) -> None:
    _plant(solved_tree, *BUGS[bug])
    task = grade(course, as_submission(solved_tree), task_ids=["3.4"]).tasks[0]
    failed = [t.name for t in task.tests if not t.passed]
    assert task.score < task.points
    assert any("test_matmul_ragged_tiles" in name for name in failed), failed
