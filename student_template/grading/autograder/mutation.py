"""Grading tests that students write, by the broken library variants they catch.

For each student test named in the manifest the grader checks that it passes
on a correct library (the reference; a student grading locally has only their
own), then runs it against each mutant it is meant to catch. A mutant counts
as killed only when the test reports a failure against it and passed on the
correct library, so a test that always fails catches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .manifest import Module, Mutant, StudentTest, Task
from .pytest_plugin import MUTANT, SELECT, STUDENT_TESTS
from .results import TestResult
from .runner import TAMPERED, ChildPlan, ChildRun, reduce_message, run_child
from .workspace import mutant_file


@dataclass(frozen=True)
class _Verdict:
    """How one student test fared in one child run.

    Attributes:
        passed: Every item of the test finished and passed.
        reported_failure: Some item reported a failure (not merely died or hung).
        message: Why it did not pass.
    """

    passed: bool
    reported_failure: bool
    message: str | None


def _verdicts(run: ChildRun, names: list[str]) -> dict[str, _Verdict]:
    """Per test function name, whether all of its items (parametrized or not) passed."""
    name_of: dict[str, str] = {}
    for event in run.events:
        if event.get("event") == "collected":
            name_of = {item["nodeid"]: item["name"] for item in event["items"]}
    finished = {e.get("nodeid") for e in run.events if e.get("event") == "finish"}
    failures: dict[str, str] = {}
    for event in run.events:
        if event.get("event") == "report" and event.get("outcome") == "failed":
            failures.setdefault(str(event.get("nodeid")), str(event.get("message") or "failed"))
    errors = [str(e.get("message")) for e in run.events if e.get("event") == "collect_error"]
    if any(e.get("event") == "tampered" for e in run.events):
        return {name: _Verdict(False, False, TAMPERED) for name in names}
    verdicts = {}
    for name in names:
        nodeids = [nodeid for nodeid, found in name_of.items() if found == name]
        failed = [failures[nodeid] for nodeid in nodeids if nodeid in failures]
        if not nodeids:
            reason = ("could not be collected: " + "; ".join(errors)) if errors else "no such test found"
            verdicts[name] = _Verdict(False, False, reason)
        elif failed:
            verdicts[name] = _Verdict(False, True, failed[0])
        elif any(nodeid not in finished for nodeid in nodeids):
            verdicts[name] = _Verdict(False, False, "did not finish within its time budget")
        else:
            verdicts[name] = _Verdict(True, False, None)
    return verdicts


def grade_student_tests(task: Task, module: Module, plan: ChildPlan, on_reference: bool) -> list[TestResult]:
    """Grade the student-written tests of one task in a prepared tree.

    Args:
        task: The task whose ``student_tests`` to grade.
        module: The task's module (for its mutants).
        plan: Children on a tree from :func:`~autograder.workspace.build_student_test_tree`.
        on_reference: Whether the tree's library is the reference solution.
            Then every message is reduced to a builtin exception's name, so a
            student test cannot print the reference's source.

    Returns:
        One graded item per check (passes on the library, kills a mutant).
    """
    # The tests are the student's: the grader's Hypothesis settings are put back, a change of them is no tampering.
    plan = replace(plan.with_env({STUDENT_TESTS: "1"}), test_budget_s=task.time_budget_s)
    tests = list(task.student_tests)
    files = sorted({t.file for t in tests})
    names = [t.test for t in tests]
    baseline = _verdicts(run_child(plan.with_env({SELECT: ",".join(names)}), files, task.time_budget_s), names)
    library = "the reference solution" if on_reference else "your own library"
    results: list[TestResult] = []
    for test in tests:
        verdict = baseline[test.test]
        message = None
        if not verdict.passed:
            detail = verdict.message
            if on_reference:
                detail = reduce_message(detail) if verdict.reported_failure else _reduced_reason(verdict.message)
            message = f"fails on {library}: {detail}"
        results.append(
            TestResult(f"{test.file}::{test.test}[passes]", "passed" if verdict.passed else "failed", message=message)
        )
    killed = {name: _kills(plan, files, module.mutants[name], tests) for name in _mutants_of(tests)}
    for test, passes in zip(tests, results[:], strict=True):
        blocked = None if passes.passed else f"not counted until the test passes ({passes.message})"
        for name in test.kills:
            results.append(_kill_item(test, [module.mutants[name]], killed, blocked, f"kills {name}"))
        if test.kills_any:
            mutants = [module.mutants[name] for name in test.kills_any]
            results.append(_kill_item(test, mutants, killed, blocked, "kills one of " + ", ".join(test.kills_any)))
    return results


def _mutants_of(tests: list[StudentTest]) -> list[str]:
    return list(dict.fromkeys(name for t in tests for name in (*t.kills, *t.kills_any)))


def _reduced_reason(message: str | None) -> str:
    """Why a student test did not run on the reference, in the grader's words only."""
    if message and message.startswith("could not be collected"):
        return "the test file could not be collected"
    return message if message in ("no such test found", "did not finish within its time budget") else "an exception"


def _kills(plan: ChildPlan, files: list[str], mutant: Mutant, tests: list[StudentTest]) -> set[str]:
    """The student tests that report a failure against one mutant."""
    aimed = [t.test for t in tests if mutant.name in t.kills or mutant.name in t.kills_any]
    env = {SELECT: ",".join(aimed), MUTANT: f"{mutant_file(mutant)}::{mutant.target}"}
    verdicts = _verdicts(run_child(plan.with_env(env), files, plan.test_budget_s), aimed)
    return {name for name, verdict in verdicts.items() if verdict.reported_failure}


def _kill_item(
    test: StudentTest, mutants: list[Mutant], killed: dict[str, set[str]], blocked: str | None, label: str
) -> TestResult:
    name = f"{test.file}::{test.test}[{label}]"
    if blocked is not None:
        return TestResult(name, "failed", message=blocked)
    if any(test.test in killed[m.name] for m in mutants):
        return TestResult(name, "passed")
    described = "; ".join(m.description for m in mutants)
    return TestResult(name, "failed", message=f"still passes against a broken library: {described}")
