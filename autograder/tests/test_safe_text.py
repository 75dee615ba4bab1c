"""Text a submission chooses is shown as text: in the terminal, Markdown, HTML, Gradescope and the CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from autograder.classroom.batch import BatchProgress, Outcome
from autograder.classroom.class_report import ClassReport, FailureGroup, SimilarPair, pair_lines, write_class_report
from autograder.classroom.class_report_html import render_html
from autograder.classroom.exports import export_csv, export_feedback, markdown_to_html
from autograder.classroom.gradebook import Gradebook, GradingRecord
from autograder.classroom.intake import Entry
from autograder.cli import main
from autograder.manifest import Course
from autograder.render import print_table, to_gradescope, to_markdown
from autograder.results import GradeReport, TaskResult, TestResult
from autograder.safe_text import csv_cell, for_html, for_markdown, for_rich, for_terminal, markdown_code

# Clears the screen, homes the cursor and forges a total; then a C1 CSI, a right-to-left override, Rich markup,
# an HTML tag, a Markdown link to a script, a table pipe, and a lone surrogate (an undecodable file name byte).
FORGED = "\x1b[2J\x1b[HTOTAL 50/50\r"
HOSTILE = (
    FORGED + "\x9b31mred \u202egnp.exe [bold red]x[/bold red] [link=javascript:alert(1)]y[/link] "
    "<script>alert(1)</script> [click](javascript:alert(2)) a|b `c` **d** \udce9"
)
STORABLE = HOSTILE.replace("\udce9", "")  # SQLite stores no lone surrogate
HONEST = "assert 1.5 == 2.0 (café, 中文, 👨\u200d👩\u200d👧, ✔\ufe0f, C:\\Users\\ada)"
FORMULA = '=HYPERLINK("http://x","y")'
MARKDOWN = MarkdownIt("commonmark").enable("table")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours, when it writes to a terminal


def unsafe(text: str, allowed: str = "\n") -> list[str]:
    """The characters of ``text`` that a terminal or a viewer would obey rather than show."""
    reordering = {"\u061c", "\u200e", "\u200f", "\u2028", "\u2029"} | {chr(c) for c in range(0x202A, 0x202F)}
    reordering |= {chr(c) for c in range(0x2066, 0x206A)}
    return [
        c
        for c in text
        if c not in allowed
        and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in reordering or unicodedata.category(c) == "Cs")
    ]


def hostile_report(payload: str = HOSTILE) -> GradeReport:
    tests = [
        TestResult("tests/test_operators.py::test_relu", "passed"),
        TestResult(f"tests/test_mine.py::test_x[{payload}]", "failed", message=f"AssertionError: {payload}\nline 2"),
        TestResult("tests/hidden/test_h.py::test_h", "failed", hidden=True, message="AssertionError in a hidden test"),
    ]
    task = TaskResult("0.1", "Operators", 10, tests=tests, notes=[f"minitorch/{payload}.py is missing"])
    empty = TaskResult("0.2", "Testing", 5, notes=[f"ignored: {payload}"])  # its summary is its notes
    return GradeReport(f"ada{payload}", "minitorch", "2026.12", [task, empty], notes=[f"ignored: {payload}"])


# --- the functions, one by one ---


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
        ("50/50\roverwritten", "50/50\\roverwritten"),
        ("\x9b31m", "\\x9b31m"),
        ("\x00\x07\x08\x7f", "\\x00\\x07\\x08\\x7f"),
        ("abc\u202eexe.txt", "abc\\u202eexe.txt"),
        ("\u2066\u2067\u2068\u2069\u200f", "\\u2066\\u2067\\u2068\\u2069\\u200f"),
        ("a\u2028b", "a\\u2028b"),
        ("caf\udce9.py", "caf\\udce9.py"),
        ("one\ntwo\tthree", "one\\ntwo\\tthree"),
    ],
)
def test_terminal_text_shows_control_characters_escaped(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown
    assert not unsafe(for_terminal(raw), allowed="")
    shown.encode("utf-8")  # a lone surrogate would not even encode


def test_multiline_terminal_text_keeps_its_lines_but_not_carriage_returns() -> None:
    assert for_terminal("first\r\nsecond\n\tthird\rX", multiline=True) == "first\nsecond\n\tthird\\rX"
    assert for_terminal("first\nsecond") == "first\\nsecond"


def test_honest_text_reads_the_same() -> None:
    assert for_terminal(HONEST) == HONEST
    assert for_terminal(HONEST, multiline=True) == HONEST
    assert for_rich("plain words 1 < 2") == "plain words 1 < 2"
    words = "café 中文 👨\u200d👩\u200d👧 test (2 days) #3"
    assert for_markdown(words) == words
    assert for_html("café 中文 ✔\ufe0f") == "café 中文 ✔\ufe0f"
    assert csv_cell("Ada Lovelace") == "Ada Lovelace" and csv_cell("ada@example.com") == "ada@example.com"


@pytest.mark.parametrize("markup", ["[red]x[/red]", "[link=https://evil.example]click[/link]", "[bold]\x1b[2Jx"])
def test_rich_markup_is_printed_as_written(markup: str) -> None:
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(for_rich(markup))
    assert buffer.getvalue() == for_terminal(markup) + "\n"


def test_markdown_text_and_cells_render_as_the_text() -> None:
    cell = for_markdown("a|b <script>alert(1)</script> [x](javascript:y) `c` **d** _e_ \x1b[2J")
    html = MARKDOWN.render(f"| name | note |\n| --- | --- |\n| {cell} | ok |\n")
    assert html.count("<td>") == 2  # the pipe did not split the cell
    assert "<script" not in html and "<a " not in html and "<code>" not in html and "<strong>" not in html
    assert "a|b &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:y) `c` **d** _e_ \\x1b[2J" in html


def test_markdown_code_spans_hold_any_backticks() -> None:
    for text in ["a`b``c", "`x", "x`", "plain", "<b>|"]:
        html = MARKDOWN.render(markdown_code(text))
        assert html == f"<p><code>{for_html(text)}</code></p>\n", (text, html)
    assert markdown_code("\x1b[2J") == "`\\x1b[2J`"


def test_html_text_is_escaped() -> None:
    escaped = "&lt;script&gt;&quot;x&quot;&amp;&#x27;y&#x27;&lt;/script&gt;\\x1b"
    assert for_html("<script>\"x\"&'y'</script>\x1b") == escaped


@pytest.mark.parametrize("formula", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "  =1+1", FORMULA])
def test_csv_cells_that_would_start_a_formula_are_text(formula: str) -> None:
    cell = csv_cell(formula)
    assert cell.startswith("'") and cell[1:] == for_terminal(formula)


def test_csv_numbers_stay_numbers() -> None:
    assert csv_cell(3) == 3 and csv_cell(-2.5) == -2.5 and csv_cell(None) is None


# --- every rendering of a hostile report ---


@pytest.mark.parametrize("terminal", [False, True])
def test_the_terminal_table_shows_hostile_text_escaped(terminal: bool) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=400, force_terminal=terminal, color_system="standard" if terminal else None)
    print_table(hostile_report(), console)
    shown = SGR.sub("", buffer.getvalue())
    assert not unsafe(shown), unsafe(shown)
    assert "\\x1b[2J\\x1b[HTOTAL 50/50\\r\\x9b31mred \\u202egnp.exe [bold red]x[/bold red]" in shown
    assert "[link=javascript:alert(1)]y[/link]" in shown and "\\udce9" in shown
    forged = [line for line in shown.splitlines() if "TOTAL 50/50" in line]
    # the title, 0.2's summary, three notes, a failure's name and message: each shows the forged total escaped
    assert len(forged) == 7 and all("\\x1b[H" in line for line in forged)
    assert "0.1 failed: tests/test_mine.py::test_x[" in shown and "      line 2" in shown  # every line, indented
    assert re.search(r"Total\s*│\s*│\s*3\.33/15", shown)  # the real total row is intact


def test_the_markdown_summary_shows_the_label_as_text() -> None:
    text = to_markdown(hostile_report())
    assert not unsafe(text)
    html = MARKDOWN.render(text)
    assert "<script" not in html and "<a " not in html
    assert "| 0.1 | Operators | 1/3 | 3.33/10 | failed |" in text
    assert html.count("<tr>") == 4  # header, two tasks, total: the label did not add a row


def test_gradescope_results_are_text_with_controls_escaped() -> None:
    results = to_gradescope(hostile_report())
    assert {results["output_format"], results["test_output_format"], results["test_name_format"]} == {"text"}
    fields = [results["output"]] + [t["name"] for t in results["tests"]] + [t["output"] for t in results["tests"]]
    assert not any(unsafe(f) for f in fields)
    failed = results["tests"][1]
    assert failed["output"].startswith("failed: AssertionError: \\x1b[2J") and failed["output"].endswith("\nline 2")
    assert "[bold red]x[/bold red]" in failed["name"]
    assert "note: ignored: \\x1b[2J" in results["output"]
    json.dumps(results).encode("utf-8")


def _hostile_gradebook(path: Path) -> Gradebook:
    book = Gradebook(path)
    run = book.start_run("v", "all", 1)
    graded = GradingRecord(
        student_id=FORMULA,
        source="entry",
        content_hash="h",
        course_version="v",
        scope="all",
        run_id=run,
        status="graded",
        report=hostile_report(STORABLE),
        student_name="+cmd|' /C calc'!A0",
        email="@SUM(1+1)\x1b[2J",
    )
    book.record(graded)
    rejected = GradingRecord(
        student_id="-ann",
        source="ann.zip",
        content_hash="z",
        course_version="v",
        scope="all",
        run_id=run,
        status="rejected",
        student_name="Ann <b>",
        email="ann@example.com",
        error=f"ann.zip: {STORABLE!r} is a link; links are not accepted",
    )
    book.record(rejected)
    book.add_student("zed", "Zed", "zed@example.com")
    return book


def test_the_csv_holds_no_formula(tmp_path: Path) -> None:
    with _hostile_gradebook(tmp_path / "book.sqlite") as book:
        export_csv(book, tmp_path / "grades.csv")
    text = (tmp_path / "grades.csv").read_text(encoding="utf-8")
    assert "\x1b" not in text
    rows = {row["final"]: row for row in csv.DictReader(io.StringIO(text))}
    evil = rows["3.33"]
    assert evil["student_id"] == "'" + FORMULA and evil["name"] == "'+cmd|' /C calc'!A0"
    assert evil["email"] == "'@SUM(1+1)\\x1b[2J"
    assert (evil["task 0.1"], evil["total"], evil["max"]) == ("3.33", "3.33", "15")  # numbers stay numbers
    assert rows["0"]["student_id"] == "'-ann" and rows["0"]["status"] == "rejected"
    assert rows[""]["student_id"] == "zed" and rows[""]["status"] == "missing"


def test_feedback_pages_show_hostile_text_as_text(tmp_path: Path) -> None:
    with _hostile_gradebook(tmp_path / "book.sqlite") as book:
        written = export_feedback(book, tmp_path / "feedback")
    for markdown_path in written:
        markdown = markdown_path.read_text(encoding="utf-8")
        page = markdown_path.with_suffix(".html").read_text(encoding="utf-8")
        for html in (page, MARKDOWN.render(markdown)):
            assert not unsafe(html), (markdown_path.name, unsafe(html))
            assert "<script" not in html and "<a " not in html and "<link" not in html, markdown_path.name
    evil = next(p for p in written if "HYPERLINK" in p.name).with_suffix(".html").read_text(encoding="utf-8")
    assert "<title>Feedback: =HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</title>" in evil
    assert "Score: <b>3.33/15</b>" in evil  # our own Markdown still renders
    assert "<code>tests/test_mine.py::test_x[\\x1b[2J\\x1b[HTOTAL 50/50\\r\\x9b31mred" in evil
    assert "<li>AssertionError: \\x1b[2J" in evil and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil
    assert "[click](javascript:alert(2)) a|b `c` **d**" in evil
    assert "<tr><td>0.2</td><td>Testing</td><td>0/5</td><td>ignored: \\x1b[2J" in evil  # one cell, pipe kept
    rejected = (tmp_path / "feedback" / "-ann.html").read_text(encoding="utf-8")
    assert "could not be graded: ann.zip: &#x27;\\x1b[2J" in rejected and "Ann &lt;b&gt;" in rejected


def test_markdown_to_html_reads_escapes_code_and_bold() -> None:
    page = markdown_to_html("| a | b \\| c |\n| --- | --- |\n| `x*y_` | **z** \\*w\\* |\n- ``a`b`` \\<i\\>", "t")
    assert "<tr><th>a</th><th>b | c</th>" in page
    assert "<tr><td><code>x*y_</code></td><td><b>z</b> *w*</td>" in page
    assert "<li><code>a`b</code> &lt;i&gt;</li>" in page


def test_class_report_shows_test_ids_and_students_as_text(course: Course, tmp_path: Path) -> None:
    with _hostile_gradebook(tmp_path / "book.sqlite") as book:
        page = write_class_report(course, book, tmp_path / "report").read_text(encoding="utf-8")
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    html = MARKDOWN.render(markdown)
    assert not unsafe(markdown) and not unsafe(html) and not unsafe(page)
    assert "<script" not in html and "<a " not in html
    assert "<li>1 student: <code>tests/test_mine.py::test_x[\\x1b[2J\\x1b[HTOTAL 50/50" in html
    assert "<script" not in page and "<a " not in page and "<td><code>tests/test_mine.py::test_x[\\x1b[2J" in page
    pairs = MARKDOWN.render("\n".join(pair_lines([SimilarPair(FORMULA + "<script>", "b|c\x1b", (("m`x.py", 0.9),))])))
    assert pairs == (
        "<ul>\n<li>=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)&lt;script&gt; and b|c\\x1b: <code>m`x.py</code> "
        "90%</li>\n</ul>\n"
    )


def test_the_class_page_shows_code_names_and_messages_from_submissions_as_text() -> None:
    """A submission's code, an archive entry's name, a student id and a failure message cannot become markup."""
    code = '</pre><script>alert(1)</script>\n<img src=x onerror="alert(2)">' + FORGED
    pair = SimilarPair(
        f"ada{FORGED}", "archive: <img src=x onerror=alert(3)>", (("m.py", 0.9),), {"m.py": (code, code)}
    )
    group = FailureGroup("t::<b>x</b>", f"AssertionError: </td><script>{FORGED}", (FORMULA, "<i>bob</i>"))
    page = render_html(ClassReport([], [], [group], [], pairs=[], archive_pairs=[replace(pair, archived=True)]))
    assert "<script" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert not unsafe(page)
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;i&gt;bob&lt;/i&gt;" in page


def test_batch_progress_lines_are_escaped(tmp_path: Path) -> None:
    lines: list[str] = []
    progress = BatchProgress(1, lines.append, live=False)
    entry = Entry(f"{FORGED}.zip", tmp_path / "x.zip", "zip", f"ada{FORGED}")
    progress.begin()
    progress.end(Outcome(entry, "rejected", message=f"x.zip: {HOSTILE!r} is a link"))
    [line] = lines
    assert not unsafe(line, allowed="") and line.startswith("[1/1] ada\\x1b[2J\\x1b[HTOTAL 50/50\\r: rejected")


def test_command_line_errors_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--course", str(tmp_path / f"course{FORGED}"), "grade"]) == 2
    error = capsys.readouterr().err
    assert not unsafe(error) and "course\\x1b[2J\\x1b[HTOTAL 50/50\\r" in error
