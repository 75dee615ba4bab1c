"""Grade a write-up notebook: autograded test cells count, answers wait for a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..manifest import Task
from ..results import TestResult
from .runner import ChildPlan, run_command
from .sandbox import python_executable
from .workspace import RUNNER_NAME, released_notebook


@dataclass
class NotebookGrade:
    """What grading one notebook found."""

    tests: list[TestResult] = field(default_factory=list)
    manual_points: float = 0.0
    notes: list[str] = field(default_factory=list)


def grade_notebook(plan: ChildPlan, task: Task) -> NotebookGrade:
    """Execute ``task.notebook`` in a copy of the plan's tree with nbgrader and grade its cells.

    Every autograded cell becomes a test worth its nbgrader points (its
    weight); answers graded by hand are counted as pending points.
    """
    assert task.notebook is not None
    grade = NotebookGrade()
    tree = plan.pristine
    if not (tree / task.notebook).is_file():
        grade.notes.append(f"{task.notebook} is missing: the write-up cannot be graded")
        return grade
    released = released_notebook(tree, task.notebook)
    if not released.is_file():
        grade.notes.append(f"{task.notebook} is not in the released tree: the write-up cannot be graded")
        return grade
    relative = released.relative_to(tree).as_posix()
    argv = [python_executable(), RUNNER_NAME, task.notebook, relative, str(int(task.time_budget_s))]
    run = run_command(plan, argv, task.time_budget_s + 60)
    cells = next((e.get("cells") for e in run.events if e.get("event") == "notebook"), None)
    if run.timed_out or not isinstance(cells, list):
        why = "ran past its time budget" if run.timed_out else f"could not be run: {run.output_tail.strip()[-500:]}"
        grade.notes.append(f"{task.notebook} {why}")
        return grade
    for cell in cells:
        try:
            _add_cell(grade, task.notebook, cell)
        except (KeyError, TypeError, ValueError):
            grade.notes.append(f"{task.notebook}: a graded cell's result was malformed; it counts as failed")
            grade.tests.append(TestResult(f"{task.notebook}::malformed", "failed", message="malformed result"))
    if grade.manual_points:
        grade.notes.append(f"{grade.manual_points:g} points pending manual grading")
    return grade


def _add_cell(grade: NotebookGrade, notebook: str, cell: dict[str, object]) -> None:
    """One graded cell's result, checked for shape: a test, or pending manual points."""
    max_score = float(cell["max_score"])  # type: ignore[arg-type]
    if cell["kind"] == "manual":
        grade.manual_points += max_score
        return
    passed = cell["score"] == cell["max_score"]
    grade.tests.append(
        TestResult(
            name=f"{notebook}::{str(cell['grade_id'])[:200]}",
            status="passed" if passed else "failed",
            weight=max_score,
            message=None if passed else str(cell["error"] or "the test cell did not pass")[:1500],
        )
    )
