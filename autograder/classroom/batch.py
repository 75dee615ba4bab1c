"""``make batch``: grade a class's submissions in parallel into the gradebook, resumably.

Each submission is taken in (:mod:`autograder.classroom.intake`), fingerprinted by the
SHA-256 of the files the grader would take from it, and looked up in the
gradebook under the course version and the scope (which tasks): work that
is already graded is skipped, so an interrupted batch (Ctrl-C, ``kill -9``)
resumes where it stopped when run again. ``force`` regrades everything,
``students`` only those students. A submission that cannot be unpacked or
graded gets its status and the batch goes on. Times and lateness come from
:mod:`autograder.classroom.lateness`; :mod:`autograder.classroom.batch_policy` says what is allowed.

The gradebook lives in this process only. Here each submission is looked up
(unpacked into a scratch folder just to hash it); what needs grading goes to
an executor (:mod:`autograder.classroom.executors`: threads, or a Dask cluster) as
:func:`grade_submission`, a self-contained job that loads the course, unpacks
and grades the submission wherever it runs, and sends back a small
:class:`GradingResult`, recorded here once as it comes back.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..grading.grade import GradingOptions, grade, select_tasks, share_cores
from ..manifest import Course, Task, load_course
from ..results import GradeReport
from ..safe_text import for_terminal
from ..submission import Submission
from .batch_policy import Allow, check_confinement
from .executors import Executor, open_executor, worker_threads
from .fingerprints import archive_hash, content_hash, course_key, scope_of
from .gradebook import Gradebook
from .intake import Entry, IntakeError, discover, read_roster, unpack
from .lateness import intake_note, late_penalty, penalized_score, settle_time

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
    executor: str = "local"

    def count(self, status: str) -> int:
        """How many submissions ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def per_minute(self) -> float:
        """Submissions graded (not skipped) per minute of wall time."""
        graded = len(self.outcomes) - self.count("skipped")
        return graded * 60.0 / self.seconds if self.seconds > 0 else 0.0


class BatchProgress:
    """A live bar (done, failed, running, ETA) on a terminal; a line per submission otherwise."""

    def __init__(self, total: int, echo: Callable[[str], None], live: bool, console: Any = None) -> None:
        self.total, self.echo = total, echo
        self.done = self.failed = self.running = 0
        self.capacity: int | None = None  # at most this many run at once (a cluster's threads), when known
        self.started = time.monotonic()
        self.bar = None
        if live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            counts = "{task.completed}/{task.total} done, {task.fields[failed]} failed, {task.fields[running]} running"
            columns = (TextColumn("grading"), BarColumn(), TextColumn(counts), TimeElapsedColumn(), TextColumn("ETA"))
            self.bar = Progress(*columns, TimeRemainingColumn(), console=console)
            self.bar.start()
            self.task = self.bar.add_task("batch", total=total, failed=0, running=0)

    def begin(self) -> None:
        """A grading started."""
        self.running += 1
        self._refresh()

    def end(self, outcome: Outcome) -> None:
        """A grading finished with ``outcome``: count it; without a bar, print its line."""
        self.running -= 1
        self.done += 1
        self.failed += outcome.status in ("rejected", "error")
        if self.bar is None:
            score = f"{outcome.final_score:g}/{outcome.max_score:g}" if outcome.status == "graded" else ""
            self.echo(
                for_terminal(
                    f"[{self.done}/{self.total}] {outcome.entry.student_id}: {outcome.status} {score}"
                    f"{'  ' + outcome.message if outcome.message else ''}"
                )
            )
        self._refresh()

    def _refresh(self) -> None:
        if self.bar is not None:
            running = self.running if self.capacity is None else min(self.running, self.capacity)
            self.bar.update(self.task, completed=self.done, failed=self.failed, running=running)

    def stop(self) -> None:
        """Take the bar off the terminal."""
        if self.bar is not None:
            self.bar.stop()


