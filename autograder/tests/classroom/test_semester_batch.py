"""A roster, an extension and grace days given after a real batch: nothing is graded again.

Two students' solved trees are graded once (Task 0.1 only) without a
roster, keyed by their folders' names. The roster and an extension then
come with the next batch: every submission is skipped, its rows are under
the roster's ids, the roster's late time counts; a batch given no roster
after that names the entries by the gradebook's roster, and a grace day
given in the policy afterwards is settled from the gradebook alone.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.classroom.batch import BatchOptions, run_batch
from autograder.classroom.exports import export_csv
from autograder.classroom.gradebook import Gradebook
from autograder.classroom.lateness import settle_penalties
from autograder.manifest import Course, LatePolicy

from .test_batch import BUDGET_S, student_tree

pytestmark = pytest.mark.slow  # grades the real course (two gradings of one task)


def test_a_roster_and_extensions_given_after_a_batch_regrade_nothing(course: Course, tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    solved = student_tree(course, tmp_path / "solved")
    for name in ("ada", "bob"):
        shutil.copytree(solved, folder / name)
    book_path = tmp_path / "out" / "gradebook.sqlite"
    lines: list[str] = []
    options = BatchOptions(jobs=2, task_ids=["0.1"], live=False, time_budget_s=BUDGET_S)
    first = run_batch(course, folder, book_path, options, echo=lines.append)
    assert sorted((o.entry.student_id, o.status, o.score) for o in first.outcomes) == [
        ("ada", "graded", 10.0),
        ("bob", "graded", 10.0),
    ]
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student_id,submission,name,email,submitted_at\n"
        "s1,ada,Ada L,ada@example.com,2026-12-10T12:00:00Z\n"
        "s2,bob,Bob B,bob@example.com,2026-12-18T10:00:00Z\n"  # three days after module 0's due date
        "s3,cyd,Cyd C,cyd@example.com,\n"
    )
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("student_id,module,days\ns2,0,1\n")  # two days late, then
    again = replace(options, roster=roster, extensions=extensions)
    second = run_batch(course, folder, book_path, again, echo=lines.append)
    assert sorted((o.entry.student_id, o.status) for o in second.outcomes) == [("s1", "skipped"), ("s2", "skipped")]
    assert any("2 gradings of 2 entries moved to the roster's student ids" in line for line in lines), lines
    third = run_batch(course, folder, book_path, options, echo=lines.append)  # no roster: the gradebook's names them
    assert sorted((o.entry.student_id, o.status) for o in third.outcomes) == [("s1", "skipped"), ("s2", "skipped")]
    with Gradebook(book_path) as book:
        export_csv(book, tmp_path / "grades.csv", "tasks 0.1")
        settle_penalties(replace(course, late=replace(course.late, grace_days=1)), book)
        export_csv(book, tmp_path / "graced.csv", "tasks 0.1")
        graded = book.db.execute("SELECT count(*) FROM submissions WHERE status = 'graded'").fetchone()[0]
    assert graded == 2  # two gradings in all: the second batch graded nothing
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    assert list(rows) == ["s1", "s2", "s3"]  # one row per roster student, none under the folders' names
    assert rows["s3"]["status"] == "missing"
    assert (rows["s2"]["time_source"], rows["s2"]["late_days"], rows["s2"]["penalty"], rows["s2"]["final"]) == (
        "roster", "2", "0.2", "8",
    )  # fmt: skip
    graced = {r["student_id"]: r for r in csv.DictReader((tmp_path / "graced.csv").open())}
    assert (graced["s2"]["grace_used"], graced["s2"]["grace_left"], graced["s2"]["final"]) == ("1", "0", "9")
    assert course.late == LatePolicy(penalty_per_day=0.1, max_days=7)  # the course's own policy, untouched
