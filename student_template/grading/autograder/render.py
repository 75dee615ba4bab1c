"""Renderings of a :class:`~autograder.results.GradeReport` for people.

Each format has one owner here: the terminal table, the CI summary's
Markdown, a student's feedback (its tasks and failed tests), Markdown
tables, and Gradescope's ``results.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .results import UNCONFINED, GradeReport, TaskResult, TestResult
from .safe_text import for_markdown, for_terminal, markdown_code

STYLE = {"passed": "green", "skipped": "yellow", "failed": "red", "error": "red"}


def points(value: float) -> str:
    """A score as people read it: at most two decimals, no trailing zeros (13.1, 15)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def short_number(value: float | None) -> str:
    """A number for a CSV cell or a feedback page: an integer as one, else four significant digits."""
    return "" if value is None else f"{value:.4g}" if value != int(value) else str(int(value))


def markdown_table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table's lines; ``align`` has one letter per column (``l`` left, ``r`` right).

    The cells are Markdown already: escape what a submission chose before (:func:`for_markdown`).
    """
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(cells) + " |" for cells in (header, rule, *rows)]


def _status_label(task: TaskResult) -> str:
    if task.flag is not None:
        return task.flag.upper()
    return "todo" if task.not_started else task.status


def _plain(text: str) -> Text:
    """Text for Rich that is shown as it is: no markup, no emoji codes, no control characters."""
    return Text(for_terminal(text))


def print_table(report: GradeReport, console: Console | None = None, failures: int = 3) -> None:
    """Print the per-task table, then the first failures of each task.

    Every string that a submission may have chosen (its label, notes naming
    its files, failure messages, test ids) is printed through
    :func:`~autograder.safe_text.for_terminal` as plain text.
    """
    console = console or Console(width=None if sys.stdout.isatty() else 110)
    table = Table(title=_plain(f"{report.course} {report.course_version}: {report.submission}"))
    for column, justify in (("Task", "left"), ("Title", "left"), ("Tests", "right"), ("Points", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("Status")
    table.add_column("Summary")
    for task in report.tasks:
        passed = sum(t.passed for t in task.tests)
        style = "bold red" if task.flag is not None else STYLE.get(task.status, "magenta")
        table.add_row(
            _plain(task.id),
            _plain(task.title),
            f"{passed}/{len(task.tests)}",
            f"{points(task.score)}/{'+' if task.extra_credit else ''}{points(task.points)}",
            Text(_status_label(task), style=style),
            _plain(task.summary),
        )
    table.add_section()
    table.add_row("", "Total", "", f"{points(report.score)}/{points(report.max_score)}", "", "")
    console.print(table)
    for note in report.notes:
        line = _plain(f"note: {note}")
        if note.startswith(UNCONFINED):
            line.stylize("bold red")
        console.print(line)
    for task in report.tasks:
        for note in task.notes:
            console.print(_plain(f"note ({task.id}): {note}"))
        if task.not_started:
            continue
        for test, more in _distinct_failures(task.tests)[:failures]:
            name = ("hidden test" if test.hidden else test.name) + (f" and {more} more" if more else "")
            console.print(_plain(f"  {task.id} {test.status}: {name}: {_first_line(test)}"))


def _first_line(test: TestResult) -> str:
    lines = (test.message or "").strip().splitlines()
    return lines[0] if lines else ""


def _distinct_failures(tests: list[TestResult]) -> list[tuple[TestResult, int]]:
    """The failed tests, one per distinct failure (status and first line), with how many more failed alike.

    A file that fails to import fails every test that imports it the same
    way: its error is shown once, not once per test.
    """
    groups: dict[tuple[str, bool, str], list[TestResult]] = {}
    for test in tests:
        if not test.passed:
            groups.setdefault((test.status, test.hidden, _first_line(test)), []).append(test)
    return [(alike[0], len(alike) - 1) for alike in groups.values()]


def to_markdown(report: GradeReport) -> str:
    """A Markdown table, for a CI job summary (text a submission may choose is escaped: :func:`for_markdown`)."""
    rows = [
        (
            for_markdown(task.id),
            for_markdown(task.title),
            f"{sum(t.passed for t in task.tests)}/{len(task.tests)}",
            f"{points(task.score)}/{'+' if task.extra_credit else ''}{points(task.points)}",
            _status_label(task),
        )
        for task in report.tasks
    ]
    title = f"### {for_markdown(f'{report.course} {report.course_version}: {report.submission}')}"
    lines = [title, "", *markdown_table(("Task", "Title", "Tests", "Points", "Status"), "llrrl", rows)]
    lines.append(f"| | **Total** | | **{points(report.score)}/{points(report.max_score)}** | |")
    return "\n".join(lines) + "\n"


def feedback_markdown(report: GradeReport) -> list[str]:
    """A student's feedback on a report: the tasks' table, each failed test, the notes (Markdown lines).

    A hidden test is only "hidden test N of task T" with its status and its
    (already reduced) message, never its name.
    """
    rows = [
        (
            for_markdown(task.id),
            for_markdown(task.title),
            f"{short_number(task.score)}/{'+' if task.extra_credit else ''}{short_number(task.points)}",
            for_markdown(task.summary),
        )
        for task in report.tasks
    ]
    lines = markdown_table(("Task", "Title", "Points", "Summary"), "llrl", rows)
    for task in report.tasks:
        if all(test.passed for test in task.tests):
            continue
        lines += ["", f"## Task {for_markdown(task.id)}: {for_markdown(task.title)}", ""]
        hidden = 0
        for test in task.tests:
            hidden += test.hidden
            if test.passed:
                continue
            name = f"hidden test {hidden} of task {task.id}" if test.hidden else test.name
            message = _first_line(test)
            shown = f"- {markdown_code(name)}: {for_markdown(test.status)}"
            lines.append(shown + (f": {for_markdown(message)}" if message else ""))
    return lines + [""] + [f"note: {for_markdown(note)}" for note in report.notes]


def _gradescope_output(test: TestResult) -> str:
    """A test's ``output`` for Gradescope (shown as text): its status, and its message with its lines kept."""
    if test.passed:
        return test.status
    return for_terminal(f"{test.status}: {test.message or ''}".strip(), multiline=True)


