"""The results object: per-test outcomes, per-task scores, and its JSON form.

Every rendering (terminal table, JSON, Markdown) is made from one
:class:`GradeReport`. The JSON schema is versioned by ``SCHEMA_VERSION`` and
described in ``autograder/README.md``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

# From best to worst: a task's status is the worst status among its tests.
STATUSES = ("passed", "skipped", "failed", "error", "timeout", "memory", "crashed")
# A task's flag: its children's reporting was tampered with (it scores 0), or its public tests
# all passed while its trusted checks all failed (for a person to review).
FLAGS = ("tampered", "suspicious")
# The start of the report note on grading without confinement; renderers print such a note in red.
UNCONFINED = "NOT CONFINED"
SCORE_DECIMALS = 2  # every score, in every output, is rounded to this many decimals
# How a task's summary counts its tests of each status: singular and plural.
COUNTED = {
    "skipped": ("skipped", "skipped"),
    "failed": ("failed", "failed"),
    "error": ("error", "errors"),
    "timeout": ("timed out", "timed out"),
    "memory": ("out of memory", "out of memory"),
    "crashed": ("crashed", "crashed"),
}


@dataclass
class TestResult:
    """The outcome of one graded test.

    Attributes:
        name: Stable id: the pytest node id, or ``<test>[kills <mutant>]``.
        status: One of :data:`STATUSES`.
        hidden: Whether the test is kept back from students.
        weight: Its weight within the task.
        message: Short explanation for a student (assertion, falsifying example).
        duration_s: Wall time of the test's phases.
        cuda: For a ``cuda``-marked test, where it ran: ``gpu`` or ``simulator``.
    """

    __test__ = False  # not a pytest test class, despite its name

    name: str
    status: str
    hidden: bool = False
    weight: float = 1.0
    message: str | None = None
    duration_s: float = 0.0
    cuda: str | None = None

    @property
    def passed(self) -> bool:
        """Whether the test counts as passed."""
        return self.status == "passed"


@dataclass
class TaskResult:
    """One task's tests and score."""

    id: str
    title: str
    points: float
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    manual_points: float = 0.0  # graded by a person later, not part of `points`
    extra_credit: bool = False  # earned on top of the total: not in `max_score`
    flag: str | None = None  # one of FLAGS

    @property
    def score(self) -> float:
        """Points times the weighted fraction of tests passed; 0 with no tests, or when flagged.

        A ``suspicious`` task's trusted checks all failed, so they alone would give 0 too: it is held at 0
        for a person to review.
        """
        total = sum(t.weight for t in self.tests)
        if total == 0 or self.flag is not None:
            return 0.0
        return round(self.points * sum(t.weight for t in self.tests if t.passed) / total, SCORE_DECIMALS)

    @property
    def status(self) -> str:
        """The worst status among the tests; ``error`` for a task with none."""
        if not self.tests:
            return "error"
        return max((t.status for t in self.tests), key=STATUSES.index)

    @property
    def counts(self) -> dict[str, int]:
        """How many tests ended in each status (only statuses that occur)."""
        counts: dict[str, int] = {}
        for test in self.tests:
            counts[test.status] = counts.get(test.status, 0) + 1
        return counts

    @property
    def not_started(self) -> bool:
        """Whether every test failed on a stub's NotImplementedError."""
        return bool(self.tests) and all(
            not t.passed and t.message is not None and "NotImplementedError" in t.message for t in self.tests
        )

    @property
    def summary(self) -> str:
        """One line for the table: what happened to this task."""
        return self.describe()

    def describe(self, entered: float | None = None) -> str:
        """:attr:`summary`; with ``entered``, the manual points a person gave, which are then no longer pending."""
        if self.flag == "tampered":
            return "TAMPERED: the test machinery was tampered with; no result counts"
        if self.flag == "suspicious":
            return "SUSPICIOUS: public tests pass but every trusted check fails; held at 0 for review"
        if self.not_started:
            return "not started (stubs raise NotImplementedError)"
        if not self.tests:
            return "; ".join(self.notes) or "no tests ran"
        pending = f"; {self.manual_points:g} points pending manual grading" if self.manual_points else ""
        if entered is not None:
            pending = f"; {entered:g}/{self.manual_points:g} manual points"
        passed = sum(t.passed for t in self.tests)
        if passed == len(self.tests):
            return "all tests passed" + pending
        parts = [
            f"{n} {COUNTED[status][n != 1]}"
            for status, n in sorted(self.counts.items(), key=lambda kv: STATUSES.index(kv[0]))
            if status != "passed"
        ]
        return ", ".join(parts) + pending


@dataclass
class GradeReport:
    """Everything one grading run found about one submission."""

    submission: str
    course: str
    course_version: str
    tasks: list[TaskResult]
    environment: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Points earned over all graded tasks."""
        return round(sum(t.score for t in self.tasks), SCORE_DECIMALS)

    @property
    def max_score(self) -> float:
        """Points possible over all graded tasks (extra credit comes on top)."""
        return sum(t.points for t in self.tasks if not t.extra_credit)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form."""
        return {
            "schema_version": SCHEMA_VERSION,
            "submission": self.submission,
            "course": self.course,
            "course_version": self.course_version,
            "score": self.score,
            "max_score": self.max_score,
            "environment": self.environment,
            "notes": self.notes,
            "files": self.files,
            "tasks": [
                {
                    "id": t.id,
                    "title": t.title,
                    "points": t.points,
                    "score": t.score,
                    "status": t.status,
                    "summary": t.summary,
                    "counts": t.counts,
                    "notes": t.notes,
                    "manual_points_pending": t.manual_points,
                    "extra_credit": t.extra_credit,
                    "flag": t.flag,
                    "duration_s": round(t.duration_s, 3),
                    "tests": [asdict(test) | {"duration_s": round(test.duration_s, 3)} for test in t.tests],
                }
                for t in self.tasks
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeReport:
        """The report whose :meth:`to_dict` is ``data`` (scores and statuses are computed again from the tests).

        Raises:
            ValueError: ``data`` is of another schema version.
        """
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"results of schema version {data.get('schema_version')}, not {SCHEMA_VERSION}")
        tasks = [
            TaskResult(
                id=task["id"],
                title=task["title"],
                points=task["points"],
                tests=[TestResult(**test) for test in task["tests"]],
                notes=list(task["notes"]),
                duration_s=task["duration_s"],
                manual_points=task["manual_points_pending"],
                extra_credit=task["extra_credit"],
                flag=task.get("flag"),
            )
            for task in data["tasks"]
        ]
        files = {name: list(paths) for name, paths in data.get("files", {}).items()}  # absent in early reports
        environment, notes = dict(data["environment"]), list(data["notes"])
        return cls(data["submission"], data["course"], data["course_version"], tasks, environment, notes, files)

    def write_json(self, path: Path | str) -> None:
        """Write :meth:`to_dict` to ``path`` as indented JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
