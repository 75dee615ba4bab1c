"""When a class's submission was made, and what its lateness costs.

A submission's time comes from a source the student does not control: the
roster's ``submitted_at`` (the instructor's, or the LMS's export), else its
intake time, when the gradebook first saw that version of the student's
work (kept in the gradebook, so resuming or regrading later does not make a
submission later). A git checkout's last commit counts only when the
instructor trusts commit dates (:func:`autograder.classroom.intake.discover`); files'
modification times never count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from ..manifest import Course, Task
from ..results import SCORE_DECIMALS, GradeReport
from .gradebook import Gradebook
from .intake import TIME_INTAKE, Entry


def settle_time(book: Gradebook, entry: Entry, content_hash: str) -> None:
    """Record when ``book`` first saw this content of the student's; without a better time, it is ``entry``'s."""
    seen = dt.datetime.fromisoformat(book.first_seen(entry.student_id, content_hash))
    if entry.submitted_at is None:
        entry.submitted_at, entry.time_source = seen, TIME_INTAKE


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

    A module's due date and the course's per-day penalty come from the
    manifests; a day started counts as a day. Past ``max_days`` the
    penalty is the whole score.
    """
    policy = course.late
    worst, penalties = 0, {}
    for task in tasks:
        due = course.module_of(task).due
        if due is None or entry.submitted_at is None or entry.submitted_at <= due:
            penalties[task.id] = 0.0
            continue
        days = math.ceil((entry.submitted_at - due).total_seconds() / 86400)
        worst = max(worst, days)
        too_late = policy.max_days is not None and days > policy.max_days
        penalties[task.id] = 1.0 if too_late else min(1.0, days * policy.penalty_per_day)
    return worst, penalties


def penalized_score(report: GradeReport, penalties: dict[str, float]) -> tuple[float, float]:
    """The score after the late penalty, and the penalty as a fraction of the score."""
    final = sum(t.score * (1.0 - penalties.get(t.id, 0.0)) for t in report.tasks)
    fraction = 1.0 - final / report.score if report.score > 0 else 0.0
    return round(final, SCORE_DECIMALS), round(fraction, 4)
