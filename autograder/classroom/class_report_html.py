"""The class report as one self-contained HTML page (``report/index.html``): it opens offline, from anywhere.

Its histograms are embedded as ``data:`` images, its style inline, and it
runs no script. Every string from a submission (student ids, test ids,
failure messages, code) goes through :func:`~autograder.safe_text.for_html`.

The tables carry the numbers as their cells' text, and ``id`` and
``data-*`` attributes say which is which, for people and tests alike:
``#tasks`` (a row per task, ``data-task``), ``#failures`` (a row per shared
failure, ``data-students``), ``#similar`` and ``#archive`` (a block per
pair, each file's code side by side, the lines both hold marked).
"""

from __future__ import annotations

import base64
from pathlib import Path

from ..safe_text import for_html
from .class_report import SIMILARITY_THRESHOLD, ClassReport, SimilarPair

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:80em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
img{max-width:100%;border:1px solid #ddd;margin:.5em 0}code,pre{font-family:ui-monospace,monospace}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:.5em}.sides pre{margin:0;overflow:auto;max-height:40em;
border:1px solid #ddd;padding:.5em;font-size:.85em;background:#fafafa}mark{background:#ffe08a}
details{margin:.5em 0}summary{cursor:pointer}
"""
SHARED_LINE_CHARS = 8  # a line counts as shared when both files hold it, stripped, and it is at least this long


def render_html(report: ClassReport) -> str:
    """The whole page."""
    body = ["<h1>Class report</h1>"]
    body += _tasks(report) + _histograms(report) + _failures(report)
    if report.pairs is not None:
        title = f"Similar submissions (files with at least {SIMILARITY_THRESHOLD:.0%} shared, for review)"
        body += _pairs("similar", title, report.pairs)
        body += [f"<p>Not compared: {for_html(reason)}</p>" for reason in report.unreadable]
    if report.archive_pairs is not None:
        body += _pairs("archive", "Similar to the archive (past work, for review)", report.archive_pairs)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Class report</title>'
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _tasks(report: ClassReport) -> list[str]:
    rows = [
        f'<tr data-task="{for_html(t.task_id)}"><td>{for_html(t.task_id)}</td><td>{for_html(t.title)}</td>'
        f'<td class="n">{len(t.scores)}</td><td class="n">{t.mean:.2f}</td><td class="n">{t.median:.2f}</td>'
        f'<td class="n">{t.full_marks:.0%}</td><td class="n">{t.points:g}</td></tr>'
        for t in report.stats
    ]
    head = "<tr><th>Task</th><th>Title</th><th>Students</th><th>Mean</th><th>Median</th><th>Full marks</th>"
    return ["<h2>Tasks</h2>", '<table id="tasks">', head + "<th>Points</th></tr>", *rows, "</table>"]


def _histograms(report: ClassReport) -> list[str]:
    lines = ["<h2>Histograms</h2>", "<p>Students per score, one bar per score.</p>"]
    for task, path in zip(report.stats, report.histograms):
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        alt = for_html(f"Task {task.task_id}: students per score")
        lines.append(f'<img src="data:image/png;base64,{data}" alt="{alt}" width="640" height="360">')
    return lines


def _failures(report: ClassReport) -> list[str]:
    lines = ["<h2>Failures shared across the class</h2>"]
    if not report.groups:
        return [*lines, "<p>None.</p>"]
    lines += [
        "<p>Each row is one test failing with the same first line of message; answer it once for all its students.</p>",
        '<table id="failures"><tr><th>Students</th><th>Test</th><th>Message</th><th>Who</th></tr>',
    ]
    for group in report.groups:
        who = ", ".join(group.students)
        lines.append(
            f'<tr data-students="{len(group.students)}"><td class="n">{len(group.students)}</td>'
            f"<td><code>{for_html(group.test)}</code></td><td><code>{for_html(group.message)}</code></td>"
            f"<td>{for_html(who)}</td></tr>"
        )
    return [*lines, "</table>"]


def _pairs(section: str, title: str, pairs: list[SimilarPair]) -> list[str]:
    lines = [f"<h2>{for_html(title)}</h2>", f'<div id="{section}">']
    if not pairs:
        lines.append("<p>None.</p>")
    for pair in pairs:
        files = ", ".join(f"{name} {similarity:.0%}" for name, similarity in pair.files)
        lines.append(
            f"<details><summary>{for_html(pair.first)} and {for_html(pair.second)}: {for_html(files)}</summary>"
        )
        for name, _ in pair.files:
            first, second = pair.code.get(name, ("", ""))
            lines.append(f"<p><code>{for_html(name)}</code></p>")
            lines.append(f'<div class="sides">{_code(first, second)}{_code(second, first)}</div>')
        lines.append("</details>")
    return [*lines, "</div>"]


def _code(text: str, other: str) -> str:
    """``text`` as a block, its lines that ``other`` holds too marked."""
    theirs = {line.strip() for line in other.splitlines() if len(line.strip()) >= SHARED_LINE_CHARS}
    shown = [
        f"<mark>{for_html(line)}</mark>" if line.strip() in theirs else for_html(line) for line in text.splitlines()
    ]
    return "<pre>" + "\n".join(shown) + "</pre>"
