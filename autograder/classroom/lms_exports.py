"""Final scores in an LMS's grade import format: Canvas's gradebook CSV and Moodle's CSV grade import.

Both have one row per student the gradebook lists (in student id order) and
one column per module graded for anyone (only ``--module``'s, when given),
named ``Module N: <title>`` from the module's manifest (``Module 1:
Auto-Diff``): an LMS that finds no assignment of that name creates one.
A cell is the student's final score of the module (:func:`module_finals`:
each task's latest grading with its manual points, less the lateness
penalty after extensions and grace days); empty when they have not
submitted it, which both LMSs import as "no grade".

**Canvas** (``grades/canvas.csv``), the columns of Canvas's own gradebook
export: ``Student`` (the name, else the student id), ``ID`` (Canvas's
internal user id, which the roster does not know: left empty), ``SIS User
ID`` (the roster's ``sis_id``: what Canvas matches the row by), ``SIS Login
ID`` (left empty), ``Section`` (the roster's ``section``), then the modules.
The second row, ``    Points Possible``, holds each module's points (its
tasks' points and manual points, extra credit left out) as in Canvas's export.

**Moodle** (``grades/moodle.csv``): ``ID number`` (the roster's ``sis_id``),
``Email address`` (the roster's ``email``: map it to "Email address" under
"Identify user by" on Moodle's import page), then the modules.

A student without the key their LMS matches rows by (Canvas: ``sis_id``;
Moodle: ``email``) is left out, with a one-line warning: a row with no key
cannot be imported. Every string from the roster or a submission passes
through :func:`~autograder.safe_text.csv_cell`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..manifest import Course, Module
from ..render import short_number
from ..safe_text import csv_cell
from .gradebook import Gradebook
from .lateness import module_finals

CANVAS = "canvas"
MOODLE = "moodle"
LMS_FORMATS = (CANVAS, MOODLE)
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("ID number", "Email address")
POINTS_POSSIBLE = "    Points Possible"  # Canvas's export writes it so, four spaces first


class LmsError(ValueError):
    """An LMS export cannot be written (an LMS this grader has no format for)."""


@dataclass(frozen=True)
class LmsStudent:
    """A student as the LMS exports need them: the gradebook's id and name, the roster's keys."""

    student_id: str
    name: str
    email: str
    sis_id: str = ""
    section: str = ""


@dataclass
class LmsExport:
    """What an LMS export wrote: the file, how many students it holds, and a warning per student left out."""

    path: Path
    rows: int = 0
    warnings: list[str] = field(default_factory=list)


def assignment_name(module: Module) -> str:
    """The LMS assignment a module's score goes to: ``Module 1: Auto-Diff``."""
    return f"Module {module.number}: {module.title}"


def lms_students(book: Gradebook) -> list[LmsStudent]:
    """Every student the gradebook lists, by id, with the SIS id and section of the roster last given."""
    keys: dict[str, tuple[str, str]] = {}
    for _, student_id, _, _, sis_id, section in book.roster():
        known = keys.get(student_id, ("", ""))
        keys[student_id] = (known[0] or sis_id, known[1] or section)
    return [LmsStudent(s, name, email, *keys.get(s, ("", ""))) for s, name, email in book.students()]


def points_possible(book: Gradebook, module: Module) -> float:
    """A module's points, as its gradings report them: each task's points and manual points, not extra credit."""
    total = 0.0
    for task in module.tasks:
        found = [
            t.points + t.manual_points
            for graded in book.covering(task.id).values()
            for t in (graded.report.tasks if graded.report else [])
            if t.id == task.id and not t.extra_credit
        ]
        total += max(found, default=0.0)
    return total


def export_lms(course: Course, book: Gradebook, lms: str, folder: Path, module: int | None = None) -> LmsExport:
    """Write ``folder/<lms>.csv`` in the LMS's grade import format.

    Args:
        course: The course (its modules' names).
        book: The gradebook, its penalties settled.
        lms: ``canvas`` or ``moodle``.
        folder: Where the CSV goes.
        module: Only this module's column (every module graded for anyone, by default).

    Returns:
        The file written, its number of students, and a one-line warning per student left out.

    Raises:
        LmsError: ``lms`` is not one of :data:`LMS_FORMATS`.
    """
    if lms not in LMS_FORMATS:
        raise LmsError(f"unknown LMS {lms!r}: give one of {', '.join(LMS_FORMATS)}")
    finals = module_finals(course, book)
    graded = {number for scores in finals.values() for number in scores}
    modules = [m for m in course.modules if m.number in graded and module in (None, m.number)]
    export = LmsExport(folder / f"{lms}.csv")
    rows: list[list[str]] = []
    for student in lms_students(book):
        key = student.sis_id if lms == CANVAS else student.email
        if not key:
            needed = "sis_id" if lms == CANVAS else "email"
            export.warnings.append(f"{lms}: {student.student_id} has no {needed} in the roster: left out")
            continue
        if lms == CANVAS:
            cells = [student.name or student.student_id, "", student.sis_id, "", student.section]
        else:
            cells = [student.sis_id, student.email]
        scores = finals.get(student.student_id, {})
        rows.append([csv_cell(c) for c in cells] + [short_number(scores.get(m.number)) for m in modules])
    header = list(CANVAS_COLUMNS if lms == CANVAS else MOODLE_COLUMNS) + [assignment_name(m) for m in modules]
    if lms == CANVAS:
        possible = [short_number(points_possible(book, m)) for m in modules]
        rows.insert(0, [POINTS_POSSIBLE, "", "", "", "", *possible])
    folder.mkdir(parents=True, exist_ok=True)
    with export.path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    export.rows = len(rows) - (lms == CANVAS)
    return export
