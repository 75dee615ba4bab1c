"""Scratch trees that grading children run in.

A grading tree is laid out like a student tree::

    minitorch/  project/      the released files, with the submission's
                              student-editable files laid over them
    tests/                    pristine public tests, as released (+ tests/hidden/
                              in the tree of the child that runs hidden tests)
    pytest.ini                markers and settings owned by the grader
    _autograder_plugin.py     the reporting plugin
    _autograder_layers.py     lays mutants and variants over the library (layers)
    _autograder_hypothesis.py the grader's Hypothesis settings (hypothesis_guard)
    _autograder_failures.py   how a failed test is told (failures)
    _autograder_cuda.py       what numba's CUDA simulator needs and lacks (cuda_simulator)
    _autograder_numba.py      where numba files compiled kernels (numba_locator)

Nothing else from the submission is copied: its own tests, conftest.py,
pytest settings, ``.pth`` or ``sitecustomize`` files never reach a child.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from ..child.pytest_plugin import CUDA_MODULE, FAILURES_MODULE, GUARD_MODULE, LAYERS_MODULE
from ..manifest import Course, ManifestError
from ..manifest.layout import CHECKS, HIDDEN, LIBRARY_DIRS, NOTEBOOKS, TESTS, is_cache
from ..submission import MISSING, Submission, grouped_note
from .kernel_cache import LOCATOR_MODULE

PLUGIN_NAME = "_autograder_plugin"
RUNNER_NAME = "_autograder_notebook.py"  # runs a write-up notebook (notebook_runner)
CHILD_ROOM = Path(__file__).resolve().parents[1] / "child"  # the files copied into every grading tree


def editable_files(course: Course) -> list[str]:
    """Every student-editable path of the course, in manifest order."""
    return list(dict.fromkeys(f for task in course.tasks for f in task.files))


def _copy_library(source_root: Path, dest: Path) -> None:
    for name in LIBRARY_DIRS:
        source = source_root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, dirs_exist_ok=True, ignore=_ignore_junk)


def _ignore_junk(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if is_cache(n)]


TRAINING_TARGETS = "training_targets.json"


def training_targets_json(course: Course) -> str:
    """The manifest's training targets, by task id, as the training tests read them."""
    targets = {task.id: [dataclasses.asdict(t) for t in task.training] for task in course.tasks if task.training}
    return json.dumps(targets, indent=1, sort_keys=True) + "\n"


def released_notebook(tree: Path, path: str) -> Path:
    """Where a grading tree keeps the released copy of a notebook (its pristine test cells)."""
    return tree / "_released" / path


def _write_support(dest: Path, course: Course) -> None:
    markers = "\n".join(f"    {name}: {text}" for name, text in course.pytest_markers)
    (dest / "pytest.ini").write_text(
        "[pytest]\n"
        "python_files = test_*.py\n"
        "addopts = --strict-markers -p no:cacheprovider\n"
        "filterwarnings = ignore::DeprecationWarning\n"
        f"markers =\n{markers}\n",
        encoding="utf-8",
    )
    copy_child_files(dest)
    (dest / TESTS / TRAINING_TARGETS).write_text(training_targets_json(course), encoding="utf-8")


def copy_child_files(dest: Path) -> None:
    """Copy the files a grading child runs (``autograder/child/``) into ``dest`` under their tree names."""
    names = {
        "pytest_plugin.py": f"{PLUGIN_NAME}.py",
        "layers.py": f"{LAYERS_MODULE}.py",
        "hypothesis_guard.py": f"{GUARD_MODULE}.py",
        "failures.py": f"{FAILURES_MODULE}.py",
        "cuda_simulator.py": f"{CUDA_MODULE}.py",
        "numba_locator.py": f"{LOCATOR_MODULE}.py",
        "notebook_runner.py": RUNNER_NAME,
    }
    for source, name in names.items():
        shutil.copyfile(CHILD_ROOM / source, dest / name)


def test_sources(course: Course) -> list[Path]:
    """The folders of the public tests: the shared helpers', then each module's."""
    sources = [course.common / TESTS] if course.common is not None else []
    return sources + [module.public_tests for module in course.modules]


