"""The command line: exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import EXIT_INPUT, EXIT_OK, main

from .conftest import REPO


def test_missing_submission_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--course", str(REPO / "assignments"), "grade", "--submission", str(tmp_path / "nope")])
    assert code == EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path / 'nope'}: submission not found"


def test_bad_manifest_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = tmp_path / "assignments"
    shutil.copytree(REPO / "assignments", root)
    manifest = root / "module0" / "tasks.toml"
    manifest.write_text(manifest.read_text().replace("points = 10", "points = 0", 1))
    assert main(["--course", str(root), "grade"]) == EXIT_INPUT
    assert capsys.readouterr().err.strip().endswith("task[0].points: expected a positive number, got 0")


@pytest.mark.slow
def test_grade_one_task_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a.json"
    args = ["--course", str(REPO / "assignments"), "grade", "--submission", str(REPO / "reference")]
    assert main([*args, "--task", "0.4", "--json", str(out)]) == EXIT_OK
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1
    assert [(t["id"], t["score"], t["status"]) for t in data["tasks"]] == [("0.4", 10.0, "passed")]
    assert data["environment"]["hypothesis_profile"]["derandomize"] is True
    assert "0.4" in capsys.readouterr().out


@pytest.mark.slow
def test_student_tree_grades_itself(capsys: pytest.CaptureFixture[str]) -> None:
    template = REPO / "student_template"
    args = ["--course", str(template / "grading/course"), "grade", "--submission", str(template), "--task", "0.1"]
    assert main([*args, "--strict"]) == 1
    out = capsys.readouterr().out
    assert "todo" in out and "0/10" in out


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["student"], "error: 'student' runs only in the course repository, not in a student tree"),
        (["batch", "--submissions", "{tmp}", "--out", "{tmp}"], "error: 'batch' runs only in the course repository"),
        (["calibrate", "--task", "1.5"], "error: 'calibrate' runs only in the course repository"),
        (["upgrade", "--module", "1", "--repo", "{tmp}"], "error: --module builds a release, which only the course"),
    ],
)
def test_staff_commands_in_a_student_tree_say_where_they_run(command: list[str], says: str, tmp_path: Path) -> None:
    """The student tree's grader has no staff room: its staff commands are one line, exit 2."""
    template = REPO / "student_template"
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in command]
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "--course", "grading/course", *args],
        cwd=template,
        env={**os.environ, "PYTHONPATH": str(template / "grading")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr.strip()[: len(says)]) == (EXIT_INPUT, says), done.stderr
