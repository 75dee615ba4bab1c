"""A task's result from what its children reported: course tests, trusted checks, flags.

Course tests count by their outcome. Trusted checks count by their values,
compared here with the reference's (:mod:`autograder.grading.trusted`); together a
task's checks weigh as much as its hidden tests, or half its public tests
where it has none. A task whose children's reporting was tampered with is
``tampered`` and scores nothing; one whose public tests all pass while every
trusted check fails is ``suspicious``, for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..manifest import Task
from ..results import TaskResult, TestResult
from .context import CHECKS_PREFIX, HIDDEN_PREFIX, GradingContext, course_items, device_of
from .runner import TAMPERED, TAMPERED_HYPOTHESIS, Outcome, reduce_message
from .trusted import Recorded, compare

NOT_RECORDED = "the check recorded no value (it did not run, or stopped before this one)"


@dataclass
class Reported:
    """What a grading's children reported: outcomes by node id, check values, the tasks tampered with."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    values: dict[tuple[str, str], Recorded] = field(default_factory=dict)
    tampered: set[str] = field(default_factory=set)

    def add(self, other: Reported) -> None:
        """Fold another run's reports into these."""
        self.outcomes.update(other.outcomes)
        self.values.update({k: v for k, v in other.values.items() if k not in self.values})
        self.tampered |= other.tampered


def score_task(context: GradingContext, task: Task, reported: Reported, extra: TaskResult | None) -> TaskResult:
    """A task's result: its course tests' outcomes and its checks' values, then its extra items."""
    result = extra or TaskResult(task.id, task.title, task.points, extra_credit=task.extra_credit)
    mine = course_items(task, context.run.items)
    tests = [_test_result(context, task, item, reported) for item in mine if not _is_check(item)]
    checks = [item for item in mine if _is_check(item)]
    weight = _checks_weight(tests, len(checks))
    for item in checks:
        found = check_results(item["nodeid"], context.reference, reported.values, weight)
        for check in found:
            check.cuda = device_of(context.run.cuda, item)
        tests += with_outcome(found, reported.outcomes.get(item["nodeid"]))
    result.tests = tests + result.tests
    if not result.tests:
        result.notes.append(f"no tests carry the marker {task.marker}: the task cannot be graded")
    result.duration_s += sum(reported.outcomes[i["nodeid"]].duration_s for i in mine)
    result.flag = flag(task, result, reported)
    return result


def _is_check(item: dict[str, Any]) -> bool:
    return str(item["nodeid"]).startswith(CHECKS_PREFIX)


def _test_result(context: GradingContext, task: Task, item: dict[str, Any], reported: Reported) -> TestResult:
    outcome = reported.outcomes[item["nodeid"]]
    weight = task.weights.get(item["name"], task.weights.get(item["nodeid"], 1.0))
    hidden = item["nodeid"].startswith(HIDDEN_PREFIX)
    message = hidden_message(outcome.message) if hidden and outcome.from_test else outcome.message
    device = device_of(context.run.cuda, item)
    return TestResult(item["nodeid"], outcome.status, hidden, weight, message, outcome.duration_s, device)


def _checks_weight(tests: list[TestResult], checks: int) -> float:
    """The weight of each of ``checks`` trusted checks of a task with course tests ``tests``."""
    if not checks:
        return 0.0
    hidden = sum(t.weight for t in tests if t.hidden)
    total = hidden if hidden > 0 else max(1.0, sum(t.weight for t in tests) / 2)
    return total / checks


def check_results(
    nodeid: str, reference: dict[tuple[str, str], Recorded], student: dict[tuple[str, str], Recorded], weight: float
) -> list[TestResult]:
    """One item per value the reference recorded in check ``nodeid``, judged against what the student's library gave.

    The items are hidden: their messages say how many values differ, or the
    name of the builtin exception that stopped the check, never a value.
    """
    keys = sorted(key for node, key in reference if node == nodeid)
    if not keys:
        return [TestResult(f"{nodeid}[no reference values]", "error", True, weight, "the reference recorded nothing")]
    results = []
    for key in keys:
        expected, actual = reference[(nodeid, key)], student.get((nodeid, key))
        name = f"{nodeid}[{key}]"
        if expected.error is not None:
            message: str | None = "the reference could not record this value"
        elif actual is None:
            message = NOT_RECORDED
        elif actual.error is not None:
            message = f"{reduce_message(actual.error)} raised"
        else:
            message = compare(actual.value, expected.value, expected.tolerance, expected.agree)
        status = "passed" if message is None else "failed"
        results.append(TestResult(name, status, True, weight / len(keys), message))
    return results


def with_outcome(results: list[TestResult], outcome: Outcome | None) -> list[TestResult]:
    """Values a check never recorded take the check's own fate: ``error``, ``timeout``, ``crashed``...

    A check that failed stopped on an exception outside its ``record`` calls:
    its unrecorded values name that exception's builtin class (a stub's
    ``NotImplementedError``), never its message.
    """
    if outcome is None or outcome.status == "passed":
        return results
    for result in results:
        if result.message != NOT_RECORDED:
            continue
        if outcome.status == "failed":  # the check stopped on an exception before recording this value
            result.message = f"{reduce_message(outcome.message)} raised before this value was recorded"
        else:
            result.status, result.message = outcome.status, outcome.message or NOT_RECORDED
    return results


def hidden_message(message: str | None) -> str | None:
    """What a student may learn from a failed hidden test: a builtin exception's name, never the test's text."""
    if message is None:
        return None
    return f"{reduce_message(message)} in a hidden test"


def flag(task: Task, result: TaskResult, reported: Reported) -> str | None:
    """``tampered`` (its results voided), ``suspicious`` (public tests pass, every check's values wrong) or None."""
    if task.id in reported.tampered:
        voids = [t.message for t in result.tests if t.message in (TAMPERED, TAMPERED_HYPOTHESIS)]
        for test in result.tests:
            test.status = "error"
            test.message = test.message if test.message in (TAMPERED, TAMPERED_HYPOTHESIS) else (voids or [TAMPERED])[0]
        return "tampered"
    public = [t for t in result.tests if not t.hidden]
    checks = [t for t in result.tests if t.name.startswith(CHECKS_PREFIX)]
    # Only values that were compared and found wrong count: a child that died before its checks ran (a loaded
    # machine, a crash) is an error of its own, and an honest submission is never flagged for it.
    wrong = any(t.status == "failed" for t in checks)
    if public and checks and wrong and all(t.passed for t in public) and not any(t.passed for t in checks):
        return "suspicious"
    return None
