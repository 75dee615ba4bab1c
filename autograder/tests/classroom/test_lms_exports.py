"""Canvas's and Moodle's grade import CSVs, and the table that ends a batch: from hand-made gradebooks and outcomes.

Nothing is graded: the gradebooks hold reports written as the batch would
(:mod:`autograder.tests.classroom.test_semester`'s helpers), so each file is
checked cell by cell in a second.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.classroom.batch_progress import Outcome, outcome_table
from autograder.classroom.gradebook import Gradebook, GradingRecord, ManualScore
from autograder.classroom.intake import Entry, IntakeError, read_roster
from autograder.classroom.lateness import settle_penalties
from autograder.classroom.lms_exports import LmsError, export_lms
from autograder.classroom.roster import apply_roster
from autograder.manifest import Course

from .test_semester import KEY, report, store, write

HOSTILE = '=HYPERLINK("http://evil","x")\x1b[2J'


def class_book(folder: Path) -> Path:
    """ada: module 0 on time, module 1 three days late with 2 manual points; bob: module 0 failed;
    cyd: a hostile name, SIS id and section; dee: neither SIS id nor e-mail; eve: not in the roster."""
    path = folder / "gradebook.sqlite"
    with Gradebook(path) as book:
        store(book, "ada", "ada", "a0", report("ada", ("0.1", 10.0, 1.0)))
        store(book, "ada", "ada", "a1", report("ada", ("1.6", 4.0, 1.0)), submitted_at="2026-12-25T10:00:00+00:00")
        store(book, "bob", "bob.zip", "b0", report("bob", ("0.1", 10.0, 0.0)))
        store(book, "cyd", "cyd", "c0", report("cyd", ("0.1", 10.0, 0.4)))
        store(book, "dee", "dee", "d0", report("dee", ("0.1", 10.0, 1.0)))
        store(book, "eve", "eve", "e0", report("eve", ("0.1", 10.0, 1.0)))
        book.enter_manual([ManualScore("ada", "1.6", 2.0, "", "ta", "2026-12-26T00:00:00+00:00")])
        roster = write(
            folder / "roster.csv",
            "student_id,submission,name,email,sis_id,section",
            "s1,ada,Ada L,ada@example.com,1001,Section A",
            "s2,bob,Bob B,bob@example.com,1002,Section B",
            f'x3,cyd,"{HOSTILE.replace(chr(34), chr(34) * 2)}",@cyd,+1003,-sec',
            "x4,dee,Dee D,,,",
        )
        apply_roster(book, roster)
    return path


def exported(course: Course, folder: Path, lms: str) -> tuple[list[list[str]], list[str]]:
    """The LMS's CSV of :func:`class_book`'s class, parsed, and the warnings."""
    with Gradebook(class_book(folder)) as book:
        settle_penalties(course, book)
        export = export_lms(course, book, lms, folder / "grades")
    assert export.path == folder / "grades" / f"{lms}.csv"
    with export.path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle)), export.warnings


def test_canvas_gets_its_gradebook_columns_a_points_possible_row_and_final_scores(
    course: Course, tmp_path: Path
) -> None:
    table, warnings = exported(course, tmp_path, "canvas")
    module_0, module_1 = "Module 0: Foundations", "Module 1: Auto-Diff"
    assert table == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", module_0, module_1],
        ["    Points Possible", "", "", "", "", "10", "7"],  # 1.6: 4 points and 3 manual ones
        ["Ada L", "", "1001", "", "Section A", "10", "4.2"],  # (4 + 2 manual) less 3 days at 10%
        ["Bob B", "", "1002", "", "Section B", "0", ""],  # module 1 not submitted: no grade
        ['\'=HYPERLINK("http://evil","x")\\x1b[2J', "", "'+1003", "", "'-sec", "5", ""],
    ]
    assert warnings == [
        "canvas: eve has no sis_id in the roster: left out",
        "canvas: x4 has no sis_id in the roster: left out",
    ]


def test_moodle_gets_an_id_number_and_the_email_to_map_then_one_column_per_module(
    course: Course, tmp_path: Path
) -> None:
    table, warnings = exported(course, tmp_path, "moodle")
    assert table == [
        ["ID number", "Email address", "Module 0: Foundations", "Module 1: Auto-Diff"],
        ["1001", "ada@example.com", "10", "4.2"],
        ["1002", "bob@example.com", "0", ""],
        ["'+1003", "'@cyd", "5", ""],
    ]
    assert warnings == [
        "moodle: eve has no email in the roster: left out",
        "moodle: x4 has no email in the roster: left out",
    ]


def test_one_module_alone_and_an_unknown_lms(course: Course, tmp_path: Path) -> None:
    with Gradebook(class_book(tmp_path)) as book:
        settle_penalties(course, book)
        export = export_lms(course, book, "moodle", tmp_path, module=1)
        with pytest.raises(LmsError, match="^unknown LMS 'blackboard': give one of canvas, moodle$"):
            export_lms(course, book, "blackboard", tmp_path)
    assert export.rows == 3
    header, *rows = csv.reader(export.path.open(encoding="utf-8"))
    assert header == ["ID number", "Email address", "Module 1: Auto-Diff"] and rows[0] == [
        "1001",
        "ada@example.com",
        "4.2",
    ]


def test_make_export_with_an_unknown_lms_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograder.cli import EXIT_INPUT, main

    from ..conftest import REPO

    class_book(tmp_path)
    common = ["--course", str(REPO / "assignments")]
    assert main([*common, "export", "--out", str(tmp_path), "--lms", "d2l\x1b[31m"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err == "error: unknown LMS 'd2l\\x1b[31m': give one of canvas, moodle\n"
    assert not (tmp_path / "grades.csv").exists()


def test_exporting_a_scope_no_batch_graded_is_a_one_line_error_naming_the_graded_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make export`` after batches of module 2 only would write empty files that look written."""
    from autograder.cli import EXIT_INPUT, EXIT_OK, main

    from ..conftest import REPO

    book = tmp_path / "gradebook.sqlite"
    with Gradebook(book) as opened:
        run = opened.start_run(KEY, "module 2", 1)
        opened.record(
            GradingRecord("ada", "ada", "a2", KEY, "module 2", run, "graded", report("ada", ("2.1", 5.0, 1.0)))
        )
    common = ["--course", str(REPO / "assignments"), "export", "--out", str(tmp_path)]
    assert main(common) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err == f"error: {book}: no batch graded 'all' (graded: 'module 2'); choose one with MODULE= or TASK=\n"
    assert not (tmp_path / "grades.csv").exists()
    assert main([*common, "--module", "2"]) == EXIT_OK and "ada" in (tmp_path / "grades.csv").read_text()


