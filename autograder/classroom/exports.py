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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..render import feedback_markdown as report_feedback
from ..render import plural, short_number, total_points
from ..results import GradeReport
from ..safe_text import csv_cell, for_html, for_markdown
from .gradebook import Extension, Gradebook, Graded, ManualScore
from .roster import NOT_IN_ROSTER

SAFE_NAME = re.compile(r"[^A-Za-z0-9._@-]+")
# A student's latest grading in grades.json: these fields of the gradebook's row, in this order, then the report.
JSON_FIELDS = (
    "status", "error", "source", "content_hash", "submitted_at", "time_source", "commit_at",
    "score", "max_score", "manual_score", "late_days", "grace_used", "grace_left", "penalty", "final_score",
)  # fmt: skip


@dataclass(frozen=True)
class StudentExtras:
    """What the gradebook holds of a student beside their gradings: manual points, extensions, roster."""

    manual: dict[str, ManualScore]  # by task id
    extensions: list[Extension]
    flag: str = ""  # NOT_IN_ROSTER, for an entry the roster does not name
    grace_days: int = 0  # the course's grace days per term (``[late] grace_days``)

    def entered(self, report: GradeReport | None) -> dict[str, float]:
        """The manual points entered for the report's tasks, by task id."""
        tasks = {t.id for t in report.tasks} if report else set()
        return {task_id: m.points for task_id, m in self.manual.items() if task_id in tasks}


def student_extras(book: Gradebook, grace_days: int = 0) -> dict[str, StudentExtras]:
    """Every student's :class:`StudentExtras`, by student id (``grace_days``: the course's, per term)."""
    manual, extensions = book.manual_points(), book.extensions()
    roster = book.roster_ids()
    extras = {}
    for student_id, _, _ in book.students():
        mine = {task_id: m for (s, task_id), m in manual.items() if s == student_id}
        flag = NOT_IN_ROSTER if roster and student_id not in roster else ""
        mine_extended = [e for e in extensions if e.student_id == student_id]
        extras[student_id] = StudentExtras(mine, mine_extended, flag, grace_days)
    return extras


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
    """One row per student, one column per task, then the totals, lateness and final score.

    ``submitted_at`` is the time lateness was counted from, and ``time_source``
    where it came from (``roster``, ``intake``, ``commit (trusted by the instructor)``).
    A task's column and ``total`` count the manual points entered (``manual``);
    ``max`` counts every manual point, and ``pending`` those not entered yet.
    ``late_days`` (after the student's extensions), ``grace_used`` (on this
    grading's modules), ``grace_left`` (of the term's), ``penalty`` (the
    fraction taken off) and ``final`` are as the gradebook settled them.
    Students of the roster without a submission have the status ``missing``
    and empty scores; ``flags`` names an entry the roster does not name
    (``not in roster``) and the tasks flagged ``tampered`` or ``suspicious``.
    Student ids, names and e-mails pass through :func:`~autograder.safe_text.csv_cell`.
    """
    latest = book.latest(scope)
    tasks = task_columns(latest)
    extras = student_extras(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        header = ["student_id", "name", "email", "status", "submitted_at", "time_source"]
        header += [f"task {task_id}" for task_id, _ in tasks]
        header += ["total", "max", "manual", "pending", "late_days", "grace_used", "grace_left", "penalty", "final"]
        writer.writerow(header + ["flags"])
        for student_id, name, email in book.students():
            graded, extra = latest.get(student_id), extras[student_id]
            student = [csv_cell(student_id), csv_cell(name), csv_cell(email)]
            if graded is None:
                blank = [""] * (len(header) - 4)
                writer.writerow([*student, "missing", *blank, extra.flag])
                continue
            row: list[Any] = student + [graded.status, graded.submitted_at or "", graded.time_source]
            row += _score_cells(graded, extra, [task_id for task_id, _ in tasks])
            flags = "; ".join(flag for flag in (extra.flag, _flags(graded.report)) if flag)
            writer.writerow([*row, flags])
    return path


def _score_cells(graded: Graded, extra: StudentExtras, tasks: list[str]) -> list[str]:
    """A graded row's cells from its tasks' columns to ``final``."""
    report = graded.report
    entered = extra.entered(report)
    scores = {t.id: t.score + entered.get(t.id, 0.0) for t in report.tasks} if report else {}
    manual = [t for t in report.tasks if not t.extra_credit and t.manual_points] if report else []
    pending = sum(t.manual_points for t in manual if t.id not in entered)
    totals = (
        graded.score + sum(entered.values()),
        graded.max_score + sum(t.manual_points for t in manual),
        sum(entered.values()),
        pending,
        graded.late_days,
        graded.grace_used,
        graded.grace_left,
        graded.penalty,
        graded.final_score,
    )
    return [short_number(scores.get(task_id)) for task_id in tasks] + [short_number(value) for value in totals]


def _flags(report: GradeReport | None) -> str:
    """The tasks flagged ``tampered`` or ``suspicious``: ``0.1 tampered; 0.3 suspicious``."""
    return "; ".join(f"{t.id} {t.flag}" for t in report.tasks if t.flag) if report else ""


def export_json(book: Gradebook, path: Path, scope: str | None = None) -> Path:
    """Every student with their latest grading and its full report, and every batch run."""
    latest = book.latest(scope)
    extras = student_extras(book)
    students = []
    for student_id, name, email in book.students():
        graded = latest.get(student_id)
        entry: dict[str, Any] = {"student_id": student_id, "name": name, "email": email}
        if graded is not None:
            entry |= {name: getattr(graded, name) for name in JSON_FIELDS}
            entry["report"] = graded.report.to_dict() if graded.report else None
        else:
            entry["status"] = "missing"
        extra = extras[student_id]
        entry["manual"] = [vars(m) for m in extra.manual.values()]
        entry["extensions"] = [vars(e) for e in extra.extensions]
        entry["in_roster"] = not extra.flag
        students.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"students": students, "runs": book.runs()}, indent=2) + "\n", encoding="utf-8")
    return path


