"""One submission's grading as a batch sends it to an executor: the job, what comes back, and the function.

:func:`grade_submission` is self-contained (the executors pickle it with
its :class:`GradingJob`): it loads the course, grades the batch's unpacked
folder wherever it runs (a worker that does not see that folder unpacks its
own copy), and sends back a small :class:`GradingResult`; it touches no
gradebook, which lives in the batch's process only.
"""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..grading.grade import GradingOptions, grade
from ..manifest import Course, load_course
from ..results import GradeReport
from ..submission import Submission
from .batch_policy import Allow, check_confinement
from .executors import worker_threads
from .fingerprints import content_hash, course_key
from .intake import Entry, IntakeError, unpack


@dataclass(frozen=True)
class GradingJob:
    """One submission to grade, with all :func:`grade_submission` needs (picklable).

    Attributes:
        course_root: The course folder (holding ``course.toml``), the same path here and on every worker.
        entry: The submission.
        tree: The folder the batch unpacked it into (used where the job's machine sees it).
        task_ids: The tasks to grade.
        time_budget_s: Replace every task's time budget.
        threads: Threads for compiled kernels, where no better share is known
            (on a Dask worker it is the machine's cores shared among its worker threads).
        allow: What the instructor allows (grading where no sandbox works: see :func:`check_confinement`).
    """

    course_root: str
    entry: Entry
    tree: Path | None
    task_ids: tuple[str, ...]
    time_budget_s: float | None
    threads: int
    allow: Allow


@dataclass
class GradingResult:
    """What a grading job sends back from wherever it ran: small, picklable, and all the batch records.

    Attributes:
        status: ``graded``, or ``rejected`` (the submission could not be unpacked there).
        content_hash: :func:`content_hash` of what was graded (empty when rejected).
        report: The :class:`GradeReport`.
        message: Why it was rejected.
        seconds: Unpacking (where the job unpacked), hashing and grading.
        course_key: :func:`course_key` of the course the job loaded.
        host: The machine it ran on.
        threads: Threads its compiled kernels could use.
    """

    status: str
    content_hash: str = ""
    report: GradeReport | None = None
    message: str = ""
    seconds: float = 0.0
    course_key: str = ""
    host: str = ""
    threads: int = 0


def grade_submission(job: GradingJob) -> GradingResult:
    """Grade one submission, anywhere: a thread of the batch, or a Dask worker sharing its filesystem.

    Self-contained (the executors pickle it with its job): it loads the
    course at ``job.course_root``, grades the batch's unpacked folder (or,
    on a machine that does not see it, unpacks the entry into a scratch
    folder of its own), hashes what it graded, and touches no gradebook.

    Raises:
        FileNotFoundError: The submission is not at its path where the job runs.
        BatchRefused: No sandbox works where the job runs, and that is not allowed.
    """
    started = time.monotonic()
    host = socket.gethostname()
    check_confinement(job.allow, host)
    if not job.entry.source.exists():
        raise FileNotFoundError(
            f"{job.entry.source} is not there on {host}: workers must see the submissions at the same path"
        )
    course = load_course(job.course_root)
    key = course_key(course)
    threads = worker_threads(job.threads)
    with _tree(job) as root:
        if isinstance(root, str):
            return GradingResult("rejected", "", None, root, time.monotonic() - started, key, host, threads)
        digest = content_hash(course, root)
        report = _grade(course, job, root, threads)
    return GradingResult("graded", digest, report, "", time.monotonic() - started, key, host, threads)


@contextmanager
def _tree(job: GradingJob) -> Iterator[Path | str]:
    """The folder to grade: the batch's, where this machine sees it, else unpacked here; or why it cannot be."""
    if job.tree is not None and job.tree.is_dir():
        yield job.tree
        return
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        try:
            found: Path | str = unpack(job.entry, Path(scratch))
        except IntakeError as error:
            found = str(error)
        yield found


def _grade(course: Course, job: GradingJob, root: Path, threads: int) -> GradeReport:
    """The batch's one call of :func:`~autograder.grading.grade.grade`."""
    submission = Submission(job.entry.student_id, (("", root),))
    options = GradingOptions(time_budget_s=job.time_budget_s, threads=threads)
    return grade(course, submission, task_ids=list(job.task_ids), options=options)
