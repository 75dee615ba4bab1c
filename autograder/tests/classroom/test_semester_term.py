"""A term of five students, every step on the real grader: batch, roster and extension later, a course fix
regraded with ``REGRADE=changed``, the change log, and a Canvas export, all through the command line.

The course is a copy, so its test weights can change mid-term. Task 0.1 only, to keep it under a minute:
ada, dee and eve (a zip) hand in the reference; bob's ReLU is wrong for negative inputs; cyd hands in the
stubs. Then the course makes ``test_relu`` worth three: only bob and cyd fail a changed task, so only they
are graded again, and only bob's score moves.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from autograder.classroom.gradebook import Gradebook
from autograder.cli import EXIT_OK, main
from autograder.manifest import Course

from ..conftest import REPO
from .test_batch import sabotage, student_tree, zip_folder

pytestmark = pytest.mark.slow  # grades the real course (seven gradings of one task)


def copied_course(root: Path) -> Path:
    """The course repository's three trees under ``root``; returns the course folder."""
    for name in ("assignments", "student_template", "reference"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns(".numba_cache", "__pycache__"))
    return root / "assignments"


def grader(course_root: Path, *args: str) -> int:
    return main(["--course", str(course_root), *args])


def table(path: Path) -> dict[str, dict[str, str]]:
    return {row.get("student_id") or row.get("Student", ""): row for row in csv.DictReader(path.open(encoding="utf-8"))}


def test_a_term_batch_roster_extension_fix_regrade_changelog_and_canvas(
    course: Course, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copied_course(tmp_path / "repo")
    subs, out = tmp_path / "submissions", tmp_path / "grades"
    solved = student_tree(course, tmp_path / "solved")
    for name in ("ada", "bob", "dee"):
        shutil.copytree(solved, subs / name)
    sabotage(subs / "bob", "    return x\n")  # wrong below zero: test_relu fails
    shutil.copytree(course.template, subs / "cyd")
    zip_folder(solved, subs / "eve.zip")
    batch = ["batch", "--submissions", str(subs), "--out", str(out), "--task", "0.1", "--jobs", "2"]
    batch += ["--time-budget", "20", "--no-similarity"]
    assert grader(root, *batch) == EXIT_OK
    first = table(out / "grades.csv")
    assert {s: r["total"] for s, r in first.items()} == {"ada": "10", "bob": first["bob"]["total"], "cyd": "0",
                                                         "dee": "10", "eve": "10"}  # fmt: skip
    assert 0 < float(first["bob"]["total"]) < 10
    assert "scores: 0 changed, 5 graded for the first time" in capsys.readouterr().out

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student_id,submission,name,email,sis_id,section,submitted_at\n"
        + "".join(f"s{i},{n},{n.title()},{n}@example.com,SIS{i},A,2026-12-10T12:00:00Z\n" for i, n in
                  enumerate(("ada", "bob", "cyd", "dee"), 1))
        + "s5,eve,Eve,eve@example.com,SIS5,B,2026-12-17T12:00:00Z\n"  # two days after module 0's due date
    )  # fmt: skip
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("student_id,module,days\ns5,0,2\n")  # on time, then
    export = ["export", "--out", str(out), "--task", "0.1"]  # the batch's scope
    assert grader(root, *export, "--roster", str(roster), "--extensions", str(extensions)) == EXIT_OK
    rekeyed = table(out / "grades.csv")
    assert list(rekeyed) == ["s1", "s2", "s3", "s4", "s5"] and rekeyed["s5"]["final"] == "10"

    tasks = root / "module0" / "tasks.toml"
    text = tasks.read_text()
    fixed = text.replace('marker = "task0_1"\n', 'marker = "task0_1"\nweights = { test_relu = 3 }\n', 1)
    assert fixed != text
    tasks.write_text(fixed)
    assert grader(root, *batch, "--regrade", "changed") == EXIT_OK
    said = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[-1] for line in said.splitlines() if line.startswith("s")}
    assert {s: rows[s] for s in ("s1", "s2", "s3", "s4", "s5")} == {
        "s1": "skipped", "s2": "graded", "s3": "graded", "s4": "skipped", "s5": "skipped",
    }, said  # fmt: skip
    assert "scores: 1 changed, 0 graded for the first time" in said
    assert "course changed" in said
    with Gradebook(out / "gradebook.sqlite") as book:
        graded = book.db.execute("SELECT count(*) FROM submissions WHERE status = 'graded'").fetchone()[0]
    assert graded == 7  # five, then bob's and cyd's again

    assert grader(root, *export, "--lms", "canvas") == EXIT_OK
    changes = list(csv.DictReader((out / "changes.csv").open(encoding="utf-8")))
    moved = [(c["student_id"], c["reason"]) for c in changes if c["old"]]
    assert moved == [("s2", "course changed")], changes
    after = table(out / "grades.csv")
    assert float(after["s2"]["total"]) < float(first["bob"]["total"])  # test_relu now weighs three
    canvas = (out / "canvas.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[0].startswith("Student,ID,SIS User ID,SIS Login ID,Section,Module 0")
    assert canvas[1].lstrip().startswith("Points Possible")  # indented, as Canvas writes it
    sis = {row["SIS User ID"]: row for row in csv.DictReader(canvas[:1] + canvas[2:])}
    assert sorted(sis) == ["SIS1", "SIS2", "SIS3", "SIS4", "SIS5"]
    module = next(key for key in canvas[0].split(",") if key.startswith("Module 0"))
    assert sis["SIS2"][module] == after["s2"]["final"] and sis["SIS5"][module] == "10"
