"""``make verify``: is the assignment itself sound?

Checks, each printed as one ``ok``/``FAIL`` line:

- reference: the reference scores full points on every task, hidden tests included;
- checks: every task graded by course tests has trusted checks (the write-ups and
  the tasks of student-written tests alone are graded otherwise);
- template: the released tree scores 0 on every task and every task has tests
  (an import error in a stub would show up here as ``error``);
- stubs: for each task T, the reference with only T's regions stripped loses
  all of T's points, so T's tests really exercise T's code;
- sync: the committed student tree equals a fresh release;
- leak: no solution line, marker, hidden test file or hidden test name is in
  the student tree;
- releases: the release of modules 0..N builds for every N (its library
  files found, its tests collected on its stubs) and does not leak;
- mutation: each task's tests catch at least 90% of the bugs planted for it
  (:mod:`autograder.audit.planted_bugs`), with the score of every task printed.
"""

from __future__ import annotations

import dataclasses
import filecmp
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..authoring.leaks import files_of, find_leaks
from ..authoring.release import build_student_tree, write_solution_tree
from ..grading.context import CHECKS_PREFIX
from ..grading.grade import grade
from ..grading.run import GradingOptions, share_cores
from ..manifest import Course, ManifestError, Task
from ..results import GradeReport
from ..submission import Submission, reference_submission
from .planted_bugs import MIN_SCORE, format_scores, gradable, run_planted_bugs, score_problems, task_scores


class Check:
    """Collects the outcome of each named check and prints it as it goes, with the seconds since verify began.

    The gradings run side by side, so a check's time is when its result was known, not what it cost alone.
    """

    def __init__(self, echo: Callable[[str], None] = print) -> None:
        self.failures: list[str] = []
        self.echo = echo
        self.started = time.monotonic()

    def __call__(self, name: str, problems: list[str]) -> None:
        """Record one check: it passed when ``problems`` is empty."""
        name = f"{name} ({time.monotonic() - self.started:.0f} s in)"
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
        options = GradingOptions(threads=share_cores(jobs))
        # The template and the stripped trees must score 0; how their tests fail is read by nobody.
        failing = dataclasses.replace(options, shrink=False)
        reference = pool.submit(grade, course, reference_submission(course), options=options)
        released = pool.submit(grade, course, template, options=failing)
        stripped = [(task, pool.submit(_grade_stripped, course, task, Path(tmp), failing)) for task in course.tasks]
        check("reference scores full points", _full_points(reference.result()))
        check("every task graded by course tests has trusted checks", _unchecked(course, reference.result()))
        check("template scores 0 on every task", _zero_points(released.result(), every_task_graded=True))
        for task, report in stripped:
            check(f"stripping {task.id} loses its points", _zero_points(report.result(), every_task_graded=False))
        fresh = Path(tmp) / "fresh"
        fresh.mkdir()
        build_student_tree(course, fresh)
        check("student_template equals a fresh `make student`", compare_trees(fresh, course.template))
    check("no solution or hidden test leaks into student_template", find_leaks(course, course.template))
    check("every module's release builds, collects its tests and does not leak", _module_releases(course))
    started = time.monotonic()
    scores = task_scores(course, run_planted_bugs(course, jobs=jobs))
    echo(f"     mutation score per task ({time.monotonic() - started:.0f} s):")
    for line in format_scores(scores):
        echo(f"     {line}")
    check(f"every task's tests catch at least {MIN_SCORE:.0%} of its planted bugs", score_problems(scores))
    return not check.failures


def _module_releases(course: Course) -> list[str]:
    """Build the release of modules 0..N for every N but the last (``student_template/`` is that one)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="verify-releases-") as tmp:
        for module in course.modules[:-1]:
            tree = Path(tmp) / module.name
            tree.mkdir()
            try:
                build_student_tree(course, tree, module.number)
            except ManifestError as error:
                problems.append(f"module {module.number}: {error}")
                continue
            problems += [f"module {module.number}: {leak}" for leak in find_leaks(course, tree)]
    return problems


def _grade_stripped(course: Course, task: Task, scratch: Path, options: GradingOptions) -> GradeReport:
    """Grade ``task`` on the reference with only ``task``'s solution regions stripped.

    The tree is the course's own (trusted, like the reference), so its children share the persistent
    kernel cache: its kernels are those of the reference but for the stripped task's, and are loaded, not
    compiled again in every child.
    """
    tree = scratch / task.marker
    write_solution_tree(course, tree, strip={task.marker_id})
    submission = Submission(f"reference without {task.id}", (("", tree),), is_reference=True)
    return grade(course, submission, task_ids=[task.id], options=options)


def _full_points(report: GradeReport) -> list[str]:
    return [
        f"{t.id}: {t.score:g}/{t.points:g} ({t.summary}) " + "; ".join(x.name for x in t.tests if not x.passed)
        for t in report.tasks
        if t.score < t.points
    ]


def _unchecked(course: Course, report: GradeReport) -> list[str]:
    """Tasks whose own code course tests grade, yet no trusted check covers."""
    checked = {t.id for t in report.tasks if any(x.name.startswith(CHECKS_PREFIX) for x in t.tests)}
    return [
        f"{task.id}: no check in any checks/ folder carries {task.marker}"
        for task in course.tasks
        if gradable(task) and task.id not in checked
    ]


def _zero_points(report: GradeReport, every_task_graded: bool) -> list[str]:
    problems = [f"{t.id}: scored {t.score:g} ({t.summary})" for t in report.tasks if t.score > 0]
    if every_task_graded:
        problems += [f"{t.id}: {t.summary}" for t in report.tasks if not t.tests or t.status == "error"]
    return problems


def compare_trees(expected: Path, actual: Path) -> list[str]:
    """Differences between two folders: missing, extra and differing files."""
    want = {p.relative_to(expected) for p in files_of(expected)}
    have = {p.relative_to(actual) for p in files_of(actual)} if actual.is_dir() else set()
    problems = [f"missing: {p}" for p in sorted(want - have)]
    problems += [f"not generated (stale): {p}" for p in sorted(have - want)]
    for path in sorted(want & have):
        if not filecmp.cmp(expected / path, actual / path, shallow=False):
            problems.append(f"differs: {path} (run `make student`)")
    return problems
