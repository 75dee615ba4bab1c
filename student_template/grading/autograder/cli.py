"""Command line: ``python -m autograder COMMAND`` (the commands are :data:`COMMAND_ROOMS`'s).

Exit codes:
    0  the command finished (for ``grade``: the submission was graded, at any score)
    1  ``grade --strict``: some points were missed; ``verify``: a check failed;
       ``calibrate``: the reference missed a training target for some seed; ``ci``: a task errored
    2  bad input: a malformed manifest or marker, a missing submission, a bad option
    3  the grader itself failed (a bug: please report it)
    130 ``batch`` was interrupted (Ctrl-C); what finished is kept, run it again to resume

Error messages may quote what a submission chose (archive member names, file
names): they are printed with control characters escaped (:func:`~autograder.safe_text.for_terminal`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .manifest import Course, ManifestError, load_course
from .repo.gitrepo import GitError
from .repo.upgrade import UpgradeError
from .safe_text import for_terminal
from .submission import SubmissionError

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
PACKAGE = Path(__file__).resolve().parent
# The room whose ``commands.run`` runs each command. A student tree's grader has no staff room
# (authoring, audit, classroom), so its staff commands say they run only in the course repository.
COMMAND_ROOMS = {
    "grade": "grading",
    "upgrade": "repo",
    "ci": "repo",
    "student": "authoring",
    "release": "authoring",
    "verify": "audit",
    "mutation": "audit",
    "calibrate": "audit",
    "batch": "classroom",
    "export": "classroom",
    "manual": "classroom",
    "gradescope": "classroom",
}


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
    _add_ci(commands)
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
    _add_batch(commands)
    _add_export_and_manual(commands)
    bundle = commands.add_parser("gradescope", help="build a Gradescope autograder zip for one module")
    bundle.add_argument("--module", type=int, required=True, help="the module the Gradescope assignment grades")
    bundle.add_argument("--dest", type=Path, help="the zip to write (default grades/gradescope-moduleN.zip)")
    return parser


def _add_batch(commands: Any) -> None:
    """The ``batch`` command: a class graded into the gradebook, then exported."""
    batch = commands.add_parser("batch", help="grade a folder of submissions into the gradebook, then export")
    batch.add_argument("--submissions", type=Path, required=True, help="one entry per submission: folder or archive")
    batch.add_argument("--module", type=int, help="grade only this module's tasks")
    batch.add_argument("--task", action="append", help="grade only this task (repeatable)")
    batch.add_argument("--jobs", type=int, default=2, help="submissions graded at a time (default 2)")
    batch.add_argument("--roster", type=Path, help="CSV: student_id, submission[, name, email, submitted_at]")
    batch.add_argument("--force", action="store_true", help="regrade work that is graded already")
    batch.add_argument(
        "--regrade",
        choices=["changed"],
        help="changed: after a course change, regrade only work failing a task whose tests or reference changed",
    )
    batch.add_argument("--student", action="append", help="grade (again) only this student (repeatable)")
    batch.add_argument("--out", type=Path, default=Path("grades"), help="gradebook and exports (default grades/)")
    batch.add_argument("--no-similarity", action="store_true", help="leave the similarity review out of the report")
    batch.add_argument(
        "--archive", type=Path, help="a folder of past work (past terms, solutions found online) to compare with too"
    )
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
    batch.add_argument("--extensions", type=Path, help="CSV: student_id, module, days or due (moves due dates)")


def _add_export_and_manual(commands: Any) -> None:
    """The ``export`` and ``manual`` commands: the class's exports again, manual points entered."""
    export = commands.add_parser("export", help="write the CSV, JSON, feedback and class report from the gradebook")
    export.add_argument("--out", type=Path, default=Path("grades"), help="folder of the gradebook (default grades/)")
    export.add_argument("--module", type=int, help="export this module's batch (default: the whole course's)")
    export.add_argument("--task", action="append", help="export this task's batch")
    export.add_argument("--roster", type=Path, help="CSV: make it the students' identity (re-keys, no regrading)")
    export.add_argument("--extensions", type=Path, help="CSV: student_id, module, days or due (replaces those given)")
    export.add_argument("--lms", help="also write the LMS's grade import CSV: canvas or moodle (OUT/<lms>.csv)")
    manual = commands.add_parser("manual", help="enter manual points (write-ups) from a CSV into the gradebook")
    manual.add_argument("--module", type=int, required=True, help="the module whose tasks the points are for")
    manual.add_argument("--csv", type=Path, required=True, help="CSV: student_id, task, points, comment")
    manual.add_argument("--out", type=Path, default=Path("grades"), help="folder of the gradebook (default grades/)")


def _add_ci(commands: Any) -> None:
    """The ``ci`` command: a student's CI step after ``grade --json``."""
    ci = commands.add_parser("ci", help="after grade --json: exit 1 when a task errored (not for missing points)")
    ci.add_argument("--json", type=Path, required=True, help="the report grade --json wrote")
    ci.add_argument("--summary", type=Path, help="append the verdict, in Markdown, to this file (a CI job summary)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        course = load_course(args.course)
        # `upgrade --module N` builds the release first, which only the course repository can.
        room = "authoring" if args.command == "upgrade" and args.module is not None else COMMAND_ROOMS[args.command]
        if not (PACKAGE / room / "commands.py").is_file():
            return _not_here(args)
        run: Callable[[Course, argparse.Namespace], int] = importlib.import_module(f"{__package__}.{room}.commands").run
        return run(course, args)
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


def _not_here(args: argparse.Namespace) -> int:
    """A staff command in a student tree: one line saying where it runs."""
    if args.command == "upgrade":
        print("error: --module builds a release, which only the course repository can; use --release", file=sys.stderr)
    else:
        print(f"error: '{args.command}' runs only in the course repository, not in a student tree", file=sys.stderr)
    return EXIT_INPUT
