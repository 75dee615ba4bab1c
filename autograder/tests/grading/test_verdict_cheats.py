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


LABELLING_NETWORK = """

class Network(minitorch.Module):
    \"\"\"Learns nothing: finds the dataset the test trains on and computes its labels.\"\"\"

    def __init__(self, hidden_layers: int) -> None:
        super().__init__()

    def forward(self, x):
        frame, name = sys._getframe(), "Xor"
        while frame is not None:
            target = frame.f_locals.get("target")
            if isinstance(target, dict) and "dataset" in target:
                name = target["dataset"]
            frame = frame.f_back
        x_1, x_2 = x[0].data, x[1].data
        label = x_1 < 0.2 or x_1 > 0.8 if name == "Split" else (x_1 < 0.5) != (x_2 < 0.5)
        return minitorch.Scalar(0.9 if label else 0.1)

"""


def _replace_class(path: Path, name: str, new: str) -> None:
    """Swap the top-level class ``name`` of ``path`` for ``new``."""
    text = path.read_text()
    start = text.index(f"\nclass {name}(")
    end = text.index("\nclass ", start + 1)
    path.write_text(text[:start] + new + text[end:])


def test_a_network_that_computes_the_labels_is_held_for_review(course: Course, solved_tree: Path) -> None:
    """Task 1.5's public tests measure accuracy on datasets whose labels follow public formulas; the checks do not.

    Beside it, an honest Task 2.5 whose layers have names of its own: the
    checks find a network's layers by what they hold, so it keeps every point.
    """
    _replace_class(solved_tree / "project/run_scalar.py", "Network", LABELLING_NETWORK)
    path = solved_tree / "project/run_tensor.py"
    text = path.read_text()
    for old, new in (("layer1", "first"), ("layer2", "middle"), ("layer3", "last")):
        text = text.replace(f"self.{old}", f"self.{new}")
    path.write_text(text)
    cheat, honest = grade(course, as_submission(solved_tree), task_ids=["1.5", "2.5"]).tasks
    public = [t for t in cheat.tests if not t.hidden]
    assert public and all(t.passed for t in public), "the cheat should pass the public training tests"
    assert cheat.flag == "suspicious" and cheat.score == 0, (cheat.flag, cheat.score)
    checks = [t for t in honest.tests if t.name.startswith("checks/")]
    assert checks and all(t.passed for t in checks), [(t.name, t.message) for t in checks if not t.passed]
    assert honest.flag is None and honest.score == honest.points


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
