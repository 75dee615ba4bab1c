"""``ci --json FILE``: the check a student's CI runs after ``grade --json FILE``, red only when a task errored.

A task errored when the grading could not judge it: a test in an error
status (:data:`ERROR_STATUSES`: a file that does not import, a test that
never reported, a crash) other than a stub's ``NotImplementedError``, a
task with no test at all, or a task whose test machinery was tampered with.
Failed tests, time-outs, memory and stubs are points still missing: they
never fail the check. The report is read as its JSON schema (version 1,
``autograder/README.md``) describes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..safe_text import for_markdown, for_terminal

SCHEMA_VERSION = 1
ERROR_STATUSES = frozenset({"error", "crashed"})
STUB = "NotImplementedError"
MAX_WHY = 300  # characters of the failure shown for an errored task


class ReportError(ValueError):
    """The grade JSON is missing, unreadable, or of another schema."""


@dataclass(frozen=True)
class Errored:
    """A task that errored, and the first reason why."""

    task: str
    title: str
    why: str


def read_report(path: Path) -> dict[str, Any]:
    """The report ``grade --json`` wrote to ``path``.

    Raises:
        ReportError: If the file is missing, is not JSON, or is not a report of this schema.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file (make grade JSON={path} writes it)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: not a grade report ({error})") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        version = data.get("schema_version") if isinstance(data, dict) else None
        raise ReportError(f"{path}: not a grade report of schema version {SCHEMA_VERSION} (found {version!r})")
    if not isinstance(data.get("tasks"), list) or not all(isinstance(t, dict) for t in data["tasks"]):
        raise ReportError(f"{path}: its 'tasks' is not a list of tasks")
    return data


def _why(test: dict[str, Any]) -> str:
    lines = str(test.get("message") or "").strip().splitlines()
    first = lines[0] if lines else "no message"
    name = "a hidden test" if test.get("hidden") else test.get("name")
    return f"{name}: {test.get('status')}: {first}"[:MAX_WHY]


def task_error(task: dict[str, Any]) -> str | None:
    """Why ``task`` (one entry of the report's ``tasks``) errored, or None when it did not."""
    if task.get("flag") == "tampered":
        return "its test machinery was tampered with"
    tests = task.get("tests") or []
    if not tests:
        notes = "; ".join(str(n) for n in task.get("notes") or [])
        return f"no test ran{': ' + notes if notes else ''}"[:MAX_WHY]
    errors = [
        test
        for test in tests
        if isinstance(test, dict) and test.get("status") in ERROR_STATUSES and STUB not in str(test.get("message"))
    ]
    if not errors:
        return None
    return _why(min(errors, key=lambda test: bool(test.get("hidden"))))  # a public test's error, where there is one


def errored_tasks(report: dict[str, Any]) -> list[Errored]:
    """The report's tasks that errored, in report order."""
    errored = []
    for task in report["tasks"]:
        why = task_error(task)
        if why is not None:
            errored.append(Errored(str(task.get("id")), str(task.get("title")), why))
    return errored


def summary_markdown(errored: list[Errored]) -> str:
    """The verdict for the job summary, with each errored task (text a submission chose is escaped)."""
    if not errored:
        return "**Check passed**: no task errored (points still missing never fail the check).\n"
    lines = [f"**Check failed**: {len(errored)} task{'s' if len(errored) > 1 else ''} errored:", ""]
    lines += [f"- Task {for_markdown(e.task)} {for_markdown(e.title)}: {for_markdown(e.why)}" for e in errored]
    return "\n".join(lines) + "\n"


def check(report_path: Path, summary: Path | None = None) -> list[str]:
    """Check the report at ``report_path``; append the verdict to ``summary`` when given.

    Returns:
        One line per errored task (empty when none errored), safe for a terminal.

    Raises:
        ReportError: If the report cannot be read.
    """
    errored = errored_tasks(read_report(report_path))
    if summary is not None:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write("\n" + summary_markdown(errored))
    return [for_terminal(f"task {e.task} ({e.title}) errored: {e.why}") for e in errored]