def feedback_page(student_id: str, name: str, graded: Graded | None, extra: StudentExtras | None = None) -> str:
    """One student's feedback page in Markdown: the gradebook's row, then the report's part (render's).

    ``extra`` adds the student's extensions, lateness with grace days, and manual points (with their comments).
    """
    who = f"{name} ({student_id})" if name else student_id
    lines = [f"# Feedback for {for_markdown(who)}", ""]
    if graded is None:
        return "\n".join(lines + ["No submission was received.", ""])
    if graded.status != "graded":
        return "\n".join(lines + [f"Your submission could not be graded: {for_markdown(graded.error or '')}", ""])
    extra = extra or StudentExtras({}, [])
    entered = extra.entered(graded.report)
    total = total_points(graded.report, entered) if graded.report else short_number(graded.score)
    lines.append(f"Score: **{for_markdown(total)}**")
    if graded.submitted_at:
        lines.append(f"Submission time: {graded.submitted_at} (from: {graded.time_source or 'not recorded'})")
    lines += [f"Your due date for module {e.module} was extended to {e.due}" for e in extra.extensions]
    lines += _lateness_lines(graded, extra.grace_days)
    maxima = {t.id: t.manual_points for t in graded.report.tasks} if graded.report else {}
    for task_id, points in entered.items():
        comment = extra.manual[task_id].comment
        given = f"{short_number(points)}/{short_number(maxima.get(task_id, 0.0))}"
        lines.append(f"Manual points for task {for_markdown(task_id)}: **{given}**")
        lines += [f"Grader's comment: {for_markdown(comment)}"] if comment else []
    lines += ["", *report_feedback(graded.report, entered)] if graded.report else [""]
    return "\n".join(lines).rstrip() + "\n"


def _lateness_lines(graded: Graded, grace_days: int) -> list[str]:
    """Days late, the grace days used and left, the penalty and the final score; or the grace days left.

    Grace days are shown where the course gives some (``grace_days``), or the grading spent or left some.
    """
    shown = grace_days or graded.grace_used or graded.grace_left
    if not graded.late_days:
        return [f"Grace days left: {graded.grace_left} of {grace_days}"] if shown and grace_days else []
    grace = ""
    if shown:
        grace = f" ({plural(graded.grace_used, 'grace day')} used, {graded.grace_left} left)"
    return [
        f"Submitted {plural(graded.late_days, 'day')} late{grace}: {graded.penalty:.0%} off, "
        f"final score **{short_number(graded.final_score)}**"
    ]


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


def export_feedback(book: Gradebook, folder: Path, scope: str | None = None, grace_days: int = 0) -> list[Path]:
    """Write ``<student>.md`` and ``<student>.html`` for every student; return the Markdown paths.

    Args:
        book: The gradebook.
        folder: Where the pages go.
        scope: Each student's latest grading of this scope (of any, for None).
        grace_days: The course's grace days per term: every page then says how many are left.
    """
    folder.mkdir(parents=True, exist_ok=True)
    latest = book.latest(scope)
    extras = student_extras(book, grace_days)
    written = []
    for student_id, name, _ in book.students():
        markdown = feedback_page(student_id, name, latest.get(student_id), extras[student_id])
        stem = SAFE_NAME.sub("_", student_id) or "student"
        (folder / f"{stem}.md").write_text(markdown, encoding="utf-8")
        (folder / f"{stem}.html").write_text(markdown_to_html(markdown, f"Feedback: {student_id}"), encoding="utf-8")
        written.append(folder / f"{stem}.md")
    return written
