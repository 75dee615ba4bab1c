"""Task 1.6: a write-up notebook executed and graded with nbgrader."""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.grade import grade
from autograder.manifest import Course

from .conftest import as_submission

NOTEBOOK = "notebooks/module1.ipynb"


def _grade_writeup(course: Course, tree: Path) -> tuple[dict[str, str], float, float]:
    task = grade(course, as_submission(tree), task_ids=["1.6"]).tasks[0]
    return {t.name.split("::")[1]: t.status for t in task.tests}, task.score, task.manual_points


def test_the_solved_notebook_earns_its_autograded_points(course: Course, solved_tree: Path) -> None:
    statuses, score, manual = _grade_writeup(course, solved_tree)
    assert statuses == {"loss-halved": "passed", "accuracy": "passed"}
    assert score == 4 and manual == 4


def test_edited_or_deleted_test_cells_do_not_help(course: Course, solved_tree: Path) -> None:
    path = solved_tree / NOTEBOOK
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "train":
            cell.source = "trainer = history = None"
        elif grade_id == "loss-halved":
            cell.source = "pass"
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "accuracy"]
    nbformat.write(notebook, str(path))
    statuses, score, _ = _grade_writeup(course, solved_tree)
    assert statuses == {"loss-halved": "failed", "accuracy": "failed"}
    assert score == 0
