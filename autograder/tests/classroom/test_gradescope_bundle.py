"""`make gradescope`: the autograder zip in Gradescope's layout, run as Gradescope runs it, in a scratch copy."""

from __future__ import annotations

import ast
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from autograder.authoring.library_files import released_library
from autograder.authoring.release import write_solution_tree
from autograder.classroom.gradescope import build_bundle
from autograder.manifest import Course, ManifestError, load_course

from ..test_results_formats import GRADESCOPE_SCHEMA

pytestmark = pytest.mark.slow  # grades the real course

CHILD_USER = "nobody"
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="switching children to another user needs root")


@pytest.fixture(scope="module")
def bundle(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundle(course, 0, tmp_path_factory.mktemp("bundle") / "gradescope-module0.zip")


@pytest.fixture(scope="module")
def bundle2(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundle(course, 2, tmp_path_factory.mktemp("bundle2") / "gradescope-module2.zip")


def _names(bundle: Path) -> set[str]:
    with zipfile.ZipFile(bundle) as archive:
        return set(archive.namelist())


def test_bundle_has_gradescopes_layout_and_the_hidden_tests(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert {"setup.sh", "pick_python.sh", "run_autograder", "requirements.txt"} <= names
    assert all(modes[n] & 0o111 for n in ("setup.sh", "pick_python.sh", "run_autograder"))
    assert "assignments/course.toml" in names and "autograder/cli.py" in names
    assert "autograder/classroom/intake.py" in names and "autograder/grading/grade.py" in names
    assert any(n.startswith("assignments/module0/hidden/") for n in names), "the hidden tests grade on Gradescope"
    assert "reference/minitorch/operators.py" in names and "student_template/minitorch/operators.py" in names
    assert not any(n.startswith(("autograder/tests/", "student_template/grading/")) for n in names)
    assert not any("__pycache__" in n or n.endswith("planted_bugs.toml") for n in names)


def _later_files(course: Course, last: int) -> set[str]:
    """Names that only modules after ``last`` bring: their folders, hidden tests and library files."""
    later = [m for m in course.modules if m.number > last]
    hidden = {f.name for m in later for t in m.tasks for f in t.hidden_tests}
    library = set(released_library(course, course.modules[-1].number)) - set(released_library(course, last))
    return {f"assignments/{m.name}/" for m in later} | hidden | library


@pytest.mark.parametrize("module", [0, 2])
def test_bundle_holds_nothing_of_later_modules(course: Course, bundle: Path, bundle2: Path, module: int) -> None:
    names = _names(bundle if module == 0 else bundle2)
    later = _later_files(course, module)
    expected = {"minitorch/fast_ops.py", "minitorch/cuda_ops.py", "minitorch/nn.py"}
    expected |= {"minitorch/autodiff.py", "minitorch/tensor.py", "assignments/module1/"} if module == 0 else set()
    assert expected <= later, "the rule finds what later modules bring"
    assert not sorted(n for n in names for bit in later if bit in n)
    shipped = set(released_library(course, module))
    for folder in ("reference", "student_template"):
        assert {n.removeprefix(f"{folder}/") for n in names if n.startswith(f"{folder}/minitorch/")} == {
            f for f in shipped if f.startswith("minitorch/")
        }
    modules = {n.split("/")[1] for n in names if n.startswith("assignments/module")}
    assert modules == {f"module{k}" for k in range(module + 1)}


def test_module0_bundle_is_smaller_than_module2s(bundle: Path, bundle2: Path) -> None:
    """Module 0 needs its library files, their tests and the grader: nothing of a later module.

    (Measured by what it holds, not by a byte count, which the grader's own growth would move.)
    """
    assert bundle.stat().st_size < bundle2.stat().st_size
    with zipfile.ZipFile(bundle) as archive:
        later = [n for n in archive.namelist() if re.search(r"module[1-9]", n)]
    assert later == [], later


def test_the_shipped_grader_imports_only_shipped_modules(bundle: Path) -> None:
    """Staff tools are left out; what grading imports at module level must all be there."""
    with zipfile.ZipFile(bundle) as archive:
        files = {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("autograder/")}
    modules = {n.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for n in files}
    assert "autograder.authoring.release" not in modules and "autograder.audit.verify" not in modules
    assert "autograder.classroom.commands" not in modules, "the class commands say they run in the course repository"
    for name, text in files.items():
        package = str(Path(name).parent).replace("/", ".")
        for node in ast.parse(text).body:
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                base = package.rsplit(".", node.level - 1)[0]
                imported = [f"{base}.{node.module}"] if node.module else [f"{base}.{a.name}" for a in node.names]
                assert all(m in modules for m in imported), f"{name} imports {imported}"


def test_unpacked_bundle_loads_as_a_course_of_its_modules(bundle2: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle2) as archive:
        archive.extractall(tmp_path)
    loaded = load_course(tmp_path / "assignments")
    assert [m.number for m in loaded.modules] == [0, 1, 2]
    assert loaded.reference == (tmp_path / "reference").resolve()
    assert loaded.template == (tmp_path / "student_template").resolve()
    assert all(h.is_file() for t in loaded.tasks for h in t.hidden_tests)
    for library in ("reference", "student_template"):  # each trimmed __init__.py imports what is there
        done = subprocess.run(
            [sys.executable, "-c", "import minitorch"], cwd=tmp_path / library, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{library}: {done.stderr[-1500:]}"


def test_bundle_for_an_unknown_module_is_refused(course: Course, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no module 9"):
        build_bundle(course, 9, tmp_path / "x.zip")


def _runs_as(user: str, argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, user=user, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@pytest.fixture(scope="module")
def child_python() -> Iterator[str]:
    """An interpreter with the grader's packages that the child user can run too.

    Where this interpreter lives under a folder only root may enter, a
    virtual environment of the system's Python of the same version is made
    in an open folder, with this one's packages on its path.
    """
    probe = ["-c", "import numpy, numba, pytest, hypothesis"]
    if os.geteuid() != 0 or _runs_as(CHILD_USER, [sys.executable, *probe]):
        yield sys.executable
        return
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/local/bin:/usr/bin")
    if system is None:
        pytest.skip(f"{CHILD_USER} cannot run {sys.executable}, and there is no system Python of its version")
    folder = Path(tempfile.mkdtemp(prefix="gradescope-python-"))
    try:
        folder.chmod(0o755)
        subprocess.run([system, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
        site = next((folder / "lib").glob("python3*/site-packages"))
        paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        (site / "grader.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")
        python = str(folder / "bin" / "python")
        if not _runs_as(CHILD_USER, [python, *probe]):
            pytest.skip(f"{CHILD_USER} cannot run {python} with the grader's packages")
        yield python
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(bundle: Path, root: Path, python: str, **env: str) -> dict[str, object]:
    """Unpack ``bundle`` into ``root/source`` and run its ``run_autograder`` there, as Gradescope would."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    variables = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "AUTOGRADER_PYTHON": python,
        "AUTOGRADER_STUDENT_USER": CHILD_USER,
        "AUTOGRADER_SANDBOX": "subprocess",  # bubblewrap does not run in Gradescope's containers
        "AUTOGRADER_TASKS": "0.1",
        **env,
    }
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=variables, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: dict[str, object] = json.loads((root / "results" / "results.json").read_text())
    return results


def _submit(course: Course, root: Path, strip: set[str] | None) -> Path:
    """A solution tree with ``strip``'s regions stubbed, uploaded from GitHub: one folder deeper."""
    tree = root / "submission" / "my-repo"
    write_solution_tree(course, tree, strip=strip)
    return tree


def test_run_autograder_grades_a_submission_as_gradescope_would(
    course: Course, bundle: Path, child_python: str, tmp_path: Path
) -> None:
    _submit(course, tmp_path, strip=set())
    results = _run(bundle, tmp_path, child_python)
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == course.task("0.1").points
    tests = results["tests"]
    assert isinstance(tests, list)
    assert any(t["visibility"] == "after_published" for t in tests), "hidden tests ran and are not shown yet"
    _assert_private(tmp_path / "source")


def test_run_autograder_gives_the_stubs_nothing(
    course: Course, bundle: Path, child_python: str, tmp_path: Path
) -> None:
    _submit(course, tmp_path, strip=None)
    results = _run(bundle, tmp_path, child_python)
    assert results["score"] == 0 and results["tests"], "graded, at zero"


def test_run_autograder_without_a_submission_still_writes_results(bundle: Path, tmp_path: Path) -> None:
    results = _run(bundle, tmp_path, sys.executable)
    assert results["score"] == 0
    assert "could not grade" in str(results["output"])


@AS_ROOT
def test_run_autograder_refuses_to_run_student_code_as_root(course: Course, bundle: Path, tmp_path: Path) -> None:
    _submit(course, tmp_path, strip=set())
    results = _run(bundle, tmp_path, sys.executable, AUTOGRADER_STUDENT_USER=f"no-such-user-{uuid.uuid4().hex[:8]}")
    assert results["score"] == 0 and "not set up to run student code" in str(results["output"])


PAYLOAD = """

import os as _os

for _secret in {secrets!r}:
    try:
        with open(_secret, encoding="utf-8") as _file:
            _outcome = "READ " + _file.read(300).replace("\\n", " ")
    except OSError as _error:
        _outcome = "DENIED " + type(_error).__name__
    with open({log!r}, "a", encoding="utf-8") as _log:
        _log.write(f"{{_os.getuid()}} {{_secret}} {{_outcome}}\\n")
"""


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A scratch folder that other users may enter (pytest's own sit in one only its owner may)."""
    folder = Path(tempfile.mkdtemp(prefix="gradescope-layout-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@AS_ROOT
def test_student_code_cannot_read_the_course(course: Course, bundle: Path, child_python: str, open_tmp: Path) -> None:
    root = open_tmp
    source = root / "source"
    secrets = [
        source / "assignments/module0/hidden/test_module0_hidden.py",
        source / "reference/minitorch/operators.py",
    ]
    log = Path(tempfile.gettempdir()) / f"leak-{uuid.uuid4().hex}.log"
    tree = _submit(course, root, strip=set())
    operators = tree / "minitorch" / "operators.py"
    operators.write_text(operators.read_text() + PAYLOAD.format(secrets=[str(s) for s in secrets], log=str(log)))
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(source)
    assert _runs_as(CHILD_USER, ["cat", str(secrets[0])]), "the test's layout must be open to the child user"
    try:
        log.touch(mode=0o666)
        log.chmod(0o666)
        results = _run(bundle, root, child_python)
        lines = log.read_text().splitlines()
    finally:
        log.unlink(missing_ok=True)
    assert results["score"] == course.task("0.1").points, "the submission was graded (its children ran)"
    assert lines, "the submission's code ran"
    _assert_private(source)
    _assert_private(root / "submission")
    assert not [line for line in lines if " READ " in line], "student code read the course"
    assert {int(line.split()[0]) for line in lines} == {pwd.getpwnam(CHILD_USER).pw_uid}, "children ran as the user"
    assert "READ" not in json.dumps(results)


def _assert_private(folder: Path) -> None:
    """Nobody but the owner (root) may read, write or enter anything under ``folder``.

    The grader's own bytecode, written after the lock, is left out: it lies in folders only root may enter.
    """
    for path in [folder, *(p for p in folder.rglob("*") if "__pycache__" not in p.parts)]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode & 0o077 == 0, f"{path}: mode {mode:o}"
