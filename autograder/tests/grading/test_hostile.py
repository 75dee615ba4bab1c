"""Hostile submissions: each breaks one thing on purpose.

Every case grades Tasks 0.1 (operators, sabotaged) and 0.4 (modules, left
intact) with a short time budget, and checks the expected statuses, that the
intact task keeps its points, and that the grader returns in time.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from autograder.grading.grade import GradingOptions, grade
from autograder.manifest import Course
from autograder.results import GradeReport, TestResult
from autograder.submission import CHANGED

from ..conftest import RELU, REPO, as_submission, sabotage_relu

pytestmark = pytest.mark.slow  # grades the real course

BUDGET_S = 8.0


def _grade(course: Course, tree: Path) -> tuple[GradeReport, float]:
    started = time.monotonic()
    report = grade(course, as_submission(tree), task_ids=["0.1", "0.4"], options=GradingOptions(time_budget_s=BUDGET_S))
    return report, time.monotonic() - started


def _course_tests(report: GradeReport) -> list[TestResult]:
    """Task 0.1's public and hidden tests (a trusted check records every operator in one go, so a hang stops it)."""
    return [t for t in report.tasks[0].tests if not t.name.startswith("checks/")]


def _relu_statuses(report: GradeReport) -> set[str]:
    return {t.status for t in _course_tests(report) if "relu" in t.name and "relu_back" not in t.name}


def _check_contained(report: GradeReport, elapsed: float, relu_status: str | set[str]) -> None:
    allowed = {relu_status} if isinstance(relu_status, str) else relu_status
    assert _relu_statuses(report) and _relu_statuses(report) <= allowed
    assert report.tasks[0].score < 10
    uses_relu = ("test_relu", "comparison_edges")  # the public and hidden tests that call relu
    passing = [t for t in _course_tests(report) if not any(name in t.name for name in uses_relu)]
    assert passing and all(t.passed for t in passing), [(t.name, t.status) for t in passing if not t.passed]
    assert report.tasks[1].score == 10, "the intact task lost points"
    assert elapsed < 6 * BUDGET_S + 60


@pytest.mark.parametrize(
    ("body", "header", "status"),  # status: what the sabotaged relu tests must end in
    [
        ("    while True:\n        pass\n", "", "timeout"),
        ("    import os\n    os._exit(0)\n", "", "crashed"),
        ("    import sys\n    sys.exit(0)\n", "", "failed"),
        ("    import ctypes\n    ctypes.string_at(0)\n", "", "crashed"),
        ("    block = bytearray(30 * 1024**3)\n    return float(len(block))\n", "", "memory"),
        ("    print('x' * (200 * 1024**2))\n    return x if x > 0.0 else 0.0\n", "", {"failed", "timeout"}),
    ],
    ids=["infinite-loop", "os-exit-in-test", "sys-exit-in-test", "segfault", "30GB-allocation", "200MB-stdout"],
)
def test_a_sabotaged_function_costs_only_its_own_tests(
    course: Course, solved_tree: Path, body: str, header: str, status: str | set[str]
) -> None:
    sabotage_relu(solved_tree, body, header)
    report, elapsed = _grade(course, solved_tree)
    _check_contained(report, elapsed, status)


@pytest.mark.parametrize("exit_call", ["import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"])
def test_exit_at_import_fails_every_test_that_imports_it_and_the_grader_survives(
    course: Course, solved_tree: Path, exit_call: str
) -> None:
    sabotage_relu(solved_tree, RELU, header=exit_call)  # operators.py exits as it is imported
    report, elapsed = _grade(course, solved_tree)
    assert report.tasks[0].score == 0 and report.tasks[0].tests
    assert {t.status for t in report.tasks[0].tests} <= {"error", "crashed"}
    assert report.tasks[1].score == 10, "Task 0.4 imports no operators, so it keeps its points"
    assert elapsed < 60


