"""Where a submission's files come from.

A submission is looked at only through :meth:`Submission.find`, by
student-tree path (``minitorch/operators.py``, ``tests/test_operators.py``).
The course's own reference is a special submission: its library lives in
``reference/`` and its solved student tests in ``assignments/*/tests``.
"""

from __future__ import annotations

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
    if course.common is not None:
        roots.append(("tests/", course.common / "tests"))
    roots.append(("", course.reference))
    return Submission(label="reference", roots=tuple(roots), is_reference=True)
