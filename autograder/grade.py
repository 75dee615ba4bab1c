"""Grade one submission: build the scratch trees, run every task, score it."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import platform
import re
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from .cuda import child_environment, cuda_mode, device_nodes
from .kernel_cache import cache_variables, kernel_cache, shared_cache
from .manifest import CAUGHT_FILE, PLANTED_BUGS_FILE, Course, ManifestError, Task
from .mutation import grade_student_tests
from .pytest_plugin import EXCLUDE, MAX_EXAMPLES, TASK_MAX_EXAMPLES
from .results import GradeReport, TaskResult, TestResult
from .runner import Outcome, collect, run_tests
from .sandbox import Sandbox, best_mode
from .submission import Submission, file_hash, inspect_submission, reference_submission
from .workspace import build_grading_tree, build_student_test_tree, editable_files
from .writeup import grade_notebook

MAX_EXAMPLES_DEFAULT = 100
EXCEPTION_NAME = re.compile(r"\b([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Failed))\b")
EXPECTED_FILE = "expected.json"
RELEASED_FILE = "released.json"
# A hung test is stopped after the task's budget; the task's children together get three.
TASK_BUDGET_FACTOR = 3


THREADS_VARIABLE = "AUTOGRADER_THREADS"


def share_cores(jobs: int) -> int:
    """Threads per grading when ``jobs`` gradings run at a time: the cores divided among them."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def select_tasks(course: Course, task_ids: Sequence[str] | None = None, module: int | None = None) -> list[Task]:
    """The tasks to grade: all, one module's, or the named ones."""
    tasks = course.tasks
    if module is not None:
        tasks = [t for t in tasks if course.module_of(t).number == module]
        if not tasks:
            known = ", ".join(str(m.number) for m in course.modules)
            raise ManifestError(f"{course.root / 'course.toml'}: no module {module} (known: {known})")
    if task_ids:
        wanted = [course.task(task_id) for task_id in task_ids]
        tasks = [t for t in tasks if t in wanted]
        if not tasks:
            raise ManifestError(
                f"{course.root / 'course.toml'}: task(s) {', '.join(task_ids)} are not in module {module}"
            )
    return tasks


def sandbox_for(
    course: Course, cuda: str = "simulator", kernels: Path | None = None, shared_kernels: bool = True
) -> Sandbox:
    """The strongest confinement available, hiding the course's own folders from children.

    With ``cuda="gpu"`` the children can reach the GPU: its device files are
    bound in and the address-space cap is lifted. ``kernels`` is the
    grading's kernel cache, which children may write; a grading with a
    private cache cannot see the shared one either.
    """
    hide = tuple(p for p in (course.root, course.reference) if p is not None)
    if kernels is not None and not shared_kernels:
        hide += (shared_cache(course),)
    writable = (kernels,) if kernels is not None else ()
    if cuda == "gpu":
        return Sandbox(best_mode(), hide, memory_bytes=0, devices=tuple(device_nodes()), writable=writable)
    return Sandbox(best_mode(), hide, writable=writable)


