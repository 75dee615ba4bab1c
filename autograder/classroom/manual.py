"""Manual points: ``make manual MODULE=N CSV=scores.csv`` (the one reader of that CSV's format).

Columns ``student_id``, ``task``, ``points``, ``comment``. A task with a
write-up notebook (``notebook`` in its ``tasks.toml``) has manual points: the
notebook's manually graded cells, whose maximum each grading records
(:attr:`autograder.results.TaskResult.manual_points`). Every row is checked
before any is stored: a known student with a graded submission of the task,
a task of the module that has manual points, points from 0 to that maximum.
A problem is one line naming the file and the row, and nothing is stored.
The points are stored with the OS user who entered them and when
(:meth:`~autograder.classroom.gradebook.Gradebook.enter_manual`), replacing
what that task had; the final scores are then settled again, nothing is
regraded. A task's manual points stay pending until they are entered.
"""

from __future__ import annotations

import csv
import getpass
import math
from pathlib import Path

from ..manifest import Course, Task
from ..render import points as shown
from .gradebook import Gradebook, Graded, ManualScore, now
from .intake import IntakeError
from .lateness import settle_penalties

COLUMNS = ("student_id", "task", "points", "comment")
MAX_COMMENT = 2000


class ManualPointsError(IntakeError):
    """A manual points CSV cannot be used; the message names the file and row."""


def who() -> str:
    """The OS user entering the points (``unknown`` when the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def read_manual(path: Path, course: Course, module: int, book: Gradebook) -> list[ManualScore]:
    """The manual points of ``path`` for module ``module``, every row checked against ``book``.

    Raises:
        ManualPointsError: A missing file or column, an unknown student or task, a task without
            manual points, a student without a graded submission of it, points that are not a number
            from 0 to the task's manual maximum, a student and task twice.
    """
    if not path.is_file():
        raise ManualPointsError(f"{path}: manual points file not found")
    tasks = {t.id: t for m in course.modules if m.number == module for t in m.tasks}
    if not tasks:
        raise ManualPointsError(f"{path}: the course has no module {module}")
    students = {student_id for student_id, _, _ in book.students()}
    covering: dict[str, dict[str, Graded]] = {}
    found: dict[tuple[str, str], ManualScore] = {}
    entered_by, entered_at = who(), now()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise ManualPointsError(f"{path}:1: the columns must be {','.join(COLUMNS)}; missing {', '.join(missing)}")
        for number, row in enumerate(reader, start=2):
            where = f"{path}:{number}"
            student, task = _student_and_task(row, students, tasks, where)
            if task.id not in covering:
                covering[task.id] = book.covering(task.id)
            given = _points(row, task, covering[task.id].get(student), where)
            comment = (row.get("comment") or "").strip()[:MAX_COMMENT]
            if (student, task.id) in found:
                raise ManualPointsError(f"{where}: {student!r} has points for task {task.id} on an earlier row")
            found[(student, task.id)] = ManualScore(student, task.id, given, comment, entered_by, entered_at)
    return list(found.values())


def _student_and_task(
    row: dict[str, str | None], students: set[str], tasks: dict[str, Task], where: str
) -> tuple[str, Task]:
    """The row's known student and its task of the module, which must have manual points."""
    student, task_id = (row.get("student_id") or "").strip(), (row.get("task") or "").strip()
    if student not in students:
        raise ManualPointsError(f"{where}: unknown student {student!r} (not in the gradebook)")
    if task_id not in tasks:
        raise ManualPointsError(f"{where}: unknown task {task_id!r} (this module's: {', '.join(tasks)})")
    if tasks[task_id].notebook is None:
        raise ManualPointsError(f"{where}: task {task_id} has no manual points (it has no write-up notebook)")
    return student, tasks[task_id]


def _points(row: dict[str, str | None], task: Task, graded: Graded | None, where: str) -> float:
    """The row's points: a number from 0 to the task's manual maximum in the student's latest grading of it."""
    text = (row.get("points") or "").strip()
    try:
        given = float(text)
    except ValueError:
        raise ManualPointsError(f"{where}: points: expected a number, got {text!r}") from None
    if not math.isfinite(given) or given < 0:
        raise ManualPointsError(f"{where}: points: expected a number >= 0, got {text!r}")
    found = [t for t in graded.report.tasks if t.id == task.id] if graded and graded.report else []
    if not found:
        raise ManualPointsError(f"{where}: {row.get('student_id')!r} has no graded submission of task {task.id}")
    maximum = found[0].manual_points
    if given > maximum:
        raise ManualPointsError(
            f"{where}: {shown(given)} points is above task {task.id}'s manual maximum of {shown(maximum)}"
        )
    return round(given, 2)


def enter_manual(path: Path, course: Course, module: int, book: Gradebook) -> list[ManualScore]:
    """Check every row of ``path``, store them all, and settle the final scores again.

    Raises:
        ManualPointsError: For the first bad row (nothing is stored then).
    """
    scores = read_manual(path, course, module, book)
    book.enter_manual(scores)
    settle_penalties(course, book)
    return scores
