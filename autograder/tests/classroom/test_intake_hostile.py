"""A class's submissions are read without running or trusting anything they configure.

A git checkout's ``.git/config`` can name programs git runs (``gpg.program``
with ``log.showSignature``, ``core.fsmonitor``, hooks, filters,
``diff.external``); its commit dates and its files' modification times are
the student's to choose. None of these tests grades, except the last one
(Task 0.1, through the command line).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.classroom.batch import BatchOptions, run_batch
from autograder.classroom.batch_policy import Allow, BatchRefused
from autograder.classroom.class_report import similar_pairs
from autograder.classroom.fingerprints import content_hash
from autograder.classroom.git_objects import CommitUnreadable, last_commit_time
from autograder.classroom.gradebook import Gradebook
from autograder.classroom.intake import TIME_COMMIT, TIME_INTAKE, TIME_ROSTER, Entry, discover, unpack
from autograder.classroom.lateness import late_penalty, settle_time
from autograder.cli import EXIT_INPUT, main
from autograder.grading import sandbox
from autograder.manifest import Course

from ..conftest import REPO

GIT = shutil.which("git") or "git"  # the real git: the tests run it on repositories they made
DAY = dt.timedelta(days=1)
OPERATORS = "minitorch/operators.py"


def _git(repo: Path, *args: str, when: dt.datetime | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    if when is not None:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = when.isoformat()
    command = [GIT, "-C", str(repo), "-c", "user.name=Student", "-c", "user.email=s@example.com", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout.strip()


def _checkout(path: Path, source: Path, when: dt.datetime | None = None) -> Path:
    """A git checkout of ``source``'s operators.py, committed at ``when``."""
    (path / "minitorch").mkdir(parents=True)
    shutil.copy(source, path / OPERATORS)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "done", when=when)
    return path


def _arm(repo: Path, evil: Path) -> None:
    """Make ``repo`` a hostile checkout: a signed HEAD commit, and every git setting that runs ``evil``."""
    head = _git(repo, "rev-parse", "HEAD")
    signed = (
        f"tree {_git(repo, 'rev-parse', 'HEAD^{tree}')}\nparent {head}\n"
        "author Student <s@example.com> 1700000000 +0000\ncommitter Student <s@example.com> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"
    )
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    written = subprocess.run(
        [GIT, "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
        input=signed, check=True, capture_output=True, text=True, env=env,
    ).stdout.strip()  # fmt: skip
    _git(repo, "update-ref", "refs/heads/main", written)
    hooks = repo / ".git" / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "pre-commit", "post-merge", "reference-transaction", "post-index-change"):
        (hooks / hook).symlink_to(evil)
    (repo / ".gitattributes").write_text("* filter=x diff=x\n")
    with (repo / ".git" / "config").open("a") as config:
        config.write(
            f"[core]\n\tfsmonitor = {evil}\n\thooksPath = {hooks}\n\tsshCommand = {evil}\n\tpager = {evil}\n"
            f"[log]\n\tshowSignature = true\n[gpg]\n\tprogram = {evil}\n[diff]\n\texternal = {evil}\n"
            f'[filter "x"]\n\tsmudge = {evil}\n\tclean = {evil}\n\trequired = true\n'
            f'[diff "x"]\n\ttextconv = {evil}\n[credential]\n\thelper = !{evil}\n'
        )


