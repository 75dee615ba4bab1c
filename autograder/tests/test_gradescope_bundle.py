"""`make gradescope`: the autograder zip in Gradescope's layout, run as Gradescope runs it, in a scratch copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.gradescope import build_bundle
from autograder.manifest import Course, ManifestError
from autograder.release import write_solution_tree

from .test_results_formats import GRADESCOPE_SCHEMA


@pytest.fixture(scope="module")
def bundle(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundle(course, 0, tmp_path_factory.mktemp("bundle") / "gradescope-module0.zip")


def test_bundle_has_gradescopes_layout_and_the_hidden_tests(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert "assignments/course.toml" in names and "autograder/cli.py" in names
    assert any(n.startswith("assignments/module0/hidden/") for n in names), "the hidden tests grade on Gradescope"
    assert any(n.startswith("reference/minitorch/") for n in names) and "student_template/Makefile" in names
    assert not any(n.startswith("autograder/tests/") or "__pycache__" in n for n in names)


def _run(bundle: Path, root: Path) -> dict[str, object]:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: dict[str, object] = json.loads((root / "results" / "results.json").read_text())
    return results


def test_run_autograder_grades_a_submission_as_gradescope_would(course: Course, bundle: Path, tmp_path: Path) -> None:
    solved = tmp_path / "solved"
    write_solution_tree(course, solved, strip={"task0_4"})
    shutil.copytree(solved, tmp_path / "submission" / "my-repo")  # uploaded from GitHub: one folder deeper
    results = _run(bundle, tmp_path)
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    module0 = [t for t in course.tasks if t.module == "module0"]
    assert results["score"] == sum(t.points for t in module0) - course.task("0.4").points
    tests = results["tests"]
    assert isinstance(tests, list)
    assert any(t["visibility"] == "after_published" for t in tests), "hidden tests ran and are not shown yet"


def test_run_autograder_without_a_submission_still_writes_results(bundle: Path, tmp_path: Path) -> None:
    results = _run(bundle, tmp_path)
    assert results["score"] == 0
    assert "could not grade" in str(results["output"])


def test_bundle_for_an_unknown_module_is_refused(course: Course, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no module 9"):
        build_bundle(course, 9, tmp_path / "x.zip")
