"""Shared fixtures: the real course, and solved student trees to break on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.manifest import Course, load_course
from autograder.release import write_solution_tree
from autograder.submission import Submission

REPO = Path(__file__).resolve().parents[2]


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
