"""Hypothesis examples that no student code and no release chooses.

- the grading profile cannot be lowered from library code: it is put back
  before every test, and a change of it voids the child where the tests are
  the course's;
- Hypothesis's mining of local constants is off under the grader and under
  plain ``pytest`` in a student tree (the course's conftest);
- one submission gets the same public verdicts in the module-0 release, the
  module-1 release and the course repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from autograder.authoring.release import release_module
from autograder.child import hypothesis_guard, pytest_plugin
from autograder.grading.grade import grade
from autograder.grading.runner import TAMPERED_HYPOTHESIS, ChildPlan, run_child
from autograder.grading.sandbox import Sandbox
from autograder.grading.workspace import copy_child_files
from autograder.manifest import Course

from ..conftest import REPO, as_submission

pytestmark = pytest.mark.slow  # grades the real course

MINED = 31337.5  # a literal only the library under test holds
SIGMOID_NEGATIVE = "    z = math.exp(x)\n    return z / (1.0 + z)\n"


def _tree(tmp_path: Path, library: str, tests: str) -> Path:
    """A small test tree: a local library module at the root, one test file, the plugin and its ini."""
    tree = tmp_path / "tree"
    (tree / "tests").mkdir(parents=True)
    (tree / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\nmarkers =\n    task9_1: t\n")
    copy_child_files(tree)
    (tree / "mylib.py").write_text(library)
    (tree / "tests" / "__init__.py").write_text("")
    (tree / "tests" / "test_x.py").write_text(tests)
    return tree


MINING_TESTS = (
    "import os\nimport mylib\nfrom hypothesis import given, settings, strategies as st\n\n"
    "@settings(max_examples=200, derandomize=True, database=None)\n"
    "@given(st.floats(min_value=31000, max_value=32000))\n"
    "def test_floats(x):\n"
    "    with open(os.environ['SEEN'], 'a') as seen:\n"
    "        seen.write(repr(x) + '\\n')\n"
)


def _seen(path: Path) -> list[float]:
    return [float(line) for line in path.read_text().split()]


def test_local_constants_are_mined_by_hypothesis_but_not_by_the_grader_or_the_course_conftest(tmp_path: Path) -> None:
    tree = _tree(tmp_path, f"CONSTANT = {MINED}\n", MINING_TESTS)
    plain = tmp_path / "plain.txt"
    env = {**os.environ, "SEEN": str(plain), "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert MINED in _seen(plain), "this Hypothesis no longer mines local constants: revisit the switch"

    graded = tmp_path / "graded.txt"
    run = run_child(ChildPlan(tree, Sandbox("subprocess"), {"SEEN": str(graded)}), ["tests"], 120.0)
    assert run.returncode == 0, run.output_tail
    assert len(_seen(graded)) == 200 and MINED not in _seen(graded)

    shutil.copyfile(REPO / "assignments" / "common" / "tests" / "conftest.py", tree / "tests" / "conftest.py")
    student = tmp_path / "student.txt"
    env["SEEN"] = str(student)
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert len(_seen(student)) == 200 and MINED not in _seen(student)


def test_the_switch_and_the_snapshot_find_hypothesis_s_private_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Hypothesis upgrade that moves what the plugin patches or watches fails here, not silently."""
    from hypothesis.internal.conjecture import providers

    assert callable(providers._get_local_constants)
    assert "_local_constants" in vars(providers.HypothesisProvider)
    monkeypatch.setattr(providers, "_get_local_constants", providers._get_local_constants)
    assert hypothesis_guard.turn_off_local_constants() is True
    assert hypothesis_guard.turn_off_local_constants() is False
    assert len(providers._get_local_constants()) == 0
    for owner, name in pytest_plugin.hypothesis_machinery():
        assert name in vars(owner), f"{owner}.{name} is gone"
    from hypothesis import settings

    assert "_fallback" in vars(settings(max_examples=3)), "the plugin reads a test's own settings through _fallback"


