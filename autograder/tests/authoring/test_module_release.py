"""Releases of modules 0..N: what they ship, and the pieces they are built from."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.authoring.leaks import find_leaks
from autograder.authoring.library_files import check_package_init, released_library, trim_package_init
from autograder.authoring.release import release_module
from autograder.authoring.root_files import module_blocks
from autograder.grading.grade import select_tasks
from autograder.manifest import Course, ManifestError, load_course
from autograder.repo.units import split_units

pytestmark = pytest.mark.slow  # grades the real course

LATER_FILES = ["minitorch/fast_ops.py", "minitorch/cuda_ops.py", "minitorch/jit.py", "minitorch/nn.py",
               "minitorch/fast_conv.py", "minitorch/cuda_conv.py", "project/run_fast_tensor.py",
               "project/classifier.py", "handouts/module3.md", "notebooks/module4.ipynb",
               "tests/test_fast_ops.py", "tests/kernel_checks.py", "grading/course/module3/tasks.toml"]  # fmt: skip


@pytest.fixture(scope="module")
def module2(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "module2"
    release_module(course, 2, dest)
    return dest


def test_release_of_module_2_holds_modules_0_to_2_only(course: Course, module2: Path) -> None:
    released = load_course(module2 / "grading" / "course")
    ids = [t.id for t in select_tasks(released)]
    assert ids == [t.id for t in course.tasks if t.module in ("module0", "module1", "module2")]
    assert ids[0] == "0.1" and "2.5" in ids and not any(i.startswith(("3.", "4.")) for i in ids)
    for path in LATER_FILES:
        assert not (module2 / path).exists(), path
    for path in ["minitorch/tensor_functions.py", "project/run_tensor.py", "tests/test_tensor.py",
                 "handouts/module2.md", "notebooks/module2.ipynb", ".github/workflows/grade.yml"]:  # fmt: skip
        assert (module2 / path).is_file(), path
    makefile = (module2 / "Makefile").read_text()
    assert "train-tensor:" in makefile and "train-fast" not in makefile and "@@" not in makefile
    assert "Module 3" not in (module2 / "README.md").read_text()
    assert "task3_1" not in (module2 / "pyproject.toml").read_text()
    stamp = json.loads((module2 / "grading/course/released.json").read_text())
    assert (stamp["course"], stamp["version"], stamp["module"]) == (course.name, course.version, 2)
    assert find_leaks(course, module2) == []


def test_release_is_a_git_repository_committed_once_per_module(course: Course, module2: Path) -> None:
    log = subprocess.run(["git", "-C", str(module2), "log", "--format=%s"], capture_output=True, text=True).stdout
    assert log.splitlines() == [f"{course.name} {course.version}: modules 0-2"]
    assert "unchanged" in release_module(course, 2, module2)  # a second release of the same module: no commit


def test_release_grades_offline_with_its_own_grader(module2: Path, tmp_path: Path) -> None:
    """What `make grade` runs in the release, for one task: the grader and tests shipped in grading/."""
    env = {**os.environ, "PYTHONPATH": str(module2 / "grading")}
    report = tmp_path / "grade.json"
    command = [sys.executable, "-m", "autograder", "--course", "grading/course", "grade", "--submission", ".",
               "--task", "2.1", "--json", str(report)]  # fmt: skip
    done = subprocess.run(command, cwd=module2, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(report.read_text())
    (task,) = result["tasks"]
    assert task["id"] == "2.1" and task["tests"] and "not started" in task["summary"], json.dumps(task)[:3000]


def test_release_refuses_a_folder_that_is_not_a_release(course: Course, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ManifestError, match="not empty and not a release"):
        release_module(course, 1, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(ManifestError, match="no module 7"):
        release_module(course, 7, tmp_path / "new")


def test_release_refuses_to_replace_a_release_with_edited_files(course: Course, module2: Path, tmp_path: Path) -> None:
    student = tmp_path / "student"
    shutil.copytree(module2, student)
    (student / "minitorch/operators.py").write_text("# my solutions\n")
    with pytest.raises(
        ManifestError, match=r"a release with edited files \(minitorch/operators.py\), perhaps a student"
    ):
        release_module(course, 2, student)
    assert (student / "minitorch/operators.py").read_text() == "# my solutions\n"


def test_each_release_ships_what_its_modules_import(course: Course) -> None:
    shipped = {n: set(released_library(course, n)) for n in range(5)}
    assert shipped[0] == {"minitorch/__init__.py", "minitorch/operators.py", "minitorch/module.py",
                          "minitorch/datasets.py", "project/__init__.py", "project/run_manual.py"}  # fmt: skip
    assert "minitorch/testing.py" in shipped[1] - shipped[0]  # first imported by Module 1's tests
    assert "minitorch/jit.py" in shipped[3] - shipped[2]  # imported by fast_ops (Task 3.1)
    assert all(shipped[n] < shipped[n + 1] for n in range(4))
    assert len(shipped[4]) == len(list((course.reference or Path()).rglob("*.py")))


def test_a_module_importing_a_later_modules_file_is_an_error(course: Course, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(course.reference or Path(), reference)
    with (reference / "minitorch/module.py").open("a") as handle:
        handle.write("\nfrom .fast_ops import FastOps  # noqa\n")
    broken = dataclasses.replace(course, reference=reference)
    with pytest.raises(ManifestError) as error:
        released_library(broken, 0)
    assert str(error.value).endswith(
        "minitorch/fast_ops.py: module 0 imports it (task 0.4 -> minitorch/module.py -> minitorch/fast_ops.py), "
        "but it belongs to task 3.1 of module 3"
    )


def test_trim_package_init_drops_the_imports_entries_and_names_of_absent_files() -> None:
    text = (
        "if TYPE_CHECKING:\n    from . import operators\n    from .nn import softmax, tile\n"
        "if TYPE_CHECKING:\n    from .fast_ops import FastOps\n"
        "from .scalar import Scalar\n\n"
        '__all__ = [\n    "Scalar",\n    "softmax",\n    "operators",\n    "tile",\n]\n\n'
        '_EXPORTS = {\n    "nn": ("softmax", "tile"),\n    "scalar": ("Scalar",),\n}\n'
        '_COMPILED = {\n    "fast_ops": ("FastOps",),\n}\n'
    )
    trimmed = trim_package_init(text, ["minitorch/operators.py", "minitorch/scalar.py"], Path("init.py"))
    assert trimmed == (
        "if TYPE_CHECKING:\n    from . import operators\n"
        "from .scalar import Scalar\n\n"
        '__all__ = [\n    "Scalar",\n    "operators",\n]\n\n'
        '_EXPORTS = {\n    "scalar": ("Scalar",),\n}\n'
        "_COMPILED = {}\n"
    )
    with pytest.raises(ManifestError, match="init.py:1: put each entry on a line of its own"):
        trim_package_init('__all__ = ["softmax", "x"]\nfrom .nn import softmax\n', [], Path("init.py"))
    with pytest.raises(ManifestError, match="init.py:1: put each entry on a line of its own"):
        trim_package_init(
            '_EXPORTS = {"nn": ("softmax",), "scalar": ("Scalar",)}\n', ["minitorch/scalar.py"], Path("init.py")
        )


def test_the_package_tables_and_its_imports_for_type_checkers_must_agree() -> None:
    init = "if TYPE_CHECKING:\n    from .nn import softmax, tile\n"
    check_package_init(init + '_EXPORTS = {\n    "nn": ("softmax", "tile"),\n}\n', Path("init.py"))
    with pytest.raises(ManifestError, match="init.py: 'tile' is only in its imports"):
        check_package_init(init + '_EXPORTS = {\n    "nn": ("softmax",),\n}\n', Path("init.py"))
    with pytest.raises(ManifestError, match="x: 'tile' comes from tensor.py in its tables, nn.py in its imports"):
        check_package_init(init + '_EXPORTS = {\n    "nn": ("softmax",),\n    "tensor": ("tile",),\n}\n', Path("x"))


def test_module_blocks_keep_the_released_modules_and_reject_unclosed_blocks() -> None:
    text = "a\n@@ module 1\nb\n@@ end\n@@ module 3\nc\n@@ end\nd\n"
    assert module_blocks(text, 2, Path("f")) == "a\nb\nd\n"
    assert module_blocks(text, 3, Path("f")) == "a\nb\nc\nd\n"
    with pytest.raises(ManifestError, match="f: the block '@@ module 1' has no '@@ end'"):
        module_blocks("@@ module 1\nb\n", 2, Path("f"))
    with pytest.raises(ManifestError, match="f:2: '@@ module 2' inside another block"):
        module_blocks("@@ module 1\n@@ module 2\n", 2, Path("f"))


def test_units_give_the_file_back_byte_for_byte(course: Course) -> None:
    for path in sorted((course.reference or Path()).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        units = split_units(text)
        assert "".join(u.text for u in units) == text, path
        assert len({u.key for u in units}) == len(units), path


def test_units_keep_comments_with_the_function_below_and_number_repeated_names() -> None:
    source = (
        '"""Doc."""\nimport math\n\n\n# about f\ndef f():\n    return 1\n    # end of f\n\n\n'
        "class C:\n    x = 1\n\n    @property\n    def v(self):\n        return 1\n\n"
        "    @v.setter\n    def v(self, value):\n        pass\n\n\nLIMIT = 3\n"
    )
    units = {u.key: u.text for u in split_units(source)}
    assert list(units) == ["code at top", "def f", "class C", "def C.v", "def C.v#2", "code after class C"]
    assert units["def f"] == "\n\n# about f\ndef f():\n    return 1\n    # end of f\n"
    assert units["class C"].startswith("\n\nclass C:\n    x = 1\n") and units["def C.v"].lstrip().startswith(
        "@property"
    )
