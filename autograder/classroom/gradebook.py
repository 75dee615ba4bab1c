"""The gradebook: a SQLite file holding students, submissions, their results, and each batch run.

The tables are described, version by version, in
:mod:`autograder.classroom.gradebook_schema`; an older file is migrated on
open, a newer one refused.

A roster given after a batch moves the rows of each of its entries
(matched by ``source``) to the roster's student id (:meth:`Gradebook.rekey`),
so nothing is graded again; the gradebook keeps which entry is whose, for
the batches given no roster after it.

Every submission is written in one transaction when its grading ends, so
a batch killed at any moment loses at most the gradings in flight.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..results import GradeReport
from .gradebook_roster import RosterTables
from .gradebook_schema import MIGRATIONS as MIGRATIONS
from .gradebook_schema import SCHEMA_VERSION as SCHEMA_VERSION
from .gradebook_schema import Extension as Extension
from .gradebook_schema import Graded as Graded
from .gradebook_schema import ManualScore as ManualScore
from .gradebook_schema import ScoreChange as ScoreChange
from .gradebook_schema import Settled as Settled


class GradebookError(ValueError):
    """The gradebook file cannot be used; the message names it."""


@dataclass(frozen=True)
class GradingRecord:
    """One grading to store: a row of ``submissions`` (and, with a report, its tasks' and tests' rows).

    ``final_score`` is the score after the late penalty (the report's score by default);
    ``time_source`` says where ``submitted_at`` came from.
    """

    student_id: str
    source: str
    content_hash: str
    course_version: str
    scope: str
    run_id: int
    status: str  # ``graded``, ``rejected``, ``error``
    report: GradeReport | None = None
    student_name: str = ""
    email: str = ""
    submitted_at: str | None = None
    error: str | None = None
    late_days: int = 0
    penalty: float = 0.0
    final_score: float | None = None
    seconds: float = 0.0
    time_source: str = ""
    commit_at: str | None = None
    task_keys: str = ""  # JSON of the graded tasks' keys (fingerprints.task_keys)

    def row(self) -> dict[str, Any]:
        """The ``submissions`` row's values by column (``graded_at`` is now)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        report = values.pop("report")
        del values["student_name"], values["email"]
        score = report.score if report else 0.0
        return values | {
            "graded_at": now(),
            "score": score,
            "max_score": report.max_score if report else 0.0,
            "final_score": score if self.final_score is None else self.final_score,
            "seconds": round(self.seconds, 3),
            "report_json": json.dumps(report.to_dict()) if report else None,
        }


def now() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Gradebook(RosterTables):
    """An open gradebook file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as error:
            raise GradebookError(f"{path}: not a gradebook ({error})") from None
        if version > SCHEMA_VERSION:
            raise GradebookError(
                f"{path}: gradebook schema version {version} is newer than this grader's ({SCHEMA_VERSION})"
            )
        if version == 0 and self._has_tables():
            raise GradebookError(f"{path}: a SQLite file that is not a gradebook")
        for step in range(version, SCHEMA_VERSION):
            with self.db:
                MIGRATIONS[step](self.db)
                self.db.execute(f"PRAGMA user_version = {step + 1}")

    def _has_tables(self) -> bool:
        count: int = self.db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        return count > 0

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    # --- runs ---

    def start_run(self, course_version: str, scope: str, jobs: int) -> int:
        """Record the start of a batch run; return its id."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO runs (started_at, course_version, scope, jobs) VALUES (?, ?, ?, ?)",
                (now(), course_version, scope, jobs),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, graded: int, skipped: int, failed: int, seconds: float) -> None:
        """Record how a batch run ended."""
        with self.db:
            self.db.execute(
                "UPDATE runs SET finished_at = ?, graded = ?, skipped = ?, failed = ?, seconds = ? WHERE id = ?",
                (now(), graded, skipped, failed, round(seconds, 3), run_id),
            )

    # --- submissions ---

    def first_seen(self, student_id: str, content_hash: str) -> str:
        """When this version of the student's work was first seen (now, the first time it is asked)."""
        with self.db:
            self.db.execute(
                "INSERT INTO first_seen (student_id, content_hash, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (student_id, content_hash, now()),
            )
        seen: str = self.db.execute(
            "SELECT seen_at FROM first_seen WHERE student_id = ? AND content_hash = ?", (student_id, content_hash)
        ).fetchone()[0]
        return seen

    def find(self, student_id: str, content_hash: str, course_version: str, scope: str) -> Graded | None:
        """The stored grading of exactly this work under this course version and scope, if any."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM submissions WHERE student_id = ? AND content_hash = ? "
            "AND course_version = ? AND scope = ?",
            (student_id, content_hash, course_version, scope),
        ).fetchone()
        return _graded(row) if row else None

    def record(self, grading: GradingRecord) -> int:
        """Store one grading (replacing an earlier one of the same work), all in one transaction."""
        row = grading.row()
        with self.db:
            self.db.execute(
                "INSERT INTO students (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "name = CASE WHEN excluded.name != '' THEN excluded.name ELSE students.name END, "
                "email = CASE WHEN excluded.email != '' THEN excluded.email ELSE students.email END",
                (grading.student_id, grading.student_name, grading.email),
            )
            self.db.execute(
                "DELETE FROM submissions WHERE student_id = :student_id AND content_hash = :content_hash "
                "AND course_version = :course_version AND scope = :scope",
                row,
            )
            columns = ", ".join(row)
            cursor = self.db.execute(
                f"INSERT INTO submissions ({columns}) VALUES ({', '.join(':' + name for name in row)})", row
            )
            submission_id = int(cursor.lastrowid or 0)
            if grading.report is not None:
                self._record_results(submission_id, grading.report)
        return submission_id

    def set_time(self, submission_id: int, submitted_at: str | None, time_source: str) -> None:
        """Give a stored grading another submission time (a roster's, given after it was graded)."""
        with self.db:
            self.db.execute(
                "UPDATE submissions SET submitted_at = ?, time_source = ? WHERE id = ?",
                (submitted_at, time_source, submission_id),
            )

    def _record_results(self, submission_id: int, report: GradeReport) -> None:
        """The rows of ``task_results`` and ``test_results`` of one stored grading."""
        self.db.executemany(
            "INSERT INTO task_results VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(submission_id, t.id, t.title, t.points, t.score, t.status, int(t.extra_credit)) for t in report.tasks],
        )
        self.db.executemany(
            "INSERT INTO test_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (submission_id, t.id, x.name, x.status, int(x.hidden), x.weight, x.message, x.duration_s)
                for t in report.tasks
                for x in t.tests
            ],
        )

    def add_student(self, student_id: str, name: str = "", email: str = "") -> None:
        """Make sure a student is listed (a roster's student with no submission is listed as missing)."""
        with self.db:
            self.db.execute(
                "INSERT INTO students (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (student_id, name, email),
            )

    def students(self) -> list[tuple[str, str, str]]:
        """Every student: id, name, email, by id."""
        return [tuple(r) for r in self.db.execute("SELECT id, name, email FROM students ORDER BY id")]

    # --- extensions and manual points ---

    def set_extensions(self, extensions: list[Extension]) -> None:
        """Make ``extensions`` the moved due dates (those stored before are replaced)."""
        with self.db:
            self.db.execute("DELETE FROM extensions")
            self.db.executemany(
                "INSERT INTO extensions VALUES (?, ?, ?, ?)",
                [(e.student_id, e.module, e.due, e.days) for e in extensions],
            )

    def extensions(self) -> list[Extension]:
        """Every moved due date, by student and module."""
        rows = self.db.execute("SELECT student_id, module, due, days FROM extensions ORDER BY student_id, module")
        return [Extension(*row) for row in rows]

    def enter_manual(self, scores: list[ManualScore]) -> None:
        """Store manual points, all in one transaction; a task's points entered before are replaced."""
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO manual_points VALUES (?, ?, ?, ?, ?, ?)",
                [(m.student_id, m.task_id, m.points, m.comment, m.entered_by, m.entered_at) for m in scores],
            )

    def manual_points(self) -> dict[tuple[str, str], ManualScore]:
        """Every manual score, by (student id, task id)."""
        rows = self.db.execute("SELECT * FROM manual_points ORDER BY student_id, task_id")
        return {(row[0], row[1]): ManualScore(*row) for row in rows}

    def graded_before(self, student_id: str, content_hash: str, scope: str) -> Graded | None:
        """The latest grading of exactly this work and scope under any course version, if any."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM submissions WHERE student_id = ? AND content_hash = ? AND scope = ? "
            "AND status = 'graded' ORDER BY graded_at DESC, id DESC LIMIT 1",
            (student_id, content_hash, scope),
        ).fetchone()
        return _graded(row) if row else None

    def grading_versions(self, student_id: str) -> list[tuple[int | None, str, str]]:
        """A student's gradings, oldest first: the batch run, course version and content hash of each."""
        return [
            tuple(row)
            for row in self.db.execute(
                "SELECT run_id, course_version, content_hash FROM submissions WHERE student_id = ? "
                "AND status = 'graded' ORDER BY graded_at, id",
                (student_id,),
            )
        ]

    # --- the change log ---

    def log_changes(self, changes: list[ScoreChange]) -> None:
        """Append score changes to the log, in one transaction."""
        with self.db:
            self.db.executemany(
                "INSERT INTO score_changes (student_id, at, old, new, reason, detail, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c.student_id, c.at, c.old, c.new, c.reason, c.detail, c.run_id) for c in changes],
            )

    def changes(self, run_id: int | None = None) -> list[ScoreChange]:
        """Every logged change (one batch run's, when given), oldest first."""
        rows = self.db.execute(
            "SELECT student_id, at, old, new, reason, detail, run_id FROM score_changes "
            "WHERE ? IS NULL OR run_id = ? ORDER BY id",
            (run_id, run_id),
        )
        return [ScoreChange(*row) for row in rows]

    def logged_scores(self) -> dict[str, float]:
        """Each student's score as the log last recorded it."""
        return {c.student_id: c.new for c in self.changes()}

    # --- lateness, settled from the rows above ---

    def graded_tasks(self, student_id: str | None = None) -> list[tuple[int, str, str | None, list[tuple[str, float]]]]:
        """Every graded submission (one student's, when given), oldest grading first.

        Each is its id, student id, submission time, and (task id, score) per task.
        """
        found = []
        for sub_id, student, submitted_at in self.db.execute(
            "SELECT id, student_id, submitted_at FROM submissions WHERE status = 'graded' "
            "AND (? IS NULL OR student_id = ?) ORDER BY graded_at, id",
            (student_id, student_id),
        ).fetchall():
            tasks = self.db.execute(
                "SELECT task_id, score FROM task_results WHERE submission_id = ? ORDER BY rowid", (sub_id,)
            ).fetchall()
            found.append((sub_id, student, submitted_at, [(t, float(v)) for t, v in tasks]))
        return found

    def settle(self, settled: list[Settled]) -> None:
        """Store each grading's lateness, manual points and final score, in one transaction."""
        with self.db:
            self.db.executemany(
                "UPDATE submissions SET late_days = :late_days, grace_used = :grace_used, grace_left = :grace_left, "
                "penalty = :penalty, manual_score = :manual_score, final_score = :final_score WHERE id = :id",
                [vars(s) for s in settled],
            )

    def latest(self, scope: str | None = None) -> dict[str, Graded]:
        """Each student's most recent grading (of the given scope, when given), by student id."""
        query = f"SELECT {_COLUMNS} FROM submissions"
        args: tuple[str, ...] = ()
        if scope is not None:
            query += " WHERE scope = ?"
            args = (scope,)
        latest: dict[str, Graded] = {}
        for row in self.db.execute(query + " ORDER BY graded_at, id", args):
            graded = _graded(row)
            latest[graded.student_id] = graded
        return latest

    def scopes(self) -> list[str]:
        """The scopes (``all``, ``module 2``, ``tasks 0.1``) of the gradings kept, sorted."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT scope FROM submissions ORDER BY scope")]

    def covering(self, task_id: str) -> dict[str, Graded]:
        """Each student's most recent graded submission that graded ``task_id``, by student id."""
        found: dict[str, Graded] = {}
        for row in self.db.execute(
            f"SELECT {_COLUMNS} FROM submissions WHERE status = 'graded' AND id IN "
            "(SELECT submission_id FROM task_results WHERE task_id = ?) ORDER BY graded_at, id",
            (task_id,),
        ):
            graded = _graded(row)
            found[graded.student_id] = graded
        return found

    def task_scores(self, submission_id: int) -> Iterator[tuple[str, str, float, float, bool]]:
        """A submission's tasks: id, title, score, points, extra credit."""
        for task_id, title, score, points, extra in self.db.execute(
            "SELECT task_id, title, score, points, extra_credit FROM task_results WHERE submission_id = ? "
            "ORDER BY rowid",
            (submission_id,),
        ):
            yield task_id, title, score, points, bool(extra)

    def runs(self) -> list[dict[str, Any]]:
        """Every batch run, oldest first."""
        cursor = self.db.execute("SELECT * FROM runs ORDER BY id")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor]


_COLUMNS = (
    "id, student_id, source, content_hash, status, error, submitted_at, score, max_score, late_days, penalty, "
    "final_score, time_source, commit_at, grace_used, grace_left, manual_score, task_keys, report_json"
)


def _graded(row: tuple[Any, ...]) -> Graded:
    names = [name.strip() for name in _COLUMNS.split(",")]
    values = dict(zip(names, row))
    report_json = values.pop("report_json")
    return Graded(**values, report=GradeReport.from_dict(json.loads(report_json)) if report_json else None)
