"""``make batch``: grade a class's submissions in parallel into the gradebook, resumably.

Each submission is taken in (:mod:`autograder.intake`), fingerprinted by the
SHA-256 of the files the grader would take from it, and looked up in the
gradebook under the course version and the scope (which tasks): work that
is already graded is skipped, so an interrupted batch (Ctrl-C, ``kill -9``)
resumes where it stopped when run again. ``force`` regrades everything,
``students`` only those students. A submission that cannot be unpacked or
graded gets its status and the batch goes on.
"""

from __future__ import annotations

import hashlib
import math
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .grade import _course_digest, grade, select_tasks, share_cores
from .gradebook import Gradebook
from .intake import Entry, IntakeError, discover, read_roster, unpack
from .manifest import Course, Task
from .results import GradeReport
from .submission import Submission
from .workspace import editable_files

STATUSES = ("graded", "skipped", "rejected", "error")


@dataclass
class Outcome:
    """What the batch did with one submission."""

    entry: Entry
    status: str  # one of STATUSES
    score: float = 0.0
    max_score: float = 0.0
    final_score: float = 0.0
    seconds: float = 0.0
    message: str = ""


@dataclass
class BatchSummary:
    """The whole batch: one outcome per submission, and the wall time."""

    outcomes: list[Outcome]
    seconds: float
    jobs: int

    def count(self, status: str) -> int:
        """How many submissions ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def per_minute(self) -> float:
        """Submissions graded (not skipped) per minute of wall time."""
        graded = len(self.outcomes) - self.count("skipped")
        return graded * 60.0 / self.seconds if self.seconds > 0 else 0.0


def course_key(course: Course) -> str:
    """The course's version and a digest of its files: a change to any test means regrading."""
    return f"{course.version}+{_course_digest(course)[:12]}"


def scope_of(course: Course, module: int | None, task_ids: Sequence[str] | None) -> str:
    """A name for the tasks a batch grades: ``all``, ``module 3`` or ``tasks 0.1,0.2``."""
    if task_ids:
        return "tasks " + ",".join(sorted(task_ids))
    return f"module {module}" if module is not None else "all"


def content_hash(course: Course, folder: Path) -> str:
    """SHA-256 over the student-editable files present in ``folder`` (path and bytes of each)."""
    submission = Submission(folder.name, (("", folder),))
    digest = hashlib.sha256()
    for path in editable_files(course):
        found = submission.find(path)
        if found is not None:
            digest.update(path.encode() + b"\0" + hashlib.sha256(found.read_bytes()).digest())
    return digest.hexdigest()


