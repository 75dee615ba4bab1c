"""``make batch``: grade a class's submissions in parallel into the gradebook, resumably.

Each submission is taken in (:mod:`autograder.classroom.intake`), fingerprinted by the
SHA-256 of the files the grader would take from it, and looked up in the
gradebook under the course version and the scope (which tasks): work that
is already graded is skipped, so an interrupted batch (Ctrl-C, ``kill -9``)
resumes where it stopped when run again. ``force`` regrades everything,
``students`` only those students. A submission that cannot be unpacked or
graded gets its status and the batch goes on. Times and lateness come from
:mod:`autograder.classroom.lateness`; :mod:`autograder.classroom.batch_policy` says what is allowed.

The gradebook lives in this process only. Here each archive is unpacked
once, into the batch's scratch folder (:class:`~autograder.classroom.intake.UnpackedTrees`,
which the class report's similarity review reads too), and hashed; what
needs grading goes to an executor (:mod:`autograder.classroom.executors`:
threads, or a Dask cluster) as a self-contained job
(:mod:`autograder.classroom.grading_job`), whose result is recorded here
once as it comes back; every helper takes the batch's :class:`BatchRun`.
At its end the batch logs every student's score that changed
(:mod:`autograder.classroom.score_changes`).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..grading.grade import select_tasks, share_cores
from ..manifest import Course, Task
from ..render import plural
from ..safe_text import for_terminal
from .batch_policy import Allow, check_confinement
from .batch_progress import BatchProgress, BatchSummary, Outcome, Tally, outcome_table
from .executors import Executor, open_executor
from .fingerprints import archive_hash, changed_tasks, content_hash, course_key, scope_of, task_keys
from .gradebook import Gradebook, Graded, GradingRecord
from .grading_job import GradingJob, GradingResult, grade_submission
from .intake import Entry, IntakeError, RosterRow, UnpackedTrees, discover, unpacked_trees
from .lateness import intake_note, restamp, settle_penalties, settle_time
from .roster import roster_in_effect, take_class
from .score_changes import batch_reasons, change_summary, log_score_changes


@dataclass(frozen=True)
class BatchOptions:
    """How to grade a class; each default is the command line's.

    Attributes:
        jobs: Submissions graded at a time (by the local executor).
        module: Grade only this module's tasks.
        task_ids: Grade only these tasks.
        force: Regrade work that is graded already.
        students: Grade only these student ids (and regrade them).
        roster: A CSV mapping entries to students (see :func:`autograder.classroom.intake.read_roster`).
        live: Show a live progress bar (default: when stdout is a terminal).
        time_budget_s: Replace every task's time budget.
        executor: Where the gradings run: ``local`` (``jobs`` threads) or ``dask``.
        scheduler: The Dask scheduler's address, like ``tcp://host:8786`` (``dask`` only).
        allow: What the instructor allows: commit dates as submission times, grading unconfined (neither, by default).
        trees: Where to unpack the archives, once: the caller's, to compare them afterwards
            (by default a scratch folder of the batch's own).
        extensions: A CSV of per-student due dates (see :mod:`autograder.classroom.extensions`).
        only_changed: After a course change, regrade only the work that has a failing test in a task
            whose key changed (:func:`~autograder.classroom.fingerprints.task_keys`); the rest keeps
            its grading.
    """

    jobs: int = 2
    module: int | None = None
    task_ids: Sequence[str] | None = None
    force: bool = False
    students: Sequence[str] | None = None
    roster: Path | None = None
    live: bool | None = None
    time_budget_s: float | None = None
    executor: str = "local"
    scheduler: str | None = None
    allow: Allow = Allow()
    trees: UnpackedTrees | None = None
    extensions: Path | None = None
    only_changed: bool = False


@dataclass
class BatchRun:
    """One batch under way: what every helper of :func:`run_batch` shares."""

    course: Course
    options: BatchOptions  # ``force`` is set when students are named
    tasks: list[Task]  # the tasks graded
    book: Gradebook
    trees: UnpackedTrees  # where each entry is unpacked, once
    tally: Tally  # outcomes, progress and the stop flag
    echo: Callable[[str], None] = print
    key: str = field(init=False)  # course_key(course)
    scope: str = field(init=False)  # scope_of the tasks graded
    task_keys: dict[str, str] = field(init=False)  # the graded tasks' keys, stored with each grading
    run_id: int = field(init=False, default=0)  # this batch's row of ``runs``, once started
    token: str = field(init=False, default_factory=lambda: uuid.uuid4().hex[:8])  # its job keys are its own
    in_flight: dict[str, Entry] = field(init=False, default_factory=dict)  # job key -> entry, until recorded

    def __post_init__(self) -> None:
        self.key = course_key(self.course)
        self.scope = scope_of(self.course, self.options.module, self.options.task_ids)
        graded = {task.id for task in self.tasks}
        self.task_keys = {task_id: key for task_id, key in task_keys(self.course).items() if task_id in graded}

    @property
    def stopping(self) -> threading.Event:
        """Set on Ctrl-C."""
        return self.tally.stopping

    def start(self, runner: Executor, entries: list[Entry]) -> None:
        """Take the roster and extensions, record the run's start, show the progress of the entries."""
        ids = {entry.student_id for entry in entries}
        for line in take_class(self.course, self.book, self.options.roster, self.options.extensions, ids):
            self.echo(for_terminal(line))
        self.run_id = self.book.start_run(self.key, self.scope, runner.slots)
        live = sys.stdout.isatty() if self.options.live is None else self.options.live
        progress = BatchProgress(len(entries), self.echo, live)
        progress.capacity = None if runner.name == "local" else runner.slots
        self.tally.progress = progress


def run_batch(
    course: Course,
    folder: Path,
    gradebook_path: Path,
    options: BatchOptions | None = None,
    echo: Callable[[str], None] = print,
) -> BatchSummary:
    """Grade every submission in ``folder`` into the gradebook at ``gradebook_path``.

    Args:
        course: The course.
        folder: One entry per submission (folders, git checkouts, archives).
        gradebook_path: The SQLite gradebook (created if absent).
        options: How (:class:`BatchOptions`; its defaults when absent).
        echo: Where messages go.

    Raises:
        BatchRefused: No sandbox works here and ``allow.unconfined`` is false.
        IntakeError: The folder or the roster cannot be read.
        ExecutorError: The executor cannot be used (``distributed`` missing, scheduler unreachable).
    """
    options = options or BatchOptions()
    check_confinement(options.allow)
    started = time.monotonic()
    tasks = select_tasks(course, options.task_ids, options.module)
    entries, options = _select(folder, options, roster_in_effect(options.roster, gradebook_path))
    tally = Tally()
    with unpacked_trees(options.trees) as unpacked:
        runner = open_executor(options.executor, options.jobs, options.scheduler, on_start=tally.begin)
        try:
            with Gradebook(gradebook_path) as book:
                run = BatchRun(course, options, tasks, book, unpacked, tally, echo)
                run.start(runner, entries)
                try:
                    _grade_all(run, runner, entries)
                finally:
                    summary = _close(run, runner, started)
        finally:
            runner.close(wait=not tally.stopping.is_set())
    _say(echo, entries, summary, runner.description)
    return summary


def _select(
    folder: Path, options: BatchOptions, roster: dict[str, RosterRow] | None
) -> tuple[list[Entry], BatchOptions]:
    """The entries to grade (every one, or the named students'), and the options (named students are regraded)."""
    entries = discover(folder, roster, options.allow.commit_dates)
    for entry in entries:
        entry.source = entry.source.absolute()  # a Dask worker's working folder is not this one
    if not options.students:
        return entries, options
    wanted = set(options.students)
    unknown = wanted - {e.student_id for e in entries}
    if unknown:
        raise IntakeError(f"{folder}: no submission of {', '.join(sorted(unknown))}")
    return [e for e in entries if e.student_id in wanted], replace(options, force=True)


def _grade_all(run: BatchRun, runner: Executor, entries: list[Entry]) -> None:
    """Send each entry that needs grading to ``runner``, and record every result as it comes back."""
    try:
        for index, entry in enumerate(entries):
            _submit(run, runner, index, entry)
            _collect(run, runner, runner.completed(block=False))
        while runner.pending:
            _collect(run, runner, runner.completed(block=True))
    except KeyboardInterrupt:
        # Ctrl-C also reaches the gradings' children, so what is in flight now would be recorded as
        # crashed: record nothing more, and let the next run grade it.
        run.stopping.set()
        runner.cancel()
        raise


def _submit(run: BatchRun, runner: Executor, index: int, entry: Entry) -> None:
    """Grade ``entry`` on ``runner``; or, when it needs no grading, count its outcome now."""
    try:
        prepared = _prepare(run, entry)
    except Exception as error:  # noqa: BLE001 - one broken submission must not stop the batch
        prepared = Outcome(entry, "error", message=f"{type(error).__name__}: {error}")
    if isinstance(prepared, Outcome):
        run.tally.begin()
        run.tally.finish(prepared)
        return
    digest, root = prepared
    job_key = f"grade-{entry.student_id}-{digest[:12]}-{run.token}-{index}"
    run.in_flight[job_key] = entry
    if runner.name != "local":
        run.tally.begin()  # queued on the scheduler: shown as running up to the cluster's threads
    task_ids = tuple(t.id for t in run.tasks)
    threads = share_cores(run.options.jobs)
    job = GradingJob(str(run.course.root), entry, root, task_ids, run.options.time_budget_s, threads, run.options.allow)
    runner.submit(job_key, grade_submission, job)


def _collect(run: BatchRun, runner: Executor, done: list[tuple[str, Any]]) -> None:
    """Record the results that came back, each once."""
    for job_key, result in done:
        entry = run.in_flight.pop(job_key, None)
        if entry is None:
            continue  # recorded already: a submission's result is recorded once
        try:
            # A worker elsewhere may have another checkout; here (threads) only a mid-batch edit changes it.
            outcome = _record(run, entry, result, runner.name != "local")
        except Exception as error:  # noqa: BLE001 - one broken submission must not stop the batch
            outcome = Outcome(entry, "error", message=f"{type(error).__name__}: {error}")
        run.tally.finish(outcome)
    if runner.name != "local" and run.tally.progress is not None:
        run.tally.progress.capacity = runner.slots


def _close(run: BatchRun, runner: Executor, started: float) -> BatchSummary:
    """Take the progress off the terminal and record how the run ended."""
    if run.tally.progress is not None:
        run.tally.progress.stop()
    outcomes = sorted(run.tally.outcomes, key=lambda o: o.entry.name)
    summary = BatchSummary(outcomes, time.monotonic() - started, runner.slots, runner.name)
    failed = summary.count("rejected") + summary.count("error")
    settle_penalties(run.course, run.book)  # grace days and extensions span the term: settled over every grading
    summary.changes = log_score_changes(run.course, run.book, batch_reasons(run.book, run.run_id), run.run_id)
    run.book.finish_run(run.run_id, summary.count("graded"), summary.count("skipped"), failed, summary.seconds)
    return summary


def _say(echo: Callable[[str], None], entries: list[Entry], summary: BatchSummary, where: str) -> None:
    """The entries' notes, the intake-time note, the per-student table, and the summary line."""
    for entry in entries:
        for note in entry.notes:
            echo(for_terminal(f"note: {note}"))
    if (times := intake_note(entries)) is not None:
        echo(times)
    for line in outcome_table(summary.outcomes) + change_summary(summary.changes):
        echo(line)
    echo(
        f"{len(entries)} submissions: {summary.count('graded')} graded, {summary.count('skipped')} already graded, "
        f"{summary.count('rejected')} rejected, {summary.count('error')} errors; {summary.seconds:.1f} s "
        f"{where}: {summary.per_minute:.1f} submissions per minute"
    )


def _prepare(run: BatchRun, entry: Entry) -> Outcome | tuple[str, Path]:
    """The outcome of a submission that needs no grading (graded already, or rejected), or its hash and folder."""
    started = time.monotonic()
    force = run.options.force
    archive_digest = archive_hash(entry.source) if entry.kind in ("zip", "tar") else None
    if archive_digest is not None and not force:
        rejected = run.book.find(entry.student_id, archive_digest, run.key, run.scope)
        if rejected is not None:
            settle_time(run.book, entry, archive_digest)
            return Outcome(entry, "skipped", message=f"rejected before: {rejected.error}")
    try:
        root = run.trees.root(entry)
    except IntakeError as error:
        settle_time(run.book, entry, archive_digest or "folder:" + entry.name)
        return _reject(run, entry, archive_digest, str(error), time.monotonic() - started)
    digest = content_hash(run.course, root)
    settle_time(run.book, entry, digest)
    known = run.book.find(entry.student_id, digest, run.key, run.scope)
    if known is not None:
        restamp(run.book, known, entry)  # a roster's time given after the grading counts
    if known is not None and not force:
        return Outcome(
            entry, "skipped", known.score, known.max_score, known.final_score, 0.0, "already graded", known.late_days
        )
    before = run.book.graded_before(entry.student_id, digest, run.scope) if run.options.only_changed else None
    if before is not None and not force and not _affected(run, before):
        message = "kept: no task it fails changed"
        return Outcome(entry, "skipped", before.score, before.max_score, before.final_score, 0.0, message)
    return digest, root


def _affected(run: BatchRun, before: Graded) -> bool:
    """Whether a grading under an earlier course version could now differ: a task it fails has a new key."""
    if before.report is None:
        return True
    failing = {t.id for t in before.report.tasks if t.score < t.points or any(not x.passed for x in t.tests)}
    graded = {t.id for t in before.report.tasks}
    return bool(failing & changed_tasks(before.task_keys, run.task_keys)) or not set(run.task_keys) <= graded


def _stored(run: BatchRun, entry: Entry, content_hash: str, status: str) -> GradingRecord:
    """The gradebook's record of ``entry`` in this run: who, which work, when (the grading's fields at defaults)."""
    return GradingRecord(
        student_id=entry.student_id,
        source=entry.name,
        content_hash=content_hash,
        course_version=run.key,
        scope=run.scope,
        run_id=run.run_id,
        status=status,
        student_name=entry.student_name,
        email=entry.email,
        submitted_at=entry.submitted_at.isoformat() if entry.submitted_at else None,
        time_source=entry.time_source,
        commit_at=entry.commit_at.isoformat() if entry.commit_at else None,
        task_keys=json.dumps(run.task_keys, sort_keys=True),
    )


def _reject(run: BatchRun, entry: Entry, archive_digest: str | None, message: str, seconds: float) -> Outcome:
    """Record that ``entry`` cannot be unpacked (named by its archive's bytes, or its folder's name)."""
    if run.stopping.is_set():
        return Outcome(entry, "error", message="interrupted")
    stored = _stored(run, entry, archive_digest or "folder:" + entry.name, "rejected")
    run.book.record(replace(stored, error=message))
    return Outcome(entry, "rejected", message=message, seconds=seconds)


def _record(run: BatchRun, entry: Entry, result: GradingResult | BaseException, check_course: bool) -> Outcome:
    """Record one job's result (its grading, or its rejection) in the gradebook; an exception is only reported.

    With ``check_course``, a grading done with another course (another
    checkout, on a worker elsewhere) is an error, not a grade.
    """
    if run.stopping.is_set():
        return Outcome(entry, "error", message="interrupted")
    if isinstance(result, BaseException):
        return Outcome(entry, "error", message=f"{type(result).__name__}: {result}")
    if check_course and result.course_key != run.key:
        message = (
            f"graded on {result.host} with another course ({result.course_key}, not {run.key}): "
            "a different checkout there, or the course was edited during the batch"
        )
        return Outcome(entry, "error", message=message)
    report = result.report
    if result.status == "rejected" or report is None:
        archive_digest = archive_hash(entry.source) if entry.kind in ("zip", "tar") else None
        return _reject(run, entry, archive_digest, result.message, result.seconds)
    stored = _stored(run, entry, result.content_hash, "graded")
    graded = run.book.record(replace(stored, report=report, seconds=result.seconds))
    # Lateness spans the student's term (grace days, extensions): settled over all their gradings.
    [mine] = [s for s in settle_penalties(run.course, run.book, entry.student_id) if s.id == graded]
    late = f"{plural(mine.late_days, 'day')} late" if mine.late_days else ""
    grace = f", {plural(mine.grace_used, 'grace day')} used" if mine.grace_used else ""
    return Outcome(
        entry, "graded", report.score, report.max_score, mine.final_score, result.seconds, late + grace, mine.late_days
    )
