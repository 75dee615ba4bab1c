"""Shared fixtures: the real course, and solved student trees to break on purpose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.grading.run import NUMBA_THREADS_VARIABLE, THREADS_VARIABLE, GradingOptions, share_cores
from autograder.manifest import Course, load_course
from autograder.submission import Submission

REPO = Path(__file__).resolve().parents[2]

# Under pytest-xdist the workers' gradings run side by side: share the cores among them.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    os.environ.setdefault(THREADS_VARIABLE, str(share_cores(int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))))
    os.environ.setdefault(NUMBA_THREADS_VARIABLE, os.environ[THREADS_VARIABLE])  # the scripts the tests run


# For tests of what the grader does with a tree (where a failure lands, what a message says), not of how hard
# the course's property tests probe a library: fewer Hypothesis examples, the same verdicts, a fraction of the time.
FEW = GradingOptions(max_examples=10)
# For gradings whose failures nobody reads: a failing example is neither shrunk nor explained.
FEW_UNEXPLAINED = GradingOptions(max_examples=10, shrink=False)


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(REPO / "assignments")


@pytest.fixture
def solved_tree(course: Course, tmp_path: Path) -> Path:
    """A complete solution laid out as a student tree, safe to edit."""
    tree = tmp_path / "solved"
    write_solution_tree(course, tree, strip=set())
    return tree


def as_submission(tree: Path) -> Submission:
    return Submission(tree.name, (("", tree),))


RELU = "    return x if x > 0.0 else 0.0\n"


def sabotage_relu(tree: Path, body: str, header: str = "") -> None:
    """Replace relu's body with ``body`` (indented code) and put ``header`` at the top of operators.py."""
    path = tree / "minitorch/operators.py"
    text = path.read_text()
    assert RELU in text
    future = "from __future__ import annotations\n"
    path.write_text(text.replace(RELU, body, 1).replace(future, future + header, 1))
