"""When a class's submission was made, and what its lateness costs.

A submission's time comes from a source the student does not control: the
roster's ``submitted_at`` (the instructor's, or the LMS's export), else its
intake time, when the gradebook first saw that version of the student's
work (kept in the gradebook, so resuming or regrading later does not make a
submission later). A git checkout's last commit counts only when the
instructor trusts commit dates (:func:`autograder.classroom.intake.discover`); files'
modification times never count.

What lateness costs is settled from the gradebook alone (:func:`settle_penalties`),
after every batch and before every export, so a changed policy, extension or
manual point changes the final scores without grading anything again. Per
student and module, the most recent grading covering the module says when it
was submitted; the due date is the student's extension, else the module's.
The student's grace days (``[late] grace_days``) are spent on the late
modules in module order, each taking as many as it is late, while any are
left; the days beyond them cost the per-day penalty (all of the score past
``max_days``). A manual point is part of its task's score, and loses what
the task loses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..manifest import Course, LatePolicy, Task
from ..results import SCORE_DECIMALS
from .gradebook import Gradebook, Graded, Settled
from .intake import TIME_COMMIT, TIME_INTAKE, TIME_ROSTER, Entry

DAY_S = 86400
Gradings = list[tuple[int, str | None, list[tuple[str, float]]]]  # a student's: id, submitted at, (task, score)s


def settle_time(book: Gradebook, entry: Entry, content_hash: str) -> None:
    """Record when ``book`` first saw this content of the student's; without a better time, it is ``entry``'s."""
    seen = dt.datetime.fromisoformat(book.first_seen(entry.student_id, content_hash))
    if entry.submitted_at is None:
        entry.submitted_at, entry.time_source = seen, TIME_INTAKE


def restamp(book: Gradebook, known: Graded, entry: Entry) -> None:
    """Give a grading found in ``book`` the entry's time when it is a better one than the stored time.

    A roster's time given after the grading replaces what was stored, and a trusted commit's replaces
    an intake time; an intake time never replaces another.
    """
    when = entry.submitted_at.isoformat() if entry.submitted_at else None
    rank = {TIME_COMMIT: 1, TIME_ROSTER: 2}
    better = rank.get(entry.time_source, 0) >= max(1, rank.get(known.time_source, 0))
    if better and (known.submitted_at, known.time_source) != (when, entry.time_source):
        book.set_time(known.id, when, entry.time_source)


def intake_note(entries: Sequence[Entry]) -> str | None:
    """One line for a batch whose submission times are (in part) intake times, or ``None``."""
    count = sum(1 for entry in entries if entry.time_source == TIME_INTAKE)
    if not count:
        return None
    return (
        f"note: {count} of {len(entries)} submission times are intake times (when this gradebook first saw them), "
        "not times the students submitted: if this batch runs after the deadline, give a roster with submitted_at"
    )


def late_penalty(course: Course, tasks: Sequence[Task], entry: Entry) -> tuple[int, dict[str, float]]:
    """Days late (the most over the graded modules) and the fraction taken off each task's score.

    For one submission alone, by the manifests' due dates and per-day
    penalty (a day started counts as a day; past ``max_days`` the whole
    score): no extension, no grace day. A class's gradings are settled with
    both by :func:`settle_penalties`.
    """
    worst, penalties = 0, {}
    for task in tasks:
        cost = module_lateness(course.late, days_late(entry.submitted_at, course.module_of(task).due), 0)
        worst = max(worst, cost.days)
        penalties[task.id] = cost.fraction
    return worst, penalties


def days_late(submitted_at: dt.datetime | None, due: dt.datetime | None) -> int:
    """Days started after ``due`` (0 on time, or when either is unknown)."""
    if submitted_at is None or due is None or submitted_at <= due:
        return 0
    return math.ceil((submitted_at - due).total_seconds() / DAY_S)


@dataclass(frozen=True)
class ModuleLateness:
    """What one module's lateness costs one student.

    Attributes:
        days: Days late (after the student's extension).
        grace: Grace days spent on it.
        fraction: The fraction of the module's scores taken off.
    """

    days: int
    grace: int
    fraction: float


def module_lateness(policy: LatePolicy, days: int, grace_left: int) -> ModuleLateness:
    """The cost of ``days`` late with ``grace_left`` grace days still to spend."""
    grace = min(days, grace_left)
    charged = days - grace
    if charged == 0:
        return ModuleLateness(days, grace, 0.0)
    too_late = policy.max_days is not None and charged > policy.max_days
    return ModuleLateness(days, grace, 1.0 if too_late else min(1.0, charged * policy.penalty_per_day))


@dataclass
class StudentLedger:
    """One student's lateness over the term: per module number, and the grace days left."""

    modules: dict[int, ModuleLateness]
    grace_left: int


def student_ledger(course: Course, times: dict[int, str | None], extended: dict[int, str]) -> StudentLedger:
    """Spend the student's grace days in module order over the modules submitted.

    Args:
        course: The course (due dates, policy).
        times: Per module number, when its most recent grading was submitted (ISO 8601).
        extended: Per module number, the student's own due date (ISO 8601).
    """
    dues = {m.number: m.due for m in course.modules}
    left, modules = course.late.grace_days, {}
    for number in sorted(times):
        due = dt.datetime.fromisoformat(extended[number]) if number in extended else dues.get(number)
        when = times[number]
        lateness = module_lateness(course.late, days_late(dt.datetime.fromisoformat(when) if when else None, due), left)
        left -= lateness.grace
        modules[number] = lateness
    return StudentLedger(modules, left)


def module_number(task_id: str) -> int:
    """The module a task id belongs to: ``1.6`` -> 1."""
    return int(task_id.split(".", 1)[0])


def settle_penalties(course: Course, book: Gradebook, student_id: str | None = None) -> list[Settled]:
    """Settle every grading's late days, grace days, penalty, manual points and final score in ``book``.

    Args:
        course: The course (its due dates and late policy).
        book: The gradebook.
        student_id: Settle only this student's gradings (a batch, as each is recorded).

    Returns:
        What was settled, a grading each.
    """
    manual = book.manual_points()
    settled = []
    for student, (gradings, ledger) in _ledgers(course, book, student_id).items():
        for sub_id, _, tasks in gradings:
            entered = {t: manual[(student, t)].points for t, _ in tasks if (student, t) in manual}
            raw = sum(score + entered.get(t, 0.0) for t, score in tasks)
            costs = [ledger.modules[module_number(t)] for t, _ in tasks]
            final = sum((score + entered.get(t, 0.0)) * (1.0 - c.fraction) for (t, score), c in zip(tasks, costs))
            spent = {module_number(t): c.grace for (t, _), c in zip(tasks, costs)}
            settled.append(
                Settled(
                    id=sub_id,
                    late_days=max((c.days for c in costs), default=0),
                    grace_used=sum(spent.values()),
                    grace_left=ledger.grace_left,
                    penalty=round(1.0 - final / raw, 4) if raw > 0 else 0.0,
                    manual_score=round(sum(entered.values()), SCORE_DECIMALS),
                    final_score=round(final, SCORE_DECIMALS),
                )
            )
    book.settle(settled)
    return settled


def _ledgers(course: Course, book: Gradebook, student_id: str | None) -> dict[str, tuple[Gradings, StudentLedger]]:
    """Per student (one, when given): their graded submissions, oldest first, and their term's ledger."""
    extended: dict[str, dict[int, str]] = {}
    for extension in book.extensions():
        extended.setdefault(extension.student_id, {})[extension.module] = extension.due
    by_student: dict[str, Gradings] = {}
    for sub_id, student, submitted_at, tasks in book.graded_tasks(student_id):
        by_student.setdefault(student, []).append((sub_id, submitted_at, tasks))
    found = {}
    for student, gradings in by_student.items():
        times = {module_number(task_id): when for _, when, tasks in gradings for task_id, _ in tasks}
        found[student] = (gradings, student_ledger(course, times, extended.get(student, {})))
    return found


def module_finals(course: Course, book: Gradebook) -> dict[str, dict[int, float]]:
    """Each student's final score per module submitted: what an LMS's gradebook gets.

    A module's final score is the sum over its tasks, each from the student's
    most recent grading of it, of the task's score with its manual points
    entered, less the fraction the module's lateness takes off (after
    extensions and grace days, as :func:`settle_penalties` charges it).
    """
    manual = book.manual_points()
    finals: dict[str, dict[int, float]] = {}
    for student, (gradings, ledger) in _ledgers(course, book, None).items():
        scores = {task_id: score for _, _, tasks in gradings for task_id, score in tasks}  # the latest of each
        mine: dict[int, float] = {}
        for task_id, score in scores.items():
            entered = manual[(student, task_id)].points if (student, task_id) in manual else 0.0
            number = module_number(task_id)
            mine[number] = mine.get(number, 0.0) + (score + entered) * (1.0 - ledger.modules[number].fraction)
        finals[student] = {number: round(total, SCORE_DECIMALS) for number, total in sorted(mine.items())}
    return finals
