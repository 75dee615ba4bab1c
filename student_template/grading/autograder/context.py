"""The pristine trees of one grading and the plans of the children that run in copies of them.

Three kinds of children run different code, so each has a tree of its own:

- public: the public tests on the submission's library (no hidden test in its tree);
- hidden: the hidden tests on the same library; what they say is reduced;
- student tests: the student's own tests on the reference (or, graded
  locally, on the student's library), with a kernel cache of their own,
  since their code is not the library's.

Every child starts from a fresh copy of its kind's tree (see
:mod:`autograder.runner`), so no child sees what another wrote.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kernel_cache import cache_variables, private_cache
from .manifest import Course, Task
from .runner import ChildPlan
from .sandbox import Sandbox
from .submission import Submission, reference_submission
from .workspace import add_hidden_tests, build_grading_tree, build_student_test_tree

HIDDEN_PREFIX = "tests/hidden/"


@dataclass(frozen=True)
class GradingSetup:
    """What a grading was asked for, and how its children are confined.

    Attributes:
        course: The course.
        submission: What is graded.
        tasks: The tasks graded.
        items: Every test the course defines (collected on the released tree).
        sandbox: The children's confinement (its writable folder is the kernel cache).
        env: The test children's environment.
        shared_cache: Whether the kernel cache is the persistent, trusted one.
        cuda: ``gpu`` or ``simulator``.
    """

    course: Course
    submission: Submission
    tasks: list[Task]
    items: list[dict[str, Any]]
    sandbox: Sandbox
    env: dict[str, str]
    shared_cache: bool
    cuda: str


@dataclass(frozen=True)
class GradingContext:
    """What every run of one grading shares.

    Attributes:
        course: The course.
        items: Every test the course defines.
        public: Children that run the public tests on the submission's library.
        hidden: Children that run the hidden tests (their tree alone holds them).
        student_tests: Children that run the student's own tests.
        cuda: ``gpu`` or ``simulator``.
    """

    course: Course
    items: list[dict[str, Any]]
    public: ChildPlan
    hidden: ChildPlan | None
    student_tests: ChildPlan | None
    cuda: str


def course_items(task: Task, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The collected tests that grade ``task`` (its own student tests are graded apart)."""
    student_names = {t.test for t in task.student_tests}
    return [i for i in items if task.marker in i["markers"] and i["name"] not in student_names]


def prepare_context(setup: GradingSetup, workdir: Path) -> tuple[GradingContext, list[str]]:
    """Lay out the pristine trees under ``workdir`` and plan their children.

    Returns:
        The context, and notes for the report (files missing or refused).
    """
    course = setup.course
    public = workdir / "public"
    public.mkdir(mode=0o700)  # children get copies; a child running as another user never reads these
    notes = build_grading_tree(public, course, setup.submission)
    plan = ChildPlan(public, setup.sandbox, setup.env)
    hidden_plan = None
    if any(i["nodeid"].startswith(HIDDEN_PREFIX) for t in setup.tasks for i in course_items(t, setup.items)):
        hidden = workdir / "hidden"
        shutil.copytree(public, hidden)
        hidden.chmod(0o700)
        add_hidden_tests(hidden, course)
        hidden_plan = ChildPlan(hidden, setup.sandbox, setup.env, secret=True)
    tests_plan = None
    if any(task.student_tests for task in setup.tasks):
        tests_plan, more = _student_tests_plan(setup, workdir)
        notes += more
    return GradingContext(course, setup.items, plan, hidden_plan, tests_plan, setup.cuda), notes


def _student_tests_plan(setup: GradingSetup, workdir: Path) -> tuple[ChildPlan, list[str]]:
    """The tree and plan of the children that run the student's own tests."""
    course = setup.course
    on_reference = course.reference is not None
    tree = workdir / "student-tests"
    tree.mkdir(mode=0o700)
    library = reference_submission(course) if on_reference else setup.submission
    notes = build_student_test_tree(tree, course, library, setup.submission)
    sandbox = setup.sandbox
    if not setup.shared_cache:
        # Other untrusted code than the library: a cache of its own, so it cannot plant kernels for the library.
        kernels = private_cache(workdir / "kernels-student-tests", sandbox.user)
        sandbox = dataclasses.replace(sandbox, writable=(kernels,))
    env = {**setup.env, **cache_variables(sandbox.writable[0])} if sandbox.writable else setup.env
    return ChildPlan(tree, sandbox, env, secret=on_reference), notes
