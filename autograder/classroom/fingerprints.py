"""What names a grading in the gradebook: the course's version, the scope, and the submission's content.

A submission is graded again only when one of them changes: the course
(its version and a digest of its files), the tasks graded, or the
student-editable files it holds (an archive that cannot be unpacked is
named by its own bytes).

The late policy is not part of the course's key: ``course.toml``'s
``[late]`` table, the modules' due dates, and the files ``make student``
writes from them (the template's ``README.md`` and the release stamp that
hashes it) change the penalties, which are settled from the gradebook
(:mod:`autograder.classroom.lateness`), not the grading.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from pathlib import Path

from ..grading.workspace import editable_files
from ..manifest import CAUGHT_FILE, PLANTED_BUGS_FILE, Course
from ..manifest.layout import walk_files
from ..manifest.shipped_files import STAMP_PATH
from ..submission import Submission, file_hash

# The keys of a manifest that are policy, by file name: left out of the course's key.
POLICY_KEYS = {"course.toml": ("late", None), "tasks.toml": ("module", "due")}
LEFT_OUT = (PLANTED_BUGS_FILE, CAUGHT_FILE)  # what verify measures the tests with; no grading reads them


def course_key(course: Course) -> str:
    """The course's version and a digest of its files but the late policy: a change to any test means regrading."""
    digest = hashlib.sha256()
    generated = {course.template / "README.md", course.template / STAMP_PATH}
    for root in (course.root, course.template):
        for path in walk_files(root):
            if path.name in LEFT_OUT or path in generated:
                continue
            digest.update(str(path).encode() + b"\0" + _policy_free_hash(path).encode())
    return f"{course.version}+{digest.hexdigest()[:12]}"


def _policy_free_hash(path: Path) -> str:
    """A file's hash; for a manifest, the hash of its tables without the policy's keys."""
    if path.name not in POLICY_KEYS:
        return file_hash(path)
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError:
        return file_hash(path)
    key, inner = POLICY_KEYS[path.name]
    if inner is None:
        table.pop(key, None)
    elif isinstance(table.get(key), dict):
        table[key].pop(inner, None)
    return hashlib.sha256(json.dumps(table, sort_keys=True, default=str).encode()).hexdigest()


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