LOWERING_LIBRARY = (
    "from hypothesis import settings\n"
    "settings.register_profile('grading', max_examples=1, derandomize=False, deadline=5)\n"
    "settings.load_profile('grading')\n"
)
COUNTING_TESTS = (
    "import os\nimport pytest\nimport mylib\nfrom hypothesis import given, settings, strategies as st\n\n"
    "def _count(name):\n"
    "    with open(os.environ['COUNT'] + name, 'a') as f:\n"
    "        f.write('x')\n\n"
    "@given(st.integers())\ndef test_plain(n):\n    _count('.plain')\n\n"
    "@settings(max_examples=7)\n@given(st.integers())\ndef test_own(n):\n    _count('.own')\n\n"
    "@pytest.mark.task9_1\n@given(st.integers())\ndef test_capped(n):\n    _count('.capped')\n\n"
    "def test_tampers():\n"
    "    test_later._hypothesis_internal_use_settings = settings(max_examples=1)\n"
    "    test_later._hypothesis_internal_use_seed = 4\n\n"
    "@given(st.integers())\ndef test_later(n):\n    _count('.later')\n"
)


@pytest.mark.parametrize("student_tests", [True, False], ids=["student-tests", "course-tests"])
def test_library_code_cannot_lower_the_example_counts(tmp_path: Path, student_tests: bool) -> None:
    tree = _tree(tmp_path, LOWERING_LIBRARY, COUNTING_TESTS)
    count = str(tmp_path / "count")
    env = {pytest_plugin.MAX_EXAMPLES: "30", pytest_plugin.TASK_MAX_EXAMPLES: "task9_1=5", "COUNT": count}
    if student_tests:
        env[pytest_plugin.STUDENT_TESTS] = "1"
    run = run_child(ChildPlan(tree, Sandbox("subprocess"), env), ["tests"], 120.0)
    assert run.returncode == 0, run.output_tail
    counts = {name: len(Path(f"{count}.{name}").read_text()) for name in ("plain", "own", "capped", "later")}
    assert counts == {"plain": 30, "own": 7, "capped": 5, "later": 30}
    tampered = {e.get("what") for e in run.events if e.get("event") == "tampered"}
    assert tampered == (set() if student_tests else {"hypothesis"})


def test_a_lowered_profile_in_a_submission_voids_its_grading(course: Course, solved_tree: Path) -> None:
    """Library code that loads a one-example profile: its sub-range bug costs the points all the same."""
    path = solved_tree / "minitorch" / "operators.py"
    text = path.read_text()
    text = text.replace("    return x * y\n", "    return x * y if x > -50.0 else x * y + 1.0\n", 1)
    future = "from __future__ import annotations\n"
    path.write_text(text.replace(future, future + LOWERING_LIBRARY, 1))
    task = grade(course, as_submission(solved_tree), task_ids=["0.1"]).tasks[0]
    assert task.score == 0
    assert all(t.status == "error" and t.message == TAMPERED_HYPOTHESIS for t in task.tests), task.tests


def _buggy_operators() -> str:
    """The reference's operators with a sigmoid that is 0 for every negative input (visible on about (-4.6, 0))."""
    text = (REPO / "reference" / "minitorch" / "operators.py").read_text()
    assert SIGMOID_NEGATIVE in text
    return text.replace(SIGMOID_NEGATIVE, "    return 0.0\n", 1)


def _public_verdicts(tests: list[dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    return {t["name"]: (t["status"], t["message"]) for t in tests if not t["hidden"]}


def _release_verdicts(course: Course, module: int, tmp_path: Path) -> dict[str, tuple[str, str | None]]:
    """Grade Task 0.1 of the buggy submission in the module's release, as its Makefile does."""
    release = tmp_path / f"module{module}"
    release_module(course, module, release, commit=False)
    (release / "minitorch" / "operators.py").write_text(_buggy_operators())
    out = tmp_path / f"module{module}.json"
    env = {**os.environ, "PYTHONPATH": str(release / "grading")}
    command = [sys.executable, "-m", "autograder", "--course", str(release / "grading" / "course"), "grade",
               "--submission", str(release), "--task", "0.1", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, cwd=release, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (task,) = json.loads(out.read_text())["tasks"]
    return _public_verdicts(task["tests"])


def test_one_submission_gets_the_same_public_verdicts_in_every_release(course: Course, tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    (submission / "minitorch").mkdir(parents=True)
    (submission / "minitorch" / "operators.py").write_text(_buggy_operators())
    task = grade(course, as_submission(submission), task_ids=["0.1"]).tasks[0]
    course_verdicts = _public_verdicts([asdict(t) for t in task.tests])
    assert any(status == "failed" for status, _ in course_verdicts.values()), "the buggy sigmoid went unnoticed"
    assert _release_verdicts(course, 0, tmp_path) == course_verdicts
    assert _release_verdicts(course, 1, tmp_path) == course_verdicts
