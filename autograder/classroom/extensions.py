"""Per-student extensions: ``extensions.csv`` (the one reader of its format), stored in the gradebook.

Columns ``student_id`` and ``module`` (its number, ``1``, or name,
``module1``), then ``days`` (the module's due date moves that many days
later) or ``due`` (the student's own due date, ISO 8601; UTC when it names
no zone), one of the two per row. A file given replaces the extensions the
gradebook held; lateness is then settled again
(:func:`autograder.classroom.lateness.settle_penalties`), nothing is regraded.
Every problem is one line naming the file and the row.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Collection
from pathlib import Path

from ..manifest import Course, Module
from .gradebook import Extension
from .intake import IntakeError, parse_time

REQUIRED = ("student_id", "module")
ONE_OF = ("days", "due")
MAX_DAYS = 366


class ExtensionError(IntakeError):
    """An extensions CSV cannot be used; the message names the file and row."""


def read_extensions(path: Path, course: Course, students: Collection[str]) -> list[Extension]:
    """The extensions of ``path``, checked against the course's modules and the known ``students``.

    Raises:
        ExtensionError: A missing file or column, an unknown student or module, a row with
            neither or both of ``days`` and ``due``, a bad number or time, a student and module twice.
    """
    if not path.is_file():
        raise ExtensionError(f"{path}: extensions file not found")
    found: dict[tuple[str, int], Extension] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        names = reader.fieldnames or []
        if any(c not in names for c in REQUIRED) or not any(c in names for c in ONE_OF):
            raise ExtensionError(f"{path}:1: the columns must be student_id,module,days or student_id,module,due")
        for number, row in enumerate(reader, start=2):
            extension = _extension(row, course, students, f"{path}:{number}")
            key = (extension.student_id, extension.module)
            if key in found:
                raise ExtensionError(f"{path}:{number}: {key[0]!r} has a module {key[1]} extension already")
            found[key] = extension
    return list(found.values())


def _extension(row: dict[str, str | None], course: Course, students: Collection[str], where: str) -> Extension:
    """One row as an :class:`Extension`, or a one-line error naming ``where``."""
    student = (row.get("student_id") or "").strip()
    if not student:
        raise ExtensionError(f"{where}: student_id is empty")
    if student not in students:
        raise ExtensionError(f"{where}: unknown student {student!r} (not in the roster or the gradebook)")
    module = _module(course, (row.get("module") or "").strip(), where)
    days, due = (row.get("days") or "").strip(), (row.get("due") or "").strip()
    if bool(days) == bool(due):
        raise ExtensionError(f"{where}: give either days or due, not {'both' if days else 'neither'}")
    if due:
        try:
            return Extension(student, module.number, parse_time(due, f"{where}: due").isoformat())
        except IntakeError as error:
            raise ExtensionError(str(error)) from None
    try:
        count = int(days)
    except ValueError:
        raise ExtensionError(f"{where}: days: expected a whole number of days, got {days!r}") from None
    if not 0 <= count <= MAX_DAYS:
        raise ExtensionError(f"{where}: days: expected 0 to {MAX_DAYS}, got {count}")
    if module.due is None:
        raise ExtensionError(f"{where}: module {module.number} has no due date to move; give due instead")
    return Extension(student, module.number, (module.due + dt.timedelta(days=count)).isoformat(), count)


def _module(course: Course, text: str, where: str) -> Module:
    """The module named by its number or its folder name."""
    for module in course.modules:
        if text in (str(module.number), module.name):
            return module
    known = ", ".join(str(m.number) for m in course.modules)
    raise ExtensionError(f"{where}: unknown module {text!r} (known: {known})")
