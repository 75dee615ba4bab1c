"""A term with the gradebook alone (nothing graded): the roster given late, extensions, grace days, manual points.

The gradebooks here are written from hand-made reports, as the batch would
write them, so each rule is checked in a second: the roster re-keys rows
without regrading, lateness and final scores are settled again from the
gradebook when the policy, an extension or a manual point changes, and bad
rows are one-line errors naming the file and row.
"""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.classroom.exports import export_csv, export_feedback, student_extras
from autograder.classroom.extensions import ExtensionError, read_extensions
from autograder.classroom.gradebook import MIGRATIONS, SCHEMA_VERSION, Gradebook, GradingRecord
from autograder.classroom.lateness import settle_penalties
from autograder.classroom.manual import ManualPointsError, enter_manual
from autograder.classroom.roster import NOT_IN_ROSTER, apply_roster, take_class
from autograder.manifest import Course, LatePolicy
from autograder.render import task_points, total_points
from autograder.results import GradeReport, TaskResult, TestResult

KEY = "2026.12+abc"
ON_TIME = "2026-12-10T12:00:00+00:00"  # before module 0's due date (2026-12-15T23:59Z) and module 1's (12-22)


def report(label: str, *tasks: tuple[str, float, float]) -> GradeReport:
    """A report of ``tasks``: (id, points, fraction passed); a 1.6 has 3 manual points pending."""
    results = []
    for task_id, points, passed in tasks:
        first = TestResult(f"{task_id}::a", "passed" if passed >= 0.5 else "failed")
        tests = [first, TestResult(f"{task_id}::b", "passed")] if passed not in (0.0, 1.0) else [first]
        results.append(TaskResult(task_id, f"Task {task_id}", points, tests, manual_points=3.0 * (task_id == "1.6")))
    return GradeReport(label, "minitorch", "2026.12", results)


def store(book: Gradebook, student: str, source: str, content: str, graded: GradeReport, **fields: object) -> None:
    """Record one grading of ``graded`` as the batch would (scope ``all``)."""
    run = book.start_run(KEY, "all", 1)
    values: dict[str, object] = {"submitted_at": ON_TIME, "time_source": "roster"} | fields
    book.record(GradingRecord(student, source, content, KEY, "all", run, "graded", graded, **values))
    book.first_seen(student, content)


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {row["student_id"]: row for row in csv.DictReader(path.open(encoding="utf-8"))}


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the roster ---


def test_a_roster_given_after_a_batch_rekeys_rows_and_lists_each_student_once(tmp_path: Path) -> None:
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        full = report("ada", ("0.1", 10.0, 1.0))
        store(book, "ada", "ada", "h-ada", full)
        store(book, "bob", "bob.zip", "h-bob", report("bob", ("0.1", 10.0, 0.0)))
        store(book, "cyd", "cyd", "h-cyd", full)
        seen = book.first_seen("ada", "h-ada")
        roster = write(
            tmp_path / "roster.csv",
            "student_id,submission,name,email",
            "s1,ada,Ada L,ada@example.com",
            "s2,bob,Bob B,bob@example.com",  # matched by the entry's name without its suffix, as intake does
            "s4,dee,Dee D,dee@example.com",  # no submission: missing
        )
        moved = apply_roster(book, roster)
        assert {(m.source, m.old_id, m.new_id, m.gradings) for m in moved} == {
            ("ada", "ada", "s1", 1),
            ("bob.zip", "bob", "s2", 1),
        }
        # What a batch looks up to skip a submission: found under the roster's id, first seen as before.
        assert book.find("s1", "h-ada", KEY, "all") is not None and book.find("ada", "h-ada", KEY, "all") is None
        assert book.first_seen("s1", "h-ada") == seen
        assert [s for s, _, _ in book.students()] == ["cyd", "s1", "s2", "s4"]
        export_csv(book, tmp_path / "grades.csv")
        again = apply_roster(book, roster)  # the same roster again: nothing moves
    exported = rows(tmp_path / "grades.csv")
    assert again == []
    assert list(exported) == ["cyd", "s1", "s2", "s4"]
    assert exported["s1"]["name"] == "Ada L" and exported["s1"]["total"] == "10"
    assert exported["s4"]["status"] == "missing" and exported["s4"]["flags"] == ""
    assert exported["cyd"]["flags"] == NOT_IN_ROSTER and exported["s2"]["flags"] == ""


