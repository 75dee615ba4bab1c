"""``grade``: grade one submission, print the table, write the files asked for."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from ..cli import EXIT_FAILED, EXIT_OK
from ..manifest import Course
from ..render import ProgressLines, print_table, to_gradescope, to_markdown
from ..submission import open_submission
from .grade import GradingOptions, grade


def run(course: Course, args: argparse.Namespace) -> int:
    """Grade ``args.submission``; exit 1 only under ``--strict`` with points missed."""
    console = Console(width=None if sys.stdout.isatty() else 110)
    progress = ProgressLines(Console(stderr=True, width=None if sys.stderr.isatty() else 110))  # stdout: the report
    options = GradingOptions(progress=progress)
    submission = open_submission(args.submission, course)
    report = grade(course, submission, task_ids=args.task, module=args.module, options=options)
    progress.console.print()
    print_table(report, console, failures=None if args.task else 3)  # one task: every failure
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
