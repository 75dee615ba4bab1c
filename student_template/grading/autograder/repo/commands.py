"""``upgrade --release DIR``: carry a student repository to the release in DIR (a plan, or with ``--apply`` it)."""

from __future__ import annotations

import argparse

from ..cli import EXIT_OK
from ..manifest import Course
from .upgrade import upgrade


def run(course: Course, args: argparse.Namespace) -> int:
    """Plan, or apply, the upgrade to ``args.release``."""
    upgrade(args.release, args.repo, args.apply)
    return EXIT_OK
