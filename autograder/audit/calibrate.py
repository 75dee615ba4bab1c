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

from ..grading.grade import sandbox_for
from ..grading.runner import ChildPlan, collect, run_tests
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
    sandbox = sandbox_for(course)
    passes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        tree = Path(tmp)
        build_grading_tree(tree, course, reference_submission(course))
        add_hidden_tests(tree, course)
        plan = ChildPlan(tree, sandbox, test_budget_s=task.time_budget_s)
        items = collect(plan, ["tests", "-m", task.marker], 300)
        nodeids = [i["nodeid"] for i in items]
        for offset in range(runs):
            outcomes = run_tests(plan.with_env({SEED_OFFSET: str(offset)}), nodeids, 3 * task.time_budget_s)
            for nodeid, outcome in outcomes.items():
                passes[nodeid] = passes.get(nodeid, 0) + outcome.passed
                if not outcome.passed:
                    echo(f"seed +{offset}: {nodeid}: {outcome.status}: {(outcome.message or '').splitlines()[0]}")
    for nodeid, count in passes.items():
        echo(f"{count}/{runs}  {nodeid}")
    return passes