def released_hashes(course: Course) -> dict[str, str]:
    """SHA-256 of every file of the released student tree, by student-tree path.

    A student course ships them as ``released.json``; the course repository
    hashes its committed ``student_template/``.
    """
    shipped = course.root / RELEASED_FILE
    if shipped.is_file():
        return dict(json.loads(shipped.read_text(encoding="utf-8"))["files"])
    root = course.template
    return {
        p.relative_to(root).as_posix(): file_hash(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "grading" and "__pycache__" not in p.parts
    }


def expected_tests(course: Course, workdir: Path) -> list[dict[str, Any]]:
    """Every test the course defines, collected on the released (stub) library.

    A student course ships the list as ``expected.json``, written by the
    release, because its only library is the student's own. The course
    repository collects once per process for each version of its files
    (``make verify`` grades the course dozens of times).
    """
    shipped = course.root / EXPECTED_FILE
    if shipped.is_file():
        return list(json.loads(shipped.read_text(encoding="utf-8"))["items"])
    key = _course_digest(course)
    if key not in _EXPECTED_CACHE:
        tree = workdir / "pristine"
        tree.mkdir()
        build_grading_tree(tree, course, None)
        _EXPECTED_CACHE[key] = collect(tree, ["tests"], {}, budget_s=300, sandbox=sandbox_for(course))
    return copy.deepcopy(_EXPECTED_CACHE[key])


# Collections of the pristine tree, by the digest of everything it is built from.
_EXPECTED_CACHE: dict[str, list[dict[str, Any]]] = {}


def _course_digest(course: Course) -> str:
    """A digest of the course folder and the released template: what a pristine grading tree is made of."""
    digest = hashlib.sha256()
    for root in (course.root, course.template):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and ".numba_cache" not in path.parts:
                if path.name in (PLANTED_BUGS_FILE, CAUGHT_FILE):
                    continue  # what verify measures the tests with; no grading reads it
                digest.update(str(path).encode() + b"\0" + file_hash(path).encode())
    return digest.hexdigest()


def grade(
    course: Course,
    submission: Submission,
    task_ids: Sequence[str] | None = None,
    module: int | None = None,
    max_examples: int = MAX_EXAMPLES_DEFAULT,
    time_budget_s: float | None = None,
    threads: int | None = None,
) -> GradeReport:
    """Grade ``submission`` on the selected tasks of ``course``.

    Args:
        course: The course.
        submission: The student tree to grade.
        task_ids: Grade only these tasks ("0.1").
        module: Grade only this module's tasks.
        max_examples: Hypothesis examples per property test.
        time_budget_s: Replace every task's time budget (the manifest's by default).
        threads: Threads each child's compiled kernels may use (``NUMBA_NUM_THREADS``):
            every core by default, or ``$AUTOGRADER_THREADS``. Gradings that run side
            by side must share the cores: numba's OpenMP threads spin while they wait,
            and two processes spinning on the same cores slow small kernels a
            hundredfold.

    Returns:
        The report; it is complete even when the submission is broken.
    """
    tasks = select_tasks(course, task_ids, module)
    cuda = cuda_mode()
    threads = threads or int(os.environ.get(THREADS_VARIABLE) or 0) or os.cpu_count() or 1
    if time_budget_s is not None:
        tasks = [dataclasses.replace(task, time_budget_s=time_budget_s) for task in tasks]
    groups = task_groups(tasks)
    slots = max(1, min(threads, len(groups)))
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        workdir = Path(tmp)
        kernels, shared = kernel_cache(course, submission, workdir)
        env = grading_environment(tasks, max_examples, max(1, threads // slots), cuda, kernels)
        sandbox = sandbox_for(course, cuda, kernels, shared)
        report = GradeReport(
            submission=submission.label,
            course=course.name,
            course_version=course.version,
            tasks=[],
            environment=_environment(max_examples, sandbox, cuda)
            | {"threads": threads, "kernel_cache": "shared" if shared else "private", "children_at_once": slots},
        )
        items = expected_tests(course, workdir)
        tree = workdir / "grading"
        tree.mkdir()
        report.notes += build_grading_tree(tree, course, submission)
        if not submission.is_reference:
            report.files = inspect_submission(submission, editable_files(course), released_hashes(course))
            report.notes += [f"ignored (the grader never runs it): {p}" for p in report.files["ignored"]]
            report.notes += [
                f"changed a course file (the released version was used): {p}" for p in report.files["changed"]
            ]
        if sandbox.mode == "subprocess":
            report.notes.append(
                "neither bubblewrap nor unshare works here: student code ran with resource limits only, "
                "with network access (install bubblewrap to confine it)"
            )
        test_tree = None
        if any(task.student_tests for task in tasks):
            test_tree = workdir / "student-tests"
            test_tree.mkdir()
            library = reference_submission(course) if course.reference is not None else submission
            report.notes += build_student_test_tree(test_tree, course, library, submission)
        with ThreadPoolExecutor(max_workers=slots) as pool:
            futures = [pool.submit(_grade_group, course, g, items, tree, test_tree, env, sandbox) for g in groups]
            done = {result.id: result for future in futures for result in future.result()}
        report.tasks = [done[task.id] for task in tasks]
    simulated = sum(1 for t in report.tasks for test in t.tests if test.cuda == "simulator")
    if simulated:
        report.notes.append(f"{simulated} CUDA tests ran under numba's CUDA simulator (no GPU found on this machine)")
    return report


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
        "NUMBA_NUM_THREADS": str(threads),
        **child_environment(cuda),
        **cache_variables(kernels),
    }


def task_groups(tasks: Sequence[Task]) -> list[list[Task]]:
    """Which tasks' tests share a child process, longest first.

    The tasks of one module share a child, so its start-up, imports and
    kernel loading are paid once; its CUDA tasks get one of their own, and
    so does each training task, so the others run beside them. The groups
    come longest first (by their time budgets), which keeps the cores busy
    to the end when several run at a time.
    """
    groups: dict[tuple[str, str], list[Task]] = {}
    for task in tasks:
        kind = f"train {task.id}" if task.training else "cuda" if task.cuda else "cpu"
        groups.setdefault((task.module, kind), []).append(task)
    return sorted(groups.values(), key=lambda group: -sum(t.time_budget_s for t in group))


def _course_items(task: Task, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The collected tests that grade ``task`` (its own student tests are graded apart)."""
    student_names = {t.test for t in task.student_tests}
    return [i for i in items if task.marker in i["markers"] and i["name"] not in student_names]


def _grade_group(
    course: Course,
    group: list[Task],
    items: list[dict[str, Any]],
    tree: Path,
    test_tree: Path | None,
    env: dict[str, str],
    sandbox: Sandbox,
) -> list[TaskResult]:
    """Run the course tests of a group of tasks in one child (restarted after deaths), then score each task."""
    mine = {task.id: _course_items(task, items) for task in group}
    budgets = {i["nodeid"]: task.time_budget_s for task in group for i in mine[task.id]}
    outcomes: dict[str, Outcome] = {}
    if budgets:
        excluded = sorted({t.test for task in group for t in task.student_tests})
        total = sum(task.time_budget_s for task in group) * TASK_BUDGET_FACTOR
        group_env = {**env, EXCLUDE: ",".join(excluded)}
        outcomes = run_tests(tree, list(budgets), group_env, max(budgets.values()), total, sandbox, budgets=budgets)
        if len(group) > 1:
            # pytest runs nothing when one named file fails to import (a broken submission): each task
            # with an error gets a child of its own, so the file costs only the tasks whose tests import it.
            for task in group:
                ids = [i["nodeid"] for i in mine[task.id]]
                if any(outcomes[nodeid].status == "error" for nodeid in ids):
                    budget = task.time_budget_s
                    alone = run_tests(tree, ids, group_env, budget, budget * TASK_BUDGET_FACTOR, sandbox)
                    outcomes.update(alone)
    return [_grade_task(course, task, mine[task.id], outcomes, tree, test_tree, env, sandbox) for task in group]


def _grade_task(
    course: Course,
    task: Task,
    mine: list[dict[str, Any]],
    outcomes: dict[str, Outcome],
    tree: Path,
    test_tree: Path | None,
    env: dict[str, str],
    sandbox: Sandbox,
) -> TaskResult:
    started = time.monotonic()
    result = TaskResult(task.id, task.title, task.points, extra_credit=task.extra_credit)
    cuda_where = "simulator" if env.get("NUMBA_ENABLE_CUDASIM") == "1" else "gpu"
    if mine:
        for item in mine:
            outcome = outcomes[item["nodeid"]]
            weight = task.weights.get(item["name"], task.weights.get(item["nodeid"], 1.0))
            hidden = item["nodeid"].startswith("tests/hidden/")
            message = outcome.message
            if hidden and outcome.from_test:
                message = hidden_message(outcome.message)
            device = cuda_where if "cuda" in item["markers"] else None
            result.tests.append(
                TestResult(item["nodeid"], outcome.status, hidden, weight, message, outcome.duration_s, device)
            )
    if task.notebook is not None:
        writeup = grade_notebook(tree, task, sandbox)
        result.tests += writeup.tests
        result.notes += writeup.notes
        result.manual_points = writeup.manual_points
    if task.student_tests and test_tree is not None:
        on_reference = course.reference is not None
        module = course.module_of(task)
        result.tests += grade_student_tests(task, module, test_tree, on_reference, task.time_budget_s, sandbox)
        if not on_reference:
            result.notes.append("your tests ran against your own library; official grading uses the reference")
    if not result.tests:
        result.notes.append(f"no tests carry the marker {task.marker}: the task cannot be graded")
    # Its share of the group's child, and its own children (write-up, student tests).
    result.duration_s = sum(outcomes[i["nodeid"]].duration_s for i in mine) + time.monotonic() - started
    return result


def hidden_message(message: str | None) -> str | None:
    """What a student may learn from a failed hidden test: the kind of error, not the test's source."""
    if message is None:
        return None
    names = EXCEPTION_NAME.findall(message)
    return f"{names[-1] if names else 'failure'} in a hidden test"


def _environment(max_examples: int, sandbox: Sandbox, cuda: str) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in ("pytest", "hypothesis", "numpy", "numba"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.system(),
        "packages": versions,
        "hypothesis_profile": {
            "name": "grading",
            "derandomize": True,
            "database": None,
            "deadline": None,
            "max_examples": max_examples,
        },
        "seeds": {"hypothesis": "derandomize=True", "PYTHONHASHSEED": 0},
        "isolation": sandbox.mode,
        "cuda": cuda,
        "isolation_detail": sandbox.describe(),
    }