@dataclass
class GradingResult:
    """What a grading job sends back from wherever it ran: small, picklable, and all the batch records.

    Attributes:
        status: ``graded``, or ``rejected`` (the submission could not be unpacked there).
        content_hash: :func:`content_hash` of what was graded (empty when rejected).
        report: The :class:`GradeReport`, as :meth:`GradeReport.to_dict` gives it.
        message: Why it was rejected.
        seconds: Unpacking, hashing and grading.
        course_key: :func:`course_key` of the course the job loaded.
        host: The machine it ran on.
        threads: Threads its compiled kernels could use.
    """

    status: str
    content_hash: str = ""
    report: dict[str, Any] | None = None
    message: str = ""
    seconds: float = 0.0
    course_key: str = ""
    host: str = ""
    threads: int = 0


def grade_submission(
    course_root: str, entry: Entry, task_ids: Sequence[str], time_budget_s: float | None, threads: int, allow: Allow
) -> GradingResult:
    """Grade one submission, anywhere: a thread of the batch, or a Dask worker sharing its filesystem.

    Self-contained (the executors pickle it with its arguments): it loads the
    course at ``course_root``, unpacks ``entry`` into a scratch folder of its
    own, hashes and grades it, and touches no gradebook.

    Args:
        course_root: The course folder (holding ``course.toml``), the same path here and on every worker.
        entry: The submission.
        task_ids: The tasks to grade.
        time_budget_s: Replace every task's time budget.
        threads: Threads for compiled kernels, where no better share is known
            (on a Dask worker it is the machine's cores shared among its worker threads).
        allow: What the instructor allows (grading where no sandbox works: see :func:`check_confinement`).

    Raises:
        FileNotFoundError: The submission is not at its path where the job runs.
        BatchRefused: No sandbox works where the job runs, and that is not allowed.
    """
    started = time.monotonic()
    host = socket.gethostname()
    check_confinement(allow, host)
    if not entry.source.exists():
        raise FileNotFoundError(
            f"{entry.source} is not there on {host}: workers must see the submissions at the same path"
        )
    course = load_course(course_root)
    key = course_key(course)
    threads = worker_threads(threads)
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        try:
            root = unpack(entry, Path(scratch))
        except IntakeError as error:
            return GradingResult("rejected", "", None, str(error), time.monotonic() - started, key, host, threads)
        digest = content_hash(course, root)
        report = grade(
            course,
            Submission(entry.student_id, (("", root),)),
            task_ids=list(task_ids),
            options=GradingOptions(time_budget_s=time_budget_s, threads=threads),
        )
    return GradingResult("graded", digest, report.to_dict(), "", time.monotonic() - started, key, host, threads)


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
    executor: str = "local",
    scheduler: str | None = None,
    allow: Allow | None = None,
) -> BatchSummary:
    """Grade every submission in ``folder`` into the gradebook at ``gradebook_path``.

    Args:
        course: The course.
        folder: One entry per submission (folders, git checkouts, archives).
        gradebook_path: The SQLite gradebook (created if absent).
        jobs: Submissions graded at a time (by the local executor).
        module: Grade only this module's tasks.
        task_ids: Grade only these tasks.
        force: Regrade work that is graded already.
        students: Grade only these student ids (and regrade them).
        roster: A CSV mapping entries to students (see :func:`autograder.classroom.intake.read_roster`).
        echo: Where messages go.
        live: Show a live progress bar (default: when stdout is a terminal).
        time_budget_s: Replace every task's time budget.
        executor: Where the gradings run: ``local`` (``jobs`` threads) or ``dask``.
        scheduler: The Dask scheduler's address, like ``tcp://host:8786`` (``dask`` only).
        allow: What the instructor allows: commit dates as submission times, grading unconfined (neither, by default).

    Raises:
        BatchRefused: No sandbox works here and ``allow.unconfined`` is false.
        IntakeError: The folder or the roster cannot be read.
        ExecutorError: The executor cannot be used (``distributed`` missing, scheduler unreachable).
    """
    allow = allow or Allow()
    check_confinement(allow)
    started = time.monotonic()
    tasks = select_tasks(course, task_ids, module)
    entries = discover(folder, roster, allow.commit_dates)
    for entry in entries:
        entry.source = entry.source.absolute()  # a Dask worker's working folder is not this one
    if students:
        wanted = set(students)
        unknown = wanted - {e.student_id for e in entries}
        if unknown:
            raise IntakeError(f"{folder}: no submission of {', '.join(sorted(unknown))}")
        entries = [e for e in entries if e.student_id in wanted]
        force = True
    key, scope = course_key(course), scope_of(course, module, task_ids)
    task_list, threads = [t.id for t in tasks], share_cores(jobs)
    lock = threading.Lock()
    stopping = threading.Event()
    outcomes: list[Outcome] = []
    in_flight: dict[str, Entry] = {}  # job key -> its submission, until its result is recorded
    token = uuid.uuid4().hex[:8]  # this batch's job keys are its own, even on a shared scheduler

    def begin() -> None:
        with lock:
            progress.begin()

    def finish(outcome: Outcome) -> None:
        outcomes.append(outcome)
        with lock:
            progress.end(outcome)

    def record(runner: Executor, book: Gradebook, run_id: int, done: list[tuple[str, Any]]) -> None:
        for job_key, result in done:
            entry = in_flight.pop(job_key, None)
            if entry is None:
                continue  # recorded already: a submission's result is recorded once
            try:
                # A worker elsewhere may have another checkout; here (threads) only a mid-batch edit changes it.
                check = runner.name != "local"
                outcome = _record(course, tasks, entry, result, book, stopping, run_id, key, scope, check)
            except Exception as error:  # noqa: BLE001 - one broken submission must not stop the batch
                outcome = Outcome(entry, "error", message=f"{type(error).__name__}: {error}")
            finish(outcome)
        if runner.name != "local":
            progress.capacity = runner.slots

    runner = open_executor(executor, jobs, scheduler, on_start=begin)
    try:
        with Gradebook(gradebook_path) as book:
            if roster is not None:
                for row in read_roster(roster).values():
                    book.add_student(row.student_id, row.name, row.email)
            run_id = book.start_run(key, scope, runner.slots)
            progress = BatchProgress(len(entries), echo, sys.stdout.isatty() if live is None else live)
            progress.capacity = None if runner.name == "local" else runner.slots
            try:
                for index, entry in enumerate(entries):
                    try:
                        prepared = _prepare(course, entry, book, stopping, run_id, key, scope, force)
                    except Exception as error:  # noqa: BLE001 - as above
                        prepared = Outcome(entry, "error", message=f"{type(error).__name__}: {error}")
                    if isinstance(prepared, Outcome):
                        begin()
                        finish(prepared)
                    else:
                        job_key = f"grade-{entry.student_id}-{prepared[:12]}-{token}-{index}"
                        in_flight[job_key] = entry
                        if runner.name != "local":
                            begin()  # queued on the scheduler: shown as running up to the cluster's threads
                        args = (str(course.root), entry, task_list, time_budget_s, threads, allow)
                        runner.submit(job_key, grade_submission, *args)
                    record(runner, book, run_id, runner.completed(block=False))
                while runner.pending:
                    record(runner, book, run_id, runner.completed(block=True))
            except KeyboardInterrupt:
                # Ctrl-C also reaches the gradings' children, so what is in flight now would be recorded as
                # crashed: record nothing more, and let the next run grade it.
                stopping.set()
                runner.cancel()
                raise
            finally:
                progress.stop()
                summary = BatchSummary(
                    sorted(outcomes, key=lambda o: o.entry.name), time.monotonic() - started, runner.slots, runner.name
                )
                book.finish_run(
                    run_id,
                    summary.count("graded"),
                    summary.count("skipped"),
                    summary.count("rejected") + summary.count("error"),
                    summary.seconds,
                )
    finally:
        runner.close(wait=not stopping.is_set())
    for entry in entries:
        for note in entry.notes:
            echo(for_terminal(f"note: {note}"))
    if (times := intake_note(entries)) is not None:
        echo(times)
    echo(
        f"{len(entries)} submissions: {summary.count('graded')} graded, {summary.count('skipped')} already graded, "
        f"{summary.count('rejected')} rejected, {summary.count('error')} errors; {summary.seconds:.1f} s "
        f"{runner.description}: {summary.per_minute:.1f} submissions per minute"
    )
    return summary


