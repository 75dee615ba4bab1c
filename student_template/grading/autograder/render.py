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
    """A number for a CSV cell or a feedback page: as :func:`points`, empty for none."""
    return "" if value is None else points(value)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 error``, ``7 errors``: a count and its noun (``many`` where adding an s is wrong)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def modules_span(last: int) -> str:
    """``module 0``, ``modules 0-3``: a release's modules by the last one."""
    return "module 0" if last == 0 else f"modules 0-{last}"


def task_points(task: TaskResult, entered: float | None = None) -> str:
    """A task's points as the table shows them: ``8.18/10``, ``+4/+5`` (extra credit), ``4/8, 4 pending``.

    ``entered`` is the manual points a person gave the task (the class's exports know them):
    they count in the score and are no longer pending (``7.5/8``).
    """
    sign = "+" if task.extra_credit else ""
    pending = f", {points(task.manual_points)} pending" if task.manual_points and entered is None else ""
    earned = task.score + (entered or 0.0)
    return f"{sign}{points(earned)}/{sign}{points(task.points + task.manual_points)}{pending}"


def total_points(report: GradeReport, entered: dict[str, float] | None = None) -> str:
    """The total: ``285/285``, with extra credit beside it (``+5``) and manual points pending (``8 pending``).

    The maximum counts the points a person grades later, so the score shown never exceeds it;
    ``entered`` (task id to the manual points a person gave) counts in the score, no longer pending.
    """
    entered = entered or {}
    extra = sum(t.score + entered.get(t.id, 0.0) for t in report.tasks if t.extra_credit)
    earned = sum(t.score + entered.get(t.id, 0.0) for t in report.tasks if not t.extra_credit)
    possible = report.max_score + sum(t.manual_points for t in report.tasks if not t.extra_credit)
    pending = sum(t.manual_points for t in report.tasks if not t.extra_credit and t.id not in entered)
    text = f"{points(earned)}/{points(possible)}"
    return text + (f" +{points(extra)}" if extra else "") + (f", {points(pending)} pending" if pending else "")


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


def print_table(report: GradeReport, console: Console | None = None, failures: int | None = 3) -> None:
    """Print the per-task table, the notes, then each task's failures (the first ``failures``, or all for None).

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
        style = "bold red" if task.flag is not None else STYLE.get(task.status, "magenta")
        table.add_row(
            _plain(task.id),
            _plain(task.title),
            f"{sum(t.passed for t in task.tests)}/{len(task.tests)}",
            task_points(task),
            Text(_status_label(task), style=style),
            _plain(task.summary),
        )
    table.add_section()
    table.add_row("", "Total", "", total_points(report), "", "")
    console.print(table)
    for note in report.notes:
        line = _plain(f"note: {note}")
        if note.startswith(UNCONFINED):
            line.stylize("bold red")
        console.print(line)
    for task in report.tasks:
        for note in task.notes:
            console.print(_plain(f"note ({task.id}): {note}"))
        print_failures(task, console, failures)


def print_failures(task: TaskResult, console: Console, limit: int | None = 3) -> None:
    """Print a task's failures, one per distinct failure, each with every line of its message.

    Args:
        task: The task.
        console: Where to print.
        limit: Print the first ``limit`` and say how many more there are; all for None.
    """
    if task.not_started:
        return
    distinct = distinct_failures(task.tests)
    for test, more in distinct[:limit]:
        name = ("hidden test" if test.hidden else test.name) + (f" and {more} more like it" if more else "")
        console.print(_plain(f"  {task.id} {test.status}: {name}"))
        for line in (test.message or "").strip().splitlines():
            console.print(_plain(f"      {line}"))
    if limit is not None and len(distinct) > limit:
        rest = len(distinct) - limit
        console.print(_plain(f"  {task.id}: and {plural(rest, 'more failure')} (grade the task alone to see them all)"))


class ProgressLines:
    """A grading's progress as plain lines (a terminal and a CI log alike): problems, then each task as it ends."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.done: list[TaskResult] = []

    def problem(self, text: str) -> None:
        """Print a problem found before the tests ran (a file that does not parse)."""
        self.console.print(_plain(f"problem: {text}"), style="bold red")

    def finished(self, task: TaskResult) -> None:
        """Print a scored task with the running total."""
        self.done.append(task)
        earned = sum(t.score for t in self.done)
        possible = sum(t.points for t in self.done if not t.extra_credit)
        total = f"so far {points(earned)}/{points(possible)}"
        line = f"{task.id} {task.title}: {task_points(task)}, {_status_label(task)} ({total})"
        self.console.print(_plain(line), style=STYLE.get(task.status, "magenta"))


def _first_line(test: TestResult) -> str:
    lines = (test.message or "").strip().splitlines()
    return lines[0] if lines else ""


def distinct_failures(tests: list[TestResult]) -> list[tuple[TestResult, int]]:
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
    """The table and every failure, for a CI job summary (text a submission may choose is escaped)."""
    rows = [
        (
            for_markdown(task.id),
            for_markdown(task.title),
            f"{sum(t.passed for t in task.tests)}/{len(task.tests)}",
            for_markdown(task_points(task)),
            _status_label(task),
        )
        for task in report.tasks
    ]
    title = f"### {for_markdown(f'{report.course} {report.course_version}: {report.submission}')}"
    lines = [title, "", *markdown_table(("Task", "Title", "Tests", "Points", "Status"), "llrrl", rows)]
    lines.append(f"| | **Total** | | **{for_markdown(total_points(report))}** | |")
    for task in report.tasks:
        if not task.not_started and any(not test.passed for test in task.tests):
            lines += ["", f"#### Task {for_markdown(task.id)}: {for_markdown(task.title)}", ""]
            lines += _markdown_failures(task)
    lines += [""] + [f"note: {for_markdown(note)}  " for note in report.notes]
    return "\n".join(lines) + "\n"


def _markdown_failures(task: TaskResult) -> list[str]:
    """One list item per failed test: its name (a hidden test's number only), status, and message lines."""
    lines, hidden = [], 0
    for test in task.tests:
        hidden += test.hidden
        if test.passed:
            continue
        name = f"hidden test {hidden} of task {task.id}" if test.hidden else test.name
        lines.append(f"- {markdown_code(name)}: {for_markdown(test.status)}")
        lines += [f"  - {for_markdown(line)}" for line in (test.message or "").strip().splitlines()]
    return lines


def feedback_markdown(report: GradeReport, entered: dict[str, float] | None = None) -> list[str]:
    """A student's feedback on a report: the tasks' table, each failed test, the notes (Markdown lines).

    A hidden test is only "hidden test N of task T" with its status and its
    (already reduced) message, never its name. ``entered``: the manual points
    a person gave, by task id (counted, no longer pending).
    """
    entered = entered or {}
    rows = [
        (
            for_markdown(task.id),
            for_markdown(task.title),
            for_markdown(task_points(task, entered.get(task.id))),
            for_markdown(task.describe(entered.get(task.id))),
        )
        for task in report.tasks
    ]
    lines = markdown_table(("Task", "Title", "Points", "Summary"), "llrl", rows)
    for task in report.tasks:
        if all(test.passed for test in task.tests):
            continue
        lines += ["", f"## Task {for_markdown(task.id)}: {for_markdown(task.title)}", ""]
        lines += _markdown_failures(task)
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
    lines = [f"Task {t.id} {t.title}: {task_points(t)} ({t.summary})" for t in report.tasks]
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
