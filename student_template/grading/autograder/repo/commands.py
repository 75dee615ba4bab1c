"""``upgrade --release DIR`` (carry a student repository to the release in DIR) and ``ci --json FILE``."""

from __future__ import annotations

import argparse
import sys

from ..cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from ..manifest import Course
from ..safe_text import for_terminal
from .ci import ReportError, check
from .upgrade import upgrade


def run(course: Course, args: argparse.Namespace) -> int:
    """Plan, or apply, the upgrade to ``args.release``; or check a grade report for errored tasks."""
    if args.command == "ci":
        return run_ci(args)
    upgrade(args.release, args.repo, args.apply)
    return EXIT_OK


def run_ci(args: argparse.Namespace) -> int:
    """``ci``: exit 1 when a task of the report ``args.json`` errored, naming each; 2 for an unreadable report."""
    try:
        lines = check(args.json, args.summary)
    except ReportError as error:
        print(for_terminal(f"error: {error}"), file=sys.stderr)
        return EXIT_INPUT
    for line in lines:
        print(line, file=sys.stderr)
    if lines:
        print(f"ci: {len(lines)} task(s) errored: the check fails (missing points alone never do)", file=sys.stderr)
        return EXIT_FAILED
    print("ci: no task errored (missing points do not fail the check)")
    return EXIT_OK
