"""Command line: ``python -m autograder grade|student|release|upgrade|verify|calibrate|batch|export|gradescope``.

Exit codes:
    0  the command finished (for ``grade``: the submission was graded, at any score)
    1  ``grade --strict``: some points were missed; ``verify``: a check failed;
       ``calibrate``: the reference missed a training target for some seed
    2  bad input: a malformed manifest or marker, a missing submission, a bad option
    3  the grader itself failed (a bug: please report it)
    130 ``batch`` was interrupted (Ctrl-C); what finished is kept, run it again to resume

Error messages may quote what a submission chose (archive member names, file
names): they are printed with control characters escaped (:func:`~autograder.safe_text.for_terminal`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from .gitrepo import GitError
from .manifest import Course, ManifestError, load_course
from .safe_text import for_terminal
from .submission import SubmissionError
from .upgrade import UpgradeError

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Grade and release the minitorch course.")
    parser.add_argument("--course", default="assignments", help="folder holding course.toml (default: assignments)")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission and print a table")
    grade.add_argument("--submission", default=".", help="the student tree to grade (default: .)")
    grade.add_argument("--task", action="append", help="grade only this task, e.g. 0.1 (repeatable)")
    grade.add_argument("--module", type=int, help="grade only this module's tasks")
    grade.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    grade.add_argument("--markdown", type=Path, help="also write a Markdown summary to this file")
    grade.add_argument("--gradescope", type=Path, help="also write Gradescope's results.json to this file")
    grade.add_argument(
        "--stdout-visibility",
        default="hidden",
        choices=["hidden", "after_due_date", "after_published", "visible"],
        help="Gradescope visibility of the grader's output (default: hidden)",
    )
    grade.add_argument("--strict", action="store_true", help="exit 1 unless every task gets full points")
    commands.add_parser("student", help="regenerate the student tree from reference/ and assignments/")
    release = commands.add_parser("release", help="write the standalone student repository of modules 0..N")
    release.add_argument("--module", type=int, required=True, help="the last module the release holds")
    release.add_argument("--dest", type=Path, required=True, help="the folder to write (absent, empty or a release)")
    upgrade = commands.add_parser(
        "upgrade", help="carry a student repository to a newer release (a dry run unless --apply)"
    )
    upgrade.add_argument("--repo", type=Path, required=True, help="the student repository to upgrade")
    source = upgrade.add_mutually_exclusive_group(required=True)
    source.add_argument("--release", type=Path, help="the new release's folder")
    source.add_argument("--module", type=int, help="course repository only: build the release of modules 0..N")
    upgrade.add_argument("--apply", action="store_true", help="write the plan and commit it")
    verify_parser = commands.add_parser("verify", help="check that the assignment is sound")
    verify_parser.add_argument("--jobs", type=int, default=2, help="gradings run at a time (default 2)")
    mutation = commands.add_parser(
        "mutation", help="plant each bug of planted_bugs.toml in the reference and check the task's tests catch it"
    )
    mutation.add_argument("--task", action="append", help="only this task's bugs, e.g. 3.1 (repeatable)")
    mutation.add_argument("--jobs", type=int, default=2, help="bugs checked at a time (default 2)")
    calibrate = commands.add_parser(
        "calibrate", help="rerun a training task's targets on the reference with other seeds"
    )
    calibrate.add_argument("--task", required=True, help="the training task, e.g. 1.5")
    calibrate.add_argument("--runs", type=int, default=10, help="how many seeds (default 10)")
    batch = commands.add_parser("batch", help="grade a folder of submissions into the gradebook, then export")
    batch.add_argument("--submissions", type=Path, required=True, help="one entry per submission: folder or archive")
    batch.add_argument("--module", type=int, help="grade only this module's tasks")
    batch.add_argument("--task", action="append", help="grade only this task (repeatable)")
    batch.add_argument("--jobs", type=int, default=2, help="submissions graded at a time (default 2)")
    batch.add_argument("--roster", type=Path, help="CSV: student_id, submission[, name, email, submitted_at]")
    batch.add_argument("--force", action="store_true", help="regrade work that is graded already")
    batch.add_argument("--student", action="append", help="grade (again) only this student (repeatable)")
    batch.add_argument("--out", type=Path, default=Path("grades"), help="gradebook and exports (default grades/)")
    batch.add_argument("--no-similarity", action="store_true", help="leave the similarity review out of the report")
    batch.add_argument("--time-budget", type=float, help="seconds per task instead of the manifests' budgets")
    batch.add_argument(
        "--executor",
        choices=["local", "dask"],
        help="where gradings run: local threads (--jobs at a time), or a Dask cluster "
        "(default: dask with --scheduler, local otherwise)",
    )
    batch.add_argument("--scheduler", metavar="ADDRESS", help="the Dask scheduler, like tcp://host:8786")
    batch.add_argument(
        "--trust-commit-dates",
        action="store_true",
        help="a git checkout's last commit is its submission time when the roster gives none (the student sets it)",
    )
    batch.add_argument(
        "--allow-unconfined",
        action="store_true",
        help="grade even where no sandbox works (students' code then runs with plain limits only)",
    )
    export = commands.add_parser("export", help="write the CSV, JSON, feedback and class report from the gradebook")
    export.add_argument("--out", type=Path, default=Path("grades"), help="folder of the gradebook (default grades/)")
    export.add_argument("--module", type=int, help="export this module's batch (default: the whole course's)")
    export.add_argument("--task", action="append", help="export this task's batch")
    bundle = commands.add_parser("gradescope", help="build a Gradescope autograder zip for one module")
    bundle.add_argument("--module", type=int, required=True, help="the module the Gradescope assignment grades")
    bundle.add_argument("--dest", type=Path, help="the zip to write (default grades/gradescope-moduleN.zip)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        course = load_course(args.course)
        if args.command == "grade":
            return _grade(course, args)
        if args.command == "calibrate":
            return _calibrate(course, args)
        if args.command in ("batch", "export"):
            return _batch(course, args)
        if args.command == "gradescope":
            return _gradescope(course, args)
        if args.command == "upgrade":
            return _upgrade(course, args)
        return _staff_command(course, args)
    except (ManifestError, SubmissionError, UpgradeError, GitError) as error:
        print(for_terminal(f"error: {error}", multiline=True), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        if args.command == "batch":
            # Every finished submission is in the gradebook already; the gradings in flight are dropped
            # (their threads are not waited for) and graded by the next run.
            print("interrupted; run the same command again to resume", file=sys.stderr, flush=True)
            sys.stdout.flush()
            os._exit(EXIT_INTERRUPTED)
        print("interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception:  # noqa: BLE001 - the last line of defence reports and exits 3
        print(for_terminal(traceback.format_exc(), multiline=True), end="", file=sys.stderr)
        print("error: the grader failed; this is a bug in the grader, not in the submission", file=sys.stderr)
        return EXIT_INTERNAL


def _staff_command(course: Course, args: argparse.Namespace) -> int:
    command = args.command
    try:
        from .release import release, release_module
        from .verify import verify
    except ImportError:
        print(f"error: '{command}' runs only in the course repository, not in a student tree", file=sys.stderr)
        return EXIT_INPUT
    if command == "student":
        print(f"wrote {release(course)}")
        return EXIT_OK
    if command == "release":
        print(release_module(course, args.module, args.dest))
        return EXIT_OK
    if command == "mutation":
        return _mutation(course, args)
    return EXIT_OK if verify(course, jobs=max(1, args.jobs)) else EXIT_FAILED


def _mutation(course: Course, args: argparse.Namespace) -> int:
    from .planted_bugs import format_scores, run_planted_bugs, score_problems, task_scores

    for task_id in args.task or []:
        course.task(task_id)  # an unknown task is bad input
    outcomes = run_planted_bugs(course, args.task, jobs=max(1, args.jobs), echo=print, record=True)
    scores = task_scores(course, outcomes, args.task)
    print("\n".join(format_scores(scores)))
    problems = score_problems(scores)
    for problem in problems:
        print(f"FAIL {problem}")
    return EXIT_FAILED if problems else EXIT_OK


GRADEBOOK = "gradebook.sqlite"


def _batch(course: Course, args: argparse.Namespace) -> int:
    try:
        from .batch_policy import BatchRefused
        from .executors import ExecutorError
        from .gradebook import GradebookError
        from .intake import IntakeError
    except ImportError:
        print(f"error: '{args.command}' runs only in the course repository, not in a student tree", file=sys.stderr)
        return EXIT_INPUT
    try:
        return _batch_and_export(course, args)
    except (IntakeError, GradebookError, ExecutorError, BatchRefused) as error:
        print(for_terminal(f"error: {error}", multiline=True), file=sys.stderr)
        return EXIT_INPUT


def _batch_and_export(course: Course, args: argparse.Namespace) -> int:
    from .batch import run_batch
    from .batch_policy import Allow
    from .class_report import write_class_report
    from .exports import export_csv, export_feedback, export_json
    from .fingerprints import scope_of
    from .grade import select_tasks
    from .gradebook import Gradebook, GradebookError
    from .intake import discover

    out: Path = args.out
    scope = scope_of(course, args.module, args.task)
    entries = None
    if args.command == "batch":
        run_batch(
            course, args.submissions, out / GRADEBOOK, jobs=max(1, args.jobs), module=args.module,
            task_ids=args.task, force=args.force, students=args.student, roster=args.roster,
            time_budget_s=args.time_budget, executor=args.executor or ("dask" if args.scheduler else "local"),
            scheduler=args.scheduler,
            allow=Allow(commit_dates=args.trust_commit_dates, unconfined=args.allow_unconfined),
        )  # fmt: skip
        entries = None if args.no_similarity else discover(args.submissions, args.roster)
    elif not (out / GRADEBOOK).is_file():
        raise GradebookError(f"{out / GRADEBOOK}: no gradebook here (run `batch` first)")
    with Gradebook(out / GRADEBOOK) as book:
        written = [export_csv(book, out / "grades.csv", scope), export_json(book, out / "grades.json", scope)]
        feedback = export_feedback(book, out / "feedback", scope)
        files = sorted({f for t in select_tasks(course, args.task, args.module) for f in t.files})
        written.append(write_class_report(course, book, out / "report", entries, scope, files))
    print(f"wrote {', '.join(str(p) for p in written)} and {len(feedback)} feedback pages in {out / 'feedback'}")
    return EXIT_OK


def _gradescope(course: Course, args: argparse.Namespace) -> int:
    try:
        from .gradescope import build_bundle
    except ImportError:
        print("error: 'gradescope' runs only in the course repository, not in a student tree", file=sys.stderr)
        return EXIT_INPUT

    dest = args.dest or Path("grades") / f"gradescope-module{args.module}.zip"
    print(f"wrote {build_bundle(course, args.module, dest)}")
    return EXIT_OK


def _upgrade(course: Course, args: argparse.Namespace) -> int:
    from .upgrade import upgrade

    if args.release is not None:
        upgrade(args.release, args.repo, args.apply)
        return EXIT_OK
    try:
        from .release import release_module
    except ImportError:
        print("error: --module builds a release, which only the course repository can; use --release", file=sys.stderr)
        return EXIT_INPUT
    with tempfile.TemporaryDirectory(prefix="upgrade-") as tmp:
        release_module(course, args.module, Path(tmp) / f"module{args.module}", commit=False)
        upgrade(Path(tmp) / f"module{args.module}", args.repo, args.apply)
    return EXIT_OK


def _calibrate(course: Course, args: argparse.Namespace) -> int:
    from .calibrate import calibrate

    passes = calibrate(course, args.task, args.runs)
    return EXIT_OK if all(count == args.runs for count in passes.values()) else EXIT_FAILED


def _grade(course: Course, args: argparse.Namespace) -> int:
    from .grade import grade
    from .render import print_table, to_gradescope, to_markdown
    from .submission import open_submission

    report = grade(course, open_submission(args.submission, course), task_ids=args.task, module=args.module)
    print_table(report)
    if args.json:
        report.write_json(args.json)
    if args.gradescope:
        results = to_gradescope(report, args.stdout_visibility)
        args.gradescope.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(to_markdown(report), encoding="utf-8")
    if args.strict and report.score < report.max_score:
        return EXIT_FAILED
    return EXIT_OK
