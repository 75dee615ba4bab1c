"""What a student reads: the failing input, the line in their file, syntax errors at once, progress, quiet notes."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from rich.console import Console

from autograder.authoring.release import release_module
from autograder.cli import main
from autograder.grading.grade import GradingOptions, grade
from autograder.grading.workspace import editable_files
from autograder.manifest import Course
from autograder.manifest.shipped_files import STAMP_PATH
from autograder.render import print_table, total_points
from autograder.results import GradeReport, TaskResult, TestResult
from autograder.submission import CHANGED, MAX_FILE_BYTES, MISSING, file_hash, inspect_submission, open_submission

WRONG_SIGMOID = ("    z = math.exp(x)\n    return z / (1.0 + z)\n", "    z = math.exp(x)\n    return 1.0 / (1.0 + z)\n")


def _break(tree: Path, path: str, old: str, new: str) -> None:
    file = tree / path
    text = file.read_text()
    assert old in text, f"{path} no longer holds the line to break"
    file.write_text(text.replace(old, new, 1))


def test_totals_keep_extra_credit_and_pending_points_apart() -> None:
    tasks = [
        TaskResult("1.1", "A", 10, tests=[TestResult("t", "passed")]),
        TaskResult("1.2", "Write-up", 4, tests=[TestResult("n", "passed")], manual_points=4),
        TaskResult("1.3", "Extra", 5, tests=[TestResult("x", "passed")], extra_credit=True),
    ]
    report = GradeReport("s", "c", "v", tasks)
    assert report.score == 19 and report.max_score == 14
    assert total_points(report) == "14/18 +5, 4 pending"  # never above its maximum
    buffer = io.StringIO()
    print_table(report, Console(file=buffer, width=200))
    shown = buffer.getvalue()
    assert "4/8, 4 pending" in shown and "+5/+5" in shown and "14/18 +5, 4 pending" in shown


def test_a_task_shows_every_failure_alone_and_the_table_says_how_many_more() -> None:
    tests = [TestResult(f"t{n}", "failed", message=f"AssertionError: {n}\ninput: x={n}") for n in range(5)]
    report = GradeReport("s", "c", "v", [TaskResult("0.1", "Operators", 10, tests=tests)])
    few, every = io.StringIO(), io.StringIO()
    print_table(report, Console(file=few, width=200))
    print_table(report, Console(file=every, width=200), failures=None)
    assert "input: x=2" in few.getvalue() and "input: x=3" not in few.getvalue()
    assert "0.1: and 2 more failures" in few.getvalue()
    assert "input: x=4" in every.getvalue() and "more failures" not in every.getvalue()


@pytest.mark.slow  # grades the real course
def test_a_failure_shows_input_expected_actual_and_the_line(
    course: Course, solved_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _break(solved_tree, "minitorch/operators.py", *WRONG_SIGMOID)
    _break(solved_tree, "minitorch/operators.py", "    return x * y\n", "    return x * y + 'oops'\n")
    assert main(["--course", str(course.root), "grade", "--submission", str(solved_tree), "--task", "0.1"]) == 0
    shown = capsys.readouterr().out
    # A wrong value: the input, what came and what was due, and the line only failing inputs ran.
    assert "tests/test_operators.py::test_sigmoid_matches_formula" in shown
    assert "operators.sigmoid: got 0.731" in shown and "expected 0.268" in shown
    assert "input: x=-1.0" in shown
    assert "minitorch/operators.py:" in shown and "z = math.exp(x)" in shown
    # An error raised in the student's code: its file, line, function and source.
    assert "TypeError" in shown and "at minitorch/operators.py:" in shown and "in mul: return x * y + 'oops'" in shown


class Timeline:
    """Progress heard with the time it came."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.heard: list[tuple[float, str]] = []

    def problem(self, text: str) -> None:
        self.heard.append((time.monotonic() - self.start, f"problem {text}"))

    def finished(self, task: TaskResult) -> None:
        self.heard.append((time.monotonic() - self.start, f"task {task.id}"))


@pytest.mark.slow  # grades the real course
def test_a_syntax_error_is_told_first_on_one_line_and_tasks_come_as_they_end(course: Course, solved_tree: Path) -> None:
    _break(solved_tree, "minitorch/operators.py", "    return x * y\n", "    return x * y)\n")
    timeline = Timeline()
    options = GradingOptions(progress=timeline)
    report = grade(course, open_submission(solved_tree, course), module=0, options=options)
    total = time.monotonic() - timeline.start
    kinds = [text for _, text in timeline.heard]
    assert kinds[0].startswith("problem minitorch/operators.py:") and "SyntaxError: unmatched ')'" in kinds[0]
    assert sorted(kinds[1:]) == sorted(f"task {t.id}" for t in report.tasks)
    assert timeline.heard[1][0] < total / 2, timeline.heard  # the first task's result before half the time
    assert any("minitorch/operators.py:" in note and "SyntaxError" in note for note in report.notes)


@pytest.mark.slow  # builds a release and grades it
def test_an_early_release_is_graded_without_notes_about_later_modules(course: Course, tmp_path: Path) -> None:
    release_module(course, 0, tmp_path / "repo", commit=False)
    (tmp_path / "repo/minitorch/operators.py").unlink()
    (tmp_path / "repo/Makefile").write_text("grade:\n\techo 100\n")
    report = grade(course, open_submission(tmp_path / "repo", course), task_ids=["0.1"])
    # Module 1-4's files are not in the release, and its README or pyproject are as released: no note on them.
    assert report.notes == [f"{CHANGED}: Makefile", f"{MISSING}: minitorch/operators.py"], report.notes


@pytest.mark.parametrize("kind", ["link", "malformed", "huge"])
def test_a_hostile_release_stamp_is_ignored(course: Course, tmp_path: Path, kind: str) -> None:
    """The stamp only quiets notes: a linked, malformed or oversized one is as if absent, and never followed."""
    tree = tmp_path / "tree"
    stamp = tree / STAMP_PATH
    stamp.parent.mkdir(parents=True)
    (tree / "Makefile").write_text("grade:\n\techo 100\n")
    secret = tmp_path / "elsewhere.json"
    secret.write_text(json.dumps({"course": "c", "version": "v", "module": 0, "files": {}, "units": {}}))
    if kind == "link":
        stamp.symlink_to(secret)
    elif kind == "malformed":
        stamp.write_text("{not json")
    else:
        stamp.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    submission = open_submission(tree, course)
    assert submission.stamp is None and submission.was_released("minitorch/nn.py")
    files = inspect_submission(submission, [], {"Makefile": "0" * 64})
    assert files["changed"] == ["Makefile"]


def test_a_forged_stamp_quiets_a_note_and_nothing_else(course: Course, tmp_path: Path) -> None:
    """A stamp claiming the edited Makefile as released hides the note; the released files are still what runs."""
    tree = tmp_path / "tree"
    (tree / STAMP_PATH).parent.mkdir(parents=True)
    (tree / "Makefile").write_text("grade:\n\techo 100\n")
    forged = {"Makefile": file_hash(tree / "Makefile")}
    stamp = {"course": course.name, "version": course.version, "module": 0, "files": forged, "units": {}}
    (tree / STAMP_PATH).write_text(json.dumps(stamp))
    submission = open_submission(tree, course)
    assert submission.stamp is not None and not submission.was_released("minitorch/nn.py")
    assert inspect_submission(submission, [], {"Makefile": "0" * 64})["changed"] == []
    assert "Makefile" not in editable_files(course), "the grader never takes the Makefile from a submission"
