"""The exports and the class report of a fixed gradebook, byte for byte as the grader wrote them before.

The files under ``golden/`` were written by the exports before they were
rendered from :class:`~autograder.results.GradeReport` objects; an honest
class's CSV, JSON, feedback pages and report must not change form.
``GOLDEN_WRITE=1`` writes them again (only for a deliberate change of format).
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest

from autograder.classroom import gradebook
from autograder.classroom.class_report import write_class_report
from autograder.classroom.exports import export_csv, export_feedback, export_json
from autograder.classroom.gradebook import Gradebook, GradingRecord
from autograder.manifest import Course
from autograder.results import GradeReport, TaskResult, TestResult

GOLDEN = Path(__file__).parent / "golden"
ENVIRONMENT = {"python": "3.11.7", "platform": "Linux", "isolation": "bubblewrap", "cuda": "simulator"}


def _report(label: str, relu: str, hidden: str, extra: bool = False, flag: str | None = None) -> GradeReport:
    operators = TaskResult(
        "0.1", "Operators", 10.0,
        [
            TestResult("tests/test_operators.py::test_relu", relu, message=None if relu == "passed" else
                       "AssertionError: assert 0.0 == 1.5\nwhere 0.0 = relu(1.5)", duration_s=0.1234),
            TestResult("tests/test_operators.py::test_add", "passed", duration_s=0.02),
            TestResult("tests/hidden/test_operators_hidden.py::test_sigmoid_edges", hidden, hidden=True, weight=2.0,
                       message=None if hidden == "passed" else "AssertionError in a hidden test"),
            TestResult("trusted::relu", "passed", weight=0.5),
        ],
        notes=["ignored: minitorch/conftest.py"] if relu != "passed" else [], duration_s=3.21, flag=flag,
    )  # fmt: skip
    modules = TaskResult(
        "0.4", "Modules | parameters", 10.0,
        [TestResult("tests/test_module.py::test_stacked", "timeout" if extra else "passed", weight=1.0,
                    message="timeout: 15 s", duration_s=15.0004)],
        duration_s=15.5, extra_credit=extra,
    )  # fmt: skip
    return GradeReport(label, "minitorch", "2026.12", [operators, modules], dict(ENVIRONMENT), ["a note"], {})


def write_exports(folder: Path, course: Course, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """A gradebook of six students (full, late, flagged, partial, rejected, missing) and every export of it."""
    monkeypatch.setattr(gradebook, "now", lambda: "2026-12-20T10:00:00+00:00")
    with Gradebook(folder / "gradebook.sqlite") as book:
        run = book.start_run("2026.12+abc", "tasks 0.1,0.4", 2)
        stored = partial(GradingRecord, course_version="2026.12+abc", scope="tasks 0.1,0.4", run_id=run)
        ada, dee, gus, hal = (
            _report(*a)
            for a in (
                ("ada", "passed", "passed"),
                ("dee", "failed", "error", True),
                ("gus", "failed", "error", False, "tampered"),
                ("hal", "failed", "passed"),
            )
        )
        for record in (
            stored("ada", "ada", "h1", status="graded", report=ada, student_name="Ada L", email="ada@example.com",
                   submitted_at="2026-12-10T12:00:00+00:00", seconds=12.3456, time_source="roster"),
            stored("dee", "dee.zip", "h2", status="graded", report=dee, submitted_at="2026-12-17T10:00:00+00:00",
                   late_days=2, penalty=0.2, final_score=2.6667, seconds=30.0, time_source="intake",
                   commit_at="2026-12-03T12:00:00+00:00"),
            stored("gus", "gus", "h4", status="graded", report=gus, student_name="Gus", email="gus@example.com"),
            stored("hal", "hal.tar.gz", "h5", status="graded", report=hal),
            stored("jon", "jon.zip", "archive:x", status="rejected", student_name="Jon", email="jon@example.com",
                   error="jon.zip: unpacks to more than 200 MiB (a zip bomb?); rejected", time_source="intake"),
        ):  # fmt: skip
            book.record(record)
        book.add_student("zed", "Zed Absent", "zed@example.com")
        book.finish_run(run, 4, 0, 1, 42.5)
        written = [export_csv(book, folder / "grades.csv"), export_json(book, folder / "grades.json")]
        written += export_feedback(book, folder / "feedback")
        written += [p.with_suffix(".html") for p in written if p.suffix == ".md"]
        # The Markdown: the page embeds the histograms, whose bytes are matplotlib's (tested in a browser instead).
        written.append(write_class_report(course, book, folder / "report").with_name("report.md"))
    return written


def test_exports_are_byte_for_byte_as_before(course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = write_exports(tmp_path, course, monkeypatch)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    if os.environ.get("GOLDEN_WRITE"):
        for name in names:
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes((tmp_path / name).read_bytes())
    expected = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*") if p.is_file())
    assert names == expected
    for name in names:
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes(), name
