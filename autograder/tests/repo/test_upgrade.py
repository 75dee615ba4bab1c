"""``make upgrade``: a student's work carried from one module's release to the next."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.authoring.release import release_module, write_released_hashes, write_solution_tree
from autograder.grading.grade import grade
from autograder.manifest import Course, load_course
from autograder.repo.units import split_units
from autograder.repo.upgrade import BACKUP, UpgradeError, apply_plan, plan_upgrade, upgrade
from autograder.submission import open_submission

pytestmark = pytest.mark.slow  # grades the real course

IDENTITY = ["-c", "user.name=Student", "-c", "user.email=student@example.invalid"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *IDENTITY, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def releases(course: Course, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("releases")
    for module in (1, 2):
        release_module(course, module, root / f"module{module}")
    return {1: root / "module1", 2: root / "module2"}


@pytest.fixture(scope="module")
def solution(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("solution")
    write_solution_tree(course, tree, strip=set())
    return tree


def units(path: Path) -> dict[str, str]:
    return {u.key: u.text for u in split_units(path.read_text(encoding="utf-8"))}


def solve(repo: Path, solution: Path, path: str, keys: list[str] | None = None) -> dict[str, str]:
    """Replace the stubs ``keys`` of ``path`` (all, by default) by the solution's; return the solved units."""
    solved = units(solution / path)
    mine = split_units((repo / path).read_text(encoding="utf-8"))
    chosen = {u.key: solved[u.key] for u in mine if u.is_stub and (keys is None or u.key in keys)}
    (repo / path).write_text("".join(chosen.get(u.key, u.text) for u in mine), encoding="utf-8")
    return chosen