GRADESCOPE_VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")


def to_gradescope(report: GradeReport, stdout_visibility: str = "hidden") -> dict[str, Any]:
    """The report as Gradescope's ``results.json``.

    Each graded test becomes one Gradescope test worth its share of its
    task's points. Every text field is declared ``text`` (Gradescope renders
    no Markdown or HTML in it), with control characters escaped
    (:func:`~autograder.safe_text.for_terminal`). Hidden tests are
    ``after_published``: students see them once the instructor publishes
    grades, and then only the outcome. An
    extra-credit task's tests have ``max_score`` 0, so Gradescope adds their
    points on top of the assignment's total.

    Args:
        report: The results.
        stdout_visibility: Gradescope's setting for the autograder's own
            output (one of :data:`GRADESCOPE_VISIBILITY`).
    """
    if stdout_visibility not in GRADESCOPE_VISIBILITY:
        raise ValueError(f"stdout_visibility must be one of {', '.join(GRADESCOPE_VISIBILITY)}")
    tests = []
    for task in report.tasks:
        total = sum(t.weight for t in task.tests)
        for number, test in enumerate(task.tests, start=1):
            share = task.points * test.weight / total if total else 0.0
            entry: dict[str, Any] = {
                "name": for_terminal(f"Task {task.id} {task.title}: {'hidden test' if test.hidden else test.name}"),
                "number": f"{task.id}.{number}",
                "score": round(share if test.passed else 0.0, 4),
                "max_score": 0.0 if task.extra_credit else round(share, 4),
                "status": "passed" if test.passed else "failed",
                "output": _gradescope_output(test),
                "tags": [f"task{task.id}", test.status],
                "visibility": "after_published" if test.hidden else "visible",
            }
            tests.append(entry)
    lines = [f"Task {t.id} {t.title}: {points(t.score)}/{points(t.points)} ({t.summary})" for t in report.tasks]
    return {
        "score": report.score,
        "execution_time": round(sum(t.duration_s for t in report.tasks), 3),
        "output": "\n".join(for_terminal(line) for line in lines + [f"note: {n}" for n in report.notes]),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": stdout_visibility,
        "tests": tests,
        "extra_data": {"course": report.course, "course_version": report.course_version},
    }
