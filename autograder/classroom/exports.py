"""Grades out of the gradebook: a CSV for LMS gradebooks, the full JSON, and per-student feedback pages.

Each student's most recent grading of the scope counts. Feedback pages
show each task's score and each test's outcome with its student-visible
message; a hidden test appears only as "hidden test N of task T" with the
kind of error, never its name or source.

Every export renders the stored :class:`~autograder.results.GradeReport`
objects (read back once per row by the gradebook): the report's own parts
through :mod:`autograder.render`, its JSON form through
:meth:`~autograder.results.GradeReport.to_dict`.

Student ids, names, e-mails, file names and failure messages come from
submissions: each is escaped for where it lands (:mod:`autograder.safe_text`):
a CSV cell never starts a formula, Markdown and HTML show it as text.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from ..render import feedback_markdown as report_feedback
from ..render import plural, short_number
from ..results import GradeReport
from ..safe_text import csv_cell, for_html, for_markdown
from .gradebook import Gradebook, Graded

SAFE_NAME = re.compile(r"[^A-Za-z0-9._@-]+")
# A student's latest grading in grades.json: these fields of the gradebook's row, in this order, then the report.
JSON_FIELDS = (
    "status", "error", "source", "content_hash", "submitted_at", "time_source", "commit_at",
    "score", "max_score", "late_days", "penalty", "final_score",
)  # fmt: skip


def task_columns(latest: dict[str, Graded]) -> list[tuple[str, str]]:
    """Every task graded for anyone, in course order: (id, title)."""
    seen: dict[str, str] = {}
    for graded in latest.values():
        for task in graded.report.tasks if graded.report else []:
            seen.setdefault(task.id, task.title)
    return sorted(seen.items(), key=lambda item: _task_order(item[0]))


def _task_order(task_id: str) -> tuple[int, int, str]:
    module, _, rest = task_id.partition(".")
    number = "".join(c for c in rest if c.isdigit())
    return int(module), int(number or 0), rest


def export_csv(book: Gradebook, path: Path, scope: str | None = None) -> Path:
    """One row per student, one column per task, then total, late days, penalty and final score.

    ``submitted_at`` is the time lateness was counted from, and ``time_source``
    where it came from (``roster``, ``intake``, ``commit (trusted by the instructor)``).
    Students of the roster without a submission have the status ``missing``
    and empty scores; ``flags`` names the tasks flagged ``tampered`` or
    ``suspicious``. Student ids, names and e-mails pass through
    :func:`~autograder.safe_text.csv_cell`.
    """
    latest = book.latest(scope)
    tasks = task_columns(latest)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        header = ["student_id", "name", "email", "status", "submitted_at", "time_source"]
        header += [f"task {task_id}" for task_id, _ in tasks]
        header += ["total", "max", "late_days", "penalty", "final", "flags"]
        writer.writerow(header)
        for student_id, name, email in book.students():
            graded = latest.get(student_id)
            student = [csv_cell(student_id), csv_cell(name), csv_cell(email)]
            if graded is None:
                writer.writerow(student + ["missing", "", ""] + [""] * len(tasks) + ["", "", "", "", "", ""])
                continue
            scores = {t.id: t.score for t in graded.report.tasks} if graded.report else {}
            row: list[Any] = student + [graded.status, graded.submitted_at or "", graded.time_source]
            row += [short_number(scores.get(task_id)) for task_id, _ in tasks]
            totals = (graded.score, graded.max_score, graded.late_days, graded.penalty, graded.final_score)
            row += [short_number(value) for value in totals] + [_flags(graded.report)]
            writer.writerow(row)
    return path


def _flags(report: GradeReport | None) -> str:
    """The tasks flagged ``tampered`` or ``suspicious``: ``0.1 tampered; 0.3 suspicious``."""
    return "; ".join(f"{t.id} {t.flag}" for t in report.tasks if t.flag) if report else ""


def export_json(book: Gradebook, path: Path, scope: str | None = None) -> Path:
    """Every student with their latest grading and its full report, and every batch run."""
    latest = book.latest(scope)
    students = []
    for student_id, name, email in book.students():
        graded = latest.get(student_id)
        entry: dict[str, Any] = {"student_id": student_id, "name": name, "email": email}
        if graded is not None:
            entry |= {name: getattr(graded, name) for name in JSON_FIELDS}
            entry["report"] = graded.report.to_dict() if graded.report else None
        else:
            entry["status"] = "missing"
        students.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"students": students, "runs": book.runs()}, indent=2) + "\n", encoding="utf-8")
    return path


def feedback_page(student_id: str, name: str, graded: Graded | None) -> str:
    """One student's feedback page in Markdown: the gradebook's row, then the report's part (render's)."""
    who = f"{name} ({student_id})" if name else student_id
    lines = [f"# Feedback for {for_markdown(who)}", ""]
    if graded is None:
        return "\n".join(lines + ["No submission was received.", ""])
    if graded.status != "graded":
        return "\n".join(lines + [f"Your submission could not be graded: {for_markdown(graded.error or '')}", ""])
    lines.append(f"Score: **{short_number(graded.score)}/{short_number(graded.max_score)}**")
    if graded.submitted_at:
        lines.append(f"Submission time: {graded.submitted_at} (from: {graded.time_source or 'not recorded'})")
    if graded.late_days:
        lines.append(
            f"Submitted {plural(graded.late_days, 'day')} late: {graded.penalty:.0%} off, "
            f"final score **{short_number(graded.final_score)}**"
        )
    lines += ["", *report_feedback(graded.report)] if graded.report else [""]
    return "\n".join(lines).rstrip() + "\n"


def markdown_to_html(markdown: str, title: str) -> str:
    """The small Markdown of a feedback page as a standalone HTML page (headings, a table, lists, bold, code).

    A list item's own items (``  - ``: the lines of a failure's message) are a list inside it.
    """
    body: list[str] = []
    in_list = in_sublist = in_table = False
    for line in markdown.splitlines():
        if in_sublist and not line.startswith("  - "):
            body[-1] += "</ul>"
            in_sublist = False
        if in_list and not line.startswith(("- ", "  - ")):
            body[-1] += "</li>"
            body.append("</ul>")
            in_list = False
        if in_table and not line.startswith("|"):
            body.append("</table>")
            in_table = False
        if line.startswith("# "):
            body.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("- "):
            if in_list:
                body[-1] += "</li>"
            else:
                body.append("<ul>")
            in_list = True
            body.append(f"<li>{_inline(line[2:])}")
        elif line.startswith("  - ") and in_list:  # a failure's lines, under its test
            body += [] if in_sublist else ["<ul>"]
            in_sublist = True
            body.append(f"<li>{_inline(line[4:])}</li>")
        elif line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if all(set(c) <= set("-: ") for c in cells):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells))
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    if in_list:
        body[-1] += "</ul></li>" if in_sublist else "</li>"
        body.append("</ul>")
    body += ["</table>"] if in_table else []
    style = "body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{border:1px solid #ccc;padding:.3em}"
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{for_html(title)}</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


# Inline Markdown, token by token: a backslash escape, a code span (a whole run of backticks, then text, then a
# run exactly as long), bold's `**`, a lone run of backticks, and plain text; every character is in one token.
INLINE_TOKEN = re.compile(r"\\([!-/:-@\[-`{-~])|(`+)(?!`)(.+?)(?<!`)\2(?!`)|\*\*|`+|[^\\`*]+|[\\*]", re.DOTALL)


def _inline(text: str) -> str:
    """One line of inline Markdown as HTML: escapes, code spans and bold; everything else is text."""
    parts: list[str] = []
    bold = False
    for match in INLINE_TOKEN.finditer(text):
        escaped, code = match.group(1), match.group(3)
        if escaped is not None:
            parts.append(for_html(escaped))
        elif code is not None:
            if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
                code = code[1:-1]
            parts.append(f"<code>{for_html(code)}</code>")
        elif match.group(0) == "**":
            parts.append("</b>" if bold else "<b>")
            bold = not bold
        else:
            parts.append(for_html(match.group(0)))
    return "".join(parts) + ("</b>" if bold else "")


def export_feedback(book: Gradebook, folder: Path, scope: str | None = None) -> list[Path]:
    """Write ``<student>.md`` and ``<student>.html`` for every student; return the Markdown paths."""
    folder.mkdir(parents=True, exist_ok=True)
    latest = book.latest(scope)
    written = []
    for student_id, name, _ in book.students():
        markdown = feedback_page(student_id, name, latest.get(student_id))
        stem = SAFE_NAME.sub("_", student_id) or "student"
        (folder / f"{stem}.md").write_text(markdown, encoding="utf-8")
        (folder / f"{stem}.html").write_text(markdown_to_html(markdown, f"Feedback: {student_id}"), encoding="utf-8")
        written.append(folder / f"{stem}.md")
    return written
