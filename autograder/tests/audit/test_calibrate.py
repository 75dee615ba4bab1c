"""``make calibrate``: the reference's training targets rerun with other seeds."""

from __future__ import annotations

import pytest

from autograder.audit.calibrate import calibrate
from autograder.manifest import Course, ManifestError


def test_a_task_without_training_targets_is_refused_by_name(course: Course) -> None:
    with pytest.raises(ManifestError, match=r"task 0\.1 has no \[\[task\.training\]\] targets"):
        calibrate(course, "0.1", runs=1)


@pytest.mark.slow
def test_every_target_is_counted_and_the_graded_seed_passes(course: Course) -> None:
    lines: list[str] = []
    passes = calibrate(course, "1.5", runs=1, echo=lines.append)  # seed +0 is the one grading uses
    targets = course.task("1.5").training
    assert len(passes) == len(targets) and all(n.startswith("tests/test_train_scalar.py::") for n in passes)
    assert set(passes.values()) == {1}, passes
    assert lines == [f"1/1  {nodeid}" for nodeid in passes]
