"""Renderings of a :class:`~autograder.results.GradeReport` for people."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from .results import GradeReport, TaskResult

STYLE = {"passed": "green", "skipped": "yellow", "failed": "red", "error": "red"}


def _status_label(task: TaskResult) -> str:
    return "todo" if task.not_started else task.status


def print_table(report: GradeReport, console: Console | None = None, failures: int = 3) -> None:
    """Print the per-task table, then the first failures of each task."""
    console = console or Console(width=None if sys.stdout.isatty() else 110)
    table = Table(title=f"{report.course} {report.course_version}: {report.submission}")
    for column, justify in (("Task", "left"), ("Title", "left"), ("Tests", "right"), ("Points", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("Status")
    table.add_column("Summary")
    for task in report.tasks:
        passed = sum(t.passed for t in task.tests)
        style = STYLE.get(task.status, "magenta")
        table.add_row(
            task.id,
            task.title,
            f"{passed}/{len(task.tests)}",
            f"{task.score:g}/{task.points:g}",
            f"[{style}]{_status_label(task)}[/{style}]",
            task.summary,
        )
    table.add_section()
    table.add_row("", "Total", "", f"{report.score:g}/{report.max_score:g}", "", "")
    console.print(table)
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    for task in report.tasks:
        for note in task.notes:
            console.print(f"note ({task.id}): {note}", markup=False)
        if task.not_started:
            continue
        shown = [t for t in task.tests if not t.passed][:failures]
        for test in shown:
            name = "hidden test" if test.hidden else test.name
            first = (test.message or "").strip().splitlines()
            console.print(f"  {task.id} {test.status}: {name}: {first[0] if first else ''}", markup=False)


def to_markdown(report: GradeReport) -> str:
    """A Markdown table, for a CI job summary."""
    lines = [
        f"### {report.course} {report.course_version}: {report.submission}",
        "",
        "| Task | Title | Tests | Points | Status |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for task in report.tasks:
        passed = sum(t.passed for t in task.tests)
        cells = [
            task.id,
            task.title,
            f"{passed}/{len(task.tests)}",
            f"{task.score:g}/{task.points:g}",
            _status_label(task),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(f"| | **Total** | | **{report.score:g}/{report.max_score:g}** | |")
    return "\n".join(lines) + "\n"
