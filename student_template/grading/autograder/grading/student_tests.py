"""Grading tests that students write, by the broken library versions they catch.

For each student test named in the manifest the grader checks that it passes
on a correct library: the reference (a student grading locally has only
their own) and each of the module's variants, correct but differently
written versions of the functions the tests aim at. It then runs the test
against each mutant it is meant to catch. A mutant counts as killed only
when the test reports a failure against it and passed on every correct
library, so a test that always fails, or fails whenever the library looks
unusual, catches nothing. Passing earns nothing by itself: the points are
in the mutants killed.

Every run of a task's student tests looks the same to the tests: the same
tree, the same tests selected, the same environment; the library's layers
come through a pipe the plugin empties before any test is imported, and
replaced functions pass for the originals (:mod:`autograder.child.layers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..child.layers import encode_orders
from ..child.pytest_plugin import COLLECT_ERROR, COLLECTED, FINISH, REPORT, SELECT, STUDENT_TESTS, TAMPERED_EVENT
from ..manifest import Module, Mutant, StudentTest, Task
from ..results import TestResult
from .runner import TAMPERED, ChildPlan, ChildRun, reduce_message, run_child

EQUIVALENT = "fails on an equivalent, correct library"


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
        if event.get("event") == COLLECTED:
            name_of = {item["nodeid"]: item["name"] for item in event["items"]}
    finished = {e.get("nodeid") for e in run.events if e.get("event") == FINISH}
    failures: dict[str, str] = {}
    for event in run.events:
        if event.get("event") == REPORT and event.get("outcome") == "failed":
            failures.setdefault(str(event.get("nodeid")), str(event.get("message") or "failed"))
    errors = [str(e.get("message")) for e in run.events if e.get("event") == COLLECT_ERROR]
    if any(e.get("event") == TAMPERED_EVENT for e in run.events):
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


def library_orders(module: Module, layers: Sequence[Mutant]) -> bytes:
    """The orders of one run of a module's student tests: ``layers`` over the library, in order.

    Every run imports the same modules first (every target of the module's
    mutants and variants), whatever its layers.
    """
    imports = sorted({layer.target for layer in (*module.mutants.values(), *module.variants.values())})
    return encode_orders(imports, [(layer.target, layer.file.read_text(encoding="utf-8")) for layer in layers])


def mutant_layers(module: Module, mutant: Mutant) -> list[Mutant]:
    """The layers of a mutant's run: the mutant, over the variant that lies under mutants (if any)."""
    return [mutant, *(v for v in module.variants.values() if v.under_mutants)]


@dataclass(frozen=True)
class _Runs:
    """Runs of one task's student tests, each on the library with some layers laid over it.

    Every run selects all of the task's tests, whatever its layers, so a
    run's shape says nothing about them.
    """

    plan: ChildPlan
    module: Module
    files: list[str]
    names: list[str]

    def verdicts(self, layers: list[Mutant]) -> dict[str, _Verdict]:
        """Run the tests once, with ``layers`` laid over the library in order."""
        plan = replace(self.plan.with_env({SELECT: ",".join(self.names)}), orders=library_orders(self.module, layers))
        return _verdicts(run_child(plan, self.files, self.plan.test_budget_s), self.names)


def grade_student_tests(task: Task, module: Module, plan: ChildPlan, on_reference: bool) -> list[TestResult]:
    """Grade the student-written tests of one task in a prepared tree.

    Args:
        task: The task whose ``student_tests`` to grade.
        module: The task's module (for its mutants and variants).
        plan: Children on a tree from :func:`~autograder.grading.workspace.build_student_test_tree`.
        on_reference: Whether the tree's library is the reference solution.
            Then every message is reduced to a builtin exception's name, so a
            student test cannot print the reference's source.

    Returns:
        One graded item per check: passes on the correct libraries (a
        precondition of weight 0), kills a mutant.
    """
    # The tests are the student's: the grader's Hypothesis settings are put back, a change of them is no tampering.
    plan = plan.with_env({STUDENT_TESTS: "1"})
    tests = list(task.student_tests)
    files = sorted({t.file for t in tests})
    runs = _Runs(replace(plan, test_budget_s=task.time_budget_s), module, files, [t.test for t in tests])
    library = "the reference solution" if on_reference else "your own library"
    why_not = _failures_on_correct_libraries(runs, module, library, on_reference)
    results = [
        TestResult(
            f"{t.file}::{t.test}[passes]",
            "failed" if t.test in why_not else "passed",
            weight=0.0,
            message=why_not.get(t.test),
        )
        for t in tests
    ]
    passing = [t for t in tests if t.test not in why_not]
    killed = {name: _killed(runs, module.mutants[name]) for name in _mutants_of(passing)}
    for test in tests:
        blocked = None if test.test not in why_not else f"not counted until the test passes ({why_not[test.test]})"
        for name in test.kills:
            results.append(_kill_item(test, [module.mutants[name]], killed, blocked, f"kills {name}"))
        if test.kills_any:
            mutants = [module.mutants[name] for name in test.kills_any]
            results.append(_kill_item(test, mutants, killed, blocked, "kills one of " + ", ".join(test.kills_any)))
    return results


def _failures_on_correct_libraries(runs: _Runs, module: Module, library: str, secret: bool) -> dict[str, str]:
    """Why each test that fails on the library or on one of the variants fails, by test name.

    The variants run only while some test still passes.
    """
    why_not: dict[str, str] = {}
    correct: list[tuple[str, list[Mutant]]] = [(f"fails on {library}", [])]
    correct += [(f"{EQUIVALENT} ({v.description})", [v]) for v in module.variants.values()]
    for label, layers in correct:
        if len(why_not) == len(runs.names):
            break
        for name, verdict in runs.verdicts(layers).items():
            if not verdict.passed and name not in why_not:
                why_not[name] = f"{label}: {_detail(verdict, secret)}"
    return why_not


def _detail(verdict: _Verdict, secret: bool) -> str:
    """Why a test did not pass; in the grader's fixed vocabulary when the library is secret."""
    if not secret:
        return verdict.message or "failed"
    return reduce_message(verdict.message) if verdict.reported_failure else _reduced_reason(verdict.message)


def _mutants_of(tests: list[StudentTest]) -> list[str]:
    return list(dict.fromkeys(name for t in tests for name in (*t.kills, *t.kills_any)))


def _reduced_reason(message: str | None) -> str:
    """Why a student test did not run on the reference, in the grader's words only."""
    if message and message.startswith("could not be collected"):
        return "the test file could not be collected"
    return message if message in ("no such test found", "did not finish within its time budget") else "an exception"


def _killed(runs: _Runs, mutant: Mutant) -> set[str]:
    """The student tests that report a failure against one mutant."""
    verdicts = runs.verdicts(mutant_layers(runs.module, mutant))
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
