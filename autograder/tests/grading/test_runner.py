"""Folding child events into outcomes: nothing that was expected vanishes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from autograder.child.pytest_plugin import NO_SHRINK
from autograder.grading.run import GradingRun, sandbox_for
from autograder.grading.runner import ChildRun, outcomes_from_run
from autograder.manifest import load_course
from autograder.results import TaskResult, TestResult
from autograder.submission import reference_submission

from ..conftest import REPO


def _events(*specs: tuple[str, str, str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for nodeid, when, outcome in specs:
        if when == "start":
            events.append({"event": "start", "nodeid": nodeid})
        elif when == "finish":
            events.append({"event": "finish", "nodeid": nodeid})
        else:
            events.append({"event": "report", "nodeid": nodeid, "when": when, "outcome": outcome, "message": "boom"})
    return events


def _passing(nodeid: str) -> list[tuple[str, str, str]]:
    return [(nodeid, "start", ""), (nodeid, "setup", "passed"), (nodeid, "call", "passed"),
            (nodeid, "teardown", "passed"), (nodeid, "finish", "")]  # fmt: skip


def _phases(nodeid: str, **outcomes: str) -> list[tuple[str, str, str]]:
    return [(nodeid, "start", ""), *((nodeid, when, o) for when, o in outcomes.items()), (nodeid, "finish", "")]


def test_phases_fold_into_statuses() -> None:
    events = _events(
        *_passing("a"),
        *_phases("b", setup="passed", call="failed", teardown="passed"),
        *_phases("c", setup="failed", teardown="passed"),
        *_phases("d", setup="passed", call="passed", teardown="failed"),
    )
    run = ChildRun(events=[*events, {"event": "done", "exitstatus": 1}], returncode=1)
    outcomes, unreached = outcomes_from_run(run, ["a", "b", "c", "d", "e"])
    assert {k: v.status for k, v in outcomes.items()} == {
        "a": "passed", "b": "failed", "c": "error", "d": "error", "e": "error",
    }  # fmt: skip
    assert outcomes["e"].message == "the test was not collected"
    assert unreached == []


def test_a_child_that_dies_marks_its_test_crashed_and_the_rest_unreached() -> None:
    run = ChildRun(events=_events(*_passing("a"), ("b", "start", "")), returncode=-11)
    outcomes, unreached = outcomes_from_run(run, ["a", "b", "c"])
    assert outcomes["a"].status == "passed"
    assert outcomes["b"].status == "crashed" and "SIGSEGV" in (outcomes["b"].message or "")
    assert unreached == ["c"]


def test_a_timed_out_child_marks_its_test_timeout() -> None:
    run = ChildRun(events=_events(("a", "start", "")), returncode=-9, timed_out=True)
    outcomes, unreached = outcomes_from_run(run, ["a", "b"])
    assert outcomes["a"].status == "timeout"
    assert unreached == ["b"]


def test_score_is_weighted_and_status_is_the_worst() -> None:
    task = TaskResult("0.1", "Operators", 10, tests=[
        TestResult("a", "passed", weight=3), TestResult("b", "failed", weight=1), TestResult("c", "crashed", weight=1),
    ])  # fmt: skip
    assert task.score == 6.0
    assert task.status == "crashed"
    assert task.counts == {"passed": 1, "failed": 1, "crashed": 1}
    assert TaskResult("0.2", "Empty", 10).status == "error"


def test_a_grading_that_does_not_shrink_tells_every_child(tmp_path: Path) -> None:
    """GradingOptions(shrink=False) reaches the children as AUTOGRADER_NO_SHRINK; by default it is absent."""
    course = load_course(REPO / "assignments")
    run = GradingRun(
        course, reference_submission(course), (), [], "simulator", tmp_path, False, sandbox_for(course), threads=1
    )
    assert NO_SHRINK not in run.plan(tmp_path).env
    assert dataclasses.replace(run, shrink=False).plan(tmp_path).env[NO_SHRINK] == "1"
