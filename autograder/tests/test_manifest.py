from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from autograder.manifest import Course, LatePolicy, ManifestError, load_course
from autograder.manifest.policies import DEFAULT_SUBMIT, read_submit_policy
from autograder.manifest.toml_tables import TableReader

from .conftest import REPO


def test_the_course_loads(course: Course) -> None:
    assert [t.id for t in course.modules[0].tasks] == ["0.1", "0.2", "0.3", "0.4", "0.5"]
    task = course.task("0.2")
    assert task.marker == "task0_2" and task.points == 10
    assert {t.test for t in task.student_tests} >= {"test_sigmoid", "test_other"}
    assert course.reference == REPO / "reference"
    assert course.has_hidden_tests
    variants = course.modules[0].variants
    assert [(v.name, v.under_mutants) for v in variants.values()] == [("wrapped", True), ("rewritten", False)]


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "assignments"
    shutil.copytree(REPO / "assignments", root)
    return root


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "module0" / "tasks.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("points = 10", 'points = "ten"', "task[0].points: expected an integer or a number, got 'ten'"),
        ("points = 10", "points = -1", "task[0].points: expected a positive number, got -1"),
        ('marker = "task0_1"', 'marker = "task0_9"', "task[0].marker: expected 'task0_1'"),
        ('id = "0.1"', 'id = "1.1"', "task[0].id: task 1.1 does not belong to module 0"),
        ("cuda = false", "cuda = false\ncolour = 1", "task[0].colour: unknown key"),
        ('title = "Operators"\n', "", "task[0].title: missing required key"),
        ('kills = ["add_offset"]', 'kills = ["nope"]', "task[1].student_tests[3].kills[0]: unknown mutant 'nope'"),
        ('depends_on = ["0.1"]', 'depends_on = ["7.7"]', "task[1].depends_on: unknown task '7.7'"),
        ('files = ["minitorch/module.py"]', 'files = ["../etc/passwd"]', "task[3].files[0]: not a student-tree path"),
        (
            'hidden_tests = ["hidden/test_module0_hidden.py"]',
            'hidden_tests = ["hidden/missing.py"]',
            "task[0].hidden_tests[0]: file not found",
        ),
        ("[[task]]", "[[task]\n", "invalid TOML"),
        ("due = 2026-12-15T23:59:00Z", 'due = "next friday"', "module.due: expected a date-time like"),
        ("due = 2026-12-15T23:59:00Z", "due = 3", "module.due: expected datetime or a string, got 3"),
        ('file = "variants/rewritten.py"', 'file = "variants/nope.py"', "variant[1].file: file not found"),
        ('name = "rewritten"', 'name = "rewritten"\nunder_mutants = true', "variant[1].under_mutants: only one"),
        ('name = "wrapped"', 'name = "rewritten"', "variant[1].name: variant 'rewritten' defined twice"),
        ('name = "sigmoid_shifted"\n', 'name = "sigmoid_shifted"\nunder_mutants = true\n', "mutant[1].under_mutants"),
    ],
)
def test_bad_manifest_names_file_and_key(course_copy: Path, old: str, new: str, message: str) -> None:
    _edit(course_copy, old, new)
    with pytest.raises(ManifestError) as error:
        load_course(course_copy)
    assert str(error.value).startswith(str(course_copy / "module0" / "tasks.toml"))
    assert message in str(error.value)


def test_missing_course_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"course.toml: file not found"):
        load_course(tmp_path)


def test_due_dates_and_late_policy_load(course: Course) -> None:
    import datetime as dt

    assert course.modules[0].due == dt.datetime(2026, 12, 15, 23, 59, tzinfo=dt.UTC)
    assert (course.late.penalty_per_day, course.late.max_days) == (0.1, 7)


