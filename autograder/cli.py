"""Command line: ``python -m autograder grade|student|verify|calibrate``.

Exit codes:
    0  the command finished (for ``grade``: the submission was graded, at any score)
    1  ``grade --strict``: some points were missed; ``verify``: a check failed;
       ``calibrate``: the reference missed a training target for some seed
    2  bad input: a malformed manifest or marker, a missing submission, a bad option
    3  the grader itself failed (a bug: please report it)
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from .manifest import Course, ManifestError, load_course
from .submission import SubmissionError

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


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
    verify_parser = commands.add_parser("verify", help="check that the assignment is sound")
    verify_parser.add_argument("--jobs", type=int, default=2, help="gradings run at a time (default 2)")
    calibrate = commands.add_parser(
        "calibrate", help="rerun a training task's targets on the reference with other seeds"
    )
    calibrate.add_argument("--task", required=True, help="the training task, e.g. 1.5")
    calibrate.add_argument("--runs", type=int, default=10, help="how many seeds (default 10)")
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
        return _staff_command(course, args)
    except (ManifestError, SubmissionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception:  # noqa: BLE001 - the last line of defence reports and exits 3
        traceback.print_exc()
        print("error: the grader failed; this is a bug in the grader, not in the submission", file=sys.stderr)
        return EXIT_INTERNAL


def _staff_command(course: Course, args: argparse.Namespace) -> int:
    command = args.command
    try:
        from .release import release
        from .verify import verify
    except ImportError:
        print(f"error: '{command}' runs only in the course repository, not in a student tree", file=sys.stderr)
        return EXIT_INPUT
    if command == "student":
        print(f"wrote {release(course)}")
        return EXIT_OK
    return EXIT_OK if verify(course, jobs=max(1, args.jobs)) else EXIT_FAILED


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
