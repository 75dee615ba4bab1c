"""Grade a write-up notebook: autograded test cells count, answers wait for a person."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import Task
from .results import TestResult
from .runner import run_command
from .sandbox import Sandbox
from .workspace import released_notebook

RUNNER_NAME = "_autograder_notebook.py"


@dataclass
class NotebookGrade:
    """What grading one notebook found."""

    tests: list[TestResult] = field(default_factory=list)
    manual_points: float = 0.0
    notes: list[str] = field(default_factory=list)


def grade_notebook(tree: Path, task: Task, sandbox: Sandbox) -> NotebookGrade:
    """Execute ``task.notebook`` in ``tree`` with nbgrader and grade its cells.

    Every autograded cell becomes a test worth its nbgrader points (its
    weight); answers graded by hand are counted as pending points.
    """
    assert task.notebook is not None
    grade = NotebookGrade()
    if not (tree / task.notebook).is_file():
        grade.notes.append(f"{task.notebook} is missing: the write-up cannot be graded")
        return grade
    shutil.copyfile(Path(__file__).with_name("notebook_runner.py"), tree / RUNNER_NAME)
    result = tree / ".notebook-grades.json"
    timeout = int(task.time_budget_s)
    released = released_notebook(tree, task.notebook)
    if not released.is_file():
        grade.notes.append(f"{task.notebook} is not in the released tree: the write-up cannot be graded")
        return grade
    argv = [sys.executable, RUNNER_NAME, task.notebook, str(released), str(result), str(timeout)]
    run = run_command(tree, argv, {}, task.time_budget_s + 60, sandbox)
    if run.timed_out or not result.is_file():
        why = "ran past its time budget" if run.timed_out else f"could not be run: {run.output_tail.strip()[-500:]}"
        grade.notes.append(f"{task.notebook} {why}")
        return grade
    for cell in json.loads(result.read_text(encoding="utf-8")):
        if cell["kind"] == "manual":
            grade.manual_points += float(cell["max_score"])
            continue
        passed = cell["score"] == cell["max_score"]
        grade.tests.append(
            TestResult(
                name=f"{task.notebook}::{cell['grade_id']}",
                status="passed" if passed else "failed",
                weight=float(cell["max_score"]),
                message=None if passed else cell["error"] or "the test cell did not pass",
            )
        )
    if grade.manual_points:
        grade.notes.append(f"{grade.manual_points:g} points pending manual grading")
    return grade