def test_a_changed_roster_moves_the_rows_again_and_merges_what_both_ids_hold(tmp_path: Path) -> None:
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        graded = report("ada", ("0.1", 10.0, 1.0))
        store(book, "s1", "ada", "h-ada", graded)
        store(book, "x1", "ada.zip", "h-ada", graded)  # the same work, graded under the new id already
        apply_roster(book, write(tmp_path / "r1.csv", "student_id,submission", "s1,ada"))
        moved = apply_roster(book, write(tmp_path / "r2.csv", "student_id,submission", "x1,ada", "x1,ada.zip"))
        assert [m.new_id for m in moved] == ["x1"]
        assert [s for s, _, _ in book.students()] == ["x1"]
        with sqlite3.connect(tmp_path / "gradebook.sqlite") as db:
            assert db.execute("SELECT student_id, count(*) FROM submissions GROUP BY 1").fetchall() == [("x1", 1)]


def test_a_batch_given_no_roster_names_its_entries_by_the_gradebooks(course: Course, tmp_path: Path) -> None:
    from autograder.classroom.intake import discover
    from autograder.classroom.roster import roster_in_effect

    folder = tmp_path / "subs"
    for name in ("ada", "bob"):
        (folder / name).mkdir(parents=True)
    path = tmp_path / "gradebook.sqlite"
    assert roster_in_effect(None, path) is None  # no gradebook yet: entries are named by their names
    with Gradebook(path) as book:
        assert take_class(course, book, None, None, {"ada"}) == []
        roster = write(
            tmp_path / "roster.csv", "student_id,submission,name,submitted_at", "s1,ada,Ada,2026-12-01T00:00Z"
        )
        take_class(course, book, roster, None, {"s1"})
        [note] = take_class(course, book, None, None, {"s1"})
    assert note == "roster: the one this gradebook keeps (1 entries); ROSTER= replaces it"
    kept = roster_in_effect(None, path)
    assert kept is not None and kept["ada"].student_id == "s1" and kept["ada"].submitted_at is None  # no times kept
    entries = discover(folder, kept)
    assert [(e.student_id, e.student_name, e.time_source) for e in entries] == [("s1", "Ada", ""), ("bob", "", "")]
    assert entries[1].notes == ["bob is not in the roster: its student id is its name"]


def test_a_roster_time_given_later_replaces_an_intake_time_never_the_reverse(tmp_path: Path) -> None:
    import datetime as dt

    from autograder.classroom.intake import TIME_COMMIT, TIME_INTAKE, TIME_ROSTER, Entry
    from autograder.classroom.lateness import restamp

    def entry(when: str, source: str) -> Entry:
        return Entry("ada", tmp_path, "folder", "ada", submitted_at=dt.datetime.fromisoformat(when), time_source=source)

    roster_time, intake_time, commit_time = ON_TIME, "2026-12-20T00:00:00+00:00", "2026-12-01T00:00:00+00:00"
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        store(
            book,
            "ada",
            "ada",
            "h-ada",
            report("ada", ("0.1", 10.0, 1.0)),
            submitted_at=intake_time,
            time_source="intake",
        )
        steps = [(commit_time, TIME_COMMIT), (intake_time, TIME_INTAKE), (roster_time, TIME_ROSTER)]
        steps += [(commit_time, TIME_COMMIT), (intake_time, TIME_INTAKE)]
        found = []
        for when, source in steps:
            restamp(book, book.latest()["ada"], entry(when, source))
            latest = book.latest()["ada"]
            found.append((latest.submitted_at, latest.time_source))
    assert found == [
        (commit_time, TIME_COMMIT),  # a trusted commit's time replaces the intake time
        (commit_time, TIME_COMMIT),  # an intake time replaces nothing
        (roster_time, TIME_ROSTER),  # the roster's replaces anything
        (roster_time, TIME_ROSTER),
        (roster_time, TIME_ROSTER),
    ]


