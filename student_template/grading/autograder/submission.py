"""Where a submission's files come from.

A submission is looked at only through :meth:`Submission.find`, by
student-tree path (``minitorch/operators.py``, ``tests/test_operators.py``).
The course's own reference is a special submission: its library lives in
``reference/`` and its solved student tests in ``assignments/*/tests``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .manifest import Course


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

    def find(self, path: str) -> Path | None:
        """The file holding student-tree ``path``, or ``None`` if absent."""
        for prefix, folder in self.roots:
            if path.startswith(prefix):
                candidate = folder / path[len(prefix) :]
                if candidate.is_file() and not candidate.is_symlink():
                    return candidate
        return None


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
    return Submission(label=str(path), roots=(("", folder),))


def reference_submission(course: Course) -> Submission:
    """The reference solution: the library plus the solved public tests."""
    if course.reference is None:
        raise SubmissionError(f"{course.root / 'course.toml'}: this course has no reference solution")
    roots: list[tuple[str, Path]] = [("tests/", m.public_tests) for m in course.modules]
    roots += [("notebooks/", m.root / "notebooks") for m in course.modules]
    if course.common is not None:
        roots.append(("tests/", course.common / "tests"))
    roots.append(("", course.reference))
    return Submission(label="reference", roots=tuple(roots), is_reference=True)


IGNORED_ALWAYS = {"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "sitecustomize.py", "usercustomize.py"}
SKIPPED_DIRS = {".git", ".venv", "venv", "__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", "grading"}
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
        are not part of the release); ``changed``: released files the
        submission edited although students may not (the released version
        was used).
    """
    result: dict[str, list[str]] = {"taken": [], "ignored": [], "changed": []}
    root = submission.roots[-1][1]
    for scanned, path in enumerate(_walk(root)):
        if scanned >= SCAN_LIMIT:
            result["ignored"].append(f"... more than {SCAN_LIMIT} files; the rest were not looked at")
            break
        relative = os.fsencode(path.relative_to(root).as_posix()).decode("utf-8", "backslashreplace")
        if relative in editable:
            result["taken"].append(relative)
        elif path.name in IGNORED_ALWAYS or path.suffix == ".pth":
            result["ignored"].append(relative)
        elif relative in released:
            if file_hash(path) != released[relative]:
                result["changed"].append(relative)
        elif relative.startswith(("minitorch/", "project/", "tests/")) and path.suffix == ".py":
            result["ignored"].append(relative)
    return result


def _walk(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` in a stable order, not following links."""
    for path in sorted(root.iterdir()):
        if path.is_symlink():
            continue
        if path.is_dir():
            if path.name not in SKIPPED_DIRS:
                yield from _walk(path)
        elif path.is_file():
            yield path
