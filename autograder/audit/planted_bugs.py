"""How many planted bugs each task's tests catch: the course's mutation score (``make verify``).

A module's ``planted_bugs.toml`` lists bugs, each a one-place change to the
reference in one of a task's files (``find`` becomes ``replace``). For each
bug the grader lays out a grading tree of the reference with that change,
runs the task's tests (public and hidden, at the task's example counts) and
stops at the first failure. The bug is caught when a test fails, errors,
crashes or runs out of time, or when a trusted check of the task records a
value that differs from the reference's: any of those costs a student
points. A bug that every test and check passes survives, and shows where
the tests have a hole.

The file stays with the staff: its ``find`` texts are solution code.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..child.pytest_plugin import NO_SHRINK
from ..grading.context import CHECKS_PREFIX, course_items, reference_values
from ..grading.run import TASK_BUDGET_FACTOR, GradingRun, share_cores, start_run
from ..grading.runner import ChildPlan, outcomes_from_run, run_child, run_tests
from ..grading.trusted import Recorded, compare
from ..grading.workspace import add_checks, add_hidden_tests, build_grading_tree
from ..manifest import CAUGHT_FILE, PLANTED_BUGS_FILE, Course, ManifestError, PlantedBug, Task
from ..submission import Submission, reference_submission

# A task's tests must catch at least this share of its planted bugs.
MIN_SCORE = 0.9


@dataclass(frozen=True)
class BugOutcome:
    """What the task's tests did with one planted bug.

    Attributes:
        bug: The bug.
        caught: Some test failed, errored, crashed or timed out.
        by: The first test that did, with its status.
        seconds: Wall time of the run.
        first_failure: That test's node id.
    """

    bug: PlantedBug
    caught: bool
    by: str | None
    seconds: float
    first_failure: str | None = None  # the node id of the test that caught it


@dataclass(frozen=True)
class TaskScore:
    """One task's mutation score."""

    task: str
    caught: int
    planted: int
    survivors: tuple[str, ...]

    @property
    def score(self) -> float:
        """The share of planted bugs caught (1 when none are planted)."""
        return self.caught / self.planted if self.planted else 1.0


def planted_text(course: Course, bug: PlantedBug) -> str:
    """The reference's copy of the bug's file with the bug planted.

    Raises:
        ManifestError: The bug's ``find`` text does not occur exactly once in the reference's file.
    """
    source = reference_submission(course).find(bug.file)
    where = f"{course.module_of(course.task(bug.task)).root / PLANTED_BUGS_FILE}: bug {bug.name!r}"
    if source is None:
        raise ManifestError(f"{where}: the reference has no {bug.file}")
    text = source.read_text(encoding="utf-8")
    found = text.count(bug.find)
    if found != 1:
        raise ManifestError(f"{where}: its find text occurs {found} times in {source}, not once")
    return text.replace(bug.find, bug.replace)


def plant(course: Course, bug: PlantedBug, dest: Path) -> Submission:
    """The reference with ``bug`` planted: its one changed file is written under ``dest``.

    Raises:
        ManifestError: The bug's ``find`` text does not occur exactly once in the reference's file.
    """
    text = planted_text(course, bug)
    target = dest / bug.file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return Submission(f"reference with {bug.name}", (("", dest), *reference_submission(course).roots), True)


