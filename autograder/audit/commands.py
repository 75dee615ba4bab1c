"""The course repository's soundness commands: ``verify``, ``mutation`` (the mutation score), ``calibrate``."""

from __future__ import annotations

import argparse

from ..cli import EXIT_FAILED, EXIT_OK
from ..manifest import Course
from .calibrate import calibrate
from .planted_bugs import format_scores, run_planted_bugs, score_problems, task_scores
from .verify import verify


def run(course: Course, args: argparse.Namespace) -> int:
    """Run ``args.command``; exit 1 when a check failed."""
    if args.command == "mutation":
        return _mutation(course, args)
    if args.command == "calibrate":
        passes = calibrate(course, args.task, args.runs)
        return EXIT_OK if all(count == args.runs for count in passes.values()) else EXIT_FAILED
    return EXIT_OK if verify(course, jobs=max(1, args.jobs)) else EXIT_FAILED


def _mutation(course: Course, args: argparse.Namespace) -> int:
    for task_id in args.task or []:
        course.task(task_id)  # an unknown task is bad input
    outcomes = run_planted_bugs(course, args.task, jobs=max(1, args.jobs), echo=print, record=True)
    scores = task_scores(course, outcomes, args.task)
    print("\n".join(format_scores(scores)))
    problems = score_problems(scores)
    for problem in problems:
        print(f"FAIL {problem}")
    return EXIT_FAILED if problems else EXIT_OK
