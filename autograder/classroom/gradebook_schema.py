"""The gradebook's schema version by version, and the rows its methods hand out.

:data:`MIGRATIONS` takes a file from each version to the next.

Only :mod:`autograder.classroom.gradebook` opens gradebooks and runs these steps.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``):

``students``
    ``id`` (primary key), ``name``, ``email``, ``on_roster`` (1 for the
    students of the roster last given).
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
    the instructor)``; empty for rows graded before version 2),
    ``commit_at`` (a git checkout's last commit, as information), and since
    version 3 ``grace_used``, ``grace_left`` and ``manual_score`` (the
    manual points entered for its tasks). ``late_days`` to ``final_score``
    and the version-3 columns are settled again from the other columns
    whenever the policy, an extension or a manual point changes
    (:mod:`autograder.classroom.lateness`). Unique on (student, hash, course
    version, scope): that is what "graded already" means.
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
``extensions``
    a student's moved due date per module: ``student_id``, ``module``,
    ``due`` (ISO 8601), ``days`` (when given as days).
``manual_points``
    points a person gave a task: ``student_id``, ``task_id``, ``points``,
    ``comment``, ``entered_by`` (the OS user), ``entered_at``.
``roster``
    the roster last given: ``submission`` (an entry's name, as the roster
    gives it), ``student_id``, ``name``, ``email``, and since version 5
    ``sis_id`` and ``section`` (the school's id and the course section, for
    the LMS exports); a batch given no roster keys its entries by it (its
    ``submitted_at`` times are not kept: they are the time of the work the
    roster's export saw).
``score_changes`` (since version 6)
    every change of a student's term score: ``student_id``, ``at``, ``old``
    (none for a first grading), ``new``, ``reason`` (one of
    :data:`CHANGE_REASONS`), ``detail`` (what changed, in words) and
    ``run_id`` (the batch run, when one made it). ``submissions`` gains
    ``task_keys``: the JSON of each graded task's key at grading time
    (:func:`autograder.classroom.fingerprints.task_keys`), which
    ``REGRADE=changed`` compares.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..results import GradeReport

SCHEMA_VERSION = 6

# Why a student's score changed, as ``score_changes.reason`` says it.
CHANGE_REASONS = ("first grading", "new submission", "course changed", "regraded", "manual points", "late policy")


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


def _v4(db: sqlite3.Connection) -> None:
    """Which entry is whose, by the roster last given (a gradebook of version 3 has none stored)."""
    db.executescript(
        """
        CREATE TABLE roster (
            submission TEXT PRIMARY KEY, student_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL
        );
        """
    )


def _v5(db: sqlite3.Connection) -> None:
    """The roster's SIS id and section, which the LMS exports key their rows by (empty for rosters given before)."""
    db.executescript(
        """
        ALTER TABLE roster ADD COLUMN sis_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE roster ADD COLUMN section TEXT NOT NULL DEFAULT '';
        """
    )


def _v6(db: sqlite3.Connection) -> None:
    """The log of score changes, and each grading's task keys (empty for gradings before: regraded when asked)."""
    db.executescript(
        """
        CREATE TABLE score_changes (
            id INTEGER PRIMARY KEY, student_id TEXT NOT NULL, at TEXT NOT NULL, old REAL, new REAL NOT NULL,
            reason TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', run_id INTEGER
        );
        ALTER TABLE submissions ADD COLUMN task_keys TEXT NOT NULL DEFAULT '';
        """
    )


# MIGRATIONS[i] takes a gradebook from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6]
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
    task_keys: str  # JSON: task id -> its key when graded (empty before version 6)
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


@dataclass(frozen=True)
class ScoreChange:
    """One change of a student's term score (a row of ``score_changes``)."""

    student_id: str
    at: str
    old: float | None  # none: the student's first grading
    new: float
    reason: str  # one of CHANGE_REASONS
    detail: str = ""
    run_id: int | None = None

    @property
    def delta(self) -> float:
        """How much the score moved (the new score, for a first grading)."""
        return self.new - (self.old or 0.0)