@pytest.mark.parametrize(
    ("late", "message"),
    [
        ("[late]\npenalty_per_day = 2\n", "late.penalty_per_day: expected a fraction in [0, 1], got 2.0"),
        ("[late]\nmax_days = -1\n", "late.max_days: expected a number of days >= 0, got -1"),
        ("[late]\ngrace = 1\n", "late.grace: unknown key"),
    ],
)
def test_bad_late_policy_is_named(course_copy: Path, late: str, message: str) -> None:
    path = course_copy / "course.toml"
    text = path.read_text()
    path.write_text(text[: text.index("[late]")] + late)
    with pytest.raises(ManifestError, match=re.escape(message)):
        load_course(course_copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('task = "0.1"', "bug[0].task: no task '9.9' in this module"),
        ('file = "minitorch/operators.py"', "bug[0].file: 'minitorch/module.py' is not one of task 0.1's files"),
        ('replace = "    return x + y\\n"', "bug[0].replace: a bug must change some text"),
        ('description = "mul adds"', "bug[0].colour: unknown key"),
        ('name = "lt_is_le"', "bug[1].name: bug 'mul_adds' defined twice"),
    ],
)
def test_bad_planted_bug_names_file_and_key(course_copy: Path, change: str, message: str) -> None:
    path = course_copy / "module0" / "planted_bugs.toml"
    replacement = {
        'task = "0.1"': 'task = "9.9"',
        'file = "minitorch/operators.py"': 'file = "minitorch/module.py"',
        'replace = "    return x + y\\n"': 'replace = "    return x * y\\n"',
        'description = "mul adds"': 'description = "mul adds"\ncolour = 1',
        'name = "lt_is_le"': 'name = "mul_adds"',
    }[change]
    text = path.read_text()
    assert change in text
    path.write_text(text.replace(change, replacement, 1))
    with pytest.raises(ManifestError) as raised:
        load_course(course_copy)
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_submit_text_loads_and_has_a_default(course: Course, tmp_path: Path) -> None:
    assert "push it to your repository's `main` branch" in course.submit.how
    reader = TableReader(tmp_path / "course.toml", {}, "submit")
    assert read_submit_policy(reader).how == DEFAULT_SUBMIT
    spread = TableReader(tmp_path / "course.toml", {"how": "  Upload to\n   Gradescope. "}, "submit")
    assert read_submit_policy(spread).how == "Upload to Gradescope."


@pytest.mark.parametrize(
    ("submit", "message"),
    [
        ('[submit]\nhow = ""\n', "submit.how: expected a sentence saying how students submit, got an empty text"),
        ("[submit]\nhow = 3\n", "submit.how: expected a string, got 3"),
        ('[submit]\nhow = "a\\n\\nb"\n', "submit.how: expected one paragraph of plain text"),
        ('[submit]\nhow = "a\\u0007"\n', "submit.how: expected one paragraph of plain text"),
        ('[submit]\nurl = "x"\n', "submit.url: unknown key (allowed: how)"),
        ('submit = "push"\n', "submit: expected a table, got 'push'"),
    ],
)
def test_bad_submit_text_is_one_line_naming_the_key(course_copy: Path, submit: str, message: str) -> None:
    path = course_copy / "course.toml"
    text = path.read_text()
    text = text[: text.index("[submit]")]
    path.write_text(text + submit if submit.startswith("[") else submit + text)
    with pytest.raises(ManifestError, match=re.escape(message)) as error:
        load_course(course_copy)
    assert "\n" not in str(error.value) and str(error.value).startswith(str(path))


@pytest.mark.parametrize(
    ("policy", "sentence"),
    [
        (
            LatePolicy(0.1, 7),
            "loses 10% of its score for each day (or part of one) it is late, and scores 0 once it "
            "is more than 7 days late.",
        ),
        (LatePolicy(0.25, None), "loses 25% of its score for each day (or part of one) it is late."),
        (LatePolicy(0.0, None), "loses no points."),
        (LatePolicy(0.0, 1), "up to 1 day after a module's due date loses no points; later work scores 0."),
    ],
)
def test_late_policy_in_a_sentence(policy: LatePolicy, sentence: str) -> None:
    assert policy.describe().endswith(sentence)
