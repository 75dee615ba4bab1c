"""A file that fails to import costs only the tasks that import it, and the report says where it failed."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from autograder.grading.grade import grade, select_tasks
from autograder.grading.runner import ChildRun, outcomes_from_run
from autograder.manifest import Course
from autograder.render import print_table
from autograder.results import GradeReport, TaskResult, TestResult

from ..conftest import FEW, as_submission

pytestmark = pytest.mark.slow  # grades the real course

REPO = Path(__file__).resolve().parents[3]
NN_IMPORT = "from .tensor_functions import Function, rand\n"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def drop_argmax(tree: Path) -> None:
    """nn.py without argmax, as a student who wrote max without it (no test of theirs needs it)."""
    path = tree / "minitorch/nn.py"
    text = path.read_text()
    start, end = text.index("def argmax("), text.index("class Max(")
    path.write_text(text[:start] + text[end:])
    _replace(path, "hits = argmax(input, d)", "hits = input == input.f.max_reduce(input, d)")
    _replace(path, '"argmax", ', "")


def drop_graph(tree: Path) -> None:
    """datasets.py rewritten without the name ``Graph`` (its class is called ``Dataset``)."""
    path = tree / "minitorch/datasets.py"
    path.write_text(path.read_text().replace("Graph", "Dataset"))


def break_nn_import(tree: Path) -> int:
    """nn.py importing a name that does not exist; the line it is on."""
    path = tree / "minitorch/nn.py"
    _replace(path, NN_IMPORT, "from .tensor_functions import Function, argmax_helper, rand\n")
    return path.read_text().splitlines().index("from .tensor_functions import Function, argmax_helper, rand") + 1


def _python(tree: Path, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env={"PYTHONPATH": f"{tree}:{REPO}", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_minitorch_imports_no_file_until_a_name_is_used(solved_tree: Path) -> None:
    break_nn_import(solved_tree)
    drop_graph(solved_tree)
    out = _python(solved_tree, (
        "import sys, minitorch\n"
        "print(sorted(m for m in sys.modules if m.startswith('minitorch.')))\n"
        "print(minitorch.operators.mul(2.0, 3.0), minitorch.Module.__name__, 'numba' in sys.modules)\n"
        "print(sorted(m for m in sys.modules if m.startswith('minitorch.')))\n"
    ))  # fmt: skip
    assert out.splitlines() == ["[]", "6.0 Module False", "['minitorch.module', 'minitorch.operators']"]


def test_a_name_keeps_its_meaning_when_a_file_of_that_name_is_imported(solved_tree: Path) -> None:
    out = _python(solved_tree, (
        "import minitorch\nfrom minitorch.tensor import Tensor\nimport minitorch.datasets\n"
        "print(callable(minitorch.tensor), type(minitorch.datasets).__name__, minitorch.tensor([1.0]).shape)\n"
        "print('nn' in dir(minitorch), 'softmax' in minitorch.__all__, 'FastOps' in minitorch.__all__)\n"
    ))  # fmt: skip
    assert out.splitlines() == ["True dict (1,)", "True True False"]


def test_a_missing_name_or_a_broken_file_is_an_import_error_that_names_its_file(solved_tree: Path) -> None:
    drop_graph(solved_tree)
    line = break_nn_import(solved_tree)
    probe = (
        "import minitorch\nfrom autograder.child.failures import import_failure\nfrom pathlib import Path\n"
        "for name in ('Graph', 'softmax'):\n"
        "    try:\n        getattr(minitorch, name)\n"
        "    except ImportError as error:\n        print(import_failure(error, Path.cwd(), collecting=False))\n"
    )
    out = _python(solved_tree, probe).splitlines()
    assert out[0] == "ImportError: cannot import name 'Graph' from 'minitorch.datasets' (minitorch/datasets.py)"
    assert out[1] == (
        f"minitorch/nn.py:{line}: ImportError: cannot import name 'argmax_helper' "
        "from 'minitorch.tensor_functions' (minitorch/tensor_functions.py)"
    )


def test_a_test_whose_file_failed_to_import_gets_its_error_and_the_others_run_again() -> None:
    events = [
        {"event": "collect_error", "nodeid": "tests/test_nn.py", "message": "minitorch/nn.py:3: ImportError: x"},
        {"event": "collect_error", "nodeid": "tests/hidden", "message": "tests/hidden/__init__.py:1: NameError"},
        {"event": "done", "exitstatus": 4},
    ]
    expected = ["tests/test_nn.py::test_a", "tests/hidden/test_h.py::t", "tests/test_ops.py::t"]
    outcomes, unreached = outcomes_from_run(ChildRun(events=events, returncode=4), expected)
    nn, hidden = outcomes["tests/test_nn.py::test_a"], outcomes["tests/hidden/test_h.py::t"]
    assert (nn.status, nn.message, nn.uncollected) == ("error", "minitorch/nn.py:3: ImportError: x", True)
    assert hidden.message == "tests/hidden/__init__.py:1: NameError (collecting tests/hidden)"
    assert unreached == ["tests/test_ops.py::t"]  # pytest stopped at the other files' errors: it runs again


def test_the_table_shows_a_failure_shared_by_many_tests_once() -> None:
    same = "minitorch/nn.py:3: ImportError: cannot import name 'argmax'"
    tests = [TestResult(f"tests/test_nn.py::t{i}", "error", message=same) for i in range(5)]
    tests.append(TestResult("tests/test_nn.py::u", "failed", message="assert 1 == 2"))
    report = GradeReport("s", "c", "1", [TaskResult("4.4", "Max", 10, tests=tests)])
    buffer = io.StringIO()
    print_table(report, Console(file=buffer, width=200))
    lines = buffer.getvalue().splitlines()
    lines = lines[next(n for n, line in enumerate(lines) if line.startswith("  4.4")) :]
    assert lines == [
        "  4.4 error: tests/test_nn.py::t0 and 4 more like it",
        f"      {same}",
        "  4.4 failed: tests/test_nn.py::u",
        "      assert 1 == 2",
    ]


def _lost(report: GradeReport) -> dict[str, float]:
    return {t.id: t.score for t in report.tasks if t.score < t.points}


def _messages(task: TaskResult) -> list[str]:
    return [t.message or "" for t in task.tests if not t.passed and not t.hidden]


def test_broken_files_cost_only_the_tasks_that_import_them(course: Course, solved_tree: Path) -> None:
    """nn.py fails when a test first uses it; module.py when test_module.py is collected (it subclasses Module)."""
    line = break_nn_import(solved_tree)
    drop_graph(solved_tree)
    with (solved_tree / "minitorch/module.py").open("a") as handle:
        handle.write("\nBROKEN = UNDEFINED_NAME\n")
    module_line = len((solved_tree / "minitorch/module.py").read_text().splitlines())
    ids = [t.id for t in select_tasks(course, module=0)] + ["4.3"]
    report = grade(course, as_submission(solved_tree), task_ids=ids)
    lost = _lost(report)
    assert sorted(lost) == ["0.4", "0.5", "4.3"] and lost["0.4"] == lost["4.3"] == 0, lost  # 0.5's script uses Module
    tasks = {t.id: t for t in report.tasks}
    where = f"minitorch/nn.py:{line}: ImportError: cannot import name 'argmax_helper' from 'minitorch.tensor_functions'"
    messages = _messages(tasks["4.3"])
    assert messages and all(m.startswith(where) for m in messages), messages
    where = f"minitorch/module.py:{module_line}: NameError: name 'UNDEFINED_NAME' is not defined"
    messages = _messages(tasks["0.4"])
    assert messages and all(m.startswith(where) for m in messages), messages


# A task of every module, and the three that use the changed files (0.5: datasets.py, 4.3 and 4.4: nn.py);
# the training tasks are left out for time (they import what their module's other tasks import), and so are
# the kernel tasks of Module 4 (each grading of a student tree compiles its kernels anew).
EVERY_MODULE = ["0.1", "0.4", "0.5", "1.2", "1.4", "2.1", "2.3", "3.2", "4.3", "4.4"]


@pytest.mark.slow
def test_every_module_loses_only_what_a_missing_name_costs(course: Course, solved_tree: Path) -> None:
    """A public solution without argmax and with datasets.py rewritten loses only 4.4's tests that import argmax."""
    drop_argmax(solved_tree)
    drop_graph(solved_tree)
    report = grade(course, as_submission(solved_tree), task_ids=EVERY_MODULE, options=FEW)
    assert [t.id for t in report.tasks] == EVERY_MODULE
    lost = _lost(report)
    assert list(lost) == ["4.4"] and lost["4.4"] > 0
    max_task = next(t for t in report.tasks if t.id == "4.4")
    where = "tests/test_nn.py:"
    missing = "ImportError: cannot import name 'argmax' from 'minitorch.nn' (minitorch/nn.py)"
    messages = _messages(max_task)
    assert messages and all(m.startswith(where) and missing in m.splitlines()[0] for m in messages), messages
