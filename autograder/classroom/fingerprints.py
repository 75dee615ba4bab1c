"""What names a grading in the gradebook: the course's version, the scope, and the submission's content.

A submission is graded again only when one of them changes: the course
(its version and a digest of its files), the tasks graded, or the
student-editable files it holds (an archive that cannot be unpacked is
named by its own bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..grading.grade import course_digest
from ..grading.workspace import editable_files
from ..manifest import Course
from ..submission import Submission


def course_key(course: Course) -> str:
    """The course's version and a digest of its files: a change to any test means regrading."""
    return f"{course.version}+{course_digest(course)[:12]}"


def scope_of(course: Course, module: int | None, task_ids: Sequence[str] | None) -> str:
    """A name for the tasks a batch grades: ``all``, ``module 3`` or ``tasks 0.1,0.2``."""
    if task_ids:
        return "tasks " + ",".join(sorted(task_ids))
    return f"module {module}" if module is not None else "all"


def content_hash(course: Course, folder: Path) -> str:
    """SHA-256 over the student-editable files present in ``folder`` (path and bytes of each)."""
    submission = Submission(folder.name, (("", folder),))
    digest = hashlib.sha256()
    for path in editable_files(course):
        found = submission.find(path)
        if found is not None:
            digest.update(path.encode() + b"\0" + hashlib.sha256(found.read_bytes()).digest())
    return digest.hexdigest()


def archive_hash(path: Path) -> str:
    """SHA-256 of an archive's bytes, as ``archive:<hex>`` (what names a rejected archive)."""
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return "archive:" + digest.hexdigest()