# --- extensions and grace days ---


def late_class(book: Gradebook) -> None:
    """ada: module 0 two days late, module 1 three days late (two batches); bob: module 0 nine days late."""
    store(book, "ada", "ada", "m0", report("ada", ("0.1", 10.0, 1.0)), submitted_at="2026-12-17T10:00:00+00:00")
    store(book, "ada", "ada", "m1", report("ada", ("1.6", 4.0, 1.0)), submitted_at="2026-12-25T10:00:00+00:00")
    store(book, "bob", "bob", "b0", report("bob", ("0.1", 10.0, 1.0)), submitted_at="2026-12-24T10:00:00+00:00")


def settled(book: Gradebook) -> dict[tuple[str, str], tuple[int, int, int, float, float]]:
    """(student, content) -> late days, grace used, grace left, penalty, final score."""
    found = {}
    for row in book.db.execute(
        "SELECT student_id, content_hash, late_days, grace_used, grace_left, penalty, final_score FROM submissions"
    ):
        found[(row[0], row[1])] = tuple(row[2:])
    return found


def test_grace_days_are_spent_in_module_order_and_a_policy_change_resettles(course: Course, tmp_path: Path) -> None:
    graced = replace(course, late=LatePolicy(penalty_per_day=0.1, max_days=7, grace_days=3))
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        late_class(book)
        ids = [r[0] for r in book.db.execute("SELECT id FROM submissions ORDER BY id")]
        settle_penalties(graced, book)
        spent = settled(book)
        # ada: module 0 spends 2 grace days (no penalty), module 1 the last one, and pays 2 days (20%).
        assert spent[("ada", "m0")] == (2, 2, 0, 0.0, 10.0)
        assert spent[("ada", "m1")] == (3, 1, 0, 0.2, 3.2)
        # bob: 9 days late, 3 of grace: 6 days charged, within max_days.
        assert spent[("bob", "b0")] == (9, 3, 0, 0.6, 4.0)
        export_csv(book, tmp_path / "grades.csv")
        export_feedback(book, tmp_path / "feedback")
        settle_penalties(replace(course, late=LatePolicy(penalty_per_day=0.1, max_days=5)), book)  # grace taken away
        assert settled(book)[("bob", "b0")] == (9, 0, 0, 1.0, 0.0)  # past max_days: all of it
        assert [r[0] for r in book.db.execute("SELECT id FROM submissions ORDER BY id")] == ids  # nothing regraded
    bob = rows(tmp_path / "grades.csv")["bob"]
    assert (bob["late_days"], bob["grace_used"], bob["grace_left"], bob["penalty"], bob["final"]) == (
        "9", "3", "0", "0.6", "4",
    )  # fmt: skip
    page = (tmp_path / "feedback" / "bob.md").read_text()
    assert "Submitted 9 days late (3 grace days used, 0 left): 60% off, final score **4**" in page


