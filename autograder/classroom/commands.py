"""The course repository's class commands: ``batch``, ``export``, ``manual``, ``gradescope``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from ..cli import EXIT_INPUT, EXIT_OK
from ..grading.grade import select_tasks
from ..manifest import Course
from ..safe_text import for_terminal
from .batch import BatchOptions, run_batch
from .batch_policy import Allow, BatchRefused
from .class_report import Comparison, write_class_report
from .executors import ExecutorError
from .exports import export_csv, export_feedback, export_json
from .fingerprints import scope_of
from .gradebook import Gradebook, GradebookError
from .gradescope import build_bundle
from .intake import IntakeError, UnpackedTrees, discover
from .lateness import settle_penalties
from .lms_exports import LMS_FORMATS, LmsError, export_lms
from .manual import enter_manual
from .roster import roster_in_effect, take_class
from .score_changes import CHANGES_FILE, POLICY, export_changes, fixed_reason, log_score_changes

GRADEBOOK = "gradebook.sqlite"


def run(course: Course, args: argparse.Namespace) -> int:
    """Grade a class and export it, export again, or build a Gradescope zip; bad input is one line, exit 2."""
    if args.command == "gradescope":
        dest = args.dest or Path("grades") / f"gradescope-module{args.module}.zip"
        print(f"wrote {build_bundle(course, args.module, dest)}")
        return EXIT_OK
    try:
        if args.command == "manual":
            return _manual(course, args)
        return _batch_and_export(course, args)
    except (IntakeError, GradebookError, ExecutorError, BatchRefused, LmsError) as error:
        print(for_terminal(f"error: {error}", multiline=True), file=sys.stderr)
        return EXIT_INPUT


def _batch_and_export(course: Course, args: argparse.Namespace) -> int:
    out: Path = args.out
    scope = scope_of(course, args.module, args.task)
    lms = getattr(args, "lms", None)
    if lms is not None and lms not in LMS_FORMATS:
        raise LmsError(f"unknown LMS {lms!r}: give one of {', '.join(LMS_FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        trees = UnpackedTrees(Path(scratch))  # each archive unpacked once: for the batch, then the similarity review
        comparison = None
        if args.command == "batch":
            run_batch(course, args.submissions, out / GRADEBOOK, replace(batch_options(args), trees=trees))
            if not args.no_similarity:
                files = sorted({f for t in select_tasks(course, args.task, args.module) for f in t.files})
                roster = roster_in_effect(args.roster, out / GRADEBOOK)
                archive = discover(args.archive) if args.archive is not None else None
                comparison = Comparison(discover(args.submissions, roster), trees, files, archive)
        elif not (out / GRADEBOOK).is_file():
            raise GradebookError(f"{out / GRADEBOOK}: no gradebook here (run `batch` first)")
        with Gradebook(out / GRADEBOOK) as book:
            if args.command == "export":  # a roster or extensions given now: re-keyed and settled, not regraded
                _require_graded(book, scope, out / GRADEBOOK)
                for line in take_class(course, book, args.roster, args.extensions, set()):
                    print(for_terminal(line))
            settle_penalties(course, book)
            log_score_changes(course, book, fixed_reason(*POLICY))  # what the policy moved since the log last saw
            written = [export_csv(book, out / "grades.csv", scope), export_json(book, out / "grades.json", scope)]
            written.append(export_changes(book, out / CHANGES_FILE))
            feedback = export_feedback(book, out / "feedback", scope, course.late.grace_days)
            written.append(write_class_report(course, book, out / "report", comparison, scope))
            if lms is not None:
                lms_export = export_lms(course, book, lms, out, args.module)
                for warning in lms_export.warnings:
                    print(for_terminal(f"warning: {warning}"), file=sys.stderr)
                written.append(lms_export.path)
    print(f"wrote {', '.join(str(p) for p in written)} and {len(feedback)} feedback pages in {out / 'feedback'}")
    return EXIT_OK


def _require_graded(book: Gradebook, scope: str, path: Path) -> None:
    """Refuse to export a scope no batch graded, nor one of the whole course: its files would be empty."""
    scopes = book.scopes()
    if scope not in scopes and "all" not in scopes:
        graded = ", ".join(repr(s) for s in scopes) or "none"
        raise GradebookError(f"{path}: no batch graded {scope!r} (graded: {graded}); choose one with MODULE= or TASK=")


def _manual(course: Course, args: argparse.Namespace) -> int:
    """``manual``: check every row of the CSV, store the points with who and when, settle the final scores."""
    path = args.out / GRADEBOOK
    if not path.is_file():
        raise GradebookError(f"{path}: no gradebook here (run `batch` first)")
    with Gradebook(path) as book:
        scores = enter_manual(args.csv, course, args.module, book)
        tasks = ", ".join(sorted({s.task_id for s in scores}))
        log_score_changes(course, book, fixed_reason("manual points", f"task {tasks}"))
    students = len({s.student_id for s in scores})
    who = scores[0].entered_by if scores else ""
    print(
        for_terminal(
            f"entered {len(scores)} manual scores of module {args.module} for {students} students"
            + (f" (by {who})" if who else "")
            + f" into {path}; `make export` writes them out"
        )
    )
    return EXIT_OK


def batch_options(args: argparse.Namespace) -> BatchOptions:
    """The command line's ``batch`` arguments as :class:`BatchOptions`."""
    return BatchOptions(
        jobs=max(1, args.jobs),
        module=args.module,
        task_ids=args.task,
        force=args.force,
        students=args.student,
        roster=args.roster,
        time_budget_s=args.time_budget,
        executor=args.executor or ("dask" if args.scheduler else "local"),
        scheduler=args.scheduler,
        allow=Allow(commit_dates=args.trust_commit_dates, unconfined=args.allow_unconfined),
        extensions=args.extensions,
        only_changed=args.regrade == "changed",
    )
