"""The grader on real trees: scores are honest and confined to the task at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course
from autograder.results import GradeReport
from autograder.submission import MISSING

from ..conftest import as_submission

pytestmark = pytest.mark.slow  # grades the real course


def _scores(report: GradeReport) -> dict[str, float]:
    return {t.id: t.score for t in report.tasks}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_one_wrong_operator_costs_points_in_task_0_1_only(course: Course, solved_tree: Path) -> None:
    _replace(solved_tree / "minitorch/operators.py", "return 1.0 / (1.0 + math.exp(-x))", "return 0.5")
    report = grade(course, as_submission(solved_tree), module=0)
    scores = _scores(report)
    assert 0 < scores["0.1"] < 10
    assert {k: v for k, v in scores.items() if k != "0.1"} == {"0.2": 10, "0.3": 10, "0.4": 10, "0.5": 10}
    failed = [t for t in report.tasks[0].tests if not t.passed]
    assert any("sigmoid" in t.name for t in failed if not t.hidden)
    assert all(t.status == "failed" for t in failed)


def test_student_tests_are_graded_by_the_mutants_they_kill(course: Course, solved_tree: Path) -> None:
    tests = solved_tree / "tests/test_operators.py"
    # test_symmetric that checks nothing passes on the reference but kills no mutant, so it earns nothing;
    # test_distribute that always fails kills everything but earns nothing. Passing alone has weight 0.
    _replace(tests, "    assert_close(mul(x, y), mul(y, x))\n", "    assert True\n")
    _replace(tests, "    assert_close(mul(z, add(x, y)), add(mul(z, x), mul(z, y)))\n", "    assert False\n")
    report = grade(course, as_submission(solved_tree), task_ids=["0.2"])
    outcome = {t.name.split("::")[1]: t.status for t in report.tasks[0].tests}
    assert outcome["test_symmetric[passes]"] == "passed"
    assert outcome["test_symmetric[kills mul_asymmetric]"] == "failed"
    assert outcome["test_distribute[passes]"] == "failed"
    assert outcome["test_distribute[kills add_offset]"] == "failed"
    assert outcome["test_sigmoid[kills sigmoid_decreasing]"] == "passed"
    assert report.tasks[0].score == pytest.approx(10 * 4 / 6, abs=0.01)  # scores keep two decimals


def test_reference_failure_messages_do_not_echo_student_output(course: Course, solved_tree: Path) -> None:
    tests = solved_tree / "tests/test_operators.py"
    _replace(tests, "    assert_close(mul(x, y), mul(y, x))\n", "    raise AssertionError(open(__file__).read())\n")
    report = grade(course, as_submission(solved_tree), task_ids=["0.2"])
    item = next(t for t in report.tasks[0].tests if t.name.endswith("test_symmetric[passes]"))
    assert item.message == "fails on the reference solution: AssertionError"


def test_a_missing_library_file_scores_zero_with_a_note(course: Course, solved_tree: Path) -> None:
    (solved_tree / "minitorch/module.py").unlink()
    report = grade(course, as_submission(solved_tree), task_ids=["0.4"])
    assert report.tasks[0].score == 0 and report.tasks[0].not_started
    assert f"{MISSING}: minitorch/module.py" in report.notes


def test_a_syntax_error_is_an_error_for_the_tasks_that_import_it(course: Course, solved_tree: Path) -> None:
    (solved_tree / "minitorch/datasets.py").write_text("def broken(:\n")
    report = grade(course, as_submission(solved_tree), module=0)
    scores = _scores(report)
    assert all(scores[task] == 10 for task in ("0.1", "0.3", "0.4")), scores
    datasets = [t for t in report.tasks[4].tests if "dataset" in t.name.split("::")[-1]]  # not the classifier's
    assert datasets and {t.status for t in datasets} == {"error"}
    assert scores["0.5"] < 5
    public = [t for t in datasets if not t.hidden]
    assert public and all("minitorch/datasets.py:1: SyntaxError" in (t.message or "") for t in public)
    hidden = [t for t in datasets if t.name.startswith("tests/hidden/")]
    assert hidden and all(t.message == "SyntaxError in a hidden test" for t in hidden)


def test_a_test_max_that_never_looks_at_gradients_misses_one_mutant(course: Course, solved_tree: Path) -> None:
    """Task 4.4: checking only max's values kills the value mutants, not the one that breaks the gradient.

    The task's other tests, honest, keep every point: each passes and kills every mutant it aims at.
    """
    tests = solved_tree / "tests/test_nn.py"
    _replace(tests, "    minitorch.max(distinct, 1).sum().backward()\n", "    return\n")
    task = grade(course, as_submission(solved_tree), task_ids=["4.4"]).tasks[0]
    outcome = {t.name.split("::")[1]: t.status for t in task.tests if "test_max[" in t.name}
    assert outcome == {
        "test_max[passes]": "passed",
        "test_max[kills max_is_min]": "passed",
        "test_max[kills max_ignores_dim]": "passed",
        "test_max[kills max_gradient_everywhere]": "failed",
    }
    others = [t for t in task.tests if "test_max[" not in t.name]
    assert others and all(t.status == "passed" for t in others), [(t.name, t.message) for t in others if not t.passed]
    assert 0 < task.score < task.points
