"""The change log: every change of a student's term score, with when and why.

A student's term score is the sum of their module scores as an LMS gets
them (:func:`~autograder.classroom.lateness.module_finals`: each task's
latest score with its manual points, less the late penalty). Whatever can
move it logs the students whose score moved since the log last saw them:

- a batch (:func:`batch_reasons`): a first grading, a new submission, the
  course changed (its tests or files: the version before and after), or
  work regraded on request;
- manual points (``make manual``): which tasks;
- the late policy (``make export`` given extensions or a roster, or a batch
  that graded nothing of theirs after ``course.toml``'s policy changed).

``make export`` writes the log as ``changes.csv`` (:func:`export_changes`);
a batch ends with :func:`change_summary`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from ..manifest import Course
from ..results import SCORE_DECIMALS
from ..safe_text import csv_cell, for_terminal
from .gradebook import Gradebook, ScoreChange, now
from .lateness import module_finals

# A reason and its detail for a student whose score moved.
Reasons = Callable[[str], tuple[str, str]]
POLICY = ("late policy", "extensions, grace days or due dates")
CHANGES_FILE = "changes.csv"
SUMMARY_LINES = 10  # students named at the end of a batch; the rest are counted


def term_scores(course: Course, book: Gradebook) -> dict[str, float]:
    """Each graded student's term score: the sum of their module finals."""
    return {
        student: round(sum(modules.values()), SCORE_DECIMALS)
        for student, modules in module_finals(course, book).items()
    }


def log_score_changes(
    course: Course, book: Gradebook, reasons: Reasons, run_id: int | None = None
) -> list[ScoreChange]:
    """Log every student whose term score differs from the log's last record of it; return what was logged.

    Args:
        course: The course (due dates and late policy).
        book: The gradebook, settled.
        reasons: Why a student's score moved (asked only of students logged before).
        run_id: The batch run that made the changes, if one did.
    """
    logged = book.logged_scores()
    at = now()
    changes = []
    for student, score in sorted(term_scores(course, book).items()):
        old = logged.get(student)
        if old is not None and round(abs(score - old), SCORE_DECIMALS) == 0:
            continue
        reason, detail = ("first grading", "") if old is None else reasons(student)
        changes.append(ScoreChange(student, at, old, score, reason, detail, run_id))
    book.log_changes(changes)
    return changes


def batch_reasons(book: Gradebook, run_id: int) -> Reasons:
    """Why a batch run moved a student's score: what its grading of them differs in from their grading before."""

    def reason(student: str) -> tuple[str, str]:
        gradings = book.grading_versions(student)
        mine = [g for g in gradings if g[0] == run_id]
        if not mine:
            return POLICY
        _, version, content = mine[-1]
        before = [g for g in gradings if g[0] != run_id]
        if not before:
            return "first grading", ""
        _, old_version, old_content = before[-1]
        if old_content != content:
            return "new submission", ""
        if old_version != version:
            return "course changed", f"{old_version} -> {version}"
        return "regraded", "graded again on request"

    return reason


def fixed_reason(reason: str, detail: str) -> Reasons:
    """The same reason for every student (manual points, a policy change at export)."""
    return lambda student: (reason, detail)


def change_summary(changes: list[ScoreChange]) -> list[str]:
    """The end of a batch: how many scores changed, and the first :data:`SUMMARY_LINES` of them."""
    moved = [c for c in changes if c.old is not None]
    first = len(changes) - len(moved)
    if not changes:
        return ["no score changed"]
    lines = [f"scores: {len(moved)} changed, {first} graded for the first time"]
    for change in moved[:SUMMARY_LINES]:
        detail = f", {change.detail}" if change.detail else ""
        lines.append(
            for_terminal(
                f"  {change.student_id}: {change.old:g} -> {change.new:g} ({change.delta:+g}; {change.reason}{detail})"
            )
        )
    if len(moved) > SUMMARY_LINES:
        lines.append(f"  and {len(moved) - SUMMARY_LINES} more: see {CHANGES_FILE} after `make export`")
    return lines


def export_changes(book: Gradebook, path: Path) -> Path:
    """Write the whole log as CSV: student_id, at, old, new, change, reason, detail, run (oldest first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "at", "old", "new", "change", "reason", "detail", "run"])
        for c in book.changes():
            old = "" if c.old is None else f"{c.old:g}"
            run = "" if c.run_id is None else str(c.run_id)
            row = [csv_cell(c.student_id), c.at, old, f"{c.new:g}", f"{c.delta:+g}", c.reason, csv_cell(c.detail), run]
            writer.writerow(row)
    return path