def test_an_extension_moves_that_students_due_date_only(course: Course, tmp_path: Path) -> None:
    graced = replace(course, late=LatePolicy(penalty_per_day=0.1, max_days=7, grace_days=3))
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        late_class(book)
        csv_path = write(
            tmp_path / "ext.csv", "student_id,module,days,due", "ada,0,2,", "bob,module0,,2026-12-24T12:00Z"
        )
        book.set_extensions(read_extensions(csv_path, course, {"ada", "bob"}))
        settle_penalties(graced, book)
        spent = settled(book)
        export_feedback(book, tmp_path / "feedback", grace_days=3)
        extras = student_extras(book)
    assert spent[("ada", "m0")] == (0, 0, 0, 0.0, 10.0)  # on time now: no grace spent (none left in the term)
    assert spent[("ada", "m1")] == (3, 3, 0, 0.0, 4.0)  # so module 1's three days are all grace
    assert spent[("bob", "b0")] == (0, 0, 3, 0.0, 10.0)
    assert [e.days for e in extras["ada"].extensions] == [2]
    page = (tmp_path / "feedback" / "ada.md").read_text()
    assert "Your due date for module 0 was extended to 2026-12-17T23:59:00+00:00" in page
    assert "Submitted 3 days late (3 grace days used, 0 left): 0% off" in page
    assert "Grace days left: 3 of 3" in (tmp_path / "feedback" / "bob.md").read_text()  # on time, none spent


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["student,module,days", "ada,0,1"], ":1: the columns must be student_id,module,days or"),
        (["student_id,module,days", "zed,0,1"], ":2: unknown student 'zed'"),
        (["student_id,module,days", "ada,7,1"], ":2: unknown module '7' (known: 0, 1, 2, 3, 4)"),
        (["student_id,module,days,due", "ada,0,1,2026-12-20T00:00Z"], ":2: give either days or due, not both"),
        (["student_id,module,days,due", "ada,0,,"], ":2: give either days or due, not neither"),
        (["student_id,module,days", "ada,0,two"], ":2: days: expected a whole number of days, got 'two'"),
        (["student_id,module,days", "ada,0,-1"], ":2: days: expected 0 to 366, got -1"),
        (["student_id,module,due", "ada,0,soon"], ":2: due: 'soon' is not an ISO 8601 time"),
        (["student_id,module,days", "ada,0,1", "ada,module0,2"], ":3: 'ada' has a module 0 extension already"),
    ],
)
def test_a_bad_extension_row_is_one_line_naming_it(
    course: Course, tmp_path: Path, lines: list[str], message: str
) -> None:
    path = write(tmp_path / "ext.csv", *lines)
    with pytest.raises(ExtensionError) as error:
        read_extensions(path, course, {"ada"})
    assert str(error.value).startswith(str(path)) and message in str(error.value)
    assert "\n" not in str(error.value)


# --- manual points ---


def test_manual_points_are_stored_counted_and_no_longer_pending(course: Course, tmp_path: Path) -> None:
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        for student in ("ada", "bob"):
            store(book, student, student, f"h-{student}", report(student, ("1.1", 5.0, 1.0), ("1.6", 4.0, 1.0)))
        scores = write(
            tmp_path / "scores.csv", "student_id,task,points,comment", "ada,1.6,2.5,<b>clear</b> plots; =cmd"
        )
        [entered] = enter_manual(scores, course, 1, book)
        export_csv(book, tmp_path / "grades.csv")
        export_feedback(book, tmp_path / "feedback")
        latest = book.latest()
    assert entered.entered_by and entered.entered_at.startswith("20") and entered.points == 2.5
    assert latest["ada"].final_score == 11.5 and latest["bob"].final_score == 9.0
    ada, bob = rows(tmp_path / "grades.csv")["ada"], rows(tmp_path / "grades.csv")["bob"]
    assert (ada["task 1.6"], ada["total"], ada["max"], ada["manual"], ada["pending"], ada["final"]) == (
        "6.5", "11.5", "12", "2.5", "0", "11.5",
    )  # fmt: skip
    assert (bob["task 1.6"], bob["total"], bob["max"], bob["pending"]) == ("4", "9", "12", "3")
    page = (tmp_path / "feedback" / "ada.md").read_text()
    assert "Score: **11.5/12**" in page and "| 1.6 | Task 1.6 | 6.5/7 | all tests passed; 2.5/3 manual points |" in page
    assert "Manual points for task 1.6: **2.5/3**" in page
    assert "Grader's comment: \\<b\\>clear\\</b\\> plots; =cmd" in page
    assert "<b>clear" not in (tmp_path / "feedback" / "ada.html").read_text()
    assert "3 pending" in (tmp_path / "feedback" / "bob.md").read_text()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("zed,1.6,1,", ":2: unknown student 'zed' (not in the gradebook)"),
        ("ada,1.9,1,", ":2: unknown task '1.9' (this module's: 1.1, 1.2,"),
        ("ada,0.1,1,", ":2: unknown task '0.1'"),
        ("ada,1.1,1,", ":2: task 1.1 has no manual points (it has no write-up notebook)"),
        ("ada,1.6,3.5,", ":2: 3.5 points is above task 1.6's manual maximum of 3"),
        ("ada,1.6,-1,", ":2: points: expected a number >= 0, got '-1'"),
        ("ada,1.6,lots,", ":2: points: expected a number, got 'lots'"),
        ("bob,1.6,1,", ":2: 'bob' has no graded submission of task 1.6"),
    ],
)
def test_a_bad_manual_row_is_one_line_naming_it_and_stores_nothing(
    course: Course, tmp_path: Path, row: str, message: str
) -> None:
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        store(book, "ada", "ada", "h-ada", report("ada", ("1.6", 4.0, 1.0)))
        store(book, "bob", "bob", "h-bob", report("bob", ("0.1", 10.0, 1.0)))
        path = write(tmp_path / "scores.csv", "student_id,task,points,comment", "ada,1.6,1,fine", row)
        message = message.replace(":2:", ":3:")
        with pytest.raises(ManualPointsError) as error:
            enter_manual(path, course, 1, book)
        assert book.manual_points() == {}
    assert str(error.value).startswith(str(path)) and message in str(error.value)
    assert "\n" not in str(error.value)