def check_bug(
    run: GradingRun,
    bug: PlantedBug,
    scratch: Path,
    first: str | None = None,
    reference: dict[tuple[str, str], Recorded] | None = None,
) -> BugOutcome:
    """Run the task's tests on the reference with ``bug`` planted, up to the first failure.

    ``run`` is the grading's settings (:func:`~autograder.grading.run.start_run` of the
    reference): its tests, CUDA mode, kernel cache and threads. ``first`` is run first:
    the test that caught the bug last time. If it passes now, the others run as usual,
    so a stale hint costs only time.

    With ``reference`` (the values the reference records in the trusted checks), the
    task's checks count too: a bug is caught when one of their values differs, as it
    would cost a student points. They run first for a training task (its tests train
    a network for a minute) or when one caught the bug last time, else last.
    """
    started = time.monotonic()
    course = run.course
    task = course.task(bug.task)
    tree, planted = scratch / "grading", scratch / "planted"
    tree.mkdir(parents=True)
    planted_run = run.of(plant(course, bug, planted), [task])
    build_grading_tree(tree, course, planted_run.submission)
    add_hidden_tests(tree, course)
    add_checks(tree, course)
    items = [item["nodeid"] for item in course_items(task, run.items)]
    checks = [n for n in items if n.startswith(CHECKS_PREFIX)] if reference is not None else []
    nodeids = [n for n in items if not n.startswith(CHECKS_PREFIX)]
    if first in nodeids:
        nodeids = [first, *(n for n in nodeids if n != first)]
    # Whether a test fails is all that counts here: a failing example is not shrunk.
    plan = planted_run.plan(tree, test_budget_s=task.time_budget_s).with_env({NO_SHRINK: "1"})
    checks_first = bool(task.training) or first in checks
    for stage in ("checks", "tests", "checks") if checks_first else ("tests", "checks"):
        if stage == "checks" and checks and reference is not None:
            by = _caught_by_checks(plan, checks, reference, task.time_budget_s)
            checks = []  # run once
            if by is not None:
                return BugOutcome(bug, True, f"{by} (a value differs)", time.monotonic() - started, by)
        elif stage == "tests":
            caught = _caught_by_tests(plan, nodeids, task.time_budget_s)
            if caught is not None:
                by, nodeid = caught
                return BugOutcome(bug, True, by, time.monotonic() - started, nodeid)
    return BugOutcome(bug, False, None, time.monotonic() - started)


def _caught_by_tests(plan: ChildPlan, nodeids: list[str], budget: float) -> tuple[str, str | None] | None:
    """(what caught the bug, the failing test's node id) when the tests fail, stopping at the first."""
    child = run_child(plan, ["-x", *nodeids], budget * TASK_BUDGET_FACTOR)
    outcomes, _ = outcomes_from_run(child, nodeids)
    failed = [o for o in outcomes.values() if not o.passed]
    if failed:
        return f"{failed[0].nodeid} ({failed[0].status})", failed[0].nodeid
    if len(outcomes) < len(nodeids) and child.timed_out:
        return "the task's time budget ran out", None
    if not outcomes and child.returncode not in (0, None):
        return "the test process failed before any test", None
    return None


def _caught_by_checks(
    plan: ChildPlan, checks: list[str], reference: dict[tuple[str, str], Recorded], budget: float
) -> str | None:
    """The first check with a value that was recorded and differs from the reference's, if any.

    A value never recorded (the child died) catches nothing here: the tests decide then.
    """
    values: dict[tuple[str, str], Recorded] = {}
    run_tests(plan, checks, budget * TASK_BUDGET_FACTOR, values=values)
    for (nodeid, key), expected in sorted(reference.items()):
        actual = values.get((nodeid, key))
        if nodeid not in checks or expected.error is not None or actual is None:
            continue
        if actual.error is not None or compare(actual.value, expected.value, expected.tolerance, expected.agree):
            return nodeid
    return None


def gradable(task: Task) -> bool:
    """Whether a task's own code is graded by course tests (not a write-up, nor only tests the student writes)."""
    only_tests = bool(task.student_tests) and all(f.startswith("tests/") for f in task.files)
    return task.notebook is None and not only_tests


def _load_caught(course: Course) -> dict[str, str]:
    """``module/bug`` -> the node id of the test that caught it last time, from each module's file."""
    caught: dict[str, str] = {}
    for module in course.modules:
        path = module.root / CAUGHT_FILE
        if path.is_file():
            try:
                found = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise ManifestError(f"{path}: not valid JSON ({error}); delete it and run `make mutation`") from None
            caught |= {f"{module.name}/{name}": str(nodeid) for name, nodeid in dict(found).items()}
    return caught


