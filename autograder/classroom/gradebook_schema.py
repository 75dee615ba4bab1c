"""The gradebook's schema version by version, and the rows its methods hand out.

:data:`MIGRATIONS` takes a file from each version to the next.

Only :mod:`autograder.classroom.gradebook` opens gradebooks; it describes the tables and runs these steps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..results import GradeReport

SCHEMA_VERSION = 3


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


def _v3(db: sqlite3.Connection) -> None:
    """The roster, extensions, grace days and manual points.

    ``students.on_roster`` marks the students of the roster last given;
    ``submissions`` gains the grace days a grading's modules used
    (``grace_used``), the student's grace days left (``grace_left``) and
    the manual points entered for its tasks (``manual_score``);
    ``extensions`` holds each student's moved due dates and
    ``manual_points`` the points a person entered, with who and when.
    """
    db.executescript(
        """
        ALTER TABLE students ADD COLUMN on_roster INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE submissions ADD COLUMN grace_used INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE submissions ADD COLUMN grace_left INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE submissions ADD COLUMN manual_score REAL NOT NULL DEFAULT 0;
        CREATE TABLE extensions (
            student_id TEXT NOT NULL, module INTEGER NOT NULL, due TEXT NOT NULL, days INTEGER,
            PRIMARY KEY (student_id, module)
        );
        CREATE TABLE manual_points (
            student_id TEXT NOT NULL, task_id TEXT NOT NULL, points REAL NOT NULL, comment TEXT NOT NULL,
            entered_by TEXT NOT NULL, entered_at TEXT NOT NULL,
            PRIMARY KEY (student_id, task_id)
        );
        """
    )


# MIGRATIONS[i] takes a gradebook from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
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
    grace_used: int
    grace_left: int
    manual_score: float
    report: GradeReport | None  # read back from ``report_json`` once, by :meth:`GradeReport.from_dict`


@dataclass(frozen=True)
class Extension:
    """A student's moved due date for one module (``days`` when it was given as days)."""

    student_id: str
    module: int
    due: str  # ISO 8601
    days: int | None = None


@dataclass(frozen=True)
class ManualScore:
    """Points a person gave one task of one student's work, with who and when."""

    student_id: str
    task_id: str
    points: float
    comment: str
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class Settled:
    """A grading's lateness and final score, as :mod:`autograder.classroom.lateness` settles them."""

    id: int
    late_days: int
    grace_used: int
    grace_left: int
    penalty: float
    manual_score: float
    final_score: float