def _copy_public_tests(dest: Path, course: Course) -> None:
    """The public tests as released: the solutions of student-written tests are stripped.

    A student course's tests are the released ones. The course repository's
    hold the solved student tests, so its test files are taken from the
    released template, as the library's released files are (a file not
    released yet is the course's own).
    """
    tests = dest / TESTS
    tests.mkdir(exist_ok=True)
    sources = test_sources(course)
    for source in sources:
        if source.is_dir():
            shutil.copytree(source, tests, dirs_exist_ok=True, ignore=_ignore_junk)
    if course.reference is not None:
        released = course.template / TESTS
        for name in sorted({path.name for source in sources for path in source.glob("*.py")}):
            if (released / name).is_file():
                shutil.copyfile(released / name, tests / name)


def add_hidden_tests(dest: Path, course: Course) -> None:
    """Add the course's hidden tests to a grading tree (``tests/hidden/``)."""
    hidden = dest / TESTS / HIDDEN
    hidden.mkdir(exist_ok=True)
    (hidden / "__init__.py").write_text("", encoding="utf-8")
    for file in dict.fromkeys(f for task in course.tasks for f in task.hidden_tests):
        shutil.copyfile(file, hidden / file.name)


def add_checks(dest: Path, course: Course) -> bool:
    """Add the course's trusted checks and their helpers to a grading tree (``checks/``); whether there were any.

    Every module's ``checks/*.py`` lands in one folder, so a helper of one
    module (``fixed_networks.py``) serves the checks of later ones.

    Raises:
        ManifestError: Two modules have a checks file of the same name.
    """
    files = [path for module in course.modules if module.checks.is_dir() for path in sorted(module.checks.glob("*.py"))]
    names = [path.name for path in files]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ManifestError(f"{course.root}: two modules' checks/ folders both have {twice[0]}")
    if files:
        (dest / CHECKS).mkdir(exist_ok=True)
    for path in files:
        shutil.copyfile(path, dest / CHECKS / path.name)
    return any(path.name.startswith("test_") for path in files)


def build_grading_tree(dest: Path, course: Course, submission: Submission | None) -> list[str]:
    """Lay out a tree that runs the pristine public tests on a submission's library.

    The tree holds no hidden test: :func:`add_hidden_tests` makes the tree
    of the child that runs them.

    Args:
        dest: An empty folder.
        course: The course.
        submission: Whose editable library files to lay over the released
            ones; ``None`` grades the released template itself.

    Returns:
        Notes for the report (files missing from the submission, or refused).
    """
    _copy_library(course.template, dest)
    notebooks = course.template / NOTEBOOKS
    if notebooks.is_dir():
        shutil.copytree(notebooks, released_notebook(dest, NOTEBOOKS))
        shutil.copytree(notebooks, dest / NOTEBOOKS)
    notes: list[str] = []
    missing: list[str] = []
    if submission is not None:
        for path in editable_files(course):
            if not path.startswith((*LIBRARY_DIRS, NOTEBOOKS)):
                continue
            found = submission.read(path)
            notes += [found.note] if found.note is not None else []
            missing += [path] if found.missing and submission.was_released(path) else []
            if found.data is not None:
                (dest / path).parent.mkdir(parents=True, exist_ok=True)
                (dest / path).write_bytes(found.data)
    _copy_public_tests(dest, course)
    _write_support(dest, course)
    return notes + grouped_note(MISSING, missing)


def build_student_test_tree(dest: Path, course: Course, library: Submission, submission: Submission) -> list[str]:
    """Lay out a tree that runs a submission's own tests on a trusted library.

    The tree holds no mutant or variant: the parent hands a child its layers
    through a pipe (:mod:`autograder.child.layers`), so every run of the student's
    tests sees the same files. A test file missing from the submission is
    the released stub.

    Args:
        dest: An empty folder.
        course: The course.
        library: Whose library the tests run against (the reference when the
            course has one).
        submission: Where the student-written test files come from.

    Returns:
        Notes for the report.
    """
    build_grading_tree(dest, course, library)
    notes: list[str] = []
    missing: list[str] = []
    for path in editable_files(course):
        if not path.startswith(f"{TESTS}/"):
            continue
        found = submission.read(path)
        notes += [found.note] if found.note is not None else []
        missing += [path] if found.missing and submission.was_released(path) else []
        if found.data is not None:
            (dest / path).write_bytes(found.data)
    return notes + grouped_note(MISSING, missing)
