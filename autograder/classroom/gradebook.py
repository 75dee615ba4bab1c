"""The gradebook: a SQLite file holding students, submissions, their results, and each batch run.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``;
older files are migrated on open, newer ones refused):

``students``
    ``id`` (primary key), ``name``, ``email``.
``runs``
    one row per batch run: ``id``, ``started_at``, ``finished_at``,
    ``course_version``, ``scope`` (which tasks), ``jobs``, and the counts
    ``graded``, ``skipped``, ``failed``, and ``seconds``.
``submissions``
    one row per graded version of a student's work: ``student_id``,
    ``source`` (entry name), ``content_hash`` (SHA-256 of the files the
    grader takes), ``course_version``, ``scope``, ``status`` (``graded``,
    or why not: ``rejected``, ``error``), ``error``, ``submitted_at``,
    ``run_id``, ``graded_at``, ``score``, ``max_score``, ``late_days``,
    ``penalty`` (fraction taken off), ``final_score``, ``seconds``,
    ``report_json`` (the full results), ``time_source`` (where
    ``submitted_at`` came from: ``roster``, ``intake``, ``commit (trusted by
    the instructor)``; empty for rows graded before version 2) and
    ``commit_at`` (a git checkout's last commit, as information). Unique on
    (student, hash, course version, scope): that is what "graded already"
    means.
``first_seen``
    when the gradebook first saw each version of a student's work:
    ``student_id``, ``content_hash``, ``seen_at``. The intake time of a
    submission without a roster time; kept, so a later run or regrade does
    not make a submission later.
``task_results``
    per submission and task: ``points``, ``score``, ``status``, ``extra_credit``.
``test_results``
    per submission and test: ``task_id``, ``nodeid``, ``status``, ``hidden``,
    ``weight``, ``message``, ``seconds``.

Every submission is written in one transaction when its grading ends, so
a batch killed at any moment loses at most the gradings in flight.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..results import GradeReport

SCHEMA_VERSION = 2


class GradebookError(ValueError):
    """The gradebook file cannot be used; the message names it."""


def _v1(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE students (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '');
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
            course_version TEXT NOT NULL, scope TEXT NOT NULL, jobs INTEGER NOT NULL,
            graded INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0, seconds REAL
        );
        CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            student_id TEXT NOT NULL REFERENCES students(id),
            source TEXT NOT NULL, content_hash TEXT NOT NULL,
            course_version TEXT NOT NULL, scope TEXT NOT NULL,
            status TEXT NOT NULL, error TEXT, submitted_at TEXT,
            run_id INTEGER REFERENCES runs(id), graded_at TEXT NOT NULL,
            score REAL NOT NULL DEFAULT 0, max_score REAL NOT NULL DEFAULT 0,
            late_days INTEGER NOT NULL DEFAULT 0, penalty REAL NOT NULL DEFAULT 0,
            final_score REAL NOT NULL DEFAULT 0, seconds REAL NOT NULL DEFAULT 0,
            report_json TEXT,
            UNIQUE (student_id, content_hash, course_version, scope)
        );
        CREATE TABLE task_results (
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            task_id TEXT NOT NULL, title TEXT NOT NULL, points REAL NOT NULL, score REAL NOT NULL,
            status TEXT NOT NULL, extra_credit INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (submission_id, task_id)
        );
        CREATE TABLE test_results (
            submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
            task_id TEXT NOT NULL, nodeid TEXT NOT NULL, status TEXT NOT NULL, hidden INTEGER NOT NULL,
            weight REAL NOT NULL, message TEXT, seconds REAL NOT NULL,
            PRIMARY KEY (submission_id, nodeid)
        );
        CREATE INDEX submissions_by_student ON submissions (student_id, graded_at);
        """
    )


def _v2(db: sqlite3.Connection) -> None:
    """Where each submission time came from, and when each version of a student's work was first seen.

    A version graded before has been seen at least since its first grading.
    """
    db.executescript(
        """
        ALTER TABLE submissions ADD COLUMN time_source TEXT NOT NULL DEFAULT '';
        ALTER TABLE submissions ADD COLUMN commit_at TEXT;
        CREATE TABLE first_seen (
            student_id TEXT NOT NULL, content_hash TEXT NOT NULL, seen_at TEXT NOT NULL,
            PRIMARY KEY (student_id, content_hash)
        );
        INSERT INTO first_seen SELECT student_id, content_hash, min(graded_at) FROM submissions
            GROUP BY student_id, content_hash;
        """
    )


# MIGRATIONS[i] takes a gradebook from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2]
assert len(MIGRATIONS) == SCHEMA_VERSION


@dataclass(frozen=True)
class Graded:
    """What the gradebook knows of one submission (a row of ``submissions``)."""

    id: int
    student_id: str
    source: str
    content_hash: str
    status: str
    error: str | None
    submitted_at: str | None
    score: float
    max_score: float
    late_days: int
    penalty: float
    final_score: float
    time_source: str
    commit_at: str | None
    report: GradeReport | None  # read back from ``report_json`` once, by :meth:`GradeReport.from_dict`


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


class Gradebook:
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
    "final_score, time_source, commit_at, report_json"
)


def _graded(row: tuple[Any, ...]) -> Graded:
    names = [name.strip() for name in _COLUMNS.split(",")]
    values = dict(zip(names, row))
    report_json = values.pop("report_json")
    return Graded(**values, report=GradeReport.from_dict(json.loads(report_json)) if report_json else None)
