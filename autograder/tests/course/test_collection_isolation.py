"""Collecting a course test file imports no student file, so one broken file costs only the tests that use it.

A test file that fails to import fails every test in it, whatever task each
test belongs to. So the hidden tests and the trusted checks (one file per
module, every task of it) and the tests of the project scripts reach the
library only inside their tests. A few public files need the library to be
collected (their classes subclass it, their parameters come from it); each is
named below with its reason, and every test in it needs that file anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.manifest import Course

pytestmark = pytest.mark.slow  # grades the real course

REPO = Path(__file__).resolve().parents[3]

NEEDS_THE_LIBRARY_TO_COLLECT = {
    "tests/test_operators.py": "imports the operators its property tests are written against (Tasks 0.1 and 0.3)",
    "tests/test_module.py": "its example modules subclass minitorch.Module (Task 0.4 only)",
    "tests/test_autodiff.py": "its example functions subclass ScalarFunction (Tasks 1.3 and 1.4 need scalar.py)",
    "tests/test_scalar.py": "parametrized by minitorch.testing's function tables (every Module 1 task needs them)",
    "tests/test_tensor.py": "parametrized by minitorch.testing's function tables (every Module 2 task needs them)",
    "tests/test_tensor_data.py": "imports TensorData, which every test of it uses (Task 2.1)",
    "tests/test_fast_ops.py": "imports the operators its kernels are checked against (Module 3)",
    "tests/test_nn.py": "imports Tensor, which every test of it uses (Module 4)",
}


def _broken_tree(course: Course, tree: Path) -> None:
    """The solution with every hidden test and check beside the public tests, and every student file broken."""
    write_solution_tree(course, tree, strip=set())
    (tree / "tests/hidden").mkdir()
    (tree / "tests/hidden/__init__.py").write_text("")
    (tree / "checks").mkdir()
    for module in (course.root / name for name in sorted(p.name for p in course.root.glob("module*"))):
        for hidden in module.glob("hidden/test_*.py"):
            shutil.copyfile(hidden, tree / "tests/hidden" / hidden.name)
        for check in module.glob("checks/test_*.py"):
            shutil.copyfile(check, tree / "checks" / check.name)
    for package in ("minitorch", "project"):
        for path in (tree / package).glob("*.py"):
            if path.name != "__init__.py":
                path.write_text(f'raise ImportError("{package}/{path.name} is broken on purpose")\n')


def _collection_errors(tree: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests", "checks"],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    errors = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("ERROR ")}
    assert result.returncode in (0, 2) and "collected" in result.stdout, result.stdout[-3000:] + result.stderr
    return errors


def test_only_the_named_files_need_the_library_to_be_collected(course: Course, tmp_path: Path) -> None:
    tree = tmp_path / "broken"
    _broken_tree(course, tree)
    errors = _collection_errors(tree)
    unexpected = errors - set(NEEDS_THE_LIBRARY_TO_COLLECT)
    assert not unexpected, f"these files import student code at collection: {sorted(unexpected)}"
    stale = set(NEEDS_THE_LIBRARY_TO_COLLECT) - errors
    assert not stale, f"these files collect without the library now: drop them from the list: {sorted(stale)}"
