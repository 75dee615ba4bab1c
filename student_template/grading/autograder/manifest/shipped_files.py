"""The two files a release writes beside its course, and the one place that reads and writes them.

A student tree's ``grading/course/`` holds:

- ``released.json``, the release's stamp: course, version, last module, and
  the hash of every released file and Python unit (the grader tells changed
  course files by it, an upgrade tells who changed what);
- ``expected.json``, every test the course defines, collected on the
  released stubs (a student course has no other library to collect on).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .layout import GRADING

RELEASED_FILE = "released.json"
EXPECTED_FILE = "expected.json"
STAMP_PATH = f"{GRADING}/course/{RELEASED_FILE}"  # in a student tree


@dataclass(frozen=True)
class Stamp:
    """What a release says about itself: course, version, last module, and its files' and units' hashes."""

    course: str
    version: str
    module: int
    files: dict[str, str]
    units: dict[str, dict[str, str]]

    @property
    def label(self) -> str:
        """``minitorch 2026.12 module 2``."""
        return f"{self.course} {self.version} module {self.module}"


def write_stamp(course_dir: Path, stamp: Stamp) -> None:
    """Write ``stamp`` as ``course_dir/released.json``."""
    text = json.dumps(asdict(stamp), indent=1, sort_keys=True) + "\n"
    (course_dir / RELEASED_FILE).write_text(text, encoding="utf-8")


def read_stamp(path: Path) -> Stamp:
    """The stamp in ``path`` (a ``released.json``).

    Raises:
        ValueError: The file is not a stamp (bad JSON, a key missing or of the wrong type).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Stamp(
            str(data["course"]), str(data["version"]), int(data["module"]), dict(data["files"]), dict(data["units"])
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None


def shipped_stamp(course_dir: Path) -> Stamp | None:
    """The stamp a student course ships, or None in the course repository (which has none)."""
    path = course_dir / RELEASED_FILE
    return read_stamp(path) if path.is_file() else None


def write_expected(course_dir: Path, items: list[dict[str, Any]]) -> None:
    """Write the collected tests as ``course_dir/expected.json``."""
    text = json.dumps({"items": items}, indent=1, sort_keys=True) + "\n"
    (course_dir / EXPECTED_FILE).write_text(text, encoding="utf-8")


def shipped_expected(course_dir: Path) -> list[dict[str, Any]] | None:
    """The collected tests a student course ships, or None in the course repository."""
    path = course_dir / EXPECTED_FILE
    return list(json.loads(path.read_text(encoding="utf-8"))["items"]) if path.is_file() else None
