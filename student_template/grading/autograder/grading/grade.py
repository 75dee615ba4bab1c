"""Grade one submission: build the scratch trees, run every task, score it."""

from __future__ import annotations

import dataclasses
import platform
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path
from typing import Any

from ..child.pytest_plugin import EXCLUDE
from ..manifest import SIMULATOR_MARKER, Course, ManifestError, Task
from ..manifest.layout import CACHE_DIRS, GRADING, walk_files
from ..manifest.shipped_files import shipped_stamp
from ..results import UNCONFINED, GradeReport, TaskResult
from ..submission import CHANGED, IGNORED, Submission, file_hash, grouped_note, inspect_submission
from .context import GradingContext, course_items, is_secret, prepare_context
from .cuda import child_environment
from .limits import CUDA_PROCESS_LIMIT
from .run import TASK_BUDGET_FACTOR, GradingProgress, GradingRun, grading_threads, start_run
from .run import GradingOptions as GradingOptions  # callers import it with grade
from .run import course_digest as course_digest  # the batch fingerprints gradings with it
from .run import share_cores as share_cores  # the batch imports it with grade
from .runner import ChildPlan, run_tests, voided
from .scoring import Reported, score_task
from .student_tests import grade_student_tests
from .syntax_check import syntax_errors
from .trusted import Recorded
from .workspace import editable_files
from .writeup import grade_notebook


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


def released_hashes(course: Course) -> dict[str, str]:
    """SHA-256 of every file of the released student tree, by student-tree path.

    A student course ships them as ``released.json``; the course repository
    hashes its committed ``student_template/``.
    """
    shipped = shipped_stamp(course.root)
    if shipped is not None:
        return shipped.files
    root = course.template
    return {p.relative_to(root).as_posix(): file_hash(p) for p in walk_files(root, CACHE_DIRS | {GRADING})}


def task_groups(tasks: Sequence[Task]) -> list[list[Task]]:
    """Which tasks' public tests share a child process, longest first.

    The tasks of one module share a child, so its start-up, imports and
    kernel loading are paid once; its CUDA tasks get one of their own, and
    so does each training task, so the others run beside them. The groups
    come longest first (by their time budgets), which keeps the cores busy
    to the end when several run at a time. The secret tests of a module's
    groups share one child (:func:`_with_secret_groups`).
    """
    groups: dict[tuple[str, str], list[Task]] = {}
    for task in tasks:
        kind = f"train {task.id}" if task.training else "cuda" if task.cuda else "cpu"
        groups.setdefault((task.module, kind), []).append(task)
    return sorted(groups.values(), key=lambda group: -sum(t.time_budget_s for t in group))


