"""One grading's settings, decided once: a :class:`GradingRun`.

What is graded (course, submission, tasks and their budgets), the tests the
course defines, where CUDA tests run, which kernel cache the children share,
how they are confined, and each child's threads and Hypothesis examples.
Grading, the planted bugs and calibration all build their runs here
(:func:`start_run`), so every child of every kind gets the same environment.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from ..child.pytest_plugin import MAX_EXAMPLES, NO_SHRINK, TASK_MAX_EXAMPLES
from ..manifest import CAUGHT_FILE, PLANTED_BUGS_FILE, Course, Task
from ..manifest.layout import CHECKS, TESTS, walk_files
from ..manifest.shipped_files import shipped_expected
from ..results import TaskResult
from ..submission import Submission, file_hash
from .cuda import child_environment, cuda_mode, device_nodes
from .kernel_cache import cache_variables, kernel_cache, shared_cache, write_whole
from .runner import ChildPlan, collect
from .sandbox import Sandbox, best_mode, child_user
from .workspace import add_checks, add_hidden_tests, build_grading_tree

MAX_EXAMPLES_DEFAULT = 100
# A hung test is stopped after the task's budget; the task's children together get three.
TASK_BUDGET_FACTOR = 3
THREADS_VARIABLE = "AUTOGRADER_THREADS"  # the threads of one grading, when the caller names none
NUMBA_THREADS_VARIABLE = "NUMBA_NUM_THREADS"  # a child's compiled kernels' threads


def share_cores(jobs: int) -> int:
    """Threads per grading when ``jobs`` gradings run at a time: the cores divided among them."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def grading_threads(threads: int | None = None) -> int:
    """The threads one grading may use: ``threads``, else ``$AUTOGRADER_THREADS``, else every core.

    Gradings that run side by side must share the cores: numba's OpenMP threads
    spin while they wait, and two processes spinning on the same cores slow
    small kernels a hundredfold.
    """
    return threads or int(os.environ.get(THREADS_VARIABLE) or 0) or share_cores(1)


class GradingProgress(Protocol):
    """Who hears of a grading as it goes: a problem found before the tests, each task as it is scored."""

    def problem(self, text: str) -> None:
        """A one-line problem with the submission (a file that does not parse)."""

    def finished(self, task: TaskResult) -> None:
        """A task's result, as soon as every child of it has ended."""


@dataclass(frozen=True)
class GradingOptions:
    """How to grade, besides what: the caller's choices, each with its default.

    Attributes:
        max_examples: Hypothesis examples per property test.
        time_budget_s: Replace every task's time budget (the manifest's by default).
        threads: Threads the grading's children may use together (:func:`grading_threads` by default).
        progress: Told of problems and finished tasks while the grading runs (nobody by default).
        shrink: Shrink a failing example and explain it (the student reads it); ``False`` for gradings
            whose failures nobody reads (``make verify``'s template and stripped trees), which saves
            about half a second of every failing property test.
    """

    max_examples: int = MAX_EXAMPLES_DEFAULT
    time_budget_s: float | None = None
    threads: int | None = None
    progress: GradingProgress | None = None
    shrink: bool = True

    def budgeted(self, tasks: Sequence[Task]) -> list[Task]:
        """``tasks`` with the time budget these options impose, if any."""
        if self.time_budget_s is None:
            return list(tasks)
        return [dataclasses.replace(task, time_budget_s=self.time_budget_s) for task in tasks]


def sandbox_for(course: Course, cuda: str = "simulator", kernels: Path | None = None) -> Sandbox:
    """The strongest confinement available, by allowlist (see :mod:`autograder.grading.sandbox`).

    With ``cuda="gpu"`` the children can reach the GPU: its device files are
    bound in and the address-space cap is lifted. ``kernels`` is a kernel
    cache the children may write.
    """
    writable = (kernels,) if kernels is not None else ()
    if cuda == "gpu":
        return Sandbox(best_mode(), memory_bytes=0, devices=tuple(device_nodes()), writable=writable, user=child_user())
    return Sandbox(best_mode(), writable=writable, user=child_user())


def grading_environment(
    tasks: Sequence[Task], max_examples: int, threads: int, cuda: str, kernels: Path
) -> dict[str, str]:
    """What every test child of a grading gets in its environment (besides :func:`runner.child_environment`).

    Args:
        tasks: The tasks graded (their ``max_examples`` caps).
        max_examples: Hypothesis examples per property test.
        threads: ``NUMBA_NUM_THREADS`` of each child.
        cuda: ``gpu`` or ``simulator``.
        kernels: The kernel cache the children share.
    """
    return {
        MAX_EXAMPLES: str(max_examples),
        TASK_MAX_EXAMPLES: ",".join(f"{t.marker}={t.max_examples}" for t in tasks if t.max_examples),
        NUMBA_THREADS_VARIABLE: str(threads),
        **child_environment(cuda),
        **cache_variables(kernels),
    }