def test_renderers_count_entered_manual_points() -> None:
    graded = report("ada", ("1.1", 5.0, 1.0), ("1.6", 4.0, 1.0))
    writeup = graded.tasks[1]
    assert task_points(writeup) == "4/7, 3 pending"
    assert task_points(writeup, 2.0) == "6/7"
    assert total_points(graded) == "9/12, 3 pending"
    assert total_points(graded, {"1.6": 3.0}) == "12/12"
    assert writeup.describe(2.0) == "all tests passed; 2/3 manual points"
    assert writeup.summary == "all tests passed; 3 points pending manual grading"


# --- the gradebook file ---


def test_a_version_2_gradebook_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        MIGRATIONS[0](db)
        MIGRATIONS[1](db)
        db.execute("PRAGMA user_version = 2")
        db.execute("INSERT INTO students (id, name) VALUES ('ada', 'Ada')")
        db.execute(
            "INSERT INTO submissions (student_id, source, content_hash, course_version, scope, status, graded_at, "
            "score, final_score) VALUES ('ada', 'ada', 'h1', 'v1', 'all', 'graded', '2026-11-01T00:00:00+00:00', 7, 7)"
        )
    with Gradebook(path) as book:
        graded = book.latest()["ada"]
        assert (graded.score, graded.final_score, graded.grace_used, graded.manual_score) == (7.0, 7.0, 0, 0.0)
        assert book.roster_ids() == set() and book.manual_points() == {} and book.extensions() == []
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6


