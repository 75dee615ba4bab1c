"""``make verify``: is the assignment itself sound?

Checks, each printed as one ``ok``/``FAIL`` line:

- reference: the reference scores full points on every task, hidden tests included;
- template: the released tree scores 0 on every task and every task has tests
  (an import error in a stub would show up here as ``error``);
- stubs: for each task T, the reference with only T's regions stripped loses
  all of T's points, so T's tests really exercise T's code;
- sync: the committed student tree equals a fresh release;
- leak: no solution line, marker, hidden test file or hidden test name is in
  the student tree;
- mutation: each task's tests catch at least 90% of the bugs planted for it
  (:mod:`autograder.planted_bugs`), with the score of every task printed.
"""

from __future__ import annotations

import filecmp
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grade import grade, share_cores
from .manifest import Course, Task
from .markers import BEGIN, END
from .planted_bugs import MIN_SCORE, format_scores, run_planted_bugs, score_problems, task_scores
from .release import build_student_tree, write_solution_tree
from .results import GradeReport
from .submission import Submission, reference_submission

LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Solution lines shorter than this (``return x``) are too common to call a leak.
MIN_LEAK_CHARS = 16
TEST_NAME = re.compile(r"^\s*def (test_\w+)", re.MULTILINE)


class Check:
    """Collects the outcome of each named check and prints it as it goes."""

    def __init__(self, echo: Callable[[str], None] = print) -> None:
        self.failures: list[str] = []
        self.echo = echo

    def __call__(self, name: str, problems: list[str]) -> None:
        """Record one check: it passed when ``problems`` is empty."""
        if problems:
            self.failures.append(name)
            self.echo(f"FAIL {name}")
            for problem in problems[:20]:
                self.echo(f"     {problem}")
            if len(problems) > 20:
                self.echo(f"     ... and {len(problems) - 20} more")
        else:
            self.echo(f"ok   {name}")


def verify(course: Course, echo: Callable[[str], None] = print, jobs: int = 2) -> bool:
    """Run every check; return whether all passed.

    The gradings are independent, so ``jobs`` of them run at a time (each
    grading's children are processes; the threads here only wait on them).
    Results are reported in course order whatever finishes first.
    """
    check = Check(echo)
    template = Submission("student_template", (("", course.template),))
    with tempfile.TemporaryDirectory(prefix="verify-") as tmp, ThreadPoolExecutor(max_workers=jobs) as pool:
        threads = share_cores(jobs)
        reference = pool.submit(grade, course, reference_submission(course), threads=threads)
        released = pool.submit(grade, course, template, threads=threads)
        stripped = [(task, pool.submit(_grade_stripped, course, task, Path(tmp), threads)) for task in course.tasks]
        check("reference scores full points", _full_points(reference.result()))
        check("template scores 0 on every task", _zero_points(released.result(), every_task_graded=True))
        for task, report in stripped:
            check(f"stripping {task.id} loses its points", _zero_points(report.result(), every_task_graded=False))
        fresh = Path(tmp) / "fresh"
        fresh.mkdir()
        build_student_tree(course, fresh)
        check("student_template equals a fresh `make student`", compare_trees(fresh, course.template))
    check("no solution or hidden test leaks into student_template", find_leaks(course, course.template))
    started = time.monotonic()
    scores = task_scores(course, run_planted_bugs(course, jobs=jobs))
    echo(f"     mutation score per task ({time.monotonic() - started:.0f} s):")
    for line in format_scores(scores):
        echo(f"     {line}")
    check(f"every task's tests catch at least {MIN_SCORE:.0%} of its planted bugs", score_problems(scores))
    return not check.failures


def _grade_stripped(course: Course, task: Task, scratch: Path, threads: int) -> GradeReport:
    """Grade ``task`` on the reference with only ``task``'s solution regions stripped."""
    tree = scratch / task.marker
    write_solution_tree(course, tree, strip={task.marker_id})
    submission = Submission(f"reference without {task.id}", (("", tree),))
    return grade(course, submission, task_ids=[task.id], threads=threads)


def _full_points(report: GradeReport) -> list[str]:
    return [
        f"{t.id}: {t.score:g}/{t.points:g} ({t.summary}) " + "; ".join(x.name for x in t.tests if not x.passed)
        for t in report.tasks
        if t.score < t.points
    ]


def _zero_points(report: GradeReport, every_task_graded: bool) -> list[str]:
    problems = [f"{t.id}: scored {t.score:g} ({t.summary})" for t in report.tasks if t.score > 0]
    if every_task_graded:
        problems += [f"{t.id}: {t.summary}" for t in report.tasks if not t.tests or t.status == "error"]
    return problems


def compare_trees(expected: Path, actual: Path) -> list[str]:
    """Differences between two folders: missing, extra and differing files."""
    want = {p.relative_to(expected) for p in _files(expected)}
    have = {p.relative_to(actual) for p in _files(actual)} if actual.is_dir() else set()
    problems = [f"missing: {p}" for p in sorted(want - have)]
    problems += [f"not generated (stale): {p}" for p in sorted(have - want)]
    for path in sorted(want & have):
        if not filecmp.cmp(expected / path, actual / path, shallow=False):
            problems.append(f"differs: {path} (run `make student`)")
    return problems


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def solution_lines(course: Course) -> set[str]:
    """Distinctive lines of every solution region of the reference and the tests."""
    assert course.reference is not None
    inside: set[str] = set()
    outside: set[str] = set()
    sources = [course.reference] + [m.public_tests for m in course.modules] + [m.root for m in course.modules]
    for source in sources:
        for path in source.rglob("*"):
            if path.suffix not in (".py", ".ipynb") or not path.is_file():
                continue
            region = False
            for raw in path.read_text(encoding="utf-8").splitlines():
                line = raw.strip().strip('",').replace("\\n", "").strip()
                if BEGIN.match(raw.strip()) or "### BEGIN SOLUTION" in raw:
                    region = True
                elif END.match(raw.strip()) or "### END SOLUTION" in raw:
                    region = False
                elif line:
                    (inside if region else outside).add(line)
    distinctive = {line for line in inside - outside if len(line.replace(" ", "")) >= MIN_LEAK_CHARS}
    public_text = "\n".join(outside)
    return {line for line in distinctive if line not in public_text}


def find_leaks(course: Course, tree: Path) -> list[str]:
    """Solution lines, markers, hidden files and hidden test names found in ``tree``."""
    secrets = solution_lines(course)
    hidden_files = {f for task in course.tasks for f in task.hidden_tests}
    hidden_names = {name for file in hidden_files for name in TEST_NAME.findall(file.read_text(encoding="utf-8"))}
    problems = []
    for path in sorted(_files(tree)):
        relative = path.relative_to(tree)
        if path.name in {f.name for f in hidden_files}:
            problems.append(f"{relative}: hidden test file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        problems += [f"{relative}: marker {marker!r}" for marker in LEAK_MARKERS if marker in text]
        problems += [f"{relative}: solution line {line!r}" for line in sorted(secrets) if line in text]
        problems += [f"{relative}: hidden test name {name!r}" for name in sorted(hidden_names) if name in text]
    return problems
