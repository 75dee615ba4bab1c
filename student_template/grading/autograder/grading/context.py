"""The pristine trees of one grading and the plans of the children that run in copies of them.

Three kinds of children run different code, so each has a tree of its own:

- public: the public tests on the submission's library (no hidden test in its tree);
- secret: the hidden tests and the trusted checks on the same library; what
  they say is reduced, and the checks' values are judged here, against the
  reference's values for the same checks (computed once per course version);
- student tests: the student's own tests on the reference (or, graded
  locally, on the student's library), with a kernel cache of their own,
  since their code is not the library's.

Every child starts from a fresh copy of its kind's tree (see
:mod:`autograder.grading.runner`), so no child sees what another wrote.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..manifest import SIMULATOR_MARKER, Course, Task
from ..manifest.layout import CHECKS, HIDDEN, LIBRARY_DIRS, TESTS, walk_files
from ..submission import reference_submission
from . import canaries
from .kernel_cache import cache_variables, private_cache, shared_cache
from .run import GradingRun
from .runner import ChildPlan, run_tests
from .trusted import Recorded, checks_digest, load_cached, save_cached
from .workspace import (
    CHILD_ROOM,
    add_checks,
    add_hidden_tests,
    build_grading_tree,
    build_student_test_tree,
    editable_files,
)

HIDDEN_PREFIX = f"{TESTS}/{HIDDEN}/"
CHECKS_PREFIX = f"{CHECKS}/"


@dataclass(frozen=True)
class UnrecordedChecks:
    """Trusted checks whose reference values the cache lacks: one child records them beside the grading.

    Attributes:
        checks: Their node ids.
        tree: An empty folder for that child's tree (the reference's library and the checks).
    """

    checks: list[str]
    tree: Path

    def record(self, run: GradingRun) -> dict[tuple[str, str], Recorded]:
        """Run the checks on the reference, in a child like any other, and cache what they record.

        The reference is trusted code, but it runs confined all the same, on a tree with no student file.
        """
        course = run.course
        self.tree.mkdir(mode=0o700)
        build_grading_tree(self.tree, course, reference_submission(course))
        add_checks(self.tree, course)
        values: dict[tuple[str, str], Recorded] = {}
        run_tests(run.plan(self.tree, test_budget_s=300), self.checks, 1800, values=values)
        cache = checks_cache(course)
        save_cached(cache, (load_cached(cache) or {}) | values)
        return values


@dataclass(frozen=True)
class GradingContext:
    """What every run of one grading shares.

    Attributes:
        run: The grading's settings: what is graded, where CUDA tests run, the kernel cache, the children's run.
        public: Children that run the public tests on the submission's library.
        hidden: Children that run the hidden tests and the trusted checks (their tree alone holds them).
        student_tests: Children that run the student's own tests.
        reference: The values the reference recorded in the trusted checks graded (filled in by
            ``unrecorded``'s run when the cache lacked some).
        canaries: The tamper canaries planted for each task (:mod:`autograder.grading.canaries`).
        unrecorded: The checks whose reference values are not cached yet, recorded during the grading.
    """

    run: GradingRun
    public: ChildPlan
    hidden: ChildPlan | None
    student_tests: ChildPlan | None
    reference: dict[tuple[str, str], Recorded] = field(default_factory=dict)
    canaries: dict[str, list[str]] = field(default_factory=dict)
    unrecorded: UnrecordedChecks | None = None


def is_secret(nodeid: str) -> bool:
    """Whether a test runs in the secret child: a hidden test or a trusted check."""
    return nodeid.startswith((HIDDEN_PREFIX, CHECKS_PREFIX))


def device_of(cuda: str, item: dict[str, Any]) -> str | None:
    """Where a collected test's kernels ran (``gpu``, ``simulator``), or None for a test without them.

    A test marked ``simulator`` counts what kernels do, which needs the simulator: it runs there on a GPU too.
    """
    if "cuda" not in item["markers"]:
        return None
    return "simulator" if SIMULATOR_MARKER in item["markers"] else cuda


def course_items(task: Task, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The collected tests that grade ``task`` (its own student tests are graded apart)."""
    student_names = {t.test for t in task.student_tests}
    return [i for i in items if task.marker in i["markers"] and i["name"] not in student_names]


def prepare_context(run: GradingRun, workdir: Path) -> tuple[GradingContext, list[str]]:
    """Lay out the pristine trees under ``workdir`` and plan their children.

    Returns:
        The context, and notes for the report (files missing or refused).
    """
    course = run.course
    public = workdir / "public"
    public.mkdir(mode=0o700)  # children get copies; a child running as another user never reads these
    notes = build_grading_tree(public, course, run.submission)
    plan = run.plan(public)
    hidden_plan = None
    secret = [i["nodeid"] for t in run.tasks for i in course_items(t, run.items) if is_secret(i["nodeid"])]
    if secret:
        hidden = workdir / "hidden"
        shutil.copytree(public, hidden)
        hidden.chmod(0o700)
        add_hidden_tests(hidden, course)
        add_checks(hidden, course)
        hidden_plan = run.plan(hidden, secret=True)
    tests_plan = None
    if any(task.student_tests for task in run.tasks):
        tests_plan, more = _student_tests_plan(run, workdir)
        notes += more
    checks = [nodeid for nodeid in secret if nodeid.startswith(CHECKS_PREFIX)]
    reference, missing = cached_reference_values(course, checks) if checks else ({}, [])
    unrecorded = UnrecordedChecks(missing, workdir / "reference-checks") if missing else None
    context = GradingContext(run, plan, hidden_plan, tests_plan, reference, unrecorded=unrecorded)
    _plant_canaries(context)
    return context, notes


def _plant_canaries(context: GradingContext) -> None:
    """One canary per task in its public tree, and one in its secret tree where it has hidden tests."""
    seed = hashlib.sha256()
    run = context.run
    for path in editable_files(run.course):
        if (context.public.pristine / path).is_file():
            seed.update(path.encode() + (context.public.pristine / path).read_bytes())
    for task in run.tasks:
        items = course_items(task, run.items)
        trees = [(context.public.pristine, False)]
        trees += [(context.hidden.pristine, True)] if context.hidden is not None else []
        found = [canaries.plant(tree, task, items, seed.hexdigest(), hidden) for tree, hidden in trees]
        context.canaries[task.id] = [nodeid for nodeid in found if nodeid is not None]


def checks_cache(course: Course) -> Path:
    """Where the reference's values of the course's trusted checks are cached, per version of what they depend on."""
    assert course.reference is not None, "a course with trusted checks has its reference"
    sources = [p for folder in LIBRARY_DIRS for p in walk_files(course.reference / folder, suffix=".py")]
    sources += [p for module in course.modules for p in sorted(module.checks.glob("*.py"))]
    sources.append(CHILD_ROOM / "pytest_plugin.py")
    return shared_cache(course).parent / f"{course.name}-checks" / f"{checks_digest(sources)}.json"


def cached_reference_values(course: Course, checks: list[str]) -> tuple[dict[tuple[str, str], Recorded], list[str]]:
    """What the reference recorded in the trusted checks, as cached, and which of ``checks`` the cache lacks."""
    known = load_cached(checks_cache(course)) or {}
    recorded = {nodeid for nodeid, _ in known}
    return known, [nodeid for nodeid in checks if nodeid not in recorded]


def reference_values(run: GradingRun, checks: list[str], workdir: Path) -> dict[tuple[str, str], Recorded]:
    """What the reference records in the trusted checks ``checks``: from the cache, or run once and cached."""
    known, missing = cached_reference_values(run.course, checks)
    if missing:
        known |= UnrecordedChecks(missing, workdir / "reference-checks").record(run)
    return known


def _student_tests_plan(run: GradingRun, workdir: Path) -> tuple[ChildPlan, list[str]]:
    """The tree and plan of the children that run the student's own tests."""
    course = run.course
    on_reference = course.reference is not None
    tree = workdir / "student-tests"
    tree.mkdir(mode=0o700)
    library = reference_submission(course) if on_reference else run.submission
    notes = build_student_test_tree(tree, course, library, run.submission)
    sandbox = run.sandbox
    if not run.shared_cache:
        # Other untrusted code than the library: a cache of its own, so it cannot plant kernels for the library.
        kernels = private_cache(workdir / "kernels-student-tests", sandbox.user)
        sandbox = dataclasses.replace(sandbox, writable=(kernels,))
    env = {**run.env, **cache_variables(sandbox.writable[0])} if sandbox.writable else run.env
    return ChildPlan(tree, sandbox, env, secret=on_reference), notes
