"""`make ci-check` (`python -m autograder ci`): red only when a task errored, never for missing points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autograder.cli import main
from autograder.repo.ci import errored_tasks, summary_markdown, task_error

from ..conftest import REPO

COURSE = str(REPO / "assignments")


def outcome(name: str, status: str, message: str | None = None) -> dict[str, Any]:
    return {"name": name, "status": status, "message": message, "hidden": False, "weight": 1.0}


def task(
    task_id: str, *tests: dict[str, Any], flag: str | None = None, notes: list[str] | None = None
) -> dict[str, Any]:
    return {"id": task_id, "title": f"Task {task_id}", "tests": list(tests), "flag": flag, "notes": notes or []}


def report(*tasks: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "submission": ".", "tasks": list(tasks)}


MISSING_POINTS = report(
    task("0.1", outcome("t::a", "passed"), outcome("t::b", "failed", "AssertionError: 2 != 3")),
    task("0.2", outcome("t::c", "failed", "NotImplementedError: Task 0.2: implement add.")),
    task("0.3", outcome("t::d", "error", "error in setup: NotImplementedError: Task 0.3: implement neg.")),
    task("0.4", outcome("t::e", "timeout", "ran past its time budget"), outcome("t::f", "memory", "MemoryError")),
    task("0.5", outcome("t::g", "passed"), flag="suspicious"),
)


def test_failures_timeouts_and_stubs_are_missing_points_not_errors() -> None:
    assert errored_tasks(MISSING_POINTS) == []
    assert summary_markdown([]).startswith("**Check passed**")


def test_errors_crashes_no_tests_and_tampering_fail_the_check() -> None:
    syntax = "SyntaxError: invalid syntax (minitorch/scalar.py, line 3)"
    assert task_error(task("1.1", outcome("t::a", "error", syntax))) == f"t::a: error: {syntax}"
    assert task_error(task("1.2", outcome("t::a", "crashed", "the child died (signal 11)"))) == (
        "t::a: crashed: the child died (signal 11)"
    )
    assert task_error(task("1.3", notes=["tests were not collected"])) == "no test ran: tests were not collected"
    assert task_error(task("1.4", outcome("t::a", "error", "x"), flag="tampered")) == (
        "its test machinery was tampered with"
    )
    hidden = {**outcome("tests/hidden/secret_name.py::t", "error", "SyntaxError"), "hidden": True}
    assert task_error(task("1.5", hidden)) == "a hidden test: error: SyntaxError"
    assert task_error(task("1.5", hidden, outcome("t::b", "crashed", "died"))) == "t::b: crashed: died"
    errored = errored_tasks(report(*MISSING_POINTS["tasks"], task("1.2", outcome("t::a", "crashed", "died\nmore"))))
    assert [(e.task, e.why) for e in errored] == [("1.2", "t::a: crashed: died")]
    assert "Task 1.2 Task 1.2: t::a: crashed: died" in summary_markdown(errored)


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_cli_exit_codes_name_the_errored_tasks_and_fill_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    fine = write(tmp_path / "fine.json", MISSING_POINTS)
    assert main(["--course", COURSE, "ci", "--json", str(fine), "--summary", str(summary)]) == 0
    assert "no task errored" in capsys.readouterr().out and "Check passed" in summary.read_text()
    broken = write(tmp_path / "broken.json", report(task("2.1", outcome("t::x", "error", "ImportError: \x1b[31m"))))
    assert main(["--course", COURSE, "ci", "--json", str(broken), "--summary", str(summary)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("task 2.1 (Task 2.1) errored: t::x: error: ImportError: ") and "\x1b" not in err[0]
    assert err[1] == "ci: 1 task(s) errored: the check fails (missing points alone never do)"
    assert "**Check failed**: 1 task errored:" in summary.read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file (make grade JSON="),
        ("{not json", "not a grade report ("),
        ('{"schema_version": 2, "tasks": []}', "not a grade report of schema version 1 (found 2)"),
        ('{"schema_version": 1, "tasks": {}}', "its 'tasks' is not a list of tasks"),
    ],
)
def test_an_unreadable_report_is_one_line_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "grade.json"
    if content is not None:
        path.write_text(content)
    assert main(["--course", COURSE, "ci", "--json", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ") and message in err
