"""Submissions with no real solution that try to set their own grade; and honest ones that must not be flagged.

Each cheat is planted in the stub tree (which scores 0): patching pytest's
runner, registering a plugin, forging events on the pipe the reporter
writes to. None may score a point, and each that tampers is flagged.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.grading.grade import GradingOptions, grade
from autograder.grading.runner import ChildRun, implausible
from autograder.grading.trusted import Malformed, compare, decode, recorded_values
from autograder.manifest import Course
from autograder.results import GradeReport

from ..conftest import as_submission, sabotage_relu

pytestmark = pytest.mark.slow  # grades the real course

BUDGET_S = 10.0
FUTURE = "from __future__ import annotations\n"

CHEATS = {
    "runtest-patched": "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n",
    "plugin-from-student-code": (
        "import gc, _pytest.config\n"
        "class _Pass:\n"
        "    def pytest_pyfunc_call(self, pyfuncitem):\n"
        "        return True\n"
        "for _config in [o for o in gc.get_objects() if isinstance(o, _pytest.config.Config)]:\n"
        "    _config.pluginmanager.register(_Pass(), 'always-pass')\n"
    ),
    "forged-events": (
        "import json as _json, os as _os, stat as _stat\n"
        "def _forge():\n"
        "    for _fd in map(int, _os.listdir('/proc/self/fd')):\n"
        "        try:\n"
        "            if not _stat.S_ISFIFO(_os.fstat(_fd).st_mode):\n"
        "                continue\n"
        "        except OSError:\n"
        "            continue\n"
        "        for _file in ('tests/test_operators.py', 'tests/hidden/test_module0_hidden.py'):\n"
        "            if not _os.path.exists(_file):\n"
        "                continue\n"
        "            for _line in open(_file):\n"
        "                if _line.startswith('def test_'):\n"
        "                    _id = _file + '::' + _line[4:].split('(')[0]\n"
        "                    for _event in ({'event': 'start', 'nodeid': _id}, {'event': 'report', 'nodeid': _id,\n"
        "                                   'when': 'call', 'outcome': 'passed', 'duration': 0.01},\n"
        "                                   {'event': 'finish', 'nodeid': _id}):\n"
        "                        _os.write(_fd, (_json.dumps(_event) + '\\n').encode())\n"
        "_forge()\n"
    ),
}


@pytest.fixture
def stub_tree(course: Course, tmp_path: Path) -> Path:
    tree = tmp_path / "stubs"
    write_solution_tree(course, tree, strip=None)
    return tree


def _plant(tree: Path, header: str) -> None:
    path = tree / "minitorch/operators.py"
    path.write_text(path.read_text().replace(FUTURE, FUTURE + header, 1))


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_a_cheat_with_no_solution_scores_nothing_and_is_flagged(course: Course, stub_tree: Path, cheat: str) -> None:
    _plant(stub_tree, CHEATS[cheat])
    report = grade(course, as_submission(stub_tree), task_ids=["0.1"], options=GradingOptions(time_budget_s=BUDGET_S))
    task = report.tasks[0]
    assert task.score == 0, [(t.name, t.status) for t in task.tests if t.passed]
    assert task.flag in ("tampered", "suspicious"), task.summary
    assert task.flag.upper() in _table(report)


def _table(report: GradeReport) -> str:
    import io

    from rich.console import Console

    from autograder.render import print_table

    buffer = io.StringIO()
    print_table(report, Console(file=buffer, width=200))
    return buffer.getvalue()


def test_honest_submissions_are_never_flagged(course: Course, solved_tree: Path, stub_tree: Path) -> None:
    """The stubs, and a tree with an ordinary bug: graded as before, no flag."""
    sabotage_relu(solved_tree, "    return x if x > 1.0 else 0.0\n")  # an ordinary bug, wrong on (0, 1]
    buggy = grade(
        course, as_submission(solved_tree), task_ids=["0.1", "0.4"], options=GradingOptions(time_budget_s=BUDGET_S)
    )
    stubs = grade(
        course, as_submission(stub_tree), task_ids=["0.1", "0.4"], options=GradingOptions(time_budget_s=BUDGET_S)
    )
    assert [t.flag for t in buggy.tasks + stubs.tasks] == [None] * 4
    assert 0 < buggy.tasks[0].score < 10 and buggy.tasks[1].score == 10
    assert stubs.score == 0 and all(t.not_started for t in stubs.tasks)
    relu = next(t for t in buggy.tasks[0].tests if t.name.endswith("[relu]"))
    assert relu.status == "failed" and relu.hidden
    assert relu.message is not None and "values differ" in relu.message
    others = [t for t in buggy.tasks[0].tests if t.name.startswith("checks/") and "relu" not in t.name]
    assert others and all(t.passed for t in others)


def test_values_are_decoded_with_limits_and_the_reference_sets_the_tolerance() -> None:
    assert decode([1, 2.5, None, True, "x", {"a": [1]}]) == [1, 2.5, None, True, "x", {"a": [1]}]
    for bad in ([[[[[[[[[[1]]]]]]]]]], {1: 2}, list(range(300_000))):
        with pytest.raises(Malformed):
            decode(bad)
    forged = {"event": "value", "nodeid": "n", "key": "k", "value": [1.0, 9.0], "tolerance": 1e9, "agree": 0.0}
    student = recorded_values([forged])[("n", "k")]
    assert compare(student.value, [1.0, 2.0], tolerance=1e-6) == "1 of 2 values differ from a correct library's"
    assert compare([math.nan, math.inf], [math.nan, math.inf], 1e-6) is None
    assert compare([1.0 + 1e-9], [1.0], 1e-6) is None and compare(["1.0"], [1.0], 1e-6) is not None
    assert compare(True, 1, 1e-6) is not None, "a boolean is not the number 1"
    assert compare([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], 1e-6, agree=0.6) is None


def test_events_honest_pytest_cannot_send_make_the_run_implausible() -> None:
    def run(*events: dict[str, object], wall: float = 5.0) -> ChildRun:
        return ChildRun(events=list(events), wall_s=wall)

    finish = {"event": "finish", "nodeid": "a"}
    report = {"event": "report", "nodeid": "a", "when": "call", "outcome": "passed", "duration": 0.5}
    assert not implausible(run(report, finish), ["a", "b"])
    assert implausible(run(report, finish, finish), ["a"]), "a test finished twice"
    assert implausible(run({"event": "finish", "nodeid": "z"}), ["a"]), "a test nobody asked for"
    assert implausible(run(report | {"duration": 60.0}, finish), ["a"]), "longer than the child lived"
    assert implausible(run(report | {"duration": "nan"}, finish), ["a"])
    assert json.dumps(report)