def grade(
    course: Course,
    submission: Submission,
    task_ids: Sequence[str] | None = None,
    module: int | None = None,
    options: GradingOptions | None = None,
) -> GradeReport:
    """Grade ``submission`` on the selected tasks of ``course``.

    Args:
        course: The course.
        submission: The student tree to grade.
        task_ids: Grade only these tasks ("0.1").
        module: Grade only this module's tasks.
        options: Examples, time budget and threads (:class:`~autograder.grading.run.GradingOptions`);
            the defaults when ``None``.

    Returns:
        The report; it is complete even when the submission is broken.
    """
    options = options or GradingOptions()
    tasks = options.budgeted(select_tasks(course, task_ids, module))
    unparsed = syntax_errors(submission, editable_files(course))
    if options.progress is not None:
        for problem in unparsed:
            options.progress.problem(problem)
    threads = grading_threads(options.threads)
    groups = task_groups(tasks)
    slots = max(1, min(threads, len(groups)))
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        workdir = Path(tmp)
        run = start_run(course, submission, tasks, workdir, max(1, threads // slots), options.max_examples)
        run = dataclasses.replace(run, shrink=options.shrink)
        report = GradeReport(
            submission=submission.label,
            course=course.name,
            course_version=course.version,
            tasks=[],
            environment=_environment(run)
            | {
                "threads": threads,
                "kernel_cache": "shared" if run.shared_cache else "private",
                "children_at_once": slots,
            },
        )
        report.notes += [f"{problem} (every test that imports the file fails)" for problem in unparsed]
        _inspect(course, submission, report)
        context, notes = prepare_context(run, workdir)
        report.notes += notes
        if run.sandbox.mode == "subprocess":
            report.notes.append(UNCONFINED_NOTE)
        report.tasks = _grade_tasks(context, groups, slots, options.progress)
    simulated = sum(1 for t in report.tasks for test in t.tests if test.cuda == "simulator")
    if simulated:
        why = "they count what kernels do" if run.cuda == "gpu" else "no GPU found on this machine"
        report.notes.append(f"{simulated} CUDA tests ran under numba-cuda's CUDA simulator ({why})")
    return report


UNCONFINED_NOTE = (
    f"{UNCONFINED}: neither bubblewrap nor unshare works here, so student code ran with resource limits only, "
    "with network access and the host's files in reach (install bubblewrap to confine it)"
)


def _inspect(course: Course, submission: Submission, report: GradeReport) -> None:
    """Record which of the submission's files were taken, ignored, or changed although the course owns them."""
    if submission.is_reference:
        return
    report.files = inspect_submission(submission, editable_files(course), released_hashes(course))
    report.notes += grouped_note(IGNORED, report.files["ignored"]) + grouped_note(CHANGED, report.files["changed"])


def _grade_tasks(
    context: GradingContext, groups: list[list[Task]], slots: int, progress: GradingProgress | None
) -> list[TaskResult]:
    """Run every group's public and secret children and every task's extra children side by side.

    Each task is scored as soon as the last child it has a part in ends, and ``progress`` hears of it.
    """
    tasks = context.run.tasks
    runs: list[tuple[str, list[Task]]] = []
    if context.unrecorded is not None:
        # First, beside the others: only the scoring of the tasks whose checks it records waits for it.
        recorded = set(context.unrecorded.checks)
        checked = [t for t in tasks if any(i["nodeid"] in recorded for i in course_items(t, context.run.items))]
        runs.append(("reference", checked))
    for group, secret in _with_secret_groups(groups):
        runs += [("public", group)] + ([("hidden", secret)] if secret and context.hidden is not None else [])
    runs += [("extras", [task]) for task in tasks if task.notebook is not None or task.student_tests]
    waiting = {task.id: sum(task in group for _, group in runs) for task in tasks}
    reported = Reported()
    extras: dict[str, TaskResult] = {}
    scored: dict[str, TaskResult] = {}
    with ThreadPoolExecutor(max_workers=slots) as pool:
        futures = {pool.submit(_run, context, kind, group): group for kind, group in runs}
        for future in as_completed(futures):
            done = future.result()
            if isinstance(done, TaskResult):
                extras[futures[future][0].id] = done
            elif isinstance(done, Reported):
                reported.add(done)
            else:
                context.reference.update(done)
            for task in futures[future]:
                waiting[task.id] -= 1
                if waiting[task.id] == 0:
                    scored[task.id] = score_task(context, task, reported, extras.get(task.id))
                    if progress is not None:
                        progress.finished(scored[task.id])
    return [scored.get(task.id) or score_task(context, task, reported, None) for task in tasks]  # none: no child


def _with_secret_groups(groups: list[list[Task]]) -> list[tuple[list[Task], list[Task]]]:
    """Each group, with the tasks whose secret tests and checks run in one child after it (or none).

    The secret tests are short beside the public ones (training, the CUDA simulator): a module's
    run in one child, which comes after the module's longest public group.
    """
    modules: dict[str, list[Task]] = {}
    for group in groups:
        modules.setdefault(group[0].module, []).extend(group)
    return [(group, modules.pop(group[0].module, [])) for group in groups]


def _run(context: GradingContext, kind: str, group: list[Task]) -> Reported | TaskResult | dict[Any, Recorded]:
    if kind == "extras":
        return _extras(context, group[0])
    if kind == "reference":
        assert context.unrecorded is not None
        return context.unrecorded.record(context.run)
    return _run_group(context, group, hidden=kind == "hidden")


def _run_group(context: GradingContext, group: list[Task], hidden: bool) -> Reported:
    """Run a group's public (or secret: hidden and trusted checks) tests in one child (restarted after deaths)."""
    plan = context.hidden if hidden else context.public
    assert plan is not None
    if any(task.cuda for task in group):
        plan = _for_cuda(plan)
    mine = {
        task.id: [i for i in course_items(task, context.run.items) if is_secret(i["nodeid"]) == hidden]
        for task in group
    }
    budgets = {i["nodeid"]: task.time_budget_s for task in group for i in mine[task.id]}
    reported = Reported()
    if not budgets:
        return reported
    canaries = [c for task in group for c in context.canaries.get(task.id, []) if is_secret(c) == hidden]
    budgets |= {c: min(budgets.values()) for c in canaries}
    longest = max(budgets.values())
    simulated = _simulator_only(context, mine, budgets)
    excluded = sorted({t.test for task in group for t in task.student_tests})
    plan = dataclasses.replace(plan.with_env({EXCLUDE: ",".join(excluded)}), test_budget_s=longest, budgets=budgets)
    total = sum(task.time_budget_s for task in group) * TASK_BUDGET_FACTOR
    reported.outcomes = run_tests(plan, list(budgets), total, values=reported.values) if budgets else {}
    if simulated:
        counting = dataclasses.replace(plan.with_env(child_environment("simulator")), budgets=simulated)
        reported.outcomes.update(run_tests(counting, list(simulated), total, values=reported.values))
    if len(group) > 1:
        # A test file that fails to import costs only its own tests (the children continue past collection
        # errors); a task with another error gets a child of its own, so no other task's test causes it.
        for task in group:
            ids = [i["nodeid"] for i in mine[task.id] if i["nodeid"] not in simulated]
            errors = [reported.outcomes[nodeid] for nodeid in ids if reported.outcomes[nodeid].status == "error"]
            if errors and not all(outcome.uncollected for outcome in errors):
                alone = dataclasses.replace(plan, test_budget_s=task.time_budget_s)
                ids += [c for c in context.canaries.get(task.id, []) if is_secret(c) == hidden]
                again = run_tests(alone, ids, task.time_budget_s * TASK_BUDGET_FACTOR, values=reported.values)
                reported.outcomes.update(again)
    sung = [reported.outcomes.pop(c) for c in canaries if c in reported.outcomes]
    if any(o.passed for o in sung) or any(voided(o) for o in reported.outcomes.values()):
        reported.tampered |= {task.id for task in group}
    return reported


def _simulator_only(
    context: GradingContext, mine: dict[str, list[dict[str, Any]]], budgets: dict[str, float]
) -> dict[str, float]:
    """On a GPU, take the tests marked ``simulator`` out of ``budgets``: they run in a simulator child."""
    if context.run.cuda != "gpu":
        return {}
    ids = {i["nodeid"] for items in mine.values() for i in items if SIMULATOR_MARKER in i["markers"]}
    return {nodeid: budgets.pop(nodeid) for nodeid in sorted(ids)}


def _for_cuda(plan: ChildPlan) -> ChildPlan:
    """The plan of CUDA tasks' children: room for the 1,024 threads of a simulated 32x32 block.

    The process cap counts threads (``limits.CUDA_PROCESS_LIMIT``); fewer malloc arenas keep so many
    threads from reserving the address-space cap (glibc reserves 64 MiB per arena, up to 8 per core).
    """
    sandbox = dataclasses.replace(plan.sandbox, processes=CUDA_PROCESS_LIMIT)
    return dataclasses.replace(plan.with_env({"MALLOC_ARENA_MAX": "4"}), sandbox=sandbox)


def _extras(context: GradingContext, task: Task) -> TaskResult:
    """The children of a task besides its course tests: the write-up, the student's own tests."""
    started = time.monotonic()
    result = TaskResult(task.id, task.title, task.points, extra_credit=task.extra_credit)
    if task.notebook is not None:
        writeup = grade_notebook(context.public, task)
        result.tests += writeup.tests
        result.notes += writeup.notes
        result.manual_points = writeup.manual_points
    if task.student_tests and context.student_tests is not None:
        on_reference = context.run.course.reference is not None
        module = context.run.course.module_of(task)
        result.tests += grade_student_tests(task, module, context.student_tests, on_reference)
        if not on_reference:
            result.notes.append("your tests ran against your own library; official grading uses the reference")
    result.duration_s = time.monotonic() - started
    return result


def _environment(run: GradingRun) -> dict[str, Any]:
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
            "max_examples": run.max_examples,
            "local_constants": False,  # examples never drawn from literals of the graded code (the plugin)
        },
        "seeds": {"hypothesis": "derandomize=True", "PYTHONHASHSEED": 0},
        "isolation": run.sandbox.mode,
        "cuda": run.cuda,
        "isolation_detail": run.sandbox.describe(),
    }