def test_a_sis_id_given_to_two_students_is_a_one_line_error(tmp_path: Path) -> None:
    roster = write(tmp_path / "roster.csv", "student_id,submission,sis_id", "s1,ada,7", "s1,ada.zip,7", "s2,bob,7")
    with pytest.raises(IntakeError, match=r"roster.csv:4: sis_id '7' is already s1's$"):
        read_roster(roster)


def test_a_gradebook_keeps_the_rosters_sis_ids_and_sections(tmp_path: Path) -> None:
    from autograder.classroom.roster import stored_roster

    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        apply_roster(book, write(tmp_path / "roster.csv", "student_id,submission,sis_id,section", "s1,ada,7,B"))
        kept = stored_roster(book)["ada"]
    assert (kept.student_id, kept.sis_id, kept.section) == ("s1", "7", "B")


# --- the table at the end of a batch ---


def outcome(student: str, status: str, final: float = 0.0, late: int = 0) -> Outcome:
    entry = Entry(student, Path(student), "folder", student)
    return Outcome(entry, status, final, 10.0 if status in ("graded", "skipped") else 0.0, final, late_days=late)


def test_the_batch_ends_with_a_table_failures_first_then_by_student() -> None:
    outcomes = [
        outcome("zed", "graded", 10.0),
        outcome("amy", "skipped", 7.5, late=2),
        outcome("yul", "error"),
        outcome("bea", "rejected"),
        outcome("\x1b[2Jmal", "graded", 9.0, late=1),
    ]
    assert outcome_table(outcomes) == [
        "student      score  late days  status",
        "bea                            rejected",
        "yul                            error",
        "\\x1b[2Jmal    9/10          1  graded",
        "amy         7.5/10          2  skipped",
        "zed          10/10          0  graded",
    ]
    assert outcome_table([]) == []


def test_make_export_lms_canvas_writes_the_file_and_a_warning_per_student_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograder.cli import EXIT_OK, main

    from ..conftest import REPO

    class_book(tmp_path)
    common = ["--course", str(REPO / "assignments")]
    assert main([*common, "export", "--out", str(tmp_path), "--module", "1", "--lms", "canvas"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert f"{tmp_path / 'canvas.csv'}" in out
    assert err.splitlines()[-2:] == [
        "warning: canvas: eve has no sis_id in the roster: left out",
        "warning: canvas: x4 has no sis_id in the roster: left out",
    ]
    header, possible, ada, *_ = csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8"))
    assert (
        header[5:] == ["Module 1: Auto-Diff"]
        and possible[5:] == ["7"]
        and ada == ["Ada L", "", "1001", "", "Section A", "4.2"]
    )
