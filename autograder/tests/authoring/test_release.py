"""The release: deterministic, complete, and leak-free."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.audit.verify import compare_trees
from autograder.authoring.leaks import find_leaks
from autograder.authoring.markers import MarkerError
from autograder.authoring.notebooks import strip_notebook
from autograder.authoring.release import build_student_tree, known_tasks
from autograder.manifest import Course


@pytest.fixture(scope="module")
def released(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("released")
    build_student_tree(course, tree)
    return tree


def test_release_is_deterministic(course: Course, released: Path, tmp_path: Path) -> None:
    build_student_tree(course, tmp_path)
    assert compare_trees(released, tmp_path) == []


def test_release_has_the_student_layout_and_no_hidden_tests(released: Path) -> None:
    for path in ["README.md", "Makefile", "pyproject.toml", ".gitignore", "minitorch/operators.py",
                 "project/run_manual.py", "tests/test_operators.py", "tests/strategies.py",
                 "handouts/module0.md", "notebooks/module0.ipynb", "grading/course/expected.json",
                 "grading/autograder/cli.py", "grading/autograder/grading/grade.py",
                 "grading/autograder/child/pytest_plugin.py", "grading/autograder/repo/upgrade.py"]:  # fmt: skip
        assert (released / path).is_file(), path
    assert not list(released.rglob("*hidden*"))
    for room in ("authoring", "audit", "classroom", "tests"):
        assert not (released / "grading/autograder" / room).exists(), room
    assert "hidden_tests" not in (released / "grading/course/module0/tasks.toml").read_text()
    expected = json.loads((released / "grading/course/expected.json").read_text())["items"]
    assert expected and not any("hidden" in item["nodeid"] for item in expected)
    assert (
        'raise NotImplementedError("Task 0.1: implement sigmoid.")' in (released / "minitorch/operators.py").read_text()
    )
    assert '"task0_1: Task 0.1 Operators",' in (released / "pyproject.toml").read_text()


def test_release_has_no_leaks(course: Course, released: Path) -> None:
    assert find_leaks(course, released) == []


def test_leak_check_finds_planted_solutions(course: Course, released: Path, tmp_path: Path) -> None:
    tree = tmp_path / "leaky"
    shutil.copytree(released, tree)
    with (tree / "minitorch/operators.py").open("a") as handle:
        handle.write("\n# return 1.0 if abs(x - y) < 1e-2 else 0.0\n")
    (tree / "tests/test_extra.py").write_text("def test_hidden_sigmoid_extremes():\n    pass\n")
    (tree / "notes.md").write_text("### BEGIN SOLUTION task0_1\n")
    problems = find_leaks(course, tree)
    assert any("operators.py: solution line" in p for p in problems)
    assert any("hidden test name 'test_hidden_sigmoid_extremes'" in p for p in problems)
    assert any("notes.md: marker 'BEGIN SOLUTION'" in p for p in problems)


def test_compare_trees_reports_stale_and_changed_files(released: Path, tmp_path: Path) -> None:
    tree = tmp_path / "copy"
    shutil.copytree(released, tree)
    (tree / "stale.py").write_text("")
    (tree / "README.md").write_text("edited")
    (tree / "Makefile").unlink()
    assert compare_trees(released, tree) == [
        "missing: Makefile",
        "not generated (stale): stale.py",
        "differs: README.md (run `make student`)",
    ]


def test_notebook_solutions_are_stripped(course: Course, released: Path) -> None:
    notebook = nbformat.read(str(released / "notebooks/module0.ipynb"), as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells)
    assert "raise NotImplementedError()" in text
    assert "total += accuracy" not in text and "opposite quadrants" not in text
    assert "YOUR ANSWER HERE" in text


def test_notebook_with_unknown_task_stops_the_release(course: Course, tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("x = 1\n### BEGIN SOLUTION task7_7\nx = 2\n### END SOLUTION"))
    source = tmp_path / "bad.ipynb"
    nbformat.write(notebook, str(source))
    with pytest.raises(MarkerError, match=r"bad.ipynb:cell 1 line 2: unknown task 'task7_7'"):
        strip_notebook(source, tmp_path / "out.ipynb", known_tasks(course))


def test_shipped_grader_imports_every_module_it_needs(released: Path) -> None:
    """The grader in grading/ runs on its own: every module the CLI imports was shipped."""
    import subprocess
    import sys

    modules = "autograder.cli, autograder.grading.commands, autograder.repo.commands, autograder.child.pytest_plugin"
    code = f"import {modules}; print(autograder.cli.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=released,
        env={"PYTHONPATH": str(released / "grading"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(released / "grading"))


def test_release_ships_a_github_workflow_that_grades_on_push(released: Path) -> None:
    workflow = (released / ".github/workflows/grade.yml").read_text()
    assert "on:\n  push:" in workflow
    assert 'make grade MARKDOWN="$GITHUB_STEP_SUMMARY"' in workflow
    grade_target = (released / "Makefile").read_text().split("\ngrade:\n")[1].split("\n\n")[0]
    assert "$(if $(MARKDOWN),--markdown $(MARKDOWN))" in grade_target
