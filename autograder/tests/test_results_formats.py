"""Renderings of the results, and reproducibility of a grade."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from autograder.grading.grade import grade
from autograder.grading.scoring import hidden_message
from autograder.manifest import Course
from autograder.render import to_gradescope, to_markdown
from autograder.results import GradeReport, TaskResult, TestResult
from autograder.submission import reference_submission

# The fields of Gradescope's published results.json format.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
GRADESCOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "score", "max_score", "status"],
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}


def _report() -> GradeReport:
    tests = [
        TestResult("tests/test_operators.py::test_relu", "passed", weight=3),
        TestResult("tests/hidden/test_x.py::test_hidden_edge", "failed", hidden=True, message="AssertionError"),
    ]
    return GradeReport("alice", "minitorch", "2026.12", [TaskResult("0.1", "Operators", 8, tests=tests)])


def test_gradescope_results_follow_the_published_format() -> None:
    results = to_gradescope(_report(), stdout_visibility="after_published")
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    visible, hidden = results["tests"]
    assert (visible["score"], visible["max_score"], visible["visibility"]) == (6.0, 6.0, "visible")
    assert (hidden["score"], hidden["max_score"], hidden["visibility"]) == (0.0, 2.0, "after_published")
    assert "test_hidden_edge" not in hidden["name"]
    assert results["score"] == 6.0
    assert sum(t["max_score"] for t in results["tests"]) == 8
    with pytest.raises(ValueError, match="stdout_visibility"):
        to_gradescope(_report(), stdout_visibility="everyone")


def test_markdown_summary_has_a_row_per_task() -> None:
    text = to_markdown(_report())
    assert "| 0.1 | Operators | 1/2 | 6/8 | failed |" in text
    assert "**6/8**" in text


def test_hidden_test_messages_keep_only_the_kind_of_error() -> None:
    assert hidden_message("AssertionError: assert operators.lt(2.0, 2.0) == 0.0") == "AssertionError in a hidden test"
    assert hidden_message("the test was not collected") == "an exception in a hidden test"
    smuggled = "class_c291cmNlIGNvZGU_Error: x"  # a student's own exception class carries no text out
    assert hidden_message(f"{smuggled}\nE   AssertionError") == "AssertionError in a hidden test"
    assert hidden_message("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo: data") == "an exception in a hidden test"
    assert (
        hidden_message("tests/hidden/t.py: E   File x.py, line 1\nE   SyntaxError: bad")
        == "SyntaxError in a hidden test"
    )


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in ("duration_s", "execution_time")}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.slow
def test_grading_twice_gives_identical_results(course: Course) -> None:
    # 0.3 grades a student-written test by the one mutant it must kill (0.2 has nine).
    first = grade(course, reference_submission(course), task_ids=["0.1", "0.3"]).to_dict()
    second = grade(course, reference_submission(course), task_ids=["0.1", "0.3"]).to_dict()
    assert _without_timings(first) == _without_timings(second)
    assert first["environment"]["seeds"] == {"hypothesis": "derandomize=True", "PYTHONHASHSEED": 0}
    assert first["environment"]["packages"]["hypothesis"]
