"""The student tree's root files: the README says what students need, the Makefile and workflow behave."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from autograder.authoring.release import course_until
from autograder.authoring.root_files import due_text, fill, write_root_files
from autograder.manifest import Course, LatePolicy, ManifestError, SubmitPolicy


def root_files(course: Course, last_module: int, dest: Path) -> Path:
    write_root_files(course_until(course, last_module), dest)
    return dest


def test_module_0_readme_names_its_due_date_the_late_policy_and_how_to_submit(course: Course, tmp_path: Path) -> None:
    readme = (root_files(course, 0, tmp_path) / "README.md").read_text()
    assert "| 0 | Foundations | 2026-12-15 23:59 UTC |" in readme
    assert "| 1 |" not in readme  # module 1 is not released yet
    late = "loses 10% of its score for each day (or part of one) it is late, and scores 0 once it is more than 7 days"
    assert late in readme
    assert course.submit.how in readme and "push it to your repository's `main` branch" in readme
    assert "make notebook" in readme and "`No module named 'project'`" in readme
    assert "@" + "DUE_DATES@" not in readme and "@@" not in readme


def test_readme_follows_the_course_files(course: Course, tmp_path: Path) -> None:
    """Another course's late policy and submit text, and a later release: its table has every module so far."""
    other = dataclasses.replace(course, late=LatePolicy(0.0, None), submit=SubmitPolicy("Upload to Gradescope."))
    readme = (root_files(other, 2, tmp_path) / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| ") and "UTC |" in line]
    assert [row.split(" | ")[0] for row in rows] == ["| 0", "| 1", "| 2"]
    assert "Upload to Gradescope." in readme and "loses no points" in readme
    assert due_text(None) == "not set yet"


def test_an_unknown_placeholder_stops_the_release_naming_the_line(tmp_path: Path) -> None:
    assert fill("a @MARKERS@ b\n", {"MARKERS": "m"}, tmp_path / "f") == "a m b\n"
    assert fill("@X@ @Y@", {"X": "@Y@", "Y": "y"}, tmp_path / "f") == "@Y@ y"  # values are not scanned again
    with pytest.raises(ManifestError, match=r"f:2: unknown placeholder @SUBMITT@ \(known: @MARKERS@\)"):
        fill("ok\nsee @SUBMITT@\n", {"MARKERS": "m"}, tmp_path / "f")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("release", "hint"),
    [("../module-2-relase", False), ("https://example.invalid/course/module2.git", True), ("README.md", False)],
)
def test_make_upgrade_with_a_release_that_is_not_one_says_so_in_one_line(
    course: Course, tmp_path: Path, release: str, hint: bool
) -> None:
    tree = root_files(course, 1, tmp_path)
    done = subprocess.run(
        ["make", "--no-print-directory", "upgrade", f"RELEASE={release}"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # make's own "make: *** ... Error 2" ("make[1]: ***" when the tests themselves run under make) is not ours
    ours = [line for line in (done.stdout + done.stderr).splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)]
    assert done.returncode == 2 and ours == [
        f"make upgrade: RELEASE={release} is not a folder holding a release (one has grading/course/released.json "
        "and grading/autograder/" + ("; clone or download the release and give its folder)" if hint else ")")
    ]
    assert "No module named" not in done.stderr


def workflow(tree: Path) -> dict[Any, Any]:
    data = yaml.safe_load((tree / ".github/workflows/grade.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_workflow_runs_once_per_push_read_only_with_a_pip_cache(course: Course, tmp_path: Path) -> None:
    tree = root_files(course, 0, tmp_path)
    data = workflow(tree)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "workflow_dispatch"}  # no pull_request: a push is graded once
    assert data["permissions"] == {"contents": "read"}
    steps = data["jobs"]["grade"]["steps"]
    (python,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python")]
    assert python["with"]["cache"] == "pip" and (tree / python["with"]["cache-dependency-path"]).is_file()
    runs = [str(s.get("run", "")) for s in steps]
    grade = next(i for i, r in enumerate(runs) if r.startswith("make grade "))
    assert 'MARKDOWN="$GITHUB_STEP_SUMMARY"' in runs[grade] and "JSON=grade.json" in runs[grade]
    assert runs[grade + 1] == 'make ci-check JSON=grade.json SUMMARY="$GITHUB_STEP_SUMMARY"'
    makefile = (tree / "Makefile").read_text()
    assert "\nci-check:\n" in makefile and "ci --json $(JSON)" in makefile


def test_makefile_opens_the_notebooks_and_pyproject_installs_what_they_import(course: Course, tmp_path: Path) -> None:
    tree = root_files(course, 1, tmp_path)
    notebook = (tree / "Makefile").read_text().split("\nnotebook:\n")[1].split("\n\n")[0]
    assert "$(PY) -m jupyterlab notebooks $(NOTEBOOK_ARGS)" in notebook and "make install" in notebook
    pyproject = (tree / "pyproject.toml").read_text()
    assert 'packages = ["minitorch", "project", "tests"]' in pyproject and '"jupyterlab>=' in pyproject