def test_student_conftest_and_edited_tests_are_ignored(course: Course, solved_tree: Path) -> None:
    sabotage_relu(solved_tree, "    return 42.0\n")
    (solved_tree / "tests/conftest.py").write_text(
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    (solved_tree / "tests/test_operators.py").write_text("def test_relu():\n    assert True\n")
    (solved_tree / "pytest.ini").write_text("[pytest]\naddopts = -p no:terminal\n")
    (solved_tree / "sitecustomize.py").write_text("raise SystemExit(0)\n")
    report, _ = _grade(course, solved_tree)
    assert _relu_statuses(report) == {"failed"}
    assert report.tasks[1].score == 10


def test_network_is_unreachable(course: Course, solved_tree: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.1)
        port = server.getsockname()[1]
        sabotage_relu(
            solved_tree,
            f"    import socket\n    socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hi')\n"
            "    return x if x > 0.0 else 0.0\n",
        )
        report, elapsed = _grade(course, solved_tree)
        with pytest.raises(TimeoutError):
            server.accept()
    if report.environment["isolation"] == "subprocess":
        pytest.skip("no network namespace on this machine: bubblewrap and unshare are unavailable")
    _check_contained(report, elapsed, "failed")


def test_reference_and_hidden_tests_are_invisible_by_path(course: Course, solved_tree: Path) -> None:
    secret = REPO / "reference/minitorch/operators.py"
    hidden = REPO / "assignments/module0/hidden/test_module0_hidden.py"
    sabotage_relu(
        solved_tree,
        f"    open({str(secret)!r}).read()\n    open({str(hidden)!r}).read()\n    return x if x > 0.0 else 0.0\n",
    )
    report, elapsed = _grade(course, solved_tree)
    if report.environment["isolation"] == "subprocess":
        pytest.skip("no mount namespace on this machine: bubblewrap and unshare are unavailable")
    _check_contained(report, elapsed, "failed")
    assert all(
        "FileNotFoundError" in (t.message or "") for t in report.tasks[0].tests if "relu" in t.name and not t.passed
    )


def test_a_fork_loop_is_bounded(course: Course, solved_tree: Path) -> None:
    sabotage_relu(
        solved_tree,
        "    import os, time\n    for _ in range(5000):\n        if os.fork() == 0:\n            time.sleep(30)\n"
        "            os._exit(0)\n    return x if x > 0.0 else 0.0\n",
    )
    report, elapsed = _grade(course, solved_tree)
    assert _relu_statuses(report) and "passed" not in _relu_statuses(report)
    assert report.tasks[1].score == 10
    assert elapsed < 6 * BUDGET_S + 60


@pytest.mark.parametrize("content", [b"def broken(:\n", b"# caf\xe9 \xff\xfe\nx = 1\n"], ids=["syntax", "non-utf8"])
def test_a_broken_project_file_costs_only_its_task(course: Course, solved_tree: Path, content: bytes) -> None:
    (solved_tree / "project/run_manual.py").write_bytes(content)
    report = grade(
        course, as_submission(solved_tree), task_ids=["0.1", "0.5"], options=GradingOptions(time_budget_s=BUDGET_S)
    )
    assert report.tasks[0].score == 10
    uses_script = ("test_hand_tuned", "test_hidden_hand_tuned", "run_manual", "[labels")  # the classifier's tests
    script = [t for t in report.tasks[1].tests if any(name in t.name.split("::")[-1] for name in uses_script)]
    datasets = [t for t in report.tasks[1].tests if t not in script]
    assert script and not any(t.passed for t in script)
    assert datasets and {t.status for t in datasets} == {"passed"}, "the datasets do not need run_manual.py"
    assert 0 < report.tasks[1].score < 10


def test_patching_pytest_reporting_voids_the_run(course: Course, solved_tree: Path) -> None:
    header = (
        "import _pytest.reports\n"
        "_original = _pytest.reports.TestReport.from_item_and_call.__func__\n"
        "def _always_pass(cls, item, call):\n"
        "    report = _original(cls, item, call)\n"
        "    report.outcome = 'passed'\n"
        "    return report\n"
        "_pytest.reports.TestReport.from_item_and_call = classmethod(_always_pass)\n"
    )
    sabotage_relu(solved_tree, "    return 42.0\n", header)
    report, _ = _grade(course, solved_tree)
    assert report.tasks[0].score == 0
    assert {t.status for t in report.tasks[0].tests} == {"error"}
    assert all("reporting was patched" in (t.message or "") for t in report.tasks[0].tests)


def test_ignored_and_changed_files_are_reported(course: Course, solved_tree: Path) -> None:
    (solved_tree / "tests/conftest.py").write_text("")
    (solved_tree / "sitecustomize.py").write_text("")
    (solved_tree / "evil.pth").write_text("import os\n")
    (solved_tree / "minitorch/__init__.py").write_text("from . import operators\n")
    report = grade(course, as_submission(solved_tree), task_ids=["0.4"], options=GradingOptions(time_budget_s=BUDGET_S))
    assert report.tasks[0].score == 10, "the released minitorch/__init__.py must have been used"
    assert {"tests/conftest.py", "sitecustomize.py", "evil.pth"} <= set(report.files["ignored"])
    assert report.files["changed"] == ["minitorch/__init__.py"]
    assert "minitorch/module.py" in report.files["taken"]
    assert f"{CHANGED}: minitorch/__init__.py" in report.notes


def test_without_a_sandbox_the_report_says_so(
    course: Course, solved_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder.grading import sandbox

    monkeypatch.setenv("AUTOGRADER_SANDBOX", "subprocess")
    sandbox.best_mode.cache_clear()
    try:
        report = grade(
            course, as_submission(solved_tree), task_ids=["0.4"], options=GradingOptions(time_budget_s=BUDGET_S)
        )
    finally:
        monkeypatch.delenv("AUTOGRADER_SANDBOX")
        sandbox.best_mode.cache_clear()
    assert report.environment["isolation"] == "subprocess"
    assert report.tasks[0].score == 10
    assert any("install bubblewrap" in note for note in report.notes)