@pytest.fixture
def student(releases: dict[int, Path], solution: Path, tmp_path: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    """A module-1 repository with Module 0 solved, part of Task 1.2, and a helper and a test of the student's own."""
    repo = tmp_path / "student"
    subprocess.run(["git", "clone", "--quiet", str(releases[1]), str(repo)], check=True)
    work = {"minitorch/operators.py": solve(repo, solution, "minitorch/operators.py")}
    work["minitorch/scalar.py"] = solve(repo, solution, "minitorch/scalar.py", ["def Scalar.__add__", "def Scalar.log"])
    helper = "\n\ndef my_helper(x: float) -> float:\n    return 2.0 * x\n"
    with (repo / "minitorch/scalar.py").open("a") as handle:
        handle.write(helper)
    work["minitorch/scalar.py"]["def my_helper"] = helper
    own_test = "\n\ndef test_my_own_mul() -> None:\n    assert 1 == 1\n"
    with (repo / "tests/test_operators.py").open("a") as handle:
        handle.write(own_test)
    work["tests/test_operators.py"] = {"def test_my_own_mul": own_test}
    git(repo, "commit", "--quiet", "-am", "my Module 0 and part of 1.2")
    return repo, work


def test_upgrade_keeps_every_student_function_and_the_new_tests_run(
    course: Course, releases: dict[int, Path], student: tuple[Path, dict[str, dict[str, str]]]
) -> None:
    repo, work = student
    before = git(repo, "rev-parse", "HEAD")
    plan = upgrade(releases[2], repo, apply=True, echo=lambda line: None)
    assert {c.path for c in plan.changes if c.action == "add"} >= {"minitorch/tensor.py", "tests/test_tensor.py"}
    for path, solved in work.items():
        after = units(repo / path)
        for key, text in solved.items():
            assert after[key] == text, f"{path}: {key} changed"
    for path in ["minitorch/tensor_functions.py", "tests/test_tensor_data.py", "handouts/module2.md"]:
        assert (repo / path).read_bytes() == (releases[2] / path).read_bytes(), path
    assert json.loads((repo / "grading/course/released.json").read_text())["module"] == 2
    assert git(repo, "rev-parse", "HEAD~1") == before and git(repo, "status", "--porcelain") == ""
    assert "Upgrade to minitorch" in git(repo, "log", "-1", "--format=%s")

    upgraded = load_course(repo / "grading" / "course")
    report = grade(upgraded, open_submission(repo, upgraded), task_ids=["0.1", "2.1"])
    scores = {t.id: (t.score, t.points, len(t.tests)) for t in report.tasks}
    assert scores["0.1"][0] == scores["0.1"][1] > 0  # the student's Module 0, graded by the new release
    assert scores["2.1"][0] == 0 and scores["2.1"][2] > 0  # the new module's tests run, on stubs


def test_upgrade_is_a_dry_run_unless_applied_and_idempotent(
    releases: dict[int, Path], student: tuple[Path, dict[str, dict[str, str]]]
) -> None:
    repo, _ = student
    head = git(repo, "rev-parse", "HEAD")
    lines: list[str] = []
    plan = upgrade(releases[2], repo, apply=False, echo=lines.append)
    assert plan.writes and lines[0].endswith("minitorch 2026.12 module 1 -> minitorch 2026.12 module 2")
    assert any(line.startswith("  add       minitorch/tensor.py") for line in lines)
    assert lines[-1].startswith("dry run: nothing was written")
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == ""

    apply_plan(plan)
    upgraded = git(repo, "rev-parse", "HEAD")
    again = plan_upgrade(releases[2], repo)
    assert not again.writes and "nothing to do" in again.lines()[-1]
    assert "nothing to do" in apply_plan(again)
    assert git(repo, "rev-parse", "HEAD") == upgraded and git(repo, "status", "--porcelain") == ""


def changed_release(course: Course, releases: dict[int, Path], dest: Path) -> Path:
    """Release 2 as the course would ship it a version later: a stub's docstring and two helpers changed."""
    shutil.copytree(releases[2], dest, ignore=shutil.ignore_patterns(".git"))
    scalar = dest / "minitorch/scalar.py"
    text = scalar.read_text()
    stub = '        """Return self + b."""\n        # TODO: Implement for Task 1.2.\n'
    assert stub in text
    text = text.replace(
        stub, stub.replace("b.", "b, reworded.")
    )  # the stub of Scalar.__add__, which the student solved
    text = text.replace("    def __repr__(self) -> str:\n", "    def __repr__(self) -> str:\n        # course fix\n")
    text = text.replace("    def __hash__(self) -> int:\n", "    def __hash__(self) -> int:\n        # course fix\n")
    scalar.write_text(text)
    (dest / "README.md").write_text((dest / "README.md").read_text() + "\nA course note.\n")
    stamped = dataclasses.replace(course, version=course.version + ".1", modules=course.modules[:3])
    write_released_hashes(stamped, dest)
    return dest


def test_upgrade_merges_function_by_function_when_both_changed_a_file(
    course: Course, releases: dict[int, Path], student: tuple[Path, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    repo, work = student
    upgrade(releases[2], repo, apply=True, echo=lambda line: None)
    scalar = repo / "minitorch/scalar.py"
    text = scalar.read_text().replace(
        "    def __hash__(self) -> int:\n", "    def __hash__(self) -> int:\n        # mine\n"
    )
    scalar.write_text(text)
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nMy own note.\n")
    git(repo, "commit", "--quiet", "-am", "local edits to course files")
    mine = units(scalar)

    new = changed_release(course, releases, tmp_path / "module2-fixed")
    plan = upgrade(new, repo, apply=True, echo=lambda line: None)
    merged = units(scalar)
    theirs = units(new / "minitorch/scalar.py")
    assert merged["def Scalar.__add__"] == work["minitorch/scalar.py"]["def Scalar.__add__"]  # a new stub never wins
    assert merged["def Scalar.__repr__"] == theirs["def Scalar.__repr__"]  # only the course changed it
    assert merged["def Scalar.__hash__"] == mine["def Scalar.__hash__"]  # both changed it: the student's stays
    assert merged["def my_helper"] == work["minitorch/scalar.py"]["def my_helper"]
    assert (repo / "minitorch/scalar.py.module2").read_text() == (new / "minitorch/scalar.py").read_text()
    (conflict,) = [c for c in plan.changes if c.path == "minitorch/scalar.py"]
    assert (
        conflict.action == "conflict" and "Scalar.__hash__" in conflict.detail and "Scalar.__add__" in conflict.detail
    )
    readme = next(c for c in plan.changes if c.path == "README.md")
    assert readme.action == "replace" and (repo / "README.md").read_text() == (new / "README.md").read_text()
    assert (repo / "README.md.mine").read_text().endswith("My own note.\n")  # nothing of the student's is lost
    assert json.loads((repo / "grading/course/released.json").read_text())["version"] == course.version + ".1"


def test_upgrade_refuses_other_courses_newer_repositories_and_dirty_trees(
    course: Course, releases: dict[int, Path], student: tuple[Path, dict[str, dict[str, str]]], tmp_path: Path
) -> None:
    repo, _ = student
    with pytest.raises(UpgradeError, match="already has module 2; the release has modules 0-1"):
        plan_upgrade(releases[1], releases[2])
    other = tmp_path / "other"
    shutil.copytree(releases[1], other, ignore=shutil.ignore_patterns(".git"))
    write_released_hashes(dataclasses.replace(course, name="deeplearning101", modules=course.modules[:2]), other)
    with pytest.raises(UpgradeError, match="a repository of the course 'deeplearning101', not of 'minitorch'"):
        plan_upgrade(releases[2], other)
    newer = tmp_path / "newer"
    shutil.copytree(releases[1], newer, ignore=shutil.ignore_patterns(".git"))
    write_released_hashes(dataclasses.replace(course, version="2099.1", modules=course.modules[:2]), newer)
    with pytest.raises(UpgradeError, match="at version 2099.1, newer than the release's 2026.12"):
        plan_upgrade(releases[2], newer)
    with pytest.raises(UpgradeError, match="not a course release"):
        plan_upgrade(releases[2], tmp_path)
    hostile = tmp_path / "hostile"
    shutil.copytree(releases[2], hostile, ignore=shutil.ignore_patterns(".git"))
    stamp = json.loads((hostile / "grading/course/released.json").read_text())
    stamp["files"]["../outside.py"] = "0"
    (hostile / "grading/course/released.json").write_text(json.dumps(stamp))
    with pytest.raises(UpgradeError, match=r"'../outside.py' is not a path a release may write"):
        plan_upgrade(hostile, repo)

    (repo / "minitorch/operators.py").write_text("# half-done edit\n")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(UpgradeError, match=r"uncommitted changes \(minitorch/operators.py\); commit or stash"):
        upgrade(releases[2], repo, apply=True, echo=lambda line: None)
    assert (
        git(repo, "rev-parse", "HEAD") == head and (repo / "minitorch/operators.py").read_text() == "# half-done edit\n"
    )
    assert not (repo / "minitorch/tensor.py").exists()


def test_upgrade_cli_errors_are_one_line_with_exit_code_2(releases: dict[int, Path], tmp_path: Path) -> None:
    command = [sys.executable, "-m", "autograder", "upgrade", "--release", str(releases[2]), "--repo", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parents[3])
    assert done.returncode == 2 and done.stderr.strip() == f"error: {tmp_path}: not a course release " + (
        "(grading/course/released.json is missing)"
    )


def test_upgrade_of_a_folder_without_git_backs_up_what_it_replaces(
    releases: dict[int, Path], solution: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "plain"
    shutil.copytree(releases[1], repo, ignore=shutil.ignore_patterns(".git"))
    (repo / "README.md").write_text("my readme\n")
    solve(repo, solution, "minitorch/operators.py")
    old_init = (repo / "minitorch/__init__.py").read_text()
    summary = apply_plan(plan_upgrade(releases[2], repo))
    (backup,) = (repo / BACKUP).iterdir()
    assert str(backup) in summary and backup.name.startswith("module1-")
    assert (backup / "minitorch/__init__.py").read_text() == old_init  # replaced by the release's, kept here
    assert (repo / "minitorch/tensor.py").is_file() and (repo / "README.md.mine").read_text() == "my readme\n"
    assert "| 2 | Tensors |" in (repo / "README.md").read_text()  # the course's README names module 2's due date


def test_course_repository_builds_the_release_itself(student: tuple[Path, dict[str, dict[str, str]]]) -> None:
    """`make upgrade MODULE=2 REPO=...` in the course repository: the release is built on the fly."""
    repo, _ = student
    command = [sys.executable, "-m", "autograder", "--course", "assignments", "upgrade", "--module", "2",
               "--repo", str(repo)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parents[3])
    assert done.returncode == 0, done.stderr
    assert "module 1 -> minitorch 2026.12 module 2" in done.stdout and "dry run: nothing was written" in done.stdout
    assert git(repo, "status", "--porcelain") == ""


def test_merge_rule_unit_by_unit() -> None:
    """The three-way rule on one small file: who changed what decides each unit."""
    from autograder.repo.units import unit_hash
    from autograder.repo.upgrade import merge_python

    base = (
        "import math\n\n\ndef kept():\n    return 0\n\n\ndef stub():\n"
        '    raise NotImplementedError("Task 0.1: implement stub.")\n\n\n'
        "def dropped():\n    return 0\n\n\nclass C:\n    def m(self):\n        return 0\n"
    )
    mine = (
        "import math\nimport os\n\n\ndef kept():\n    return 0\n\n\ndef stub():\n    return 42\n\n\n"
        "def dropped():\n    return 0\n\n\ndef helper():\n    return 1\n\n\n"
        "class C:\n    def m(self):\n        return 0\n\n    def extra(self):\n        return 2\n"
    )
    theirs = (
        "import math\nimport sys\n\n\ndef kept():\n    return 1  # course fix\n\n\ndef stub():\n"
        '    """Now documented."""\n    raise NotImplementedError("Task 0.1: implement stub.")\n\n\n'
        "class C:\n    def m(self):\n        return 0\n"
    )
    before = {u.key: unit_hash(u.text) for u in split_units(base)}
    change = merge_python("f.py", mine, theirs, before, "f.py.module1")
    merged = change.text or ""
    assert merged == (
        "import math\nimport sys\nimport os\n\n\ndef kept():\n    return 1  # course fix\n\n\n"
        "def stub():\n    return 42\n\n\ndef helper():\n    return 1\n\n\n"
        "class C:\n    def m(self):\n        return 0\n\n    def extra(self):\n        return 2\n"
    )
    assert change.action == "conflict" and change.beside == {"f.py.module1": theirs}
    assert "changed by both, yours kept: stub (the course's is still a stub)" in change.detail
    assert (
        "the course's: kept" in change.detail
        and "yours: code at top (imports joined), helper, C.extra" in change.detail
    )
