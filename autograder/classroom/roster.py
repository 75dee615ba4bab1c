"""The roster as the students' identity, whenever it is given: before a batch, after one, or changed.

The gradebook keeps the roster last given (which entry is whose, not its
times), so a batch given no roster afterwards names its entries by it.

A batch without a roster keys each entry by its name (``ada.zip`` is
``ada``). Given a roster (:func:`autograder.classroom.intake.read_roster`),
the gradebook's rows of each entry it names, matched by the entry's name as
:func:`~autograder.classroom.intake.discover` matches it, move to the
roster's student id (:meth:`~autograder.classroom.gradebook.Gradebook.rekey`):
the work stays graded, so the batch that follows finds it under the new id and
grades only what changed. The roster's students are then the gradebook's
roster: ``grades.csv`` has one row per roster student, and an entry the roster
does not name is flagged ``not in roster``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..manifest import Course
from .extensions import read_extensions
from .gradebook import Gradebook
from .intake import RosterRow, entry_stem, read_roster

NOT_IN_ROSTER = "not in roster"


@dataclass(frozen=True)
class Rekeyed:
    """An entry whose gradings moved to the roster's id."""

    source: str
    old_id: str
    new_id: str
    gradings: int


def apply_roster(book: Gradebook, roster: Path | dict[str, RosterRow]) -> list[Rekeyed]:
    """Make ``roster`` (a CSV, or its rows by entry name) the gradebook's students; return what moved.

    Raises:
        IntakeError: The roster CSV is malformed.
    """
    rows = read_roster(roster) if isinstance(roster, Path) else roster
    by_stem = {entry_stem(name): row for name, row in rows.items()}
    moved = []
    for student_id, source in book.sources():
        row = rows.get(source) or by_stem.get(entry_stem(source))
        if row is not None and row.student_id != student_id:
            moved.append(Rekeyed(source, student_id, row.student_id, book.rekey(source, student_id, row.student_id)))
    book.set_roster(
        [(name, row.student_id, row.name, row.email, row.sis_id, row.section) for name, row in rows.items()]
    )
    return moved


def stored_roster(book: Gradebook) -> dict[str, RosterRow]:
    """The roster the gradebook keeps (the last given), by entry name; its times are not kept."""
    return {
        entry: RosterRow(student_id, entry, name, email, sis_id=sis_id, section=section)
        for entry, student_id, name, email, sis_id, section in book.roster()
    }


def roster_in_effect(given: Path | None, gradebook: Path) -> dict[str, RosterRow] | None:
    """The roster that names a batch's entries: ``given``'s rows, else the gradebook's (when it keeps one).

    Raises:
        IntakeError: ``given`` is malformed.
        GradebookError: The gradebook file cannot be read.
    """
    if given is not None:
        return read_roster(given)
    if not gradebook.is_file():
        return None
    with Gradebook(gradebook) as book:
        return stored_roster(book) or None


def take_class(
    course: Course, book: Gradebook, roster: Path | None, extensions: Path | None, entry_ids: set[str]
) -> list[str]:
    """Before a batch: the roster applied (re-keying earlier rows), the extensions checked and stored.

    Args:
        course: The course (the extensions' modules).
        book: The gradebook.
        roster: The roster CSV, when given.
        extensions: The extensions CSV, when given (it replaces those stored).
        entry_ids: The student ids of the batch's entries (the extensions may name them).

    Returns:
        Lines for the instructor: what moved, or that the gradebook's own roster names the entries.

    Raises:
        IntakeError: A malformed roster, or an extensions CSV with a bad row (nothing is stored then).
    """
    notes = []
    rows = read_roster(roster) if roster is not None else stored_roster(book)
    known = entry_ids | {s for s, _, _ in book.students()} | {r.student_id for r in rows.values()}
    stored = read_extensions(extensions, course, known) if extensions is not None else None
    if roster is not None:
        moved = apply_roster(book, rows)
        if moved:
            gradings = sum(m.gradings for m in moved)
            notes.append(f"roster: {gradings} gradings of {len(moved)} entries moved to the roster's student ids")
    elif rows:
        notes.append(f"roster: the one this gradebook keeps ({len(rows)} entries); ROSTER= replaces it")
    if stored is not None:
        book.set_extensions(stored)
    return notes
