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
import re
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


def task_keys(course: Course) -> dict[str, str]:
    """A key per task that changes when what its result depends on may have: what ``REGRADE=changed`` compares.

    A task's key hashes the test files that carry its marker (public, hidden
    and checks), the reference's version of the files it grades, and every
    other file of the course (the manifests but their policy, the shared
    helpers and fixtures): a change to a helper changes every task's key, a
    change to one test file only its tasks'.
    """
    shared = hashlib.sha256()
    tests: list[tuple[Path, str, str]] = []  # path, hash, text
    generated = {course.template / "README.md", course.template / STAMP_PATH}
    for root in (course.root, course.template):
        for path in walk_files(root):
            if path.name in LEFT_OUT or path in generated:
                continue
            digest = _policy_free_hash(path)
            if path.name.startswith("test_") and path.suffix == ".py":
                tests.append((path, digest, path.read_text(encoding="utf-8", errors="replace")))
            else:
                shared.update(str(path).encode() + b"\0" + digest.encode())
    keys = {}
    reference = course.reference
    for task in course.tasks:
        key = shared.copy()
        for path, digest, text in tests:
            if re.search(rf"\b{re.escape(task.marker)}\b", text):
                key.update(str(path).encode() + b"\0" + digest.encode())
        for name in task.files:
            solved = reference / name if reference is not None else None
            solution = file_hash(solved) if solved is not None and solved.is_file() else "absent"
            key.update(name.encode() + b"\0" + solution.encode())
        keys[task.id] = key.hexdigest()[:16]
    return keys


def changed_tasks(before: str, now: dict[str, str]) -> set[str]:
    """The tasks whose key differs between a grading's stored keys (JSON; empty: unknown) and ``now``."""
    try:
        stored = json.loads(before) if before else {}
    except json.JSONDecodeError:
        stored = {}
    return {task_id for task_id, key in now.items() if stored.get(task_id) != key}


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
