"""The change log, from the gradebook alone: every moved term score logged with its reason, exported, summarised.

And the task keys that ``REGRADE=changed`` compares: a changed test file
changes only the keys of the tasks whose tests it holds, a changed shared
helper every key, a changed reference file its tasks' keys.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from autograder.classroom.fingerprints import changed_tasks, task_keys
from autograder.classroom.gradebook import Gradebook, GradingRecord, ManualScore
from autograder.classroom.lateness import settle_penalties
from autograder.classroom.score_changes import (
    POLICY,
    batch_reasons,
    change_summary,
    export_changes,
    fixed_reason,
    log_score_changes,
)
from autograder.manifest import Course, load_course
from autograder.results import GradeReport

from ..conftest import REPO
from .test_semester import ON_TIME, report


def graded(book: Gradebook, student: str, content: str, key: str, result: GradeReport, run: int) -> None:
    """Record one grading by batch run ``run`` under course version ``key``."""
    record = GradingRecord(student, student, content, key, "all", run, "graded", result, submitted_at=ON_TIME)
    book.record(record)


def batch(course: Course, book: Gradebook, *gradings: tuple[str, str, str, GradeReport]) -> list[tuple]:
    """A batch run of ``gradings`` (student, content, course version, report); the changes it logs, in short."""
    run = book.start_run("v", "all", 1)
    for student, content, key, result in gradings:
        graded(book, student, content, key, result, run)
    settle_penalties(course, book)
    changes = log_score_changes(course, book, batch_reasons(book, run), run)
    assert all(c.run_id == run for c in changes)
    return [(c.student_id, c.old, c.new, c.reason, c.detail) for c in changes]


def test_each_moved_score_is_logged_once_with_its_reason(course: Course, tmp_path: Path) -> None:
    full, none = report("x", ("0.1", 10.0, 1.0)), report("x", ("0.1", 10.0, 0.0))
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        first = batch(course, book, ("ada", "h1", "v1", full), ("bob", "h2", "v1", none), ("cyd", "h3", "v1", none))
        assert first == [
            ("ada", None, 10.0, "first grading", ""),
            ("bob", None, 0.0, "first grading", ""),
            ("cyd", None, 0.0, "first grading", ""),
        ]
        assert batch(course, book, ("ada", "h1", "v1", full)) == []  # graded again, the same: nothing logged
        second = batch(course, book, ("ada", "h9", "v1", none), ("bob", "h2", "v2", full), ("cyd", "h3", "v2", none))
        assert second == [("ada", 10.0, 0.0, "new submission", ""), ("bob", 0.0, 10.0, "course changed", "v1 -> v2")]
        writeup = report("x", ("0.1", 10.0, 1.0), ("1.6", 2.0, 1.0))
        batch(course, book, ("cyd", "h4", "v2", writeup))
        book.enter_manual([ManualScore("cyd", "1.6", 3.0, "clear", "ta", ON_TIME)])
        settle_penalties(course, book)
        manual = log_score_changes(course, book, fixed_reason("manual points", "task 1.6"))
        assert [(c.student_id, c.old, c.new, c.reason, c.run_id) for c in manual] == [
            ("cyd", 12.0, 15.0, "manual points", None)
        ]
        assert log_score_changes(course, book, fixed_reason(*POLICY)) == []  # nothing moved since
        assert [c.reason for c in book.changes()].count("first grading") == 3


def test_the_log_is_exported_and_summarised_with_student_strings_made_harmless(course: Course, tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://x")\x1b[2J'
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        batch(course, book, (hostile, "h1", "v1", report("x", ("0.1", 10.0, 0.0))))
        changes = batch(course, book, (hostile, "h1", "v2", report("x", ("0.1", 10.0, 1.0))))
        assert [c[3] for c in changes] == ["course changed"]
        summary = change_summary(book.changes(run_id=2))
        rows = list(csv.DictReader(export_changes(book, tmp_path / "changes.csv").open(encoding="utf-8")))
    assert summary[0] == "scores: 1 changed, 0 graded for the first time"
    assert "\x1b" not in "".join(summary) and "0 -> 10 (+10; course changed, v1 -> v2)" in summary[1]
    assert [(r["old"], r["new"], r["change"], r["reason"], r["run"]) for r in rows] == [
        ("", "0", "+0", "first grading", "1"),
        ("0", "10", "+10", "course changed", "2"),
    ]
    assert all(not r["student_id"].startswith("=") and "\x1b" not in r["student_id"] for r in rows)
    assert change_summary([]) == ["no score changed"]


def test_a_task_key_moves_with_its_tests_its_reference_and_the_shared_helpers(course: Course, tmp_path: Path) -> None:
    for name in ("assignments", "student_template", "reference"):
        ignore = shutil.ignore_patterns(".numba_cache", "__pycache__", "out")
        shutil.copytree(REPO / name, tmp_path / name, ignore=ignore)
    root = tmp_path / "assignments"
    before = task_keys(load_course(root))
    assert set(before) == {t.id for t in course.tasks}
    hidden = root / "module0" / "hidden" / "test_module0_hidden.py"
    hidden.write_text(hidden.read_text() + "\n# a changed hidden test\n")
    after_test = task_keys(load_course(root))
    changed = {t for t in before if before[t] != after_test[t]}
    assert changed and all(t.startswith("0.") for t in changed), changed
    operators = tmp_path / "reference" / "minitorch" / "operators.py"
    operators.write_text(operators.read_text() + "\n# a changed solution\n")
    after_reference = task_keys(load_course(root))
    owners = {t.id for t in course.tasks if "minitorch/operators.py" in t.files}
    assert {t for t in before if after_test[t] != after_reference[t]} == owners
    conftest = root / "common" / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text() + "\n# a changed fixture\n")
    assert changed_tasks(json.dumps(after_reference), task_keys(load_course(root))) == set(before)
    assert changed_tasks("", before) == set(before) and changed_tasks("not json", before) == set(before)
