"""The gradebook's roster tables: the roster last given, and moving an entry's rows to a roster id.

A mixin of :class:`autograder.classroom.gradebook.Gradebook` (which opens
the file): its methods use the gradebook's connection, ``self.db``.
"""

from __future__ import annotations

import sqlite3

# A student with nothing stored: no grading, no extension, no manual point.
UNUSED = (
    "id NOT IN (SELECT student_id FROM submissions) AND id NOT IN (SELECT student_id FROM extensions) "
    "AND id NOT IN (SELECT student_id FROM manual_points)"
)


class RosterTables:
    """The roster's methods of a gradebook."""

    db: sqlite3.Connection

    def roster_ids(self) -> set[str]:
        """The students of the roster last given (none when no roster was ever given)."""
        return {r[0] for r in self.db.execute("SELECT id FROM students WHERE on_roster = 1")}

    def set_roster(self, entries: list[tuple[str, str, str, str, str, str]]) -> None:
        """Make ``entries`` the roster: kept, its students listed and marked.

        Each entry is the entry name, student id, name, email, SIS id and section.

        A student no longer on the roster keeps their rows (shown as not in the roster); one who has
        none (listed only as missing before) is removed.
        """
        with self.db:
            self.db.execute("DELETE FROM roster")
            self.db.executemany("INSERT OR REPLACE INTO roster VALUES (?, ?, ?, ?, ?, ?)", entries)
            self.db.execute("UPDATE students SET on_roster = 0")
            self.db.executemany(
                "INSERT INTO students (id, name, email, on_roster) VALUES (?, ?, ?, 1) ON CONFLICT (id) DO UPDATE SET "
                "on_roster = 1, name = CASE WHEN excluded.name != '' THEN excluded.name ELSE students.name END, "
                "email = CASE WHEN excluded.email != '' THEN excluded.email ELSE students.email END",
                [entry[1:4] for entry in entries],
            )
            self.db.execute(f"DELETE FROM students WHERE on_roster = 0 AND {UNUSED}")

    def roster(self) -> list[tuple[str, str, str, str, str, str]]:
        """The roster last given: entry name, student id, name, email, SIS id, section (none when none was given)."""
        query = "SELECT submission, student_id, name, email, sis_id, section FROM roster ORDER BY submission"
        return [tuple(r) for r in self.db.execute(query)]

    def sources(self) -> list[tuple[str, str]]:
        """Every (student id, entry name) the gradebook holds work under."""
        return [tuple(r) for r in self.db.execute("SELECT DISTINCT student_id, source FROM submissions ORDER BY 1, 2")]

    def rekey(self, source: str, old_id: str, new_id: str) -> int:
        """Move the rows of entry ``source`` from ``old_id`` to ``new_id``; return how many gradings moved.

        Nothing is graded again: the gradings, their first sightings and (once ``old_id`` holds no
        other work) its extensions and manual points become ``new_id``'s. A grading ``new_id`` has of
        the same work already is kept instead of the moved one.
        """
        with self.db:
            self.db.execute(
                "INSERT INTO students (id, name, email) SELECT ?, name, email FROM students WHERE id = ? "
                "ON CONFLICT (id) DO NOTHING",
                (new_id, old_id),
            )
            moving = "student_id = ? AND source = ?"
            hashes = [
                r[0] for r in self.db.execute(f"SELECT content_hash FROM submissions WHERE {moving}", (old_id, source))
            ]
            self.db.execute(
                f"DELETE FROM submissions WHERE {moving} AND EXISTS (SELECT 1 FROM submissions AS s WHERE "
                "s.student_id = ? AND s.content_hash = submissions.content_hash "
                "AND s.course_version = submissions.course_version AND s.scope = submissions.scope)",
                (old_id, source, new_id),
            )
            self.db.execute(f"UPDATE submissions SET student_id = ? WHERE {moving}", (new_id, old_id, source))
            self._move_first_seen(old_id, new_id, hashes)
            if self.db.execute("SELECT 1 FROM submissions WHERE student_id = ?", (old_id,)).fetchone() is None:
                self._move_student(old_id, new_id)
        return len(hashes)

    def _move_first_seen(self, old_id: str, new_id: str, hashes: list[str] | None) -> None:
        """Give ``new_id`` the first sightings of ``hashes`` (all of ``old_id``'s for None), the earlier kept."""
        for digest, seen in self.db.execute(
            "SELECT content_hash, seen_at FROM first_seen WHERE student_id = ?", (old_id,)
        ).fetchall():
            if hashes is not None and digest not in hashes:
                continue
            self.db.execute(
                "INSERT INTO first_seen VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET seen_at = min(seen_at, excluded.seen_at)",
                (new_id, digest, seen),
            )
            self.db.execute("DELETE FROM first_seen WHERE student_id = ? AND content_hash = ?", (old_id, digest))

    def _move_student(self, old_id: str, new_id: str) -> None:
        """``old_id`` holds no work: its sightings, extensions and manual points become ``new_id``'s, unless taken."""
        self._move_first_seen(old_id, new_id, None)
        for table in ("extensions", "manual_points"):
            self.db.execute(f"UPDATE OR IGNORE {table} SET student_id = ? WHERE student_id = ?", (new_id, old_id))
            self.db.execute(f"DELETE FROM {table} WHERE student_id = ?", (old_id,))
        self.db.execute(f"DELETE FROM students WHERE id = ? AND on_roster = 0 AND {UNUSED}", (old_id,))
