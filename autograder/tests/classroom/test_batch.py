"""`make batch`: a class of generated submissions graded, resumed after kill -9, and exported.

The class grades Tasks 0.1 and 0.4 (10 points each) with a short time
budget: enough to tell full, partial, empty, hostile and broken
submissions apart without grading the whole course thirteen times.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.classroom.batch import BatchOptions, BatchSummary, run_batch
from autograder.classroom.gradebook import Gradebook, GradebookError
from autograder.classroom.intake import IntakeError, discover, unpack
from autograder.manifest import Course

from ..conftest import REPO

pytestmark = pytest.mark.slow  # grades the real course

TASKS = ["0.1", "0.4"]
BUDGET_S = 15.0
RELU = "    return x if x > 0.0 else 0.0\n"
# What each generated student must score, out of 20 (None: not graded at all).
EXPECTED = {
    "ada": 20.0,  # the reference, as a folder
    "bob": 0.0,  # the template
    "cyd": 10.0,  # 0.1 stripped
    "dee": 10.0,  # 0.4 stripped, zipped
    "eve": 20.0,  # the reference in a wrapping folder, as .tar.gz
    "fay": 20.0,  # a git checkout
    "gus": 18.55,  # hostile: relu loops forever (0.1's relu tests and check values time out; 0.4 passes)
    "hal": 10.0,  # hostile: exits Python when operators.py is imported (0.4 never imports it: full points)
    "ivy": None,  # a corrupt zip
    "jon": None,  # a zip bomb
    "kim": None,  # a tar with ../ paths
    "lee": None,  # a zip with a symbolic link
    "moe": 20.0,  # a zip with a name that is not UTF-8
}


def student_tree(course: Course, dest: Path, strip: set[str] | None = None) -> Path:
    write_solution_tree(course, dest, strip=strip or set())
    return dest


def zip_folder(folder: Path, dest: Path, prefix: str = "") -> None:
    with zipfile.ZipFile(dest, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())


def sabotage(tree: Path, body: str, header: str = "") -> None:
    path = tree / "minitorch/operators.py"
    text = path.read_text()
    future = "from __future__ import annotations\n"
    path.write_text(text.replace(RELU, body, 1).replace(future, future + header, 1))


@pytest.fixture(scope="module")
def classroom(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thirteen submissions, one of each kind the batch must handle."""
    root = tmp_path_factory.mktemp("class")
    work = tmp_path_factory.mktemp("work")
    folder = root / "submissions"
    folder.mkdir()
    solved = student_tree(course, work / "solved")
    shutil.copytree(solved, folder / "ada")
    shutil.copytree(course.template, folder / "bob")
    student_tree(course, folder / "cyd", {"task0_1"})
    zip_folder(student_tree(course, work / "dee", {"task0_4"}), folder / "dee.zip")
    with tarfile.open(folder / "eve.tar.gz", "w:gz") as archive:
        archive.add(solved, arcname="eve-main")
    shutil.copytree(solved, folder / "fay")
    git = ["git", "-C", str(folder / "fay"), "-c", "user.name=Fay", "-c", "user.email=fay@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-12-03T12:00:00+00:00"}
    subprocess.run([*git, "commit", "-q", "-m", "done"], check=True, env=env)
    shutil.copytree(solved, folder / "gus")
    sabotage(folder / "gus", "    while True:\n        pass\n")
    shutil.copytree(solved, folder / "hal")
    sabotage(folder / "hal", RELU, "import os\nos._exit(3)\n")
    (folder / "ivy.zip").write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    with zipfile.ZipFile(folder / "jon.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("minitorch/zeros.py", b"\0" * (300 * 1024 * 1024))
    with tarfile.open(folder / "kim.tar", "w") as archive:
        data = b"print('outside the tree')\n"
        info = tarfile.TarInfo("../../evil.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(folder / "lee.zip", "w") as archive:
        link = zipfile.ZipInfo("minitorch/operators.py")
        link.external_attr = (0o120777) << 16
        archive.writestr(link, "/etc/passwd")
    zip_folder(solved, folder / "moe.zip")
    with zipfile.ZipFile(folder / "moe.zip", "a") as archive:
        archive.writestr("notes-cafX.txt", "a note")
    # zipfile writes only ASCII or flagged UTF-8 names: put a Latin-1 byte in place of the X, unflagged.
    raw = (folder / "moe.zip").read_bytes()
    (folder / "moe.zip").write_bytes(raw.replace(b"notes-cafX.txt", b"notes-caf\xe9.txt"))
    (folder / ".DS_Store").write_bytes(b"not a submission")
    (folder / "readme.txt").write_text("not a submission either")
    roster = root / "roster.csv"
    lines = ["student_id,submission,name,email,submitted_at"]
    on_time = "2026-12-10T12:00:00+00:00"  # before module 0's due date
    lines += [f"{s},{s},Student {s.title()},{s}@example.com,{on_time}" for s in EXPECTED if s not in ("dee", "fay")]
    lines.append("dee,dee.zip,Dee Late,dee@example.com,2026-12-17T10:00:00+00:00")  # 2 days late
    lines.append("zed,zed,Zed Absent,zed@example.com,")  # on the roster, submitted nothing
    roster.write_text("\n".join(lines) + "\n")
    return root


def _batch(course: Course, root: Path, out: Path, **kwargs: Any) -> BatchSummary:
    options = BatchOptions(
        jobs=2, task_ids=TASKS, roster=root / "roster.csv", live=False, time_budget_s=BUDGET_S, **kwargs
    )
    return run_batch(course, root / "submissions", out / "gradebook.sqlite", options, echo=lambda line: None)


def _grade_class(classroom: Path, out: Path) -> Path:
    """The class graded once by the command line, its gradebook and exports in ``out``."""
    done = subprocess.run(
        [
            sys.executable, "-m", "autograder", "--course", str(REPO / "assignments"), "batch",
            "--submissions", str(classroom / "submissions"), "--roster", str(classroom / "roster.csv"),
            "--task", "0.1", "--task", "0.4", "--jobs", "2", "--out", str(out),
            "--time-budget", str(BUDGET_S),
        ],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "submissions per minute" in done.stdout, done.stdout
    (out / "stdout.txt").write_text(done.stdout)
    return out


def _latest(out: Path) -> dict[str, tuple[str, float, str | None]]:
    with Gradebook(out / "gradebook.sqlite") as book:
        return {s: (g.status, g.score, g.error) for s, g in book.latest("tasks 0.1,0.4").items()}


def _check_every_submission_gets_its_score_or_status(graded: Path) -> None:
    latest = _latest(graded)
    assert set(latest) == set(EXPECTED)
    for student, expected in EXPECTED.items():
        status, score, error = latest[student]
        if expected is None:
            assert status == "rejected", (student, status, score)
        else:
            assert (status, score) == ("graded", expected), (student, status, score, error)
    assert "corrupt archive" in (latest["ivy"][2] or "")
    assert "zip bomb" in (latest["jon"][2] or "")
    assert "unsafe path '../../evil.py'" in (latest["kim"][2] or "")
    assert "symbolic link" in (latest["lee"][2] or "")


def _check_late_policy_and_roster_reach_the_csv(graded: Path) -> None:
    rows = {row["student_id"]: row for row in csv.DictReader((graded / "grades.csv").open())}
    assert set(rows) == set(EXPECTED) | {"zed"}
    assert rows["zed"]["status"] == "missing" and rows["zed"]["total"] == ""
    assert rows["ada"]["task 0.1"] == "10" and rows["ada"]["total"] == "20" and rows["ada"]["final"] == "20"
    assert rows["cyd"]["task 0.1"] == "0" and rows["cyd"]["task 0.4"] == "10"
    assert rows["dee"]["late_days"] == "2" and rows["dee"]["penalty"] == "0.2" and rows["dee"]["final"] == "8"
    # fay's checkout is not in the roster: its time is when the gradebook first saw it, never its commit's.
    assert rows["fay"]["time_source"] == "intake"
    assert rows["ada"]["time_source"] == "roster"
    assert rows["ada"]["name"] == "Student Ada" and rows["ada"]["email"] == "ada@example.com"


def _check_feedback_pages_show_outcomes_but_never_hidden_test_names(course: Course, graded: Path) -> None:
    def names(paths: list[Path]) -> set[str]:
        return {
            line.split("(")[0][4:] for p in paths for line in p.read_text().splitlines() if line.startswith("def test_")
        }

    hidden = names([path for task in course.tasks for path in task.hidden_tests])
    public = names([path for module in course.modules for path in module.public_tests.glob("*.py")])
    hidden_names = hidden - public
    for student in EXPECTED:
        for suffix in (".md", ".html"):
            page = (graded / "feedback" / f"{student}{suffix}").read_text()
            assert not any(name in page for name in hidden_names), (student, suffix)
    gus = (graded / "feedback" / "gus.md").read_text()
    assert "timeout" in gus and f"{EXPECTED['gus']:.2f}/20" in gus.replace("**", "")
    assert "could not be graded" in (graded / "feedback" / "jon.md").read_text()
    assert "2 days late: 20% off, final score **8**" in (graded / "feedback" / "dee.md").read_text()
    assert "No submission" in (graded / "feedback" / "zed.md").read_text()
    assert "<table>" in (graded / "feedback" / "ada.html").read_text()


def _check_class_report_has_statistics_histograms_and_similarity(graded: Path) -> None:
    report = (graded / "report" / "report.md").read_text()
    assert "| 0.1 |" in report and "| 0.4 |" in report
    assert (graded / "report" / "task_0.1.png").stat().st_size > 0
    assert "Tests failed most often" in report
    similar = report.split("## Similar submissions")[1]
    assert "ada and eve" in similar and "ada and fay" in similar  # identical copies of the reference
    assert "bob" not in similar  # the template is boilerplate, not similarity


def _check_json_export_and_throughput(graded: Path) -> None:
    exported = json.loads((graded / "grades.json").read_text())
    by_id = {s["student_id"]: s for s in exported["students"]}
    assert by_id["ada"]["report"]["tasks"][0]["id"] == "0.1"
    assert exported["runs"][-1]["graded"] == 13 - 4 and exported["runs"][-1]["failed"] == 4
    stdout = (graded / "stdout.txt").read_text()
    assert "JOBS=2" in stdout
    assert stdout.count("1 of 13 submission times are intake times") == 1  # fay's, said once


def _check_rerun_grades_nothing_twice_and_student_regrades(course: Course, classroom: Path, graded: Path) -> None:
    again = _batch(course, classroom, graded)
    assert again.count("skipped") == 13, [(o.entry.name, o.status) for o in again.outcomes]
    one = _batch(course, classroom, graded, students=["cyd"])
    assert [(o.entry.student_id, o.status, o.score) for o in one.outcomes] == [("cyd", "graded", 10.0)]
    with sqlite3.connect(graded / "gradebook.sqlite") as db:
        counts = dict(db.execute("SELECT student_id, count(*) FROM submissions GROUP BY student_id").fetchall())
    assert all(n == 1 for n in counts.values()), counts


def test_a_class_grades_in_one_command_and_exports(course: Course, classroom: Path, tmp_path: Path) -> None:
    """One graded class, checked from every side (one test, so one worker grades it once)."""
    graded = _grade_class(classroom, tmp_path / "out")
    _check_every_submission_gets_its_score_or_status(graded)
    _check_late_policy_and_roster_reach_the_csv(graded)
    _check_feedback_pages_show_outcomes_but_never_hidden_test_names(course, graded)
    _check_class_report_has_statistics_histograms_and_similarity(graded)
    _check_json_export_and_throughput(graded)
    _check_rerun_grades_nothing_twice_and_student_regrades(course, classroom, graded)


def _graded_count(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=30) as db:
            count: int = db.execute("SELECT count(*) FROM submissions WHERE status = 'graded'").fetchone()[0]
    except sqlite3.OperationalError:  # the batch has created the file but not its tables yet
        return 0
    return count


def _start_and_wait(command: list[str], database: Path, at_least: int) -> subprocess.Popen[bytes]:
    # Ctrl-C as a terminal delivers it: SIGINT handled by default, even where this test runs with it ignored
    # (a non-interactive shell starts background jobs so, and the batch's Python would inherit that).
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None and _graded_count(database) < at_least:
        time.sleep(0.5)
    assert process.poll() is None, "the batch ended before it could be interrupted"
    return process


def test_ctrl_c_then_kill_minus_9_midway_then_resume(course: Course, classroom: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "autograder", "--course", str(REPO / "assignments"), "batch",
        "--submissions", str(classroom / "submissions"), "--roster", str(classroom / "roster.csv"),
        "--task", "0.1", "--task", "0.4", "--jobs", "2", "--out", str(out), "--no-similarity",
        "--time-budget", str(BUDGET_S),
    ]  # fmt: skip
    database = out / "gradebook.sqlite"
    # Ctrl-C, as a terminal sends it: to the batch and to the children of the gradings in flight.
    process = _start_and_wait(command, database, 2)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=180)  # prompt when quiet (seconds); generous for a loaded machine
    assert process.returncode == 130, stderr[-2000:]
    assert b"run the same command again to resume" in stderr
    after_interrupt = _graded_count(database)
    # kill -9 in the middle of the next run.
    process = _start_and_wait(command, database, after_interrupt + 2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    resumed = _batch(course, classroom, out)
    skipped = resumed.count("skipped")
    assert skipped >= after_interrupt + 2, [(o.entry.name, o.status) for o in resumed.outcomes]
    assert skipped + resumed.count("graded") + resumed.count("rejected") == 13
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT student_id, count(*) FROM submissions GROUP BY student_id").fetchall()
    assert len(rows) == 13 and all(n == 1 for _, n in rows), rows
    latest = _latest(out)
    got = {s: v[1] for s, v in latest.items() if v[0] == "graded"}
    assert got == {s: v for s, v in EXPECTED.items() if v is not None}, "an interrupted grading was kept"


def test_live_progress_bar_counts_done_failed_and_running(classroom: Path) -> None:
    from rich.console import Console

    from autograder.classroom.batch_progress import BatchProgress, Outcome

    entries = discover(classroom / "submissions")
    console = Console(record=True, width=200, force_terminal=True)
    progress = BatchProgress(len(entries), lambda line: None, live=True, console=console)
    assert progress.bar is not None
    progress.begin()
    progress.begin()
    progress.end(Outcome(entries[0], "graded", 20.0, 20.0, 20.0))
    progress.end(Outcome(entries[1], "rejected", message="corrupt"))
    progress.begin()
    progress.bar.refresh()
    progress.stop()
    shown = console.export_text()
    assert "2/13 done, 1 failed, 1 running" in shown, shown


# --- intake, unit by unit ---


def test_caps_on_bytes_written_and_on_files(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    with tarfile.open(folder / "many.tar.gz", "w:gz") as archive:
        for name in ("a", "b", "c"):
            info = tarfile.TarInfo(f"minitorch/{name}.py")
            info.size = 2000
            archive.addfile(info, io.BytesIO(b"#" * 2000))
    [entry] = discover(folder)
    assert entry.kind == "tar" and entry.student_id == "many"
    with pytest.raises(IntakeError, match="unpacks to more than 5000 bytes"):  # counted while writing
        unpack(entry, tmp_path / "scratch", max_bytes=5000)
    with pytest.raises(IntakeError, match="more than 2 files"):
        unpack(entry, tmp_path / "scratch", max_files=2)
    assert (unpack(entry, tmp_path / "scratch") / "minitorch" / "c.py").stat().st_size == 2000
    assert not (tmp_path / "scratch" / "unpacked" / "minitorch" / "d.py").exists()


def test_roster_problems_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text("id,file\nada,ada\n")
    with pytest.raises(IntakeError, match="roster.csv:1: the roster needs the columns"):
        discover(folder, roster)
    roster.write_text("student_id,submission,submitted_at\nada,ada,yesterday\n")
    with pytest.raises(IntakeError, match="roster.csv:2: submitted_at: 'yesterday' is not an ISO 8601 time"):
        discover(folder, roster)
    with pytest.raises(IntakeError, match="does not exist"):
        discover(tmp_path / "absent")


def test_gradebook_refuses_other_files_and_newer_schemas(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE x (y)")
    with pytest.raises(GradebookError, match="not a gradebook"):
        Gradebook(other)
    newer = tmp_path / "newer.sqlite"
    Gradebook(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(GradebookError, match="schema version 99 is newer"):
        Gradebook(newer)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(GradebookError, match="junk.sqlite"):
        Gradebook(tmp_path / "junk.sqlite")


def test_names_that_are_not_utf8_are_kept_readable(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    with zipfile.ZipFile(folder / "ana.zip", "w") as archive:
        archive.writestr("minitorch/cafX.py", "x = 1\n")
    raw = (folder / "ana.zip").read_bytes()
    (folder / "ana.zip").write_bytes(raw.replace(b"cafX.py", b"caf\xe9.py"))
    [entry] = discover(folder)
    root = unpack(entry, tmp_path / "scratch")
    assert [p.name for p in (root / "minitorch").iterdir()] == ["caf\ufffd.py"]