def test_manual_and_export_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from autograder.cli import EXIT_INPUT, EXIT_OK, main

    from ..conftest import REPO

    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        store(book, "ada", "ada", "h-ada", report("ada", ("1.6", 4.0, 1.0)))
    common = ["--course", str(REPO / "assignments")]
    bad = write(tmp_path / "bad.csv", "student_id,task,points,comment", "ada,1.6,9,too many")
    assert main([*common, "manual", "--module", "1", "--csv", str(bad), "--out", str(tmp_path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}:2: 9 points is above task 1.6's manual maximum of 3" in err
    good = write(tmp_path / "good.csv", "student_id,task,points,comment", "ada,1.6,3,")
    assert main([*common, "manual", "--module", "1", "--csv", str(good), "--out", str(tmp_path)]) == EXIT_OK
    assert "entered 1 manual scores of module 1 for 1 students" in capsys.readouterr().out
    ext = write(tmp_path / "ext.csv", "student_id,module,days", "ada,1,3")
    assert main([*common, "export", "--out", str(tmp_path), "--extensions", str(ext)]) == EXIT_OK
    ada = rows(tmp_path / "grades.csv")["ada"]
    assert (ada["task 1.6"], ada["total"], ada["max"], ada["pending"], ada["final"]) == ("7", "7", "7", "0", "7")
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        assert [(e.student_id, e.module, e.days) for e in book.extensions()] == [("ada", 1, 3)]
    roster = write(tmp_path / "roster.csv", "student_id,submission,name", "s9,ada,Ada L")
    assert main([*common, "export", "--out", str(tmp_path), "--roster", str(roster)]) == EXIT_OK
    assert "1 gradings of 1 entries moved to the roster's student ids" in capsys.readouterr().out
    s9 = rows(tmp_path / "grades.csv")["s9"]  # re-keyed with its manual points and its extension
    assert list(rows(tmp_path / "grades.csv")) == ["s9"] and (s9["name"], s9["final"]) == ("Ada L", "7")
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        assert [(e.student_id, e.module) for e in book.extensions()] == [("s9", 1)]
        assert list(book.manual_points()) == [("s9", "1.6")]


def test_grace_days_are_read_and_checked_in_the_late_table(tmp_path: Path) -> None:
    from autograder.manifest import ManifestError
    from autograder.manifest.policies import read_late_policy
    from autograder.manifest.toml_tables import TableReader

    path = tmp_path / "course.toml"
    policy = read_late_policy(TableReader(path, {"penalty_per_day": 0.1, "grace_days": 3}, "late"))
    assert policy.grace_days == 3 and "3 days of grace for the whole course" in policy.describe()
    assert "grace" not in LatePolicy(0.1).describe()
    for table, message in (
        ({"grace_days": -1}, "late.grace_days: expected a number of days >= 0, got -1"),
        ({"grace_days": 1.5}, "late.grace_days: expected an integer, got 1.5"),
        ({"grace_day": 1}, "late.grace_day: unknown key (allowed: grace_days, max_days, penalty_per_day)"),
    ):
        with pytest.raises(ManifestError) as error:
            read_late_policy(TableReader(path, table, "late"))
        assert str(error.value) == f"{path}: {message}"


def test_the_late_policy_is_not_part_of_the_course_key(course: Course, tmp_path: Path) -> None:
    import shutil

    from autograder.classroom.fingerprints import course_key
    from autograder.manifest import load_course

    root = shutil.copytree(course.root, tmp_path / "assignments")
    before = course_key(load_course(root))
    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace("max_days = 7", "max_days = 3\ngrace_days = 2"))
    tasks = root / "module1" / "tasks.toml"
    tasks.write_text(tasks.read_text().replace("due = 2026-12-22T23:59:00Z", "due = 2026-12-29T23:59:00Z"))
    changed = load_course(root)
    assert (changed.late.grace_days, changed.modules[1].due.day if changed.modules[1].due else 0) == (2, 29)
    assert course_key(changed) == before  # penalties are settled again, nothing is regraded
    test = next((root / "module0" / "tests").glob("test_*.py"))
    test.write_text(test.read_text() + "\n# a changed test\n")
    assert course_key(load_course(root)) != before


def test_a_batch_with_a_bad_extension_row_stops_before_grading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograder.cli import EXIT_INPUT, main

    from ..conftest import REPO

    (tmp_path / "subs" / "ada").mkdir(parents=True)
    bad = write(tmp_path / "ext.csv", "student_id,module,days", "ada,9,1")
    args = ["--course", str(REPO / "assignments"), "batch", "--submissions", str(tmp_path / "subs"), "--task", "0.1"]
    args += ["--out", str(tmp_path / "out"), "--extensions", str(bad), "--allow-unconfined", "--no-similarity"]
    assert main(args) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err == f"error: {bad}:2: unknown module '9' (known: 0, 1, 2, 3, 4)\n"
    with Gradebook(tmp_path / "out" / "gradebook.sqlite") as book:
        assert book.latest() == {} and book.extensions() == []
