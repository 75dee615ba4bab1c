"""Where a submission's files come from.

A submission is looked at only through :meth:`Submission.find`, by
student-tree path (``minitorch/operators.py``, ``tests/test_operators.py``).
The course's own reference is a special submission: its library lives in
``reference/`` and its solved student tests in ``assignments/*/tests``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .manifest import Course
from .manifest.layout import CACHE_DIRS, GRADING, LIBRARY, NOTEBOOKS, PROJECT, TESTS, walk_files
from .manifest.shipped_files import STAMP_PATH, Stamp, read_stamp

# The report's notes on files, one note per kind, naming every file of that kind.
MISSING = "missing from the submission (the released stubs were used)"
CHANGED = "course files you changed (the released versions were used)"
IGNORED = "ignored (the grader never runs them)"


class SubmissionError(ValueError):
    """A submission cannot be read; the message names the path."""


@dataclass(frozen=True)
class Submission:
    """A read-only view of a student tree.

    Attributes:
        label: How reports name it.
        roots: ``(prefix, folder)`` pairs: a student-tree path starting with
            ``prefix`` is looked up in ``folder`` without the prefix. The
            first match wins.
        is_reference: Whether this is the course's reference solution.
    """

    label: str
    roots: tuple[tuple[str, Path], ...]
    is_reference: bool = False

    @cached_property
    def stamp(self) -> Stamp | None:
        """The stamp of the release this tree was handed (its ``released.json``), or None.

        The submission wrote it, so it is never trusted for a grade: it only keeps
        the report from noting files the student never had, or has as they were released.
        """
        path = self.find(STAMP_PATH)
        if self.is_reference or path is None or path.stat().st_size > MAX_FILE_BYTES:
            return None
        try:
            return read_stamp(path)
        except (ValueError, OSError):
            return None

    def was_released(self, path: str) -> bool:
        """Whether the student's release had ``path`` (True when it cannot tell)."""
        return self.stamp is None or path in self.stamp.files

    def find(self, path: str) -> Path | None:
        """The file holding student-tree ``path``, or ``None`` if absent or reached through a link."""
        for prefix, folder in self.roots:
            if path.startswith(prefix):
                candidate = folder / path[len(prefix) :]
                if link_on_path(folder, path[len(prefix) :]) is None and candidate.is_file():
                    return candidate
        return None

    def read(self, path: str) -> Found:
        """The bytes of student-tree ``path``, or why there are none (missing, or a link on its path)."""
        for prefix, folder in self.roots:
            if not path.startswith(prefix):
                continue
            relative = path[len(prefix) :]
            link = link_on_path(folder, relative)
            if link is not None:
                return Found(None, f"{path} was refused: {link} is a symbolic link (the released version was used)")
            data = _read_regular(folder / relative)
            if data is not None and len(data) > MAX_FILE_BYTES:
                return Found(None, f"{path} was refused: larger than {MAX_FILE_BYTES // 1024**2} MiB")
            if data is not None:
                return Found(data, None)
        return Found(None, None, missing=True)


@dataclass(frozen=True)
class Found:
    """What reading one student-tree path gave: its bytes, or why there are none (a note, or missing)."""

    data: bytes | None
    note: str | None
    missing: bool = False


def grouped_note(kind: str, paths: list[str]) -> list[str]:
    """One note naming every path of a kind (:data:`MISSING`, :data:`CHANGED`, :data:`IGNORED`); none for none."""
    return [f"{kind}: {', '.join(paths)}"] if paths else []


def link_on_path(root: Path, relative: str) -> str | None:
    """The first part of ``root/relative`` (below ``root``) that is a symbolic link, as a relative path."""
    current = root
    parts = [p for p in relative.split("/") if p]
    for number, part in enumerate(parts, start=1):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return "/".join(parts[:number])
    return None


def _read_regular(path: Path) -> bytes | None:
    """A regular file's bytes, opened without following a link; ``None`` for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(MAX_FILE_BYTES + 1)


def open_submission(path: Path | str, course: Course) -> Submission:
    """Resolve a submission folder; the course's reference folder is recognised.

    Raises:
        SubmissionError: If ``path`` is not a folder.
    """
    folder = Path(path)
    if not folder.exists():
        raise SubmissionError(f"{folder}: submission not found")
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: a submission must be a folder")
    folder = folder.resolve()
    if course.reference is not None and folder == course.reference:
        return reference_submission(course)
    label = folder.name if Path(path).name in ("", ".", "..") else str(path)  # "." names no one: the folder does
    return Submission(label=label, roots=(("", folder),))


def reference_submission(course: Course) -> Submission:
    """The reference solution: the library plus the solved public tests."""
    if course.reference is None:
        raise SubmissionError(f"{course.root / 'course.toml'}: this course has no reference solution")
    roots: list[tuple[str, Path]] = [(f"{TESTS}/", m.public_tests) for m in course.modules]
    roots += [(f"{NOTEBOOKS}/", m.root / NOTEBOOKS) for m in course.modules]
    if course.common is not None:
        roots.append((f"{TESTS}/", course.common / TESTS))
    roots.append(("", course.reference))
    return Submission(label="reference", roots=tuple(roots), is_reference=True)


MAX_FILE_BYTES = 4 * 1024**2  # a student-editable file larger than this is refused
IGNORED_ALWAYS = {"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "sitecustomize.py", "usercustomize.py"}
# Folders a submission scan does not enter: version control, environments, caches, the grader's copy.
SKIPPED_DIRS = CACHE_DIRS | {".git", ".venv", "venv", GRADING}
SCAN_LIMIT = 20_000


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspect_submission(submission: Submission, editable: list[str], released: dict[str, str]) -> dict[str, list[str]]:
    """Sort a submission's files into taken, ignored and changed-but-ignored.

    Args:
        submission: The tree to look at (only its last root is scanned; the
            reference's extra roots are course files).
        editable: Student-editable paths; these are taken.
        released: Path to SHA-256 of every file of the released student tree.

    Returns:
        ``taken``: editable files found; ``ignored``: files the grader never
        runs (conftest.py, pytest settings, sitecustomize, .pth, files that
        are not part of the release; the course's own released conftest.py,
        unchanged, is not listed); ``changed``: released files the
        submission edited although students may not (the released version
        was used), unless they are as the student's own release had them.
    """
    result: dict[str, list[str]] = {"taken": [], "ignored": [], "changed": []}
    root = submission.roots[-1][1]
    theirs = submission.stamp.files if submission.stamp is not None else {}  # as the student's release had them
    for scanned, path in enumerate(walk_files(root, SKIPPED_DIRS, links=True)):
        if scanned >= SCAN_LIMIT:
            result["ignored"].append(f"... more than {SCAN_LIMIT} files; the rest were not looked at")
            break
        relative = os.fsencode(path.relative_to(root).as_posix()).decode("utf-8", "backslashreplace")
        if path.is_symlink():
            result["ignored"].append(f"{relative} (a symbolic link: never followed)")
        elif relative in editable:
            result["taken"].append(relative)
        elif path.name in IGNORED_ALWAYS or path.suffix == ".pth":
            if relative not in released or file_hash(path) != released[relative]:  # not the course's own copy
                result["ignored"].append(relative)
        elif relative in released:
            if file_hash(path) not in (released[relative], theirs.get(relative)):
                result["changed"].append(relative)
        elif relative.startswith((f"{LIBRARY}/", f"{PROJECT}/", f"{TESTS}/")) and path.suffix == ".py":
            result["ignored"].append(relative)
    return result
