"""The student tree's root files, from ``assignments/common/student/``: README, Makefile, pyproject, workflow.

A file's name maps to its place in the tree: a ``dot-`` part becomes a
dotfile or dot-folder (``dot-github/`` is ``.github/``), and a ``.in``
suffix is dropped. Its text is filled in two ways:

- lines between ``@@ module N`` and ``@@ end`` ship only with module N and
  later (:func:`module_blocks`);
- each placeholder ``@NAME@`` becomes what the course says (:func:`placeholders`):
  ``@MARKERS@`` the pytest markers, ``@DUE_DATES@`` a table of the released
  modules' due dates, ``@LATE_POLICY@`` the late policy in a sentence,
  ``@SUBMIT@`` how to submit. An unknown placeholder stops the release.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..manifest import Course, ManifestError, Module
from ..manifest.layout import walk_files

STUDENT_FILES = "student"
MODULE_BLOCK = re.compile(r"^@@ module (\d+)\s*$")
BLOCK_END = "@@ end"
PLACEHOLDER = re.compile(r"@([A-Z][A-Z_]*)@")


def module_blocks(text: str, last_module: int, where: Path) -> str:
    """``text`` with the ``@@ module N`` ... ``@@ end`` blocks of modules after ``last_module`` left out.

    Raises:
        ManifestError: If a block is not closed, or closed without being opened.
    """
    out: list[str] = []
    block: int | None = None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        opened = MODULE_BLOCK.match(line.strip())
        if opened and block is None:
            block = int(opened.group(1))
        elif line.strip() == BLOCK_END and block is not None:
            block = None
        elif opened or line.strip() == BLOCK_END:
            raise ManifestError(f"{where}:{number}: {line.strip()!r} inside another block or without one")
        elif block is None or block <= last_module:
            out.append(line)
    if block is not None:
        raise ManifestError(f"{where}: the block '@@ module {block}' has no '{BLOCK_END}'")
    return "".join(out)


def due_text(due: dt.datetime | None) -> str:
    """A due date as students read it (``2026-12-15 23:59 UTC``); ``not set yet`` for none."""
    if due is None:
        return "not set yet"
    utc = due.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def due_table(modules: tuple[Module, ...]) -> str:
    """A Markdown table of the modules and their due dates, one row each."""
    rows = ["| Module | Title | Due |", "| --- | --- | --- |"]
    rows += [f"| {m.number} | {m.title} | {due_text(m.due)} |" for m in modules]
    return "\n".join(rows)


def placeholders(course: Course) -> dict[str, str]:
    """What each placeholder of the root files stands for, in this release of the course."""
    return {
        "MARKERS": "\n".join(f'    "{name}: {text}",' for name, text in course.pytest_markers),
        "DUE_DATES": due_table(course.modules),
        "LATE_POLICY": course.late.describe(),
        "SUBMIT": course.submit.how,
    }


def fill(text: str, values: dict[str, str], where: Path) -> str:
    """``text`` with each ``@NAME@`` replaced by ``values[NAME]`` (in one pass: values are not scanned again).

    Raises:
        ManifestError: If ``text`` holds a placeholder ``values`` does not know, naming its line.
    """
    for number, line in enumerate(text.splitlines(), start=1):
        for found in PLACEHOLDER.finditer(line):
            if found.group(1) not in values:
                known = ", ".join(f"@{name}@" for name in sorted(values))
                raise ManifestError(f"{where}:{number}: unknown placeholder {found.group(0)} (known: {known})")
    return PLACEHOLDER.sub(lambda found: values[found.group(1)], text)


def write_root_files(course: Course, dest: Path) -> None:
    """Write the course's ``common/student/`` files into ``dest``, for a release of ``course.modules``.

    Raises:
        ManifestError: For a bad module block or an unknown placeholder.
    """
    source = course.common / STUDENT_FILES if course.common is not None else None
    if source is None or not source.is_dir():
        return
    values = placeholders(course)
    last = course.modules[-1].number
    for path in walk_files(source):
        parts = [part.removesuffix(".in") for part in path.relative_to(source).parts]
        parts = ["." + part.removeprefix("dot-") if part.startswith("dot-") else part for part in parts]
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = module_blocks(path.read_text(encoding="utf-8"), last, path)
        target.write_text(fill(text, values, path), encoding="utf-8")
