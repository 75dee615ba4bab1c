"""The course repository's commands that write student trees: ``student``, ``release``, ``upgrade --module``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from ..cli import EXIT_OK
from ..manifest import Course
from ..repo.upgrade import upgrade
from .release import release, release_module


def run(course: Course, args: argparse.Namespace) -> int:
    """Regenerate the student tree, write one module's release, or upgrade a repository to a release built here."""
    if args.command == "student":
        print(f"wrote {release(course)}")
        return EXIT_OK
    if args.command == "release":
        print(release_module(course, args.module, args.dest))
        return EXIT_OK
    with tempfile.TemporaryDirectory(prefix="upgrade-") as tmp:  # upgrade --module N
        release_module(course, args.module, Path(tmp) / f"module{args.module}", commit=False)
        upgrade(Path(tmp) / f"module{args.module}", args.repo, args.apply)
    return EXIT_OK
