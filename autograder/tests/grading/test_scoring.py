"""Trusted check items judged from what a child recorded, and what became of the check itself."""

from __future__ import annotations

from autograder.grading.runner import Outcome
from autograder.grading.scoring import NOT_RECORDED, check_results, with_outcome
from autograder.grading.trusted import Recorded

NODE = "checks/test_module0_checks.py::test_operators_on_chosen_inputs"
REFERENCE = {(NODE, "mul"): Recorded([1.0, 4.0]), (NODE, "add"): Recorded([2.0, 3.0])}


def test_values_compared_with_the_reference() -> None:
    student = {(NODE, "mul"): Recorded([1.0, 4.0]), (NODE, "add"): Recorded([2.0, 3.5])}
    results = {r.name: r for r in check_results(NODE, REFERENCE, student, weight=2.0)}
    assert results[f"{NODE}[mul]"].passed
    assert not results[f"{NODE}[add]"].passed
    assert all(r.hidden and r.weight == 1.0 for r in results.values())


def test_a_check_stopped_by_a_stub_names_the_exception_only() -> None:
    results = check_results(NODE, REFERENCE, {}, weight=2.0)
    assert all(r.message == NOT_RECORDED for r in results)
    secret = "NotImplementedError: Need to implement for Task 0.1 (the check's own text: mul(2.0, 2.0))"
    stopped = with_outcome(results, Outcome(NODE, "failed", secret))
    assert [r.status for r in stopped] == ["failed", "failed"]
    assert all(r.message == "NotImplementedError raised before this value was recorded" for r in stopped)


def test_a_check_that_timed_out_gives_its_values_that_fate() -> None:
    results = with_outcome(check_results(NODE, REFERENCE, {}, weight=2.0), Outcome(NODE, "timeout", "over budget"))
    assert [r.status for r in results] == ["timeout", "timeout"]
    passed = check_results(NODE, REFERENCE, dict(REFERENCE), weight=2.0)
    assert all(r.passed for r in with_outcome(passed, Outcome(NODE, "passed")))


def test_checks_that_never_ran_do_not_make_a_task_suspicious() -> None:
    from types import SimpleNamespace

    from autograder.grading.scoring import Reported, flag
    from autograder.results import TaskResult, TestResult

    task = SimpleNamespace(id="0.4")
    public = TestResult("tests/test_module.py::test_a", "passed", False, 1.0)
    died = with_outcome(check_results(NODE, REFERENCE, {}, weight=1.0), Outcome(NODE, "error", "ended"))
    result = TaskResult("0.4", "Modules", 10, tests=[public, *died])
    assert flag(task, result, Reported()) is None
    wrong = check_results(NODE, REFERENCE, {(NODE, "mul"): Recorded([0.0, 0.0])}, weight=1.0)
    result = TaskResult("0.4", "Modules", 10, tests=[public, *wrong])
    assert flag(task, result, Reported()) == "suspicious"
