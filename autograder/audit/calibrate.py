"""``make calibrate``: how reliably the reference meets a training task's targets.

The grader trains with one fixed seed per dataset, so a grade is
reproducible; a target is only fair if a correct network meets it for other
seeds too (a student's layers may draw their initial weights in another
order). This reruns the reference's training tests with ``runs`` different
seeds and counts the passes per dataset.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from ..grading.context import CHECKS_PREFIX, course_items
from ..grading.run import TASK_BUDGET_FACTOR, grading_threads, start_run
from ..grading.runner import run_tests
from ..grading.workspace import add_hidden_tests, build_grading_tree
from ..manifest import Course, ManifestError
from ..submission import reference_submission

SEED_OFFSET = "TRAINING_SEED_OFFSET"  # read by the course's tests/training.py


def calibrate(course: Course, task_id: str, runs: int, echo: Callable[[str], None] = print) -> dict[str, int]:
    """Run the reference on a training task's targets with ``runs`` seeds.

    Returns:
        Passes per test id (one per dataset), out of ``runs``.
    """
    task = course.task(task_id)
    if not task.training:
        raise ManifestError(f"{course.root}: task {task_id} has no [[task.training]] targets")
    passes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        run = start_run(course, reference_submission(course), [task], Path(tmp), grading_threads())
        tree = Path(tmp) / "tree"
        tree.mkdir()
        build_grading_tree(tree, course, run.submission)
        add_hidden_tests(tree, course)
        plan = run.plan(tree, test_budget_s=task.time_budget_s)
        nodeids = [i["nodeid"] for i in course_items(task, run.items) if not i["nodeid"].startswith(CHECKS_PREFIX)]
        budget = task.time_budget_s * TASK_BUDGET_FACTOR
        for offset in range(runs):
            outcomes = run_tests(plan.with_env({SEED_OFFSET: str(offset)}), nodeids, budget)
            for nodeid, outcome in outcomes.items():
                passes[nodeid] = passes.get(nodeid, 0) + outcome.passed
                if not outcome.passed:
                    echo(f"seed +{offset}: {nodeid}: {outcome.status}: {(outcome.message or '').splitlines()[0]}")
    for nodeid, count in passes.items():
        echo(f"{count}/{runs}  {nodeid}")
    return passes