@dataclass(frozen=True)
class GradingRun:
    """One grading's settings, shared by every child it starts.

    Attributes:
        course: The course.
        submission: What is graded.
        tasks: The tasks graded, with their time budgets.
        items: Every test the course defines (collected on the released tree).
        cuda: Where CUDA tests run: ``gpu`` or ``simulator``.
        kernels: The kernel cache the test children share.
        shared_cache: Whether ``kernels`` is the persistent, trusted cache.
        sandbox: The children's confinement (its writable folder is ``kernels``).
        threads: Each child's kernel threads (``NUMBA_NUM_THREADS``).
        max_examples: Hypothesis examples per property test.
        shrink: Whether failing examples are shrunk and explained.
    """

    course: Course
    submission: Submission
    tasks: tuple[Task, ...]
    items: list[dict[str, Any]]
    cuda: str
    kernels: Path
    shared_cache: bool
    sandbox: Sandbox
    threads: int
    max_examples: int = MAX_EXAMPLES_DEFAULT
    shrink: bool = True

    @property
    def env(self) -> dict[str, str]:
        """The test children's environment."""
        env = grading_environment(self.tasks, self.max_examples, self.threads, self.cuda, self.kernels)
        return env if self.shrink else env | {NO_SHRINK: "1"}

    def plan(self, tree: Path, test_budget_s: float = 60.0, secret: bool = False) -> ChildPlan:
        """Children that run in copies of ``tree``, confined and set up as this run's."""
        return ChildPlan(tree, self.sandbox, self.env, test_budget_s=test_budget_s, secret=secret)

    def of(self, submission: Submission, tasks: Sequence[Task]) -> GradingRun:
        """The same run grading ``tasks`` of another ``submission`` (a planted bug's reference)."""
        return dataclasses.replace(self, submission=submission, tasks=tuple(tasks))


def start_run(
    course: Course,
    submission: Submission,
    tasks: Sequence[Task],
    workdir: Path,
    threads: int,
    max_examples: int = MAX_EXAMPLES_DEFAULT,
) -> GradingRun:
    """Decide a grading's settings: probe where CUDA tests run, choose the kernel cache, collect the tests.

    Args:
        course: The course.
        submission: What is graded (whether it is trusted decides the kernel cache).
        tasks: The tasks graded, with their time budgets.
        workdir: The grading's scratch folder (an existing one): a private kernel cache goes there.
        threads: Each child's kernel threads.
        max_examples: Hypothesis examples per property test.
    """
    cuda = cuda_mode()
    kernels, shared = kernel_cache(course, submission, workdir, private=child_user() is not None)
    items = expected_tests(course, workdir)
    sandbox = sandbox_for(course, cuda, kernels)
    return GradingRun(course, submission, tuple(tasks), items, cuda, kernels, shared, sandbox, threads, max_examples)


def expected_tests(course: Course, workdir: Path) -> list[dict[str, Any]]:
    """Every test the course defines, collected on the released (stub) library.

    A student course ships the list as ``expected.json``, written by the
    release, because its only library is the student's own. The course
    repository collects once per process for each version of its files
    (``make verify`` grades the course dozens of times).
    """
    shipped = shipped_expected(course.root)
    if shipped is not None:
        return shipped
    key = course_digest(course)
    if key not in _EXPECTED_CACHE:
        saved = collected_file(course, key)
        items = load_collected(saved)
        if items is None:
            tree = workdir / "pristine"
            tree.mkdir()
            build_grading_tree(tree, course, None)
            add_hidden_tests(tree, course)
            folders = [TESTS, CHECKS] if add_checks(tree, course) else [TESTS]
            items = collect(ChildPlan(tree, sandbox_for(course)), folders, budget_s=300)
            save_collected(saved, items)
        _EXPECTED_CACHE[key] = items
    return copy.deepcopy(_EXPECTED_CACHE[key])


def collected_file(course: Course, digest: str) -> Path:
    """Where the collection of a version of the course (and of the packages that collect it) is kept.

    Beside the kernel cache, not in it: children that may write kernels never see this folder.
    """
    versions = hashlib.sha256(digest.encode())
    for package in ("pytest", "hypothesis", "numpy", "numba"):
        try:
            versions.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            versions.update(f"{package}=none".encode())
    versions.update(sys.version.encode())
    return shared_cache(course).parent / f"{course.name}-tests" / f"{versions.hexdigest()}.json"


def load_collected(path: Path) -> list[dict[str, Any]] | None:
    """A kept collection, or None when there is none (or it is unreadable)."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return items if isinstance(items, list) and items and all(isinstance(i, dict) for i in items) else None


def save_collected(path: Path, items: list[dict[str, Any]]) -> None:
    """Keep a collection (the one writer of this file), whole or not at all."""
    write_whole(path, json.dumps(items, sort_keys=True))


# Collections of the pristine tree, by the digest of everything it is built from.
_EXPECTED_CACHE: dict[str, list[dict[str, Any]]] = {}


def course_digest(course: Course) -> str:
    """A digest of the course folder and the released template: what a pristine grading tree is made of."""
    digest = hashlib.sha256()
    for root in (course.root, course.template):
        for path in walk_files(root):
            if path.name in (PLANTED_BUGS_FILE, CAUGHT_FILE):
                continue  # what verify measures the tests with; no grading reads it
            digest.update(str(path).encode() + b"\0" + file_hash(path).encode())
    return digest.hexdigest()