def _save_caught(course: Course, outcomes: Sequence[BugOutcome]) -> None:
    """Rewrite each module's file with this run's catchers, keeping the entries of bugs not run."""
    previous = _load_caught(course)
    for module in course.modules:
        names = {bug.name for bug in module.planted_bugs}
        known = {k.split("/", 1)[1]: v for k, v in previous.items() if k.split("/", 1)[0] == module.name}
        for outcome in outcomes:
            if outcome.bug in module.planted_bugs:
                if outcome.first_failure is None:
                    known.pop(outcome.bug.name, None)
                else:
                    known[outcome.bug.name] = outcome.first_failure
        known = {name: nodeid for name, nodeid in known.items() if name in names}
        path = module.root / CAUGHT_FILE
        if known or path.is_file():
            path.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def run_planted_bugs(
    course: Course,
    task_ids: Sequence[str] | None = None,
    jobs: int = 2,
    echo: Callable[[str], None] | None = None,
    record: bool = False,
) -> list[BugOutcome]:
    """Check every planted bug of the selected tasks, ``jobs`` at a time; the outcomes in manifest order.

    Each bug's run starts with the test that caught it last time (the
    module's ``planted_bugs.caught.json``), so a caught bug usually costs one
    test; ``record`` rewrites those files from this run. The training tasks'
    bugs start first, since they take longest.
    """
    selected = [(m, b) for m in course.modules for b in m.planted_bugs if not task_ids or b.task in task_ids]
    problems = []
    for _, bug in selected:  # every bug must still apply before any is run
        try:
            planted_text(course, bug)
        except ManifestError as error:
            problems.append(str(error))
    if problems:
        more = f" (and {len(problems) - 1} more bugs that no longer apply)" if len(problems) > 1 else ""
        raise ManifestError(problems[0] + more)
    caught = _load_caught(course)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        run = start_run(course, reference_submission(course), [], Path(tmp), share_cores(jobs))
        ids = {bug.task for _, bug in selected}
        checks = sorted({i["nodeid"] for t in ids for i in course_items(course.task(t), run.items)} & _check_ids(run))
        reference = reference_values(run, checks, Path(tmp)) if checks else None

        def one(index: int) -> BugOutcome:
            module, bug = selected[index]
            hint = caught.get(f"{module.name}/{bug.name}")
            outcome = check_bug(run, bug, Path(tmp) / str(index), first=hint, reference=reference)
            if echo is not None:
                verdict = f"caught by {outcome.by}" if outcome.caught else "SURVIVED"
                took = f"{outcome.seconds:.1f} s, {time.monotonic() - started:.0f} s in"
                echo(f"     {bug.task} {bug.name}: {verdict} ({took})")
            return outcome

        order = sorted(range(len(selected)), key=lambda i: not course.task(selected[i][1].task).training)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {i: pool.submit(one, i) for i in order}
            outcomes = [futures[i].result() for i in range(len(selected))]
    if record:
        _save_caught(course, outcomes)
    return outcomes


def _check_ids(run: GradingRun) -> set[str]:
    return {str(item["nodeid"]) for item in run.items if str(item["nodeid"]).startswith(CHECKS_PREFIX)}


def task_scores(
    course: Course, outcomes: Sequence[BugOutcome], task_ids: Sequence[str] | None = None
) -> list[TaskScore]:
    """Per gradable task, in course order: how many of its planted bugs were caught."""
    scores = []
    for task in course.tasks:
        if task_ids and task.id not in task_ids or not gradable(task):
            continue
        mine = [o for o in outcomes if o.bug.task == task.id]
        survivors = tuple(o.bug.name for o in mine if not o.caught)
        scores.append(TaskScore(task.id, len(mine) - len(survivors), len(mine), survivors))
    return scores


def score_problems(scores: Sequence[TaskScore]) -> list[str]:
    """Tasks with no planted bug, or whose tests catch fewer than :data:`MIN_SCORE` of them."""
    problems = []
    for score in scores:
        if not score.planted:
            problems.append(f"{score.task}: no planted bugs (add some to its module's planted_bugs.toml)")
        elif score.score < MIN_SCORE:
            problems.append(
                f"{score.task}: caught {score.caught}/{score.planted} ({score.score:.0%}, below {MIN_SCORE:.0%});"
                f" survived: {', '.join(score.survivors)}"
            )
    return problems


def format_scores(scores: Sequence[TaskScore]) -> list[str]:
    """One line per task: ``3.1  7/7 caught  100%``."""
    return [f"{s.task:5} {s.caught:>2}/{s.planted:<2} caught {s.score:>5.0%}" for s in scores]
