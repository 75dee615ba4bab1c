"""Tasks 3.3-3.4 under the CUDA simulator: results marked as simulated, planted kernel bugs caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course

from ..conftest import FEW_UNEXPLAINED, as_submission

pytestmark = pytest.mark.slow  # grades the real course

SYNC_BEFORE_PRODUCT = "        cuda.syncthreads()\n        for kk in range(TILE):\n"
BOUNDED_A_LOAD = "        if i < a_shape[1] and k < inner:\n"
BUGS = {
    # The threads of a block use the shared tiles before the others have filled them.
    "race-no-syncthreads": (SYNC_BEFORE_PRODUCT, "        for kk in range(TILE):\n"),
    # The last tile along the inner dimension reads past the end of a's rows.
    "out-of-bounds-tile-read": (BOUNDED_A_LOAD, "        if i < a_shape[1]:\n"),
}


def _plant(tree: Path, old: str, new: str) -> None:
    path = tree / "minitorch/cuda_ops.py"
    text = path.read_text()
    assert text.count(old) == 1, f"the reference no longer contains {old!r} once"
    path.write_text(text.replace(old, new))


def test_reference_cuda_tests_run_under_the_simulator(course: Course) -> None:
    from autograder.submission import reference_submission

    report = grade(course, reference_submission(course), task_ids=["3.4"])
    task = report.tasks[0]
    assert task.score == task.points, [(t.name, t.message) for t in task.tests if not t.passed]
    assert report.environment["cuda"] == "simulator"
    assert {t.cuda for t in task.tests} == {"simulator"}, "every 3.4 test is a CUDA test"
    assert any("CUDA simulator" in note for note in report.notes)


def test_on_a_gpu_the_memory_rules_still_count_under_the_simulator(
    course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grading in its GPU mode (forced, where there is no GPU): the memory rules run in a simulator child
    of their own, pass and are labelled so; without a device every other kernel test fails."""
    from autograder.grading.cuda import gpu_present
    from autograder.submission import reference_submission

    monkeypatch.setenv("AUTOGRADER_CUDA", "gpu")
    report = grade(course, reference_submission(course), task_ids=["3.4"], options=FEW_UNEXPLAINED)
    tests = report.tasks[0].tests
    memory = {t.name: (t.passed, t.cuda) for t in tests if "test_cuda_memory.py" in t.name}
    assert len(memory) == 2 and set(memory.values()) == {(True, "simulator")}, memory
    on_gpu = [t for t in tests if t.cuda == "gpu"]
    if gpu_present():  # a real device: the kernel tests pass on it
        assert on_gpu and all(t.passed for t in on_gpu), [(t.name, t.message) for t in on_gpu if not t.passed]
    else:  # none: they fail for want of one, so only the simulator child could have passed the memory tests
        assert on_gpu and not any(t.passed for t in on_gpu)
    assert "2 CUDA tests ran under numba-cuda's CUDA simulator (they count what kernels do)" in report.notes


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_planted_cuda_bug_loses_points(course: Course, solved_tree: Path, bug: str) -> None:
    _plant(solved_tree, *BUGS[bug])
    task = grade(course, as_submission(solved_tree), task_ids=["3.4"]).tasks[0]
    failed = [t.name for t in task.tests if not t.passed]
    assert task.score < task.points
    assert any("test_matmul_ragged_tiles" in name for name in failed), failed


def test_plugin_caps_examples_of_cuda_tests_only(tmp_path: Path) -> None:
    """Under the simulator a cuda-marked property test runs CUDA_MAX_EXAMPLES examples; others the profile's."""
    from autograder.child.pytest_plugin import CUDA_MAX_EXAMPLES, MAX_EXAMPLES
    from autograder.grading.runner import ChildPlan, run_tests
    from autograder.grading.sandbox import Sandbox
    from autograder.grading.workspace import copy_child_files

    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    cuda: a CUDA test\n")
    copy_child_files(tmp_path)
    (tmp_path / "test_counted.py").write_text(
        "import pytest\n"
        "from hypothesis import given, strategies as st\n\n"
        "import os\n\n"
        "def _count(name):\n"
        "    with open(os.path.join(os.environ['COUNTS'], name), 'a') as f:\n"
        "        f.write('x')\n\n"
        "@pytest.mark.cuda\n"
        "@given(st.integers())\n"
        "@pytest.mark.parametrize('copy', ['a'])\n"
        "def test_on_cuda(copy, n):\n"
        "    _count('cuda.count')\n\n"
        "@given(st.integers())\n"
        "def test_on_cpu(n):\n"
        "    _count('cpu.count')\n"
    )
    nodeids = ["test_counted.py::test_on_cuda[a]", "test_counted.py::test_on_cpu"]
    env = {MAX_EXAMPLES: "20", CUDA_MAX_EXAMPLES: "3", "COUNTS": str(tmp_path)}
    outcomes = run_tests(ChildPlan(tmp_path, Sandbox("subprocess"), env), nodeids, 120)
    assert {o.status for o in outcomes.values()} == {"passed"}
    assert len((tmp_path / "cuda.count").read_text()) == 3
    assert len((tmp_path / "cpu.count").read_text()) == 20