def _prepare(
    course: Course,
    entry: Entry,
    book: Gradebook,
    stopping: threading.Event,
    run_id: int,
    key: str,
    scope: str,
    force: bool,
) -> Outcome | str:
    """The outcome of a submission that needs no grading (graded already, or rejected), or its content hash."""
    started = time.monotonic()
    archive_digest = archive_hash(entry.source) if entry.kind in ("zip", "tar") else None
    if archive_digest is not None and not force:
        rejected = book.find(entry.student_id, archive_digest, key, scope)
        if rejected is not None:
            settle_time(book, entry, archive_digest)
            return Outcome(entry, "skipped", message=f"rejected before: {rejected.error}")
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        try:
            root = unpack(entry, Path(scratch))
        except IntakeError as error:
            settle_time(book, entry, archive_digest or "folder:" + entry.name)
            seconds = time.monotonic() - started
            return _reject(entry, archive_digest, str(error), book, stopping, run_id, key, scope, seconds)
        digest = content_hash(course, root)
    settle_time(book, entry, digest)
    known = book.find(entry.student_id, digest, key, scope)
    if known is not None and not force:
        return Outcome(entry, "skipped", known.score, known.max_score, known.final_score, 0.0, "already graded")
    return digest


def _reject(
    entry: Entry,
    archive_digest: str | None,
    message: str,
    book: Gradebook,
    stopping: threading.Event,
    run_id: int,
    key: str,
    scope: str,
    seconds: float,
) -> Outcome:
    if stopping.is_set():
        return Outcome(entry, "error", message="interrupted")
    book.record(
        student_id=entry.student_id, student_name=entry.student_name, email=entry.email, source=entry.name,
        content_hash=archive_digest or "folder:" + entry.name, course_version=key, scope=scope, run_id=run_id,
        submitted_at=entry.submitted_at.isoformat() if entry.submitted_at else None, report=None,
        status="rejected", error=message, time_source=entry.time_source,
        commit_at=entry.commit_at.isoformat() if entry.commit_at else None,
    )  # fmt: skip
    return Outcome(entry, "rejected", message=message, seconds=seconds)