@pytest.fixture
def hostile(course: Course, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A submissions folder with two armed checkouts (one whose ``.git`` is a file), and the marker file.

    Each is checked to be armed: the git command intake used to run on a checkout runs the student's script.
    """
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.sh"
    evil.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    evil.chmod(0o755)
    folder = tmp_path / "subs"
    assert course.reference is not None
    armed = _checkout(folder / "mal", course.reference / OPERATORS)
    _arm(armed, evil)
    elsewhere = _checkout(tmp_path / "elsewhere" / "repo", course.reference / OPERATORS)
    _arm(elsewhere, evil)
    pointer = folder / "wtf"
    (pointer / "minitorch").mkdir(parents=True)
    shutil.copy(course.reference / OPERATORS, pointer / OPERATORS)
    (pointer / ".git").write_text(f"gitdir: {elsewhere / '.git'}\n")
    for repo in (armed, pointer):
        _git(repo, "log", "-1", "--format=%cI")
        assert marker.exists(), f"{repo.name} is not armed: the test proves nothing"
        marker.unlink()
    yield folder, marker


def _spy_on_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], Path]:
    """Every process this test starts, and the log of a fake ``git`` put first on PATH."""
    calls = tmp_path / "git-calls"
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$PWD $*" >> {calls}\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    started: list[object] = []
    real = subprocess.Popen.__init__

    def spy(self: subprocess.Popen[bytes], args: object, *more: object, **options: object) -> None:
        started.append(args)
        real(self, args, *more, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    return started, calls


@pytest.mark.parametrize("trust", [False, True], ids=["default", "trust-commit-dates"])
def test_hostile_checkouts_run_nothing(
    course: Course, hostile: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trust: bool
) -> None:
    folder, marker = hostile
    started, calls = _spy_on_processes(tmp_path, monkeypatch)
    entries = {e.student_id: e for e in discover(folder, trust_commit_dates=trust)}
    roots = [unpack(entry, tmp_path / "scratch" / entry.name) for entry in entries.values()]
    pairs, unreadable = similar_pairs(course, list(entries.values()), [OPERATORS])
    assert not marker.exists(), marker.read_text()
    assert started == [] and not calls.exists()
    assert [(p.first, p.second) for p in pairs] == [("mal", "wtf")] and unreadable == []  # both trees were read
    assert [r.name for r in roots] == ["mal", "wtf"]  # the working trees, as they are
    mal, wtf = entries["mal"], entries["wtf"]
    assert (mal.kind, wtf.kind) == ("git", "git")
    signed = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)  # the signed commit, read without git
    assert mal.commit_at == signed and wtf.commit_at is None
    if trust:
        assert (mal.submitted_at, mal.time_source) == (signed, TIME_COMMIT)
        assert wtf.submitted_at is None and "a file pointing elsewhere" in " ".join(wtf.notes)
    else:
        assert (mal.submitted_at, mal.time_source, mal.notes) == (None, "", [])


def _backdate(entry: Path, moment: dt.datetime) -> None:
    for path in [entry, *entry.rglob("*")]:
        os.utime(path, (moment.timestamp(), moment.timestamp()))


def _settle_all(course: Course, book: Gradebook, entries: list[Entry], scratch: Path) -> dict[str, Entry]:
    for entry in entries:
        settle_time(book, entry, content_hash(course, unpack(entry, scratch / entry.name)))
    return {e.student_id: e for e in entries}


def test_lateness_ignores_commit_dates_and_file_times_unless_trusted(course: Course, tmp_path: Path) -> None:
    assert course.reference is not None
    source, task = course.reference / OPERATORS, course.task("0.1")
    due = course.module_of(task).due
    assert due is not None
    late_commit = (due + 26 * DAY).astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    folder = tmp_path / "subs"
    _backdate(_checkout(folder / "fut", source, late_commit), dt.datetime(1990, 1, 1, tzinfo=dt.UTC))
    _backdate(_checkout(folder / "pst", source, due - 30 * DAY), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    _git(_checkout(folder / "pak", source, late_commit), "gc", "-q")  # the commit is then only in a pack
    _checkout(folder / "ros", source, late_commit)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student_id,submission,submitted_at\nros,ros,{(due - DAY).isoformat()}\nfut,fut,\n")
    book = Gradebook(tmp_path / "gradebook.sqlite")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    found = _settle_all(course, book, discover(folder, roster), tmp_path / "a")
    after = dt.datetime.now(dt.UTC)
    for student in ("fut", "pst", "pak"):
        moment = found[student].submitted_at
        assert found[student].time_source == TIME_INTAKE and moment is not None and before <= moment <= after
    assert (found["ros"].submitted_at, found["ros"].time_source) == (due - DAY, TIME_ROSTER)
    expected_days = max(0, -((due - dt.datetime.now(dt.UTC)) // DAY))
    assert late_penalty(course, [task], found["fut"])[0] in (expected_days, expected_days + 1)
    assert late_penalty(course, [task], found["ros"])[0] == 0
    git_says = dt.datetime.fromisoformat(_git(folder / "fut", "log", "-1", "--format=%cI"))
    assert found["fut"].commit_at == git_says  # shown as information only
    # The intake time is the first time the gradebook saw the work: a later run keeps it.
    with sqlite3.connect(book.path) as db:
        db.execute("UPDATE first_seen SET seen_at = '2026-01-02T03:04:05+00:00'")
    again = _settle_all(course, book, discover(folder, roster), tmp_path / "b")
    assert again["fut"].submitted_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    trusted = _settle_all(course, book, discover(folder, roster, trust_commit_dates=True), tmp_path / "c")
    assert (trusted["fut"].submitted_at, trusted["fut"].time_source) == (git_says, TIME_COMMIT)
    assert trusted["fut"].submitted_at.utcoffset() == git_says.utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert late_penalty(course, [task], trusted["fut"])[0] == 26
    assert trusted["pst"].time_source == TIME_COMMIT and late_penalty(course, [task], trusted["pst"])[0] == 0
    assert trusted["ros"].time_source == TIME_ROSTER  # the roster comes first
    assert trusted["pak"].time_source == TIME_INTAKE and "only in a pack file" in " ".join(trusted["pak"].notes)
    book.close()


def test_the_commit_reader_refuses_links_and_names_outside_refs(course: Course, tmp_path: Path) -> None:
    assert course.reference is not None
    made = _checkout(tmp_path / "made", course.reference / OPERATORS, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert last_commit_time(made) == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    head = _git(made, "rev-parse", "HEAD")

    def case(name: str) -> Path:
        copy = tmp_path / name
        shutil.copytree(made, copy, symlinks=True)
        return copy

    (case("packed") / ".git/refs/heads/main").unlink()
    (tmp_path / "packed/.git/packed-refs").write_text(f"# pack-refs with: peeled\n{head} refs/heads/main\n")
    assert last_commit_time(tmp_path / "packed") == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    (case("escape") / ".git/HEAD").write_text("ref: refs/../../../etc/passwd\n")
    (case("absolute") / ".git/HEAD").write_text("ref: /etc/passwd\n")
    ref = case("linked-ref") / ".git/refs/heads/main"
    ref.rename(ref.with_name("real"))
    ref.symlink_to("real")
    objects = case("linked-objects") / ".git/objects" / head[:2]
    objects.rename(objects.with_name("moved"))
    objects.symlink_to("moved")
    shutil.move(case("linked-git") / ".git", tmp_path / "real-git")
    (tmp_path / "linked-git/.git").symlink_to(tmp_path / "real-git")
    reasons = {
        "escape": "not an object id or a ref under refs/",
        "absolute": "not an object id or a ref under refs/",
        "linked-ref": "symbolic link",
        "linked-objects": "symbolic link",
        "linked-git": ".git is a symbolic link",
    }
    for name, reason in reasons.items():
        with pytest.raises(CommitUnreadable, match=reason):
            last_commit_time(tmp_path / name)


def test_a_batch_refuses_to_grade_unconfined_without_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], course: Course
) -> None:
    (tmp_path / "subs").mkdir()
    monkeypatch.setenv("AUTOGRADER_SANDBOX", "subprocess")
    sandbox.best_mode.cache_clear()
    try:
        args = ["--course", str(REPO / "assignments"), "batch", "--submissions", str(tmp_path / "subs")]
        assert main([*args, "--out", str(tmp_path / "out"), "--task", "0.1"]) == EXIT_INPUT
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: no sandbox") and "--allow-unconfined" in err
        assert not (tmp_path / "out").exists()
        with pytest.raises(BatchRefused):
            run_batch(course, tmp_path / "subs", tmp_path / "gb.sqlite", BatchOptions(task_ids=["0.1"]), lambda _: None)
        allowed = BatchOptions(task_ids=["0.1"], allow=Allow(unconfined=True))
        done = run_batch(course, tmp_path / "subs", tmp_path / "gb.sqlite", allowed, lambda _: None)
        assert done.outcomes == []
    finally:
        monkeypatch.delenv("AUTOGRADER_SANDBOX")
        sandbox.best_mode.cache_clear()


def test_a_gradebook_of_version_1_keeps_its_first_sightings(tmp_path: Path) -> None:
    from autograder.classroom.gradebook import MIGRATIONS

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        MIGRATIONS[0](db)
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO students (id) VALUES ('ada')")
        db.execute(
            "INSERT INTO submissions (student_id, source, content_hash, course_version, scope, status, graded_at) "
            "VALUES ('ada', 'ada', 'h1', 'v1', 'all', 'graded', '2026-11-01T00:00:00+00:00')"
        )
    with Gradebook(path) as book:
        assert book.first_seen("ada", "h1") == "2026-11-01T00:00:00+00:00"
        assert book.latest()["ada"].time_source == ""


@pytest.mark.slow
def test_a_hostile_checkout_graded_end_to_end(course: Course, hostile: tuple[Path, Path], tmp_path: Path) -> None:
    """The command line, commit dates trusted: nothing of the checkout runs; times and their sources are exported."""
    folder, marker = hostile
    write_solution_tree(course, tmp_path / "solved", strip=set())
    shutil.copytree(tmp_path / "solved", folder / "mal", dirs_exist_ok=True)  # graded as its working tree
    shutil.rmtree(folder / "wtf")
    shutil.copytree(tmp_path / "solved", folder / "zoe")
    out = tmp_path / "out"
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$PWD $*" >> {tmp_path / "git-calls"}\nexit 1\n')
    fake.chmod(0o755)
    done = subprocess.run(
        [
            sys.executable, "-m", "autograder", "--course", str(REPO / "assignments"), "batch",
            "--submissions", str(folder), "--task", "0.1", "--out", str(out), "--trust-commit-dates",
        ],
        capture_output=True, text=True, timeout=600, cwd=REPO,
        env={**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert not marker.exists() and not (tmp_path / "git-calls").exists()
    rows = {row["student_id"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert rows["mal"]["task 0.1"] == "10" and rows["mal"]["time_source"] == TIME_COMMIT
    assert rows["mal"]["submitted_at"] == "2023-11-14T22:13:20+00:00"
    assert rows["zoe"]["time_source"] == TIME_INTAKE
    assert done.stdout.count("1 of 2 submission times are intake times") == 1, done.stdout
    page = (out / "feedback" / "mal.md").read_text()
    assert f"Submission time: 2023-11-14T22:13:20+00:00 (from: {TIME_COMMIT})" in page
