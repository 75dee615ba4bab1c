"""Task 1.6: a write-up notebook executed and graded with nbgrader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course

from ..conftest import as_submission

pytestmark = pytest.mark.slow  # grades the real course

NOTEBOOK = "notebooks/module1.ipynb"

# Answers written by hand instead of computed: each notebook's solution cell, replaced by its answer's values.
FABRICATED = {
    "1.6": (
        NOTEBOOK,
        "train",
        "import types\n"
        "class Guess:\n"
        "    def run_one(self, point):\n"
        "        return minitorch.Scalar(1.0 if point[0] + point[1] < 0.5 else 0.0)\n"
        "    def accuracy(self, data):\n"
        "        return 1.0\n"
        "trainer = Guess()\n"
        "history = types.SimpleNamespace(losses=[20.0 / (1 + i) for i in range(50)])\n",
    ),
    "2.6": (
        "notebooks/module2.ipynb",
        "compute",
        "out = minitorch.tensor([370.0])\nw.grad = minitorch.tensor([5.0, 7.0, 9.0])\n",
    ),
    "4.6": (
        "notebooks/module4.ipynb",
        "compute",
        "pooled = minitorch.tensor([[[[4.0, 5.0], [8.0, 2.0]]]])\nprobs = minitorch.tensor([[0.5, 0.5, 0.0]])\n",
    ),
}


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


def _replace_cell(path: Path, grade_id: str, source: str) -> None:
    notebook = nbformat.read(str(path), as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = source
    nbformat.write(notebook, str(path))


@pytest.mark.parametrize("task_id", sorted(FABRICATED))
def test_answers_typed_in_rather_than_computed_earn_nothing(course: Course, solved_tree: Path, task_id: str) -> None:
    """The test cells repeat the computation, or follow the answer's history back to the inputs."""
    notebook, grade_id, source = FABRICATED[task_id]
    _replace_cell(solved_tree / notebook, grade_id, source)
    task = grade(course, as_submission(solved_tree), task_ids=[task_id]).tasks[0]
    assert task.tests and [t.name for t in task.tests if t.passed] == []
    assert task.score == 0


def test_the_notebook_runner_skips_imports_no_notebook_uses() -> None:
    """nbgrader's server extensions and jsonschema's IRI grammar cost 2-3 s a notebook; the runner imports neither."""
    script = (
        "import sys\n"
        "from autograder.child.notebook_runner import skip_unused_imports\n"
        "skip_unused_imports()\n"
        "import nbformat\n"
        "from nbgrader import utils\n"
        "from nbgrader.preprocessors import Execute\n"
        "heavy = [m for m in sys.modules if m.startswith(('nbgrader.server_extensions', 'jupyter_server'))]\n"
        "assert not heavy and sys.modules['rfc3987_syntax'] is None, heavy\n"
        "assert utils.determine_grade and Execute and nbformat.read\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