def _record(
    course: Course,
    tasks: list[Task],
    entry: Entry,
    result: GradingResult | BaseException,
    book: Gradebook,
    stopping: threading.Event,
    run_id: int,
    key: str,
    scope: str,
    check_course: bool,
) -> Outcome:
    """Record one job's result (its grading, or its rejection) in the gradebook; an exception is only reported.

    With ``check_course``, a grading done with another course (another
    checkout, on a worker elsewhere) is an error, not a grade.
    """
    if stopping.is_set():
        return Outcome(entry, "error", message="interrupted")
    if isinstance(result, BaseException):
        return Outcome(entry, "error", message=f"{type(result).__name__}: {result}")
    if check_course and result.course_key != key:
        message = (
            f"graded on {result.host} with another course ({result.course_key}, not {key}): "
            "a different checkout there, or the course was edited during the batch"
        )
        return Outcome(entry, "error", message=message)
    if result.status == "rejected" or result.report is None:
        archive_digest = archive_hash(entry.source) if entry.kind in ("zip", "tar") else None
        return _reject(entry, archive_digest, result.message, book, stopping, run_id, key, scope, result.seconds)
    report = GradeReport.from_dict(result.report)
    late_days, penalties = late_penalty(course, tasks, entry)
    final, fraction = penalized_score(report, penalties)
    book.record(
        student_id=entry.student_id, student_name=entry.student_name, email=entry.email, source=entry.name,
        content_hash=result.content_hash, course_version=key, scope=scope, run_id=run_id,
        submitted_at=entry.submitted_at.isoformat() if entry.submitted_at else None, report=report,
        status="graded", late_days=late_days, penalty=fraction, final_score=final, seconds=result.seconds,
        time_source=entry.time_source, commit_at=entry.commit_at.isoformat() if entry.commit_at else None,
    )  # fmt: skip
    message = f"{late_days} days late" if late_days else ""
    return Outcome(entry, "graded", report.score, report.max_score, final, result.seconds, message)