def _archive_hash(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return "archive:" + digest.hexdigest()


def late_penalty(course: Course, tasks: Sequence[Task], entry: Entry) -> tuple[int, dict[str, float]]:
    """Days late (the most over the graded modules) and the fraction taken off each task's score.

    A module's due date and the course's per-day penalty come from the
    manifests; a day started counts as a day. Past ``max_days`` the
    penalty is the whole score.
    """
    policy = course.late
    worst, penalties = 0, {}
    for task in tasks:
        due = course.module_of(task).due
        if due is None or entry.submitted_at is None or entry.submitted_at <= due:
            penalties[task.id] = 0.0
            continue
        days = math.ceil((entry.submitted_at - due).total_seconds() / 86400)
        worst = max(worst, days)
        too_late = policy.max_days is not None and days > policy.max_days
        penalties[task.id] = 1.0 if too_late else min(1.0, days * policy.penalty_per_day)
    return worst, penalties


def _final_score(report: GradeReport, penalties: dict[str, float]) -> tuple[float, float]:
    """The score after the late penalty, and the penalty as a fraction of the score."""
    final = sum(t.score * (1.0 - penalties.get(t.id, 0.0)) for t in report.tasks)
    fraction = 1.0 - final / report.score if report.score > 0 else 0.0
    return round(final, 4), round(fraction, 4)


class _Progress:
    """A live bar (done, failed, running, ETA) on a terminal; a line per submission otherwise."""

    def __init__(self, total: int, echo: Callable[[str], None], live: bool, console: Any = None) -> None:
        self.total, self.echo = total, echo
        self.done = self.failed = self.running = 0
        self.started = time.monotonic()
        self.bar = None
        if live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("grading"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} done, {task.fields[failed]} failed, "
                           "{task.fields[running]} running"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
            )  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task("batch", total=total, failed=0, running=0)

    def begin(self) -> None:
        self.running += 1
        self._refresh()

    def end(self, outcome: Outcome) -> None:
        self.running -= 1
        self.done += 1
        self.failed += outcome.status in ("rejected", "error")
        if self.bar is None:
            score = f"{outcome.final_score:g}/{outcome.max_score:g}" if outcome.status == "graded" else ""
            self.echo(
                f"[{self.done}/{self.total}] {outcome.entry.student_id}: {outcome.status} {score}"
                f"{'  ' + outcome.message if outcome.message else ''}"
            )
        self._refresh()

    def _refresh(self) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, failed=self.failed, running=self.running)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_batch(
    course: Course,
    folder: Path,
    gradebook_path: Path,
    jobs: int = 2,
    module: int | None = None,
    task_ids: Sequence[str] | None = None,
    force: bool = False,
    students: Sequence[str] | None = None,
    roster: Path | None = None,
    echo: Callable[[str], None] = print,
    live: bool | None = None,
    time_budget_s: float | None = None,
) -> BatchSummary:
    """Grade every submission in ``folder`` into the gradebook at ``gradebook_path``.

    Args:
        course: The course.
        folder: One entry per submission (folders, git checkouts, archives).
        gradebook_path: The SQLite gradebook (created if absent).
        jobs: Submissions graded at a time.
        module: Grade only this module's tasks.
        task_ids: Grade only these tasks.
        force: Regrade work that is graded already.
        students: Grade only these student ids (and regrade them).
        roster: A CSV mapping entries to students (see :func:`autograder.intake.read_roster`).
        echo: Where messages go.
        live: Show a live progress bar (default: when stdout is a terminal).
        time_budget_s: Replace every task's time budget.

    Raises:
        IntakeError: The folder or the roster cannot be read.
    """
    started = time.monotonic()
    tasks = select_tasks(course, task_ids, module)
    entries = discover(folder, roster)
    if students:
        wanted = set(students)
        unknown = wanted - {e.student_id for e in entries}
        if unknown:
            raise IntakeError(f"{folder}: no submission of {', '.join(sorted(unknown))}")
        entries = [e for e in entries if e.student_id in wanted]
        force = True
    key, scope = course_key(course), scope_of(course, module, task_ids)
    threads = share_cores(jobs)
    lock = threading.Lock()
    stopping = threading.Event()
    outcomes: list[Outcome] = []
    with Gradebook(gradebook_path) as book:
        if roster is not None:
            for row in read_roster(roster).values():
                book.add_student(row.student_id, row.name, row.email)
        run_id = book.start_run(key, scope, jobs)
        progress = _Progress(len(entries), echo, sys.stdout.isatty() if live is None else live)

        def grade_one(entry: Entry) -> Outcome:
            with lock:
                progress.begin()
            try:
                return _grade_entry(
                    course, entry, tasks, book, lock, stopping, run_id, key, scope, force, time_budget_s, threads
                )
            except Exception as error:  # noqa: BLE001 - one broken submission must not stop the batch
                return Outcome(entry, "error", message=f"{type(error).__name__}: {error}")

        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            pending: set[Future[Outcome]] = {pool.submit(grade_one, e) for e in entries}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    outcome = future.result()
                    outcomes.append(outcome)
                    with lock:
                        progress.end(outcome)
        except KeyboardInterrupt:
            # Ctrl-C also reaches the gradings' children, so what is in flight now would be recorded as
            # crashed: record nothing more, and let the next run grade it.
            stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=not stopping.is_set())
            progress.stop()
            summary = BatchSummary(sorted(outcomes, key=lambda o: o.entry.name), time.monotonic() - started, jobs)
            book.finish_run(
                run_id,
                summary.count("graded"),
                summary.count("skipped"),
                summary.count("rejected") + summary.count("error"),
                summary.seconds,
            )
    for entry in entries:
        for note in entry.notes:
            echo(f"note: {note}")
    echo(
        f"{len(entries)} submissions: {summary.count('graded')} graded, {summary.count('skipped')} already graded, "
        f"{summary.count('rejected')} rejected, {summary.count('error')} errors; {summary.seconds:.1f} s with "
        f"JOBS={jobs}: {summary.per_minute:.1f} submissions per minute"
    )
    return summary


def _grade_entry(
    course: Course,
    entry: Entry,
    tasks: list[Task],
    book: Gradebook,
    lock: threading.Lock,
    stopping: threading.Event,
    run_id: int,
    key: str,
    scope: str,
    force: bool,
    time_budget_s: float | None,
    threads: int,
) -> Outcome:
    started = time.monotonic()
    submitted = entry.submitted_at.isoformat() if entry.submitted_at else None
    archive_digest = _archive_hash(entry.source) if entry.kind in ("zip", "tar") else None
    if archive_digest is not None and not force:
        with lock:
            rejected = book.find(entry.student_id, archive_digest, key, scope)
        if rejected is not None:
            return Outcome(entry, "skipped", message=f"rejected before: {rejected.error}")
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        try:
            root = unpack(entry, Path(scratch))
        except IntakeError as error:
            digest = archive_digest or "folder:" + entry.name
            with lock:
                if stopping.is_set():
                    return Outcome(entry, "error", message="interrupted")
                book.record(
                    student_id=entry.student_id, student_name=entry.student_name, email=entry.email,
                    source=entry.name, content_hash=digest, course_version=key, scope=scope, run_id=run_id,
                    submitted_at=submitted, report=None, status="rejected", error=str(error),
                )  # fmt: skip
            return Outcome(entry, "rejected", message=str(error), seconds=time.monotonic() - started)
        digest = content_hash(course, root)
        with lock:
            known = book.find(entry.student_id, digest, key, scope)
        if known is not None and not force:
            return Outcome(entry, "skipped", known.score, known.max_score, known.final_score, 0.0, "already graded")
        report = grade(
            course,
            Submission(entry.student_id, (("", root),)),
            task_ids=[t.id for t in tasks],
            time_budget_s=time_budget_s,
            threads=threads,
        )
    late_days, penalties = late_penalty(course, tasks, entry)
    final, fraction = _final_score(report, penalties)
    seconds = time.monotonic() - started
    with lock:
        if stopping.is_set():
            return Outcome(entry, "error", message="interrupted")
        book.record(
            student_id=entry.student_id, student_name=entry.student_name, email=entry.email, source=entry.name,
            content_hash=digest, course_version=key, scope=scope, run_id=run_id, submitted_at=submitted,
            report=report, status="graded", late_days=late_days, penalty=fraction, final_score=final,
            seconds=seconds,
        )  # fmt: skip
    message = f"{late_days} days late" if late_days else ""
    return Outcome(entry, "graded", report.score, report.max_score, final, seconds, message)
