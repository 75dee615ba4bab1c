"""The class report's page in a real headless browser (Debian's Chromium): it loads offline, its images load,
and its tables hold the numbers of ``grades.csv``; identical failures are grouped, similar pairs listed apart
from the archive's, each with the code side by side.

The gradebook is written from hand-made reports (nothing graded), and the
page is opened from a file, as an instructor opens it. The browser reads
the page with a small script added to a copy of it (the page itself runs
none) and prints what it found into the DOM that ``--dump-dom`` returns.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

import pytest

from autograder.classroom.class_report import Comparison, write_class_report
from autograder.classroom.exports import export_csv
from autograder.classroom.gradebook import Gradebook
from autograder.classroom.intake import discover
from autograder.manifest import Course
from autograder.results import GradeReport, TaskResult, TestResult

from ..conftest import REPO
from .test_semester import store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (.ci/run installs Debian's chromium)")

PROBE = """<script>
window.addEventListener("load", () => {
  const cells = (row) => [...row.cells].map((c) => c.textContent);
  const rows = (selector) => [...document.querySelectorAll(selector)].map(cells);
  const found = {
    images: [...document.images].map((i) => [i.complete, i.naturalWidth, i.naturalHeight]),
    tasks: rows("#tasks tr[data-task]"),
    failures: rows("#failures tr[data-students]"),
    similar: [...document.querySelectorAll("#similar summary")].map((s) => s.textContent),
    archive: [...document.querySelectorAll("#archive summary")].map((s) => s.textContent),
    marked: document.querySelectorAll("#similar mark").length,
    sides: document.querySelectorAll("#similar .sides pre").length,
  };
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
});
</script>"""


def result(student: str, a_fails: str, b_passes: bool) -> GradeReport:
    """0.1's test a (failed with ``a_fails`` unless empty) and b, and 0.3 failed the same way by everyone."""
    tests = [TestResult("t::a", "failed" if a_fails else "passed", message=a_fails or None)]
    tests.append(TestResult("t::b", "passed" if b_passes else "failed", message="AssertionError: b is off"))
    shared = [TestResult("t::c", "failed", message="NotImplementedError: zip\nmore lines")]
    return GradeReport(student, "minitorch", "2026.12", [TaskResult("0.1", "Operators", 10.0, tests),
                                                          TaskResult("0.3", "Lists", 5.0, shared)])  # fmt: skip


def browse(page: Path, scratch: Path) -> dict[str, Any]:
    """What the probe found in ``page``, opened from its file by headless Chromium."""
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    flags += [
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={scratch}",
        "--virtual-time-budget=5000",
    ]
    done = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120, check=True
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    probe: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return probe


def test_the_page_loads_offline_with_its_images_and_the_numbers_of_grades_csv(course: Course, tmp_path: Path) -> None:
    operators = (REPO / "reference" / "minitorch" / "operators.py").read_text(encoding="utf-8")
    stubs = (course.template / "minitorch" / "operators.py").read_text(encoding="utf-8")  # nothing of cyd's own
    for folder, name in (("class", "ada"), ("class", "bob"), ("class", "cyd"), ("archive", "old")):
        (tmp_path / folder / name / "minitorch").mkdir(parents=True)
        text = operators if name != "cyd" else stubs
        (tmp_path / folder / name / "minitorch" / "operators.py").write_text(text, encoding="utf-8")
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        store(book, "ada", "ada", "h1", result("ada", "", True))
        store(book, "bob", "bob", "h2", result("bob", "AssertionError: a <script>alert(1)</script>", True))
        store(book, "cyd", "cyd", "h3", result("cyd", "AssertionError: a is off", False))
        comparison = Comparison(
            discover(tmp_path / "class"), files=["minitorch/operators.py"], archive=discover(tmp_path / "archive")
        )
        page = write_class_report(course, book, tmp_path / "report", comparison)
        grades = export_csv(book, tmp_path / "grades.csv")
    assert page.name == "index.html" and "<script" not in page.read_text(encoding="utf-8")
    probe = browse(page, tmp_path / "profile")

    assert len(probe["images"]) == 2 and all(i == [True, 640, 360] for i in probe["images"]), probe["images"]
    rows = list(csv.DictReader(grades.open(encoding="utf-8")))
    for task_id, _, students, mean, median, full, points in probe["tasks"]:
        scores = [float(r[f"task {task_id}"]) for r in rows if r["status"] == "graded"]
        full_marks = sum(s >= float(points) for s in scores) / len(scores)
        assert (int(students), float(mean), float(median)) == (
            len(scores), round(statistics.fmean(scores), 2), round(statistics.median(scores), 2)
        ), task_id  # fmt: skip
        assert full == f"{full_marks:.0%}"
    assert [t[0] for t in probe["tasks"]] == ["0.1", "0.3"]
    grouped = {(f[1], f[2]): (f[0], f[3]) for f in probe["failures"]}
    assert grouped[("t::c", "NotImplementedError: zip")] == ("3", "ada, bob, cyd")  # one row for the whole class
    assert grouped[("t::b", "AssertionError: b is off")] == ("1", "cyd")
    assert grouped[("t::a", "AssertionError: a <script>alert(1)</script>")] == ("1", "bob")  # shown as text
    assert probe["similar"] == ["ada and bob: minitorch/operators.py 100%"]  # cyd's stubs are the template's
    assert probe["sides"] == 2 and probe["marked"] > 10
    assert probe["archive"] == ["ada and archive: old: minitorch/operators.py 100%",
                                "bob and archive: old: minitorch/operators.py 100%"]  # fmt: skip
